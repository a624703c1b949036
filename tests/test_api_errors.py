"""Every refusal of the API is ``{"code", "message", "detail"}`` with a Chinese message — also the
ones django-ninja and Django make themselves: an address that names no operation, a wrong method,
an unreadable body, a failed CSRF check."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhifa.accounts.models import RoleAssignment, User
from zhifa.core import clock
from zhifa.org.models import Agency, Government

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "detail"}
    assert CHINESE.search(body["message"]), body["message"]
    return body


@pytest.fixture
def agency_head() -> tuple[User, Agency]:
    government = Government.objects.create(name="白山乡", level=Government.Level.TOWNSHIP)
    agency = Agency.objects.create(government=government, name="国土资源所", kind="institute")
    user = User.objects.create_user(username="head", password="x-Head-2026-pw")
    RoleAssignment.objects.create(
        user=user, agency=agency, role=RoleAssignment.Role.AGENCY_HEAD, granted_at=clock.now()
    )
    return user, agency


def _verified_client(user: User, *, enforce_csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="t", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-thing", "/api/v1/public/agencies/1/nothing", "/api/v1/org/"]
)
def test_an_address_with_no_operation_is_a_404_in_the_error_shape(path: str) -> None:
    body = _error_of(Client().get(path), 404)
    assert body["code"] == "not_found"
    assert body["detail"] == {"path": path}


def test_a_wrong_method_is_a_405_in_the_error_shape_with_its_allow_header() -> None:
    before = Agency.objects.count()
    response = Client().delete("/api/v1/public/agencies")
    body = _error_of(response, 405)
    assert body["code"] == "method_not_allowed"
    assert body["detail"] == {"allowed": ["GET"]}
    assert response["Allow"] == "GET"
    assert Agency.objects.count() == before


def test_a_page_keeps_its_own_405_outside_the_api() -> None:
    response = Client().post("/agencies/")
    assert response.status_code == 405
    assert not response["Content-Type"].startswith("application/json")


def test_an_unreadable_body_is_a_400_in_chinese_and_changes_nothing__D2(
    agency_head: tuple[User, Agency],
) -> None:
    user, agency = agency_head
    response = _verified_client(user).patch(
        f"/api/v1/org/agencies/{agency.pk}", "{not json", content_type="application/json"
    )
    body = _error_of(response, 400)
    assert body["code"] == "http_error"
    agency.refresh_from_db()
    assert agency.duties == ""


def test_a_session_write_without_the_csrf_token_is_a_403_in_chinese_and_changes_nothing__D2(
    agency_head: tuple[User, Agency],
) -> None:
    user, agency = agency_head
    response = _verified_client(user, enforce_csrf=True).patch(
        f"/api/v1/org/agencies/{agency.pk}",
        {"reason": "更新职责", "changes": {"duties": "土地执法"}},
        content_type="application/json",
    )
    body = _error_of(response, 403)
    assert body["code"] == "http_error"
    agency.refresh_from_db()
    assert agency.duties == ""


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/ledger/events?type=a%00b",
        "/api/v1/public/officers?q=%00",
        "/api/v1/public/officers?q%00=x",
    ],
)
def test_a_nul_character_in_a_query_is_a_422_not_a_server_error(url: str) -> None:
    """PostgreSQL refuses text with NUL: a router filtering on it answered 500 (found by the
    schema fuzz on PostgreSQL). The API refuses it before any router reads it."""
    body = _error_of(Client().get(url), 422)
    assert body["code"] == "validation_failed"
    assert body["detail"][0]["loc"][0] == "query"
