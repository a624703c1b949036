"""The staff API of the organisation: scoped reads, changes through the services, and refusals that
change nothing (O-1, D-2, D-3)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.sessions import verified_client
from zhifa.accounts import services as account_services
from zhifa.accounts.models import User
from zhifa.org.models import Agency, Certificate, Officer, Person, Unit

from .conftest import Org, nothing_changes

BASE = "/api/v1/org"


def client_for(user: User | None) -> Client:
    """Anonymous, or ``user`` signed in with both factors (what the staff API requires)."""
    if user is None:
        return Client()
    return verified_client(user)


def patch(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.patch(url, body, content_type="application/json")


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def test_without_login_the_api_answers_401__O1(org: Org) -> None:
    response = client_for(None).get(f"{BASE}/agencies")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_staff_list_only_the_agencies_they_may_read__O3(org: Org) -> None:
    own = client_for(org.land_head).get(f"{BASE}/agencies").json()
    assert [agency["name"] for agency in own] == ["国土资源所"]
    everything = client_for(org.supervisor).get(f"{BASE}/agencies").json()
    assert {agency["name"] for agency in everything} == {"国土资源所", "林业服务站", "司法所"}


def test_another_agency_is_not_found_and_not_changed__D2(org: Org) -> None:
    client = client_for(org.land_head)
    assert client.get(f"{BASE}/agencies/{org.forest.pk}").status_code == 404
    with nothing_changes(Agency):
        response = patch(
            client,
            f"{BASE}/agencies/{org.forest.pk}",
            {"reason": "越权", "changes": {"duties": "被改写"}},
        )
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "未找到该执法主体。",
        "detail": None,
    }
    with nothing_changes(Officer, Person):
        response = post(
            client, f"{BASE}/agencies/{org.forest.pk}/officers", {"person": {"name": "冒名"}}
        )
    assert response.status_code == 404
    with nothing_changes(Certificate):
        response = post(
            client,
            f"{BASE}/certificates/{org.forest_certificate.pk}/revoke",
            {"reason": "越权"},
        )
    assert response.status_code == 404


def test_the_supervisor_reads_but_is_refused_a_change__D2(org: Org) -> None:
    client = client_for(org.supervisor)
    assert client.get(f"{BASE}/agencies/{org.land.pk}").status_code == 200
    with nothing_changes(Agency):
        response = patch(
            client, f"{BASE}/agencies/{org.land.pk}", {"reason": "监督", "changes": {"duties": "x"}}
        )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_the_head_changes_their_agency_and_reads_the_history__D2(org: Org) -> None:
    client = client_for(org.land_head)
    response = patch(
        client,
        f"{BASE}/agencies/{org.land.pk}",
        {"reason": "更新联系方式", "changes": {"phone": "0434-5123456", "post_code": "136504"}},
    )
    assert response.status_code == 200
    assert response.json()["phone"] == "0434-5123456"
    history = client.get(f"{BASE}/agencies/{org.land.pk}/history").json()
    assert [entry["action"] for entry in history] == ["org.agency.create", "org.agency.update"]
    assert history[-1]["reason"] == "更新联系方式"
    assert history[-1]["actor"] == f"user:{org.land_head.pk}"
    assert history[-1]["content"]["post_code"] == "136504"


def test_a_blank_reason_is_a_422_in_chinese__D2(org: Org) -> None:
    with nothing_changes(Agency):
        response = patch(
            client_for(org.land_head),
            f"{BASE}/agencies/{org.land.pk}",
            {"reason": " ", "changes": {"duties": "x"}},
        )
    assert response.status_code == 422
    assert response.json()["message"] == "请填写变更原因。"


def test_the_head_cannot_change_the_legal_standing__D2(org: Org) -> None:
    with nothing_changes(Agency):
        response = patch(
            client_for(org.land_head),
            f"{BASE}/agencies/{org.land.pk}",
            {"reason": "改", "changes": {"is_enforcement_body": False}},
        )
    assert response.status_code == 403


def test_the_system_admin_creates_and_deactivates_an_agency__D2(org: Org) -> None:
    client = client_for(org.system_admin)
    response = post(
        client,
        f"{BASE}/agencies",
        {
            "government_id": org.township.pk,
            "name": "受委托站",
            "kind": "station",
            "is_entrusted": True,
            "entrusted_by_id": org.land.pk,
            "profile": {"duties": "受委托开展检查"},
            "reason": "设立",
        },
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["entrusted_by_id"] == org.land.pk and created["duties"] == "受委托开展检查"
    response = post(client, f"{BASE}/agencies/{created['id']}/deactivate", {"reason": "撤销"})
    assert response.status_code == 200 and response.json()["is_active"] is False


def test_an_entrusted_agency_without_its_entrusting_agency_is_a_422__L1(org: Org) -> None:
    with nothing_changes(Agency):
        response = post(
            client_for(org.system_admin),
            f"{BASE}/agencies",
            {
                "government_id": org.township.pk,
                "name": "站",
                "kind": "station",
                "is_entrusted": True,
            },
        )
    assert response.status_code == 422
    assert response.json()["message"] == "受委托组织必须写明委托机关。"


def test_units_officers_and_certificates_through_the_api__D3(org: Org) -> None:
    client = client_for(org.land_head)
    response = post(
        client,
        f"{BASE}/agencies/{org.land.pk}/units",
        {"name": "法制审核组", "kind": "legal", "reason": "设立"},
    )
    assert response.status_code == 201
    unit_id = response.json()["id"]
    response = patch(
        client, f"{BASE}/units/{unit_id}", {"reason": "更名", "changes": {"name": "法制组"}}
    )
    assert response.status_code == 200 and response.json()["name"] == "法制组"

    response = post(
        client,
        f"{BASE}/agencies/{org.land.pk}/officers",
        {"person": {"name": "新  员", "phone": "13912345678"}, "unit_id": org.land_unit.pk},
    )
    assert response.status_code == 201
    officer = response.json()
    assert officer["person"]["name"] == "新员" and officer["certificates"] == []

    response = post(
        client,
        f"{BASE}/officers/{officer['id']}/certificates",
        {
            "number": "test-0200",
            "issuing_body": "测试发证机关",
            "area": "白山乡",
            "valid_from": "2026-01-01",
            "valid_to": "2030-12-31",
        },
    )
    assert response.status_code == 201
    certificate = response.json()
    assert (certificate["number"], certificate["status"]) == ("TEST-0200", "valid")

    response = post(
        client,
        f"{BASE}/certificates/{certificate['id']}/renew",
        {
            "number": "TEST-0201",
            "valid_from": "2027-01-01",
            "valid_to": "2031-12-31",
            "reason": "换证",
        },
    )
    assert response.status_code == 201 and response.json()["replaces_id"] == certificate["id"]
    response = post(client, f"{BASE}/certificates/{certificate['id']}/revoke", {"reason": "再注销"})
    assert response.status_code == 409

    response = patch(
        client, f"{BASE}/officers/{officer['id']}", {"reason": "调整", "changes": {"unit_id": None}}
    )
    assert response.status_code == 200 and response.json()["unit_id"] is None
    response = patch(
        client,
        f"{BASE}/officers/{officer['id']}/person",
        {"reason": "更正", "changes": {"name": "新成员"}},
    )
    assert response.json()["person"]["name"] == "新成员"
    response = post(client, f"{BASE}/officers/{officer['id']}/deactivate", {"reason": "离岗"})
    assert response.json()["is_active"] is False
    history = client.get(f"{BASE}/officers/{officer['id']}/history").json()
    assert [entry["action"] for entry in history] == [
        "org.officer.create",
        "org.officer.update",
        "org.officer.deactivate",
    ]


def test_certificate_refusals_are_422_and_409__D3(org: Org) -> None:
    client = client_for(org.land_head)
    body = {"issuing_body": "测试发证机关", "area": "白山乡"}
    with nothing_changes(Certificate):
        response = post(
            client,
            f"{BASE}/officers/{org.land_officer.pk}/certificates",
            {**body, "number": "TEST-0300", "valid_from": "2026-01-02", "valid_to": "2026-01-01"},
        )
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_validity"
        response = post(
            client,
            f"{BASE}/officers/{org.land_officer.pk}/certificates",
            {**body, "number": "TEST-0001", "valid_from": "2026-01-01", "valid_to": "2026-12-31"},
        )
        assert response.status_code == 409
        response = post(
            client,
            f"{BASE}/officers/{org.land_officer.pk}/certificates",
            {**body, "number": "A\u0000B", "valid_from": "2026-01-01", "valid_to": "2026-12-31"},
        )
        assert response.status_code == 422


def test_unit_of_another_agency_is_refused__D3(org: Org) -> None:
    with nothing_changes(Officer, Person):
        response = post(
            client_for(org.land_head),
            f"{BASE}/agencies/{org.land.pk}/officers",
            {"person": {"name": "某人"}, "unit_id": org.forest_unit.pk},
        )
    assert response.status_code == 422


def test_certificate_status_shows_details_only_to_who_may_read_them__D10(org: Org) -> None:
    land = client_for(org.land_head)
    mine = land.get(f"{BASE}/certificate-status", {"number": "TEST-0001"}).json()
    assert mine["status"] == "valid" and mine["certificate"]["number"] == "TEST-0001"
    theirs = land.get(f"{BASE}/certificate-status", {"number": "TEST-0002"}).json()
    assert theirs["status"] == "valid" and theirs["certificate"] is None
    past = land.get(f"{BASE}/certificate-status", {"number": "TEST-0001", "on": "2031-01-01"})
    assert past.json()["status"] == "expired"
    unknown = land.get(f"{BASE}/certificate-status", {"number": "NOPE"}).json()
    assert unknown["status"] == "unknown" and unknown["status_label"] == "未查到"


@pytest.mark.parametrize("scopes", [["org:write"], ["org:read"]])
def test_a_machine_token_reads_and_writes_its_own_agency__D2(org: Org, scopes: list[str]) -> None:
    _token, plaintext = account_services.token_create(
        actor=org.system_admin, name="同步程序", agency=org.land, scopes=scopes
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert [a["name"] for a in client.get(f"{BASE}/agencies").json()] == ["国土资源所"]
    response = patch(
        client, f"{BASE}/agencies/{org.land.pk}", {"reason": "同步", "changes": {"duties": "同步"}}
    )
    assert response.status_code == (200 if "org:write" in scopes else 403)
    with nothing_changes(Agency, Unit):
        response = patch(
            client,
            f"{BASE}/agencies/{org.forest.pk}",
            {"reason": "越权", "changes": {"duties": "x"}},
        )
    assert response.status_code == 404
