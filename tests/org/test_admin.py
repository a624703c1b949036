"""The organisation in the Django admin is read-only: every change goes through the services,
which check it and version it in the ledger (O-1)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhifa.org.models import (
    Agency,
    Certificate,
    Government,
    Group,
    GroupMembership,
    Officer,
    Person,
    Post,
    Unit,
)

from .conftest import Org

ORG_MODELS = [Government, Agency, Unit, Person, Post, Officer, Certificate, Group, GroupMembership]


@pytest.mark.parametrize("model", ORG_MODELS, ids=lambda model: model.__name__)
def test_org_models_are_registered_read_only__O1(model: type, org: Org) -> None:
    request = RequestFactory().get("/")
    request.user = org.system_admin
    model_admin = admin.site._registry[model]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_the_system_admin_sees_the_agencies_and_cannot_edit_them__O1(org: Org) -> None:
    device = TOTPDevice.objects.create(user=org.system_admin, name="test", confirmed=True)
    client = Client()
    client.force_login(org.system_admin)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    listing = client.get("/admin/org/agency/")
    assert listing.status_code == 200
    assert "国土资源所" in listing.content.decode()
    detail = client.get(f"/admin/org/agency/{org.land.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert client.post(f"/admin/org/agency/{org.land.pk}/delete/").status_code == 403
