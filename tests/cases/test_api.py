"""The cases API, as staff and machines reach it: who reads what (agency, role, confidentiality —
what one may not read is 404, never a 403 that reveals it), who writes (the supervisor reads but
is refused), tokens by their scopes, personal data masked for machines, and bad input refused in
Chinese. Every refusal is shown to change nothing: the rows of every cases table and the size of
the ledger are the same before and after (R-33, R-34; D-2)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.support import approved_token
from tests.cases.conftest import ADULT_ID, Desk, all_signed, grant, sample_fields, unchanged
from tests.org.conftest import ledger_size, make_user
from zhifa.accounts.models import RoleAssignment, User

BASE = "/api/v1/cases"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


# --- helpers shared with the end-to-end walks (tests/cases/test_e2e_api.py) ---------------------


def staff_client(user: User) -> Client:
    """A browser of ``user`` signed in with password and a verified TOTP device, as after the
    real login (``accounts.views._complete_login``)."""
    device = TOTPDevice.objects.create(user=user, name="测试", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def token_client(desk: Desk, *scopes: str) -> Client:
    """A machine of the land agency with a bearer token holding ``scopes``."""
    admin = User.objects.filter(username="sysadmin").get()
    _token, plaintext = approved_token(admin=admin, agency=desk.org.land, scopes=list(scopes))
    return Client(headers={"Authorization": f"Bearer {plaintext}"})


def post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"{BASE}{url}", body or {}, content_type="application/json")


def get(client: Client, url: str) -> Any:
    return client.get(f"{BASE}{url}")


def accepted(client: Client, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """A write that must succeed: 200 or 201, and the ledger grew by it."""
    before = ledger_size()
    response = post(client, url, body)
    assert response.status_code in (200, 201), (url, response.status_code, response.json())
    assert ledger_size() > before, f"{url}: accepted without a ledger event"
    data: dict[str, Any] = response.json()
    return data


def refused(
    client: Client,
    url: str,
    body: dict[str, Any] | None = None,
    *,
    status: int,
    code: str | None = None,
    says: str = "",
) -> dict[str, Any]:
    """A write that must be refused with ``status``, a Chinese message (containing ``says``), and
    nothing changed in the cases tables or the ledger."""
    with unchanged():
        response = post(client, url, body)
    assert response.status_code == status, (url, response.status_code, response.json())
    error: dict[str, Any] = response.json()
    assert set(error) == {"code", "message", "detail"}
    assert CHINESE.search(error["message"]), error
    if code is not None:
        assert error["code"] == code, error
    assert says in error["message"], error
    return error


def person(name: str = "张某某", id_number: str = ADULT_ID, **extra: str) -> dict[str, str]:
    return {
        "kind": "natural_person",
        "name": name,
        "id_number": id_number,
        "address": "白山乡白山村",
        **extra,
    }


def start_body(desk: Desk, procedure: str, **overrides: Any) -> dict[str, Any]:
    mode = {"permit": "application", "penalty_simple": "on_the_spot"}.get(procedure, "ex_officio")
    body: dict[str, Any] = {
        "agency_id": desk.org.land.pk,
        "procedure": procedure,
        "title": "测试案件",
        "start_mode": mode,
        "officer_ids": [desk.officer_a.pk, desk.officer_b.pk],
        "parties": [person()],
    }
    body.update(overrides)
    return body


@contextmanager
def clients(desk: Desk) -> Iterator[dict[str, Client]]:
    yield {
        "officer": staff_client(desk.officer),
        "officer2": staff_client(desk.officer2),
        "unit_head": staff_client(desk.unit_head),
        "head": staff_client(desk.head),
        "reviewer": staff_client(desk.reviewer),
        "supervisor": staff_client(desk.org.supervisor),
        "forest_head": staff_client(desk.org.forest_head),
        "forest_officer": staff_client(_forest_officer_user(desk)),
    }


def _forest_officer_user(desk: Desk) -> User:
    """The login of the forest station's officer (another agency's officer)."""
    user = make_user("forest_officer")
    user.person = desk.org.forest_officer.person
    user.save()
    grant(user, desk.org.forest, RoleAssignment.Role.OFFICER)
    return user


@pytest.fixture
def people(desk: Desk) -> Iterator[dict[str, Client]]:
    with clients(desk) as made:
        yield made


def open_case(people: dict[str, Client], desk: Desk, procedure: str, **overrides: Any) -> int:
    data = accepted(people["officer"], "/", start_body(desk, procedure, **overrides))
    case_id: int = data["id"]
    return case_id


# --- authentication -----------------------------------------------------------------------------


def test_without_login_or_second_factor_the_api_answers_401__R33(desk: Desk) -> None:
    anonymous = Client()
    assert get(anonymous, "/").status_code == 401
    password_only = Client()
    password_only.force_login(desk.officer)  # no verified TOTP device in this session
    response = get(password_only, "/")
    assert response.status_code == 401
    assert response.json()["message"] == "需要登录或有效的接口令牌。"
    with unchanged():
        assert post(password_only, "/", start_body(desk, "penalty_general")).status_code == 401


# --- scoping: agency, role, confidentiality (R-33) ----------------------------------------------


def test_another_agencys_staff_get_404_and_change_nothing__R33(
    desk: Desk, people: dict[str, Client]
) -> None:
    case_id = open_case(people, desk, "penalty_general")
    record = accepted(
        people["officer"],
        f"/{case_id}/records",
        {"kind": "start_approval", "fields": sample_fields("start_approval")},
    )
    forest = people["forest_officer"]
    assert get(forest, f"/{case_id}").status_code == 404
    assert get(forest, f"/{case_id}/records/{record['id']}").status_code == 404
    refused(
        forest,
        f"/{case_id}/records/{record['id']}/correct",
        {"fields": sample_fields("start_approval"), "reason": "越权更正"},
        status=404,
    )
    assert get(forest, f"/{case_id}/timeline").status_code == 404
    assert get(forest, "/").json() == {"count": 0, "items": []}
    error = refused(
        forest,
        f"/{case_id}/records",
        {"kind": "start_approval", "fields": {"reason": "越权"}},
        status=404,
        code="case_not_found",
    )
    assert error["message"] == "没有找到该案件。"
    refused(forest, f"/{case_id}/step/advance", {"to": "investigate"}, status=404)
    refused(forest, f"/{case_id}/parties", person("李某某"), status=404)
    refused(
        forest,
        f"/{case_id}/approvals",
        {"role": "approver", "decision": "agree", "opinion": "同意"},
        status=404,
    )
    # a case of one's own agency that does not exist answers the same
    assert get(forest, f"/{case_id + 1000}").json()["code"] == "case_not_found"


def test_the_supervisor_reads_every_case_but_writes_none__R33_D2(
    desk: Desk, people: dict[str, Client]
) -> None:
    case_id = open_case(people, desk, "penalty_general")
    supervisor = people["supervisor"]
    detail = get(supervisor, f"/{case_id}")
    assert detail.status_code == 200
    assert detail.json()["parties"][0]["id_number"] == ADULT_ID  # staff handle it in full
    assert [c["id"] for c in get(supervisor, "/").json()["items"]] == [case_id]
    refused(
        supervisor,
        f"/{case_id}/records",
        {"kind": "start_approval", "fields": {}},
        status=403,
        code="case_not_writable",
        says="不能修改本案",
    )
    refused(supervisor, f"/{case_id}/step/av-reason", {"reason": "监督"}, status=403)
    refused(
        supervisor,
        f"/{case_id}/approvals",
        {"role": "approver", "decision": "agree", "opinion": "同意"},
        status=403,
    )
    refused(
        supervisor, "/", start_body(desk, "penalty_general"), status=403, says="没有办理案件的权限"
    )


def test_a_confidential_case_is_hidden_from_a_colleague_not_on_it__R33(
    desk: Desk, people: dict[str, Client]
) -> None:
    secret = open_case(
        people,
        desk,
        "penalty_general",
        confidentiality="privacy",
        officer_ids=[desk.officer_a.pk],
    )
    open_one = open_case(people, desk, "penalty_general", officer_ids=[desk.officer_a.pk])
    colleague = people["officer2"]  # an officer of the same agency, not on the case
    assert get(colleague, f"/{secret}").status_code == 404
    assert [c["id"] for c in get(colleague, "/").json()["items"]] == [open_one]
    refused(colleague, f"/{secret}/step/av-reason", {"reason": "x"}, status=404)
    # the officer on it and the agency head read it
    assert get(people["officer"], f"/{secret}").status_code == 200
    assert get(people["head"], f"/{secret}").status_code == 200
    # once assigned, the colleague reads it too
    accepted(people["officer"], f"/{secret}/officers", {"officer_id": desk.officer_b.pk})
    assert get(colleague, f"/{secret}").status_code == 200


def test_an_officer_not_on_the_case_reads_but_cannot_write__R33(
    desk: Desk, people: dict[str, Client]
) -> None:
    case_id = open_case(people, desk, "penalty_general", officer_ids=[desk.officer_a.pk])
    colleague = people["officer2"]
    assert get(colleague, f"/{case_id}").status_code == 200
    refused(colleague, f"/{case_id}/step/av-reason", {"reason": "不在本案"}, status=403)


# --- machines -----------------------------------------------------------------------------------


def test_a_token_without_cases_write_cannot_write__R33(
    desk: Desk, people: dict[str, Client]
) -> None:
    case_id = open_case(people, desk, "penalty_general")
    reader = token_client(desk, "cases:read")
    assert get(reader, f"/{case_id}").status_code == 200
    error = refused(
        reader,
        f"/{case_id}/step/av-reason",
        {"reason": "令牌"},
        status=403,
        code="permission_denied",
    )
    assert error["message"] == "接口令牌没有“cases:write”权限。"
    refused(reader, "/", start_body(desk, "penalty_general"), status=403)
    stranger = token_client(desk, "org:read")
    assert get(stranger, f"/{case_id}").status_code == 403
    refused(stranger, f"/{case_id}/step/av-reason", {"reason": "令牌"}, status=403)


def test_a_token_sees_personal_data_masked_and_writes_with_cases_write__R33(
    desk: Desk, people: dict[str, Client]
) -> None:
    case_id = open_case(people, desk, "penalty_general", parties=[person(phone="13812345678")])
    staff_view = get(people["officer"], f"/{case_id}").json()["parties"][0]
    assert (staff_view["id_number"], staff_view["phone"]) == (ADULT_ID, "13812345678")
    machine = token_client(desk, "cases:write")
    party = get(machine, f"/{case_id}").json()["parties"][0]
    assert party["id_number"] == "110105********002X"
    assert party["phone"] == "138****5678"
    assert party["birth_date"] is None
    assert ADULT_ID not in get(machine, f"/{case_id}").content.decode()
    data = accepted(machine, f"/{case_id}/step/av-reason", {"reason": "设备故障（测试）"})
    assert data["step"]["av_reason"] == "设备故障（测试）"
    # approvals are signed by a person, never by a machine
    refused(
        machine,
        f"/{case_id}/approvals",
        {"role": "handler", "decision": "agree", "opinion": "同意"},
        status=403,
        says="本人登录签批",
    )
    # complaints name their complainants: staff only
    assert get(machine, "/complaints").status_code == 403


# --- bad input ----------------------------------------------------------------------------------


def test_bad_input_is_a_422_in_chinese_and_changes_nothing(
    desk: Desk, people: dict[str, Client]
) -> None:
    officer = people["officer"]
    refused(officer, "/", {"title": "缺少其他项"}, status=422, code="validation_failed")
    refused(
        officer,
        "/",
        start_body(desk, "penalty_general", parties=[person(id_number="110105194912310021")]),
        status=422,
    )
    refused(
        officer,
        "/",
        start_body(desk, "penalty_general", start_mode="application"),
        status=422,
        says="只有行政许可依申请启动",
    )
    refused(
        officer,
        "/",
        start_body(desk, "penalty_general", officer_ids=[desk.org.forest_officer.pk]),
        status=422,
        code="officer_unknown",
    )
    case_id = open_case(people, desk, "penalty_general")
    error = refused(
        officer,
        f"/{case_id}/records",
        {"kind": "start_approval", "fields": {"reason": "发现线索"}},
        status=422,
        code="invalid_record",
        says="请填写“当事人基本情况”",
    )
    assert {p["field"] for p in error["detail"]} >= {"party_summary", "handler_opinion"}
    refused(
        officer,
        f"/{case_id}/records",
        {"kind": "start_approval", "fields": {"reason": "含\u0000字符"}},
        status=422,
    )
    refused(officer, f"/{case_id}/records", {"kind": "没有这种文书"}, status=422)
    refused(
        officer, f"/{case_id}/step/advance", {"to": "hearing"}, status=422, code="step_not_allowed"
    )
    refused(officer, f"/{case_id}/step/variant", {"variant": "leaving"}, status=422)
    response = officer.post(
        f"{BASE}/{case_id}/step/av-reason", "{", content_type="application/json"
    )
    assert response.status_code == 400
    assert CHINESE.search(response.json()["message"])


# --- reading ------------------------------------------------------------------------------------


def test_the_case_page_data_names_what_is_missing_and_what_comes_next__R1(
    desk: Desk, people: dict[str, Client]
) -> None:
    case_id = open_case(people, desk, "penalty_general")
    detail = get(people["officer"], f"/{case_id}").json()
    assert detail["state"] == "open" and detail["current_step"] == "register"
    assert detail["step"]["approval_chain"] == ["handler", "checker", "approver"]
    assert [r["document"] for r in detail["step"]["requirements"]] == ["start_approval"]
    assert {m["code"] for m in detail["missing"]} == {"record:start_approval", "approval"}
    assert [s["id"] for s in detail["next_steps"]] == ["investigate"]
    decision = [d for d in detail["deadlines"] if d["key"] == "decision"]
    assert decision and decision[0]["basis"] and decision[0]["due_date"]
    kinds = get(people["officer"], "/record-kinds").json()
    leaving = next(k for k in kinds["kinds"] if k["kind"] == "leaving_record")
    assert {f["name"] for f in leaving["fields"]} >= {"witness", "left_on", "refusal_reason"}
    assert {"value": "witness", "label": "见证人"} in kinds["signers"]
    timeline = get(people["officer"], f"/{case_id}/timeline").json()
    assert timeline[0]["kind"] == "case" and timeline[0]["who"] == "执法员甲"


def test_my_cases_deadlines_and_the_list_filters(desk: Desk, people: dict[str, Client]) -> None:
    mine = open_case(people, desk, "penalty_general", officer_ids=[desk.officer_a.pk])
    other = open_case(
        people, desk, "penalty_general", officer_ids=[desk.officer_b.pk], title="另一案件"
    )
    officer = people["officer"]
    assert {c["id"] for c in get(officer, "/").json()["items"]} == {mine, other}
    assert [c["id"] for c in get(officer, "/?mine=true").json()["items"]] == [mine]
    assert get(officer, "/?state=archived").json()["count"] == 0
    assert get(officer, f"/?agency_id={desk.org.forest.pk}").json()["count"] == 0
    page = get(officer, "/?limit=1&offset=1").json()
    assert page["count"] == 2 and len(page["items"]) == 1
    assert {d["case_id"] for d in get(officer, "/deadlines").json()} == {mine}
    assert get(officer, "/?state=closed").status_code == 422


def test_complaints_through_the_api__R10(desk: Desk, people: dict[str, Client]) -> None:
    officer = people["officer"]
    complaint = accepted(
        officer,
        "/complaints",
        {
            "agency_id": desk.org.land.pk,
            "channel": "phone",
            "subject": "某砂石场",
            "content": "夜间非法采砂。",
            "is_real_name": True,
            "complainant_name": "王某某",
            "complainant_phone": "13812345678",
        },
    )
    refused(
        officer,
        f"/complaints/{complaint['id']}/close",
        {"reason": "查无实据"},
        status=422,
        says="告知",
    )
    refused(
        people["forest_head"],
        f"/complaints/{complaint['id']}/close",
        {"reason": "越权"},
        status=404,
    )
    case = accepted(
        officer,
        f"/complaints/{complaint['id']}/start-case",
        {
            "procedure": "penalty_general",
            "title": "非法采砂",
            "officer_ids": [desk.officer_a.pk, desk.officer_b.pk],
            "parties": [person()],
        },
    )
    assert case["start_mode"] == "complaint"
    listed = get(officer, "/complaints").json()
    assert listed[0]["state"] == "case" and listed[0]["case_id"] == case["id"]
    refused(officer, f"/complaints/{complaint['id']}/close", {"reason": "再处理"}, status=409)


# --- corrections, officers, notices -------------------------------------------------------------


def test_a_correction_is_a_new_version_naming_the_old_with_its_reason__R34(
    desk: Desk, people: dict[str, Client]
) -> None:
    officer = people["officer"]
    case_id = open_case(people, desk, "penalty_general")
    old = accepted(
        officer,
        f"/{case_id}/records",
        {
            "kind": "start_approval",
            "fields": sample_fields("start_approval"),
            "signatures": all_signed("start_approval"),
        },
    )
    new = accepted(
        officer,
        f"/{case_id}/records/{old['id']}/correct",
        {"fields": sample_fields("start_approval", reason="更正后的启动原因"), "reason": "笔误"},
    )
    assert (new["version"], new["replaces_id"], new["correction_reason"]) == (2, old["id"], "笔误")
    assert new["signatures"] == old["signatures"]  # kept when not sent again
    kept = get(officer, f"/{case_id}/records/{old['id']}").json()
    assert kept["fields"] == old["fields"] and kept["replaced_by_id"] == new["id"]
    refused(
        officer,
        f"/{case_id}/records/{old['id']}/correct",
        {"fields": sample_fields("start_approval"), "reason": "再改旧版"},
        status=409,
        says="请更正最新的版本",
    )
    refused(
        officer,
        f"/{case_id}/records/{new['id']}/correct",
        {"fields": sample_fields("start_approval"), "reason": " "},
        status=422,
        says="更正理由",
    )
    party = get(officer, f"/{case_id}").json()["parties"][0]
    corrected = accepted(
        officer,
        f"/{case_id}/parties/{party['id']}/correct",
        {"party": person("张某", phone="0434-5123456"), "reason": "姓名笔误"},
    )
    parties = get(officer, f"/{case_id}").json()["parties"]
    assert [(p["name"], p["is_current"]) for p in parties] == [("张某某", False), ("张某", True)]
    assert corrected["replaces_id"] == party["id"] and corrected["phone"] == "0434-5123456"
    titles = [e["title"] for e in get(officer, f"/{case_id}/timeline").json()]
    assert "更正（第2版）：立案审批表" in titles and "更正当事人：张某" in titles


def test_a_removed_officer_no_longer_writes_the_case__R33(
    desk: Desk, people: dict[str, Client]
) -> None:
    case_id = open_case(people, desk, "penalty_general")
    accepted(people["officer2"], f"/{case_id}/step/disputed", {"disputed": True})
    refused(
        people["officer"],
        f"/{case_id}/officers/{desk.officer_b.pk}/remove",
        {"reason": ""},
        status=422,
        says="撤出原因",
    )
    link = accepted(
        people["officer"],
        f"/{case_id}/officers/{desk.officer_b.pk}/remove",
        {"reason": "回避"},
    )
    assert link["removed_reason"] == "回避" and link["removed_at"]
    refused(people["officer2"], f"/{case_id}/step/disputed", {"disputed": False}, status=403)
    refused(
        people["officer"],
        f"/{case_id}/officers/{desk.officer_b.pk}/remove",
        {"reason": "再撤"},
        status=404,
    )


def test_overdue_notices_are_read_by_their_own_user_only__R29(
    desk: Desk, people: dict[str, Client]
) -> None:
    from tests.cases.conftest import china
    from zhifa.cases import services
    from zhifa.core import clock

    open_case(people, desk, "penalty_general", start_mode="emergency")
    with clock.frozen(china(2026, 6, 17)):
        assert services.mark_overdue(clock.now()) == 1
    notices = get(people["officer"], "/notifications").json()
    assert len(notices) == 1 and "紧急情况立案补办审批期限" in notices[0]["message"]
    notice_id = notices[0]["id"]
    refused(people["forest_head"], f"/notifications/{notice_id}/read", status=404)
    read = accepted(people["officer"], f"/notifications/{notice_id}/read")
    assert read["read_at"]
    assert get(people["officer"], "/notifications?unread=true").json() == []


def test_evidence_is_linked_once_and_only_from_the_cases_agency__R2_R14(
    desk: Desk, people: dict[str, Client], av: Any
) -> None:
    case_id = open_case(people, desk, "penalty_general")
    photo = av("photo")
    link = accepted(
        people["officer"], f"/{case_id}/evidence", {"evidence_id": photo.pk, "note": "现场照片"}
    )
    assert link["kind"] == "photo" and link["note"] == "现场照片"
    step = get(people["officer"], f"/{case_id}").json()["step"]
    assert [e["evidence_id"] for e in step["evidence"]] == [photo.pk]
    refused(
        people["officer"],
        f"/{case_id}/evidence",
        {"evidence_id": photo.pk},
        status=409,
        says="已经关联",
    )
    refused(
        people["officer"],
        f"/{case_id}/evidence",
        {"evidence_id": photo.pk + 1000},
        status=404,
        says="没有找到该证据",
    )


def test_the_emergency_form_is_filed_to_the_start_step_afterwards__R9(
    desk: Desk, people: dict[str, Client]
) -> None:
    officer = people["officer"]
    case_id = open_case(people, desk, "penalty_general", start_mode="emergency")
    detail = get(officer, f"/{case_id}").json()
    assert detail["step"]["deferred"] is True
    start_run = detail["step"]["run_id"]
    form = next(d for d in detail["deadlines"] if d["key"] == "emergency_start_form")
    assert form["due_date"] == "2026-06-16"  # within 24 hours
    accepted(
        officer,
        f"/{case_id}/step/officers",
        {"officer_ids": [desk.officer_a.pk, desk.officer_b.pk]},
    )
    advance = post(officer, f"/{case_id}/step/advance", {"to": "investigate"})
    assert advance.status_code == 200, advance.json()
    for kind in ("start_approval",):
        accepted(
            officer,
            f"/{case_id}/records",
            {
                "kind": kind,
                "fields": sample_fields(kind),
                "signatures": all_signed(kind),
                "step_run_id": start_run,
            },
        )
    after = get(officer, f"/{case_id}").json()
    assert all(d["key"] != "emergency_start_form" for d in after["deadlines"])  # met
    refused(
        officer,
        f"/{case_id}/records",
        {"kind": "inquiry_transcript", "fields": {}, "step_run_id": start_run + 1000},
        status=404,
    )


def test_record_kinds_need_a_login(desk: Desk) -> None:
    assert get(Client(), "/record-kinds").status_code == 401


def test_every_document_kind_is_listed_with_its_fields(
    desk: Desk, people: dict[str, Client]
) -> None:
    from zhifa.catalogue import procedures

    kinds = get(people["officer"], "/record-kinds").json()["kinds"]
    assert [k["kind"] for k in kinds] == list(procedures.DOCUMENT_KINDS)
    decision = next(k for k in kinds if k["kind"] == "simple_penalty_decision")
    measure = next(f for f in decision["fields"] if f["name"] == "measure")
    assert measure["type"] == "choice" and measure["required"]
    assert [c["value"] for c in measure["choices"]] == ["warning", "fine"]
    assert all(CHINESE.search(f["label"]) for k in kinds for f in k["fields"])
