"""Issue 5, "Done when": four cases walked from start to archive through the API only, as the
officers, heads and the legal reviewer do it with their browsers (signed in with the second
factor), on SQLite and PostgreSQL:

1. a general-procedure penalty with a hearing, served by leaving (留置), a 催告 and a court
   application (refused inside the 10-working-day wait, allowed after), archived;
2. a simple-procedure on-the-spot fine of 200 yuan to a citizen, archived; 200.01 refused;
3. a permit with a one-time supplement notice;
4. a seizure extended once and released; a second extension impossible.

Every refused step along the way (too few officers, an expired certificate, missing AV, the same
person approving twice, an edit after archiving, a simple-procedure fine over the limit) answers
with its status and a Chinese message, and changes no row of the cases tables and nothing in the
ledger; every accepted write adds to the ledger. The clock starts at 2026-06-15 10:00 Beijing time
(a Monday) and is moved with ``clock.frozen``.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from tests.cases.conftest import Desk, all_signed, china, grant, sample_fields
from tests.cases.test_api import (
    accepted,
    clients,
    get,
    open_case,
    person,
    refused,
)
from zhifa.accounts.models import RoleAssignment
from zhifa.core import calendar, clock
from zhifa.ledger.models import LedgerEvent

People = dict[str, Client]


@pytest.fixture
def people(desk: Desk, settings: Any, tmp_path: Any) -> Any:
    """The people at work. The second officer on the cases is also the unit's deputy head, so
    that one person could try to sign two places of an approval chain (R-35)."""
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    settings.EVIDENCE_STORAGE = "local"
    grant(desk.officer2, desk.org.land, RoleAssignment.Role.UNIT_HEAD)
    with clients(desk) as made:
        yield made


def detail(people: People, case_id: int) -> dict[str, Any]:
    response = get(people["officer"], f"/{case_id}")
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


def missing_codes(people: People, case_id: int) -> set[str]:
    return {m["code"] for m in detail(people, case_id)["missing"]}


def add_record(
    people: People, case_id: int, kind: str, *, who: str = "officer", **fields: Any
) -> dict[str, Any]:
    return accepted(
        people[who],
        f"/{case_id}/records",
        {"kind": kind, "fields": sample_fields(kind, **fields), "signatures": all_signed(kind)},
    )


def sign_chain(people: People, case_id: int) -> None:
    chain = detail(people, case_id)["step"]["approval_chain"]
    signers = {"handler": "officer", "checker": "unit_head", "approver": "head"}
    for role in chain:
        accepted(
            people[signers[role]],
            f"/{case_id}/approvals",
            {"role": role, "decision": "agree", "opinion": "同意。"},
        )


def fill(
    people: People, case_id: int, *, variant: str = "", skip: tuple[str, ...] = (), **fields: Any
) -> None:
    """Give the current step what it lacks, through the API: its method, each document it
    requires (the legal review opinion by the legal reviewer), an AV reason where AV is needed,
    the approval chain."""
    step = detail(people, case_id)["step"]
    if step["variants"] and not step["variant"]:
        chosen = variant or step["variants"][0]["key"]
        step = accepted(people["officer"], f"/{case_id}/step/variant", {"variant": chosen})["step"]
    if "records" not in skip:
        for requirement in step["requirements"]:
            kind = requirement["document"]
            who = "reviewer" if kind == "legal_review_opinion" else "officer"
            add_record(people, case_id, kind, who=who, **fields.get(kind, {}))
    if step["av_rule"] != "none" and "av" not in skip:
        accepted(
            people["officer"], f"/{case_id}/step/av-reason", {"reason": "现场无法录像（测试）"}
        )
    if step["approval_chain"] and "approval" not in skip:
        sign_chain(people, case_id)


def advance(people: People, case_id: int, to: str) -> dict[str, Any]:
    return accepted(people["officer"], f"/{case_id}/step/advance", {"to": to})


def walk(people: People, case_id: int, path: list[str], **variants: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for to in path:
        current = detail(people, case_id)["current_step"]
        fill(people, case_id, variant=variants.get(current, ""))
        data = advance(people, case_id, to)
        assert data["current_step"] == to or (to == "" and data["state"] == "archived")
    return data


def upload_photo(people: People) -> int:
    """A photo taken on the scene, uploaded through the evidence API (the form upload)."""
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(out, format="JPEG")
    out.seek(0)
    out.name = "scene.jpg"
    before = LedgerEvent.objects.count()
    response = people["officer"].post(
        "/api/v1/uploads/form",
        {
            "file": out,
            "kind": "photo",
            "captured_at": (clock.now() - timedelta(minutes=5)).isoformat(),
        },
    )
    assert response.status_code == 201, response.json()
    assert LedgerEvent.objects.count() > before
    evidence_id: int = response.json()["id"]
    return evidence_id


def assert_read_only(people: People, case_id: int, desk: Desk) -> None:
    """R-29, R-34: an archived case refuses every edit, and nothing changes."""
    case = detail(people, case_id)
    assert case["state"] == "archived" and case["step"] is None and case["next_steps"] == []
    record_id = get(people["officer"], f"/{case_id}/timeline").json()
    first_record = next(e["object_id"] for e in record_id if e["kind"] == "record")
    party_id = case["parties"][0]["id"]
    officer = people["officer"]
    edits: list[tuple[str, dict[str, Any]]] = [
        (f"/{case_id}/records", {"kind": "closing_report", "fields": {"result": "补记"}}),
        (
            f"/{case_id}/records/{first_record}/correct",
            {"fields": {"result": "改"}, "reason": "归档后更正"},
        ),
        (f"/{case_id}/parties", person("李某某", "110105198001010015")),
        (
            f"/{case_id}/parties/{party_id}/correct",
            {"party": person("张三"), "reason": "归档后更正"},
        ),
        (f"/{case_id}/officers", {"officer_id": desk.officer_expired.pk}),
        (f"/{case_id}/step/av-reason", {"reason": "补记"}),
        (f"/{case_id}/step/disputed", {"disputed": True}),
        (f"/{case_id}/step/advance", {"to": ""}),
    ]
    for url, body in edits:
        refused(officer, url, body, status=409, code="case_archived", says="已经归档")
    refused(
        people["head"],
        f"/{case_id}/approvals",
        {"role": "approver", "decision": "agree", "opinion": "同意"},
        status=409,
        code="case_archived",
    )


# --- 1. a general-procedure penalty with a hearing, 留置送达, 催告, court application ------------


def test_general_penalty_with_hearing_leaving_service_reminder_and_court__R11_R24_R27_R29_R35(
    desk: Desk, people: People
) -> None:
    officer = people["officer"]
    case_id = open_case(people, desk, "penalty_general")
    case = detail(people, case_id)
    assert case["number"].startswith("国土资源所〔2026〕")
    # the start approval with its three signatures: one person cannot sign two places
    fill(people, case_id, skip=("approval",))
    accepted(
        people["officer2"],
        f"/{case_id}/approvals",
        {"role": "handler", "decision": "agree", "opinion": "拟立案。"},
    )
    refused(
        people["officer2"],
        f"/{case_id}/approvals",
        {"role": "checker", "decision": "agree", "opinion": "同意。"},
        status=409,
        code="same_approver",
        says="同一人不能在同一审批中担任两个角色",
    )
    for who, role in (("unit_head", "checker"), ("head", "approver")):
        accepted(
            people[who],
            f"/{case_id}/approvals",
            {"role": role, "decision": "agree", "opinion": "同意。"},
        )
    advance(people, case_id, "investigate")

    # investigation: two officers with valid certificates (行政处罚法第四十二条)
    refused(
        officer,
        f"/{case_id}/step/officers",
        {"officer_ids": [desk.officer_a.pk]},
        status=422,
        code="too_few_officers",
        says="须有不少于2名持有效执法证件的执法人员",
    )
    error = refused(
        officer,
        f"/{case_id}/officers",
        {"officer_id": desk.officer_expired.pk},
        status=422,
        code="too_few_officers",
    )
    assert "测试执法员丁的执法证件（TEST-0004）已过期" in error["message"]
    fill(people, case_id, skip=("av",))
    # no AV record and no reason why AV was unsuitable: the step stays open
    error = refused(
        officer,
        f"/{case_id}/step/advance",
        {"to": "investigation_report"},
        status=422,
        code="step_incomplete",
        says="缺少音像记录",
    )
    assert [g["code"] for g in error["detail"]] == ["av"]
    evidence_id = upload_photo(people)
    link = accepted(
        officer, f"/{case_id}/evidence", {"evidence_id": evidence_id, "note": "询问录像截图"}
    )
    assert link["evidence_id"] == evidence_id
    assert "av" not in missing_codes(people, case_id)
    advance(people, case_id, "investigation_report")

    # the hearing branch (行政处罚法第六十四条)
    walk(people, case_id, ["notify_rights", "hearing_request", "hearing"])
    step = detail(people, case_id)["step"]
    assert step["av_rule"] == "required"
    assert [r["document"] for r in step["requirements"]] == ["hearing_record", "hearing_report"]
    walk(people, case_id, ["draft_decision", "legal_review", "decide"])
    opinions = [
        e for e in get(officer, f"/{case_id}/timeline").json() if e["title"] == "法制审核意见书"
    ]
    assert opinions and opinions[0]["who"] == "land_reviewer"
    walk(people, case_id, ["serve"])

    # service by leaving (留置送达): the leaving record with its witness, and AV
    accepted(officer, f"/{case_id}/step/variant", {"variant": "leaving"})
    step = detail(people, case_id)["step"]
    assert [r["document"] for r in step["requirements"]] == ["leaving_record"]
    assert step["requirements"][0]["signatures"] == ["officers", "witness"]
    refused(
        officer,
        f"/{case_id}/records",
        {
            "kind": "leaving_record",
            "fields": sample_fields("leaving_record", witness=""),
            "signatures": all_signed("leaving_record"),
        },
        status=422,
        code="invalid_record",
        says="见证人",
    )
    record = add_record(
        people, case_id, "leaving_record", witness="村委会主任赵某某", refusal_reason="当事人拒收"
    )
    assert "av" in missing_codes(people, case_id)
    refused(officer, f"/{case_id}/step/advance", {"to": "compliance"}, status=422, says="音像记录")
    accepted(officer, f"/{case_id}/evidence", {"evidence_id": upload_photo(people)})
    served = get(officer, f"/{case_id}/records/{record['id']}").json()
    assert served["fields"]["witness"] == "村委会主任赵某某"
    advance(people, case_id, "compliance")

    # not complied. The party has 15 days from service to pay (行政处罚法第六十七条): no 催告
    # before they have run out (served 06-15: the last day is 06-30).
    fill(people, case_id, compliance_record={"complied": "not_complied"})
    with clock.frozen(china(2026, 6, 30, 17)):
        refused(
            officer,
            f"/{case_id}/step/advance",
            {"to": "remind"},
            status=422,
            code="party_period_running",
            says="缴纳罚款期限至2026-06-30届满",
        )
    # The 催告 (served 12-03), the statement; the court application only after the six months to
    # sue (行政诉讼法第四十六条, 行政强制法第五十三条: to 12-15) and ten working days after the
    # 催告 was served (行政强制法第五十四条: to 12-17).
    with clock.frozen(china(2026, 12, 3, 9)):
        advance(people, case_id, "remind")
        walk(people, case_id, ["remind_statement"])
        fill(people, case_id)
        served_on = clock.today()
    with clock.frozen(china(2026, 12, 15, 17)):
        refused(
            officer,
            f"/{case_id}/step/advance",
            {"to": "court_application"},
            status=422,
            code="party_period_running",
            says="申请行政复议、提起行政诉讼期限至2026-12-15届满",
        )
    with clock.frozen(china(2026, 12, 16, 9)):
        advance(people, case_id, "court_application")
        fill(people, case_id)
    wait = next(d for d in detail(people, case_id)["deadlines"] if d["key"] == "court_wait")
    assert wait["is_wait"] and wait["basis"]
    last_day = calendar.add_workdays(served_on, 10)
    assert wait["due_date"] == last_day.isoformat() == "2026-12-17"
    with clock.frozen(china(last_day.year, last_day.month, last_day.day, 17)):
        error = refused(
            officer,
            f"/{case_id}/step/advance",
            {"to": "court_result"},
            status=422,
            code="step_incomplete",
            says="届满后方可办理",
        )
        assert [g["code"] for g in error["detail"]] == ["wait:court_wait"]
    after = last_day + timedelta(days=1)
    with clock.frozen(china(after.year, after.month, after.day, 9)):
        advance(people, case_id, "court_result")
        walk(people, case_id, ["close", "archive"])
        archived = walk(people, case_id, [""])
        assert archived["state"] == "archived"
        assert_read_only(people, case_id, desk)
    kinds = [e["kind"] for e in get(officer, f"/{case_id}/timeline").json()]
    assert kinds[0] == "case" and kinds[-1] == "archive"


# --- 2. a simple-procedure on-the-spot fine -----------------------------------------------------


def _simple_to_decision(people: People, desk: Desk, fine: str) -> int:
    case_id = open_case(people, desk, "penalty_simple", title="当场处罚")
    walk(people, case_id, ["notify_on_spot", "decide_on_spot"])
    add_record(people, case_id, "simple_penalty_decision", measure="fine", fine_yuan=fine)
    return case_id


def test_simple_procedure_fine_of_200_archived_and_200_01_refused__art51_R23(
    desk: Desk, people: People
) -> None:
    case_id = _simple_to_decision(people, desk, "200")
    assert detail(people, case_id)["start_mode"] == "on_the_spot"
    assert missing_codes(people, case_id) == set()
    advance(people, case_id, "collect_on_spot")
    # Collected on the spot: over 100 yuan only in a remote place, at the party's request, with
    # the reason recorded (行政处罚法第六十八条、第六十九条); the receipt is for the whole fine.
    fill(people, case_id, payment_receipt={"amount_yuan": "200"})
    refused(
        people["officer"],
        f"/{case_id}/step/advance",
        {"to": "file_with_agency"},
        status=422,
        code="step_incomplete",
        says="超过一百元",
    )
    receipt = next(
        r for r in detail(people, case_id)["step"]["records"] if r["kind"] == "payment_receipt"
    )
    accepted(
        people["officer"],
        f"/{case_id}/records/{receipt['id']}/correct",
        {
            "fields": sample_fields(
                "payment_receipt",
                amount_yuan="200",
                on_spot_reason="当事人住偏远山区，距指定银行四十公里，当事人提出当场缴纳",
            ),
            "signatures": all_signed("payment_receipt"),
            "reason": "补记当场收缴的理由",
        },
    )
    advance(people, case_id, "file_with_agency")
    walk(people, case_id, ["archive", ""])
    assert detail(people, case_id)["state"] == "archived"
    assert_read_only(people, case_id, desk)

    over = _simple_to_decision(people, desk, "200.01")
    error = refused(
        people["officer"],
        f"/{over}/step/advance",
        {"to": "file_with_agency"},
        status=422,
        code="step_incomplete",
        says="简易程序对公民的罚款不能超过200.00元",
    )
    assert [g["code"] for g in error["detail"]] == ["hook:simple_procedure_limits"]
    assert detail(people, over)["current_step"] == "decide_on_spot"


# --- 3. a permit with a supplement notice -------------------------------------------------------


def test_permit_with_a_supplement_notice_walked_to_archive__R8(desk: Desk, people: People) -> None:
    case_id = open_case(people, desk, "permit", title="临时用地许可")
    assert detail(people, case_id)["start_mode"] == "application"
    assert {s["id"] for s in detail(people, case_id)["next_steps"]} == {
        "supplement",
        "accept",
        "refuse",
    }
    walk(people, case_id, ["supplement"])
    notice = next(
        d for d in detail(people, case_id)["deadlines"] if d["key"] == "supplement_notice"
    )
    assert notice["due_date"] and notice["basis"]
    walk(people, case_id, ["accept", "review"])
    decision = next(d for d in detail(people, case_id)["deadlines"] if d["key"] == "decision")
    # the decision may be extended once by the agency head (行政许可法第四十二条)
    refused(
        people["officer"],
        f"/{case_id}/deadlines/{decision['id']}/extend",
        {"reason": "情况复杂"},
        status=403,
        says="负责人",
    )
    extended = accepted(
        people["head"], f"/{case_id}/deadlines/{decision['id']}/extend", {"reason": "情况复杂"}
    )
    assert extended["extended_times"] == 1 and extended["due_date"] > decision["due_date"]
    refused(
        people["head"],
        f"/{case_id}/deadlines/{decision['id']}/extend",
        {"reason": "再延长"},
        status=409,
        says="只能延长一次",
    )
    walk(people, case_id, ["decide"])
    # the decision needs the legal review opinion (法制审核) and the grant variant
    add_record(people, case_id, "legal_review_opinion", who="reviewer")
    walk(people, case_id, ["certificate"], decide="grant")
    assert detail(people, case_id)["current_step"] == "certificate"
    walk(people, case_id, ["serve", "close", "archive", ""], serve="direct")
    assert detail(people, case_id)["state"] == "archived"
    assert_read_only(people, case_id, desk)


# --- 4. a seizure extended once and released ----------------------------------------------------


def test_seizure_extended_once_and_released__QZ18_QZ25(desk: Desk, people: People) -> None:
    officer = people["officer"]
    # opened with two officers, one of whose certificates has expired: the request for approval
    # needs one valid officer, the implementation two (行政强制法第十八条)
    case_id = open_case(
        people,
        desk,
        "coercive_measure",
        title="扣押非法采砂设备",
        officer_ids=[desk.officer_a.pk, desk.officer_expired.pk],
    )
    fill(people, case_id)
    error = refused(
        officer,
        f"/{case_id}/step/advance",
        {"to": "implement"},
        status=422,
        code="too_few_officers",
        says="现有1名",
    )
    assert "测试执法员丁的执法证件（TEST-0004）已过期" in error["message"]
    accepted(officer, f"/{case_id}/officers", {"officer_id": desk.officer_b.pk})
    accepted(
        officer,
        f"/{case_id}/step/officers",
        {"officer_ids": [desk.officer_a.pk, desk.officer_b.pk]},
    )
    advance(people, case_id, "implement")
    refused(
        officer,
        f"/{case_id}/step/officers",
        {"officer_ids": [desk.officer_a.pk, desk.officer_expired.pk]},
        status=422,
        code="too_few_officers",
        says="TEST-0004",
    )
    fill(people, case_id, variant="seize")
    seizure = next(d for d in detail(people, case_id)["deadlines"] if d["key"] == "seizure")
    assert seizure["due_date"] == "2026-07-15"  # 30 days (行政强制法第二十五条)
    advance(people, case_id, "extend")
    walk(people, case_id, ["release"])
    seizure = next(d for d in detail(people, case_id)["deadlines"] if d["key"] == "seizure")
    assert seizure["extended_times"] == 1 and seizure["due_date"] == "2026-08-14"
    # a second extension is impossible: no way back to the extension step, and the head's
    # extension of a limit does not apply to the seizure
    refused(
        officer,
        f"/{case_id}/step/advance",
        {"to": "extend"},
        status=422,
        code="step_not_allowed",
    )
    refused(
        people["head"],
        f"/{case_id}/deadlines/{seizure['id']}/extend",
        {"reason": "再延长三十日"},
        status=409,
        says="不能延长",
    )
    walk(people, case_id, ["serve", "close", "archive", ""], serve="mail")
    case = detail(people, case_id)
    assert case["state"] == "archived"
    assert_read_only(people, case_id, desk)
