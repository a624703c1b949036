"""Every staff router of the API lets in the same people as the staff pages (S-1, S-2, S-5).

A session signed in with the password only (no second factor verified in it), or one whose user
must first change a password an administrator set, is sent by the staff pages to the login or the
password page; the API refuses both with a 401 in the error shape, on every staff router, and the
refused request changes nothing. The same request in a verified session is answered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from ninja.security import SessionAuth

from tests.sessions import password_only_client, verified_client
from zhifa.accounts.models import RoleAssignment, User
from zhifa.api import api
from zhifa.apikit import VerifiedSessionAuth
from zhifa.catalogue.models import InspectionItem
from zhifa.core import clock
from zhifa.evidence.models import Device
from zhifa.ledger.models import LedgerEvent
from zhifa.org.models import Agency, Government

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class World:
    agency: Agency
    head: User
    deputy: User  # another head of the agency, whose sessions the tests spoil


@pytest.fixture
def world() -> World:
    government = Government.objects.create(name="白山乡", level=Government.Level.TOWNSHIP)
    agency = Agency.objects.create(government=government, name="国土资源所", kind="institute")
    heads = []
    for username in ("head", "deputy"):
        user = User.objects.create_user(username=username, password="x-Head-2026-pw")
        RoleAssignment.objects.create(
            user=user, agency=agency, role=RoleAssignment.Role.AGENCY_HEAD, granted_at=clock.now()
        )
        heads.append(user)
    return World(agency=agency, head=heads[0], deputy=heads[1])


def _forced_password_change(user: User) -> Client:
    """A verified session of a user an administrator has since set a password for."""
    client = verified_client(user)
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    return client


def _password_only(user: User) -> Client:
    return password_only_client(user)


REFUSED_SESSIONS: dict[str, Callable[[User], Client]] = {
    "forced_password_change": _forced_password_change,
    "password_only": _password_only,
}


def _refused(response: Any) -> None:
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    assert body["code"] == "unauthenticated"
    assert CHINESE.search(body["message"])


def _state() -> tuple[int, int, int]:
    return LedgerEvent.objects.count(), InspectionItem.objects.count(), Device.objects.count()


@pytest.mark.parametrize("session", REFUSED_SESSIONS)
def test_the_org_api_refuses_a_session_the_staff_pages_would_refuse__S2(
    world: World, session: str
) -> None:
    url = "/api/v1/org/agencies"
    assert verified_client(world.head).get(url).status_code == 200
    _refused(REFUSED_SESSIONS[session](world.deputy).get(url))


@pytest.mark.parametrize("session", REFUSED_SESSIONS)
def test_the_catalogue_api_refuses_a_session_the_staff_pages_would_refuse_and_changes_nothing__S2(
    world: World, session: str
) -> None:
    url = f"/api/v1/catalogue/agencies/{world.agency.pk}/inspections"
    body = {
        "code": "SC-001",
        "name": "土地利用情况检查",
        "basis": "《中华人民共和国土地管理法》第六十七条",
        "subject": "辖区内用地单位",
        "content": "土地利用现状",
        "method": "实地核查",
        "ratio_percent": "5",
        "frequency": "每年一次",
    }
    client = REFUSED_SESSIONS[session](world.deputy)
    before = _state()
    _refused(client.post(url, body, content_type="application/json"))
    assert _state() == before
    answered = verified_client(world.head).post(url, body, content_type="application/json")
    assert answered.status_code == 201


@pytest.mark.parametrize("session", REFUSED_SESSIONS)
def test_the_evidence_api_refuses_a_session_the_staff_pages_would_refuse_and_changes_nothing__S2(
    world: World, session: str
) -> None:
    url = "/api/v1/uploads/devices"
    body = {"agency_id": world.agency.pk, "kind": "body_camera", "serial": "BC-0001"}
    client = REFUSED_SESSIONS[session](world.deputy)
    before = _state()
    _refused(client.post(url, body, content_type="application/json"))
    _refused(client.get(f"/api/v1/uploads/devices/{world.agency.pk}"))
    assert _state() == before
    answered = verified_client(world.head).post(url, body, content_type="application/json")
    assert answered.status_code == 201, answered.json()


@pytest.mark.parametrize("session", REFUSED_SESSIONS)
def test_the_cases_api_refuses_a_session_the_staff_pages_would_refuse__S2(
    world: World, session: str
) -> None:
    url = "/api/v1/cases/"
    assert verified_client(world.head).get(url).status_code == 200
    _refused(REFUSED_SESSIONS[session](world.deputy).get(url))


def test_no_operation_takes_a_session_without_the_second_factor__S2() -> None:
    """A router added later cannot fall back to django-ninja's plain session authentication: every
    session-authenticated operation checks what the staff pages check."""
    plain = []
    for bound_router in api._get_bound_routers():
        for path_view in bound_router.path_operations.values():
            for operation in path_view.operations:
                for callback in operation.auth_callbacks:
                    if isinstance(callback, SessionAuth) and not isinstance(
                        callback, VerifiedSessionAuth
                    ):
                        plain.append(operation.view_func.__qualname__)
    assert plain == []
