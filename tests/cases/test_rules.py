"""The rules a case must keep, service by service (全过程记录办法 R-7 – R-35, 行政处罚法,
行政强制法).

Each refused action is checked to have changed nothing: every row of every cases table and the
ledger's size are the same before and after (``unchanged``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tests.cases.conftest import (
    ADULT_ID,
    Desk,
    all_signed,
    company_party,
    fill_step,
    grant,
    person_party,
    resident_id,
    sample_fields,
    start,
    unchanged,
    walk,
)
from zhifa.accounts.actors import SYSTEM
from zhifa.accounts.models import RoleAssignment
from zhifa.cases import rules, services
from zhifa.cases.models import Approval, Case, Complaint, Party, Record
from zhifa.cases.services import PartyIn
from zhifa.catalogue import procedures
from zhifa.core import clock
from zhifa.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from zhifa.org import services as org_services
from zhifa.org.models import Certificate

Role = RoleAssignment.Role

TO_LEGAL_REVIEW = ["investigate", "investigation_report", "notify_rights", "draft_decision"]


def codes(err: pytest.ExceptionInfo[Any]) -> list[str]:
    detail = err.value.detail
    return [g["code"] for g in detail] if isinstance(detail, list) else []


def advance_refused(desk: Desk, case: Case, to: str) -> list[str]:
    with unchanged(), pytest.raises(ValidationFailed) as err:
        services.step_advance(actor=desk.officer, case=case, to=to)
    return codes(err)


# --- start modes (R-7 – R-10) ---


@pytest.mark.parametrize(
    ("procedure", "mode", "ok"),
    [
        ("permit", "application", True),
        ("permit", "ex_officio", False),
        ("penalty_general", "application", False),
        ("inspection", "application", False),
        ("penalty_simple", "on_the_spot", True),
        ("penalty_simple", "ex_officio", False),
        ("penalty_general", "on_the_spot", False),
        ("penalty_general", "ex_officio", True),
        ("penalty_general", "emergency", True),
        ("penalty_general", "transfer", True),
    ],
)
def test_start_mode_fits_the_procedure__R7_R8_R9(
    desk: Desk, procedure: str, mode: str, ok: bool
) -> None:
    if ok:
        case = start(desk, procedure, start_mode=mode)
        assert case.start_mode == mode
        assert case.steps.get().step_id == procedures.get(procedure).start
        return
    with unchanged(), pytest.raises(ValidationFailed) as err:
        start(desk, procedure, start_mode=mode)
    assert err.value.detail == {"field": "start_mode"}


def test_emergency_start_needs_a_start_step_with_approval__R9(desk: Desk) -> None:
    # the simple procedure's first step has no approval to defer
    with unchanged(), pytest.raises(ValidationFailed):
        start(desk, "penalty_simple", start_mode="emergency")


def test_emergency_start_takes_the_first_step_at_once_and_the_form_is_filed_later__R9(
    desk: Desk,
) -> None:
    case = start(desk, "penalty_general", start_mode="emergency")
    first = case.steps.get()
    assert first.deferred
    row = case.deadlines.get(key="emergency_start_form")
    assert row.computed["unit"] == "hours" and row.computed["amount"] == 24
    # the register step closes without its form or approvals
    case = services.step_advance(actor=desk.officer, case=case, to="investigate")
    first.refresh_from_db()
    assert first.state == "closed"
    services.record_add(
        actor=desk.officer,
        case=case,
        kind="start_approval",
        fields=sample_fields("start_approval"),
        signatures=all_signed("start_approval"),
        step_run=first,
    )
    row.refresh_from_db()
    assert row.met_at is not None and row.overdue_at is None


def test_a_case_cannot_close_while_the_emergency_form_is_missing__R9(desk: Desk) -> None:
    case = start(desk, "penalty_general", start_mode="emergency")
    first = case.steps.get()
    case = services.step_advance(actor=desk.officer, case=case, to="investigate")
    case = walk(
        desk,
        case,
        [
            "investigation_report",
            "notify_rights",
            "draft_decision",
            "legal_review",
            "decide",
            "serve",
            "compliance",
            "close",
        ],
    )
    fill_step(desk, case)
    assert "deferred" in advance_refused(desk, case, "archive")
    services.record_add(
        actor=desk.officer,
        case=case,
        kind="start_approval",
        fields=sample_fields("start_approval"),
        signatures=all_signed("start_approval"),
        step_run=first,
    )
    # The form alone is not enough: the head approves it, through the whole chain.
    assert "deferred" in advance_refused(desk, case, "archive")
    for role, who in (("handler", desk.officer), ("checker", desk.unit_head)):
        services.approval_give(
            actor=who, case=case, role=role, decision="agree", opinion="同意。", step_run=first
        )
    assert "deferred" in advance_refused(desk, case, "archive")
    services.approval_give(
        actor=desk.head,
        case=case,
        role="approver",
        decision="agree",
        opinion="同意。",
        step_run=first,
    )
    case = services.step_advance(actor=desk.officer, case=case, to="archive")
    assert case.current_step == "archive"
    # Only that step: a closed step that was not taken in an emergency takes no signature.
    investigate = case.steps.get(step_id="investigate")
    with unchanged(), pytest.raises(Conflict):
        services.approval_give(
            actor=desk.head,
            case=case,
            role="approver",
            decision="agree",
            opinion="同意。",
            step_run=investigate,
        )


def test_the_form_of_a_step_not_taken_in_an_emergency_cannot_be_added_afterwards__R9(
    desk: Desk,
) -> None:
    case = walk(desk, start(desk, "penalty_general"), ["investigate"])
    first = case.steps.get(step_id="register")
    with unchanged(), pytest.raises(Conflict):
        services.record_add(
            actor=desk.officer,
            case=case,
            kind="start_approval",
            fields=sample_fields("start_approval"),
            signatures=all_signed("start_approval"),
            step_run=first,
        )


# --- complaints (R-10) ---


def _complaint(desk: Desk, *, real_name: bool) -> Complaint:
    return services.complaint_register(
        actor=desk.officer,
        agency=desk.org.land,
        channel="phone",
        subject="某某砂场",
        content="夜间非法采砂。",
        is_real_name=real_name,
        complainant_name="王某某" if real_name else "",
        complainant_phone="13900000000" if real_name else "",
    )


def test_a_real_name_complaint_needs_its_name__R10(desk: Desk) -> None:
    with unchanged(), pytest.raises(ValidationFailed):
        services.complaint_register(
            actor=desk.officer,
            agency=desk.org.land,
            channel="phone",
            subject="某某砂场",
            content="夜间非法采砂。",
            is_real_name=True,
        )


@pytest.mark.parametrize(
    "missing",
    ["reply_text", "reply_method", "replied_on", "replied_before_received", "replied_tomorrow"],
)
def test_a_real_name_complaint_without_a_case_must_have_the_reply_recorded__R10(
    desk: Desk, missing: str
) -> None:
    complaint = _complaint(desk, real_name=True)
    args: dict[str, Any] = {
        "reply_text": "经核查，不属于违法行为。",
        "reply_method": "电话",
        "replied_on": date(2026, 6, 15),
    }
    if missing == "replied_before_received":
        args["replied_on"] = date(2026, 6, 14)
    elif missing == "replied_tomorrow":  # a reply not yet given is not recorded
        args["replied_on"] = date(2026, 6, 16)
    else:
        args.pop(missing)
    with unchanged(), pytest.raises(ValidationFailed):
        services.complaint_close_without_case(
            actor=desk.officer, complaint=complaint, reason="经核查不属实", **args
        )
    done = services.complaint_close_without_case(
        actor=desk.officer,
        complaint=complaint,
        reason="经核查不属实",
        reply_text="经核查，不属于违法行为。",
        reply_method="电话",
        replied_on=date(2026, 6, 15),
    )
    assert done.state == "no_case" and done.replied_on == date(2026, 6, 15)


def test_an_anonymous_complaint_without_a_case_needs_only_the_reason__R10(desk: Desk) -> None:
    complaint = _complaint(desk, real_name=False)
    with unchanged(), pytest.raises(ValidationFailed):
        services.complaint_close_without_case(actor=desk.officer, complaint=complaint, reason=" ")
    done = services.complaint_close_without_case(
        actor=desk.officer, complaint=complaint, reason="线索不具体，无法核查"
    )
    assert done.state == "no_case" and done.reply_text == "" and done.replied_on is None


def test_a_complaint_leads_to_one_case_only__R10(desk: Desk) -> None:
    complaint = _complaint(desk, real_name=True)
    case = services.complaint_start_case(
        actor=desk.officer,
        complaint=complaint,
        title="夜间非法采砂",
        procedure="penalty_general",
        officers=[desk.officer_a, desk.officer_b],
        parties=[person_party()],
    )
    assert case.start_mode == "complaint"
    complaint.refresh_from_db()
    assert complaint.case == case
    with unchanged(), pytest.raises(Conflict):
        services.complaint_close_without_case(
            actor=desk.officer, complaint=complaint, reason="重复处理"
        )


# --- parties ---


@pytest.mark.parametrize(
    "party",
    [
        PartyIn(kind="natural_person", name="张某某", id_number="110105194912310021"),  # bad check
        PartyIn(kind="natural_person", name="张某某", id_number="110105491231002"),  # 15 digits
        PartyIn(
            kind="legal_person",
            name="某公司",
            id_number="91350100M000100Y44",
            legal_representative="李某",
        ),
        PartyIn(
            kind="legal_person", name="某公司", id_number="91350100M000100Y43"
        ),  # no 法定代表人
        PartyIn(
            kind="natural_person",
            name="张某某",
            id_number="91350100M000100Y43",
            id_kind="credit_code",
        ),
        PartyIn(kind="legal_person", name="某公司", id_number=ADULT_ID, id_kind="resident_id"),
        PartyIn(kind="natural_person", name=" ", id_number=ADULT_ID),
    ],
)
def test_party_ids_are_validated(desk: Desk, party: PartyIn) -> None:
    case = start(desk, "penalty_general")
    with unchanged(), pytest.raises(ValidationFailed):
        services.party_add(actor=desk.officer, case=case, party=party)


def test_a_company_party_with_a_valid_credit_code_is_added(desk: Desk) -> None:
    case = start(desk, "penalty_general", parties=[])
    party = services.party_add(actor=desk.officer, case=case, party=company_party())
    assert party.id_kind == "credit_code" and not party.is_minor


@pytest.mark.parametrize(
    ("birth", "minor"),
    [
        (date(2008, 6, 15), True),  # 18th birthday is 2026-06-15, today: still a minor
        (date(2008, 6, 16), True),
        (date(2008, 6, 14), False),  # 18 since yesterday
    ],
)
def test_a_minor_is_recognised_from_the_id_and_needs_a_guardian(
    desk: Desk, birth: date, minor: bool
) -> None:
    case = start(desk, "penalty_general", parties=[])
    party = PartyIn(kind="natural_person", name="小张", id_number=resident_id(birth))
    if minor:
        with unchanged(), pytest.raises(ValidationFailed) as err:
            services.party_add(actor=desk.officer, case=case, party=party)
        assert err.value.code == "minor_needs_guardian"
        party = PartyIn(
            kind="natural_person", name="小张", id_number=resident_id(birth), guardian="张父"
        )
    row = services.party_add(actor=desk.officer, case=case, party=party)
    assert row.is_minor is minor and row.birth_date == birth


def test_a_party_correction_is_a_new_row_naming_the_old_with_its_reason__R34(
    desk: Desk,
) -> None:
    case = start(desk, "penalty_general")
    old = case.parties.get()
    with unchanged(), pytest.raises(ValidationFailed):
        services.party_correct(
            actor=desk.officer, party=old, corrected=person_party(name="张某"), reason=""
        )
    new = services.party_correct(
        actor=desk.officer, party=old, corrected=person_party(name="张某"), reason="姓名笔误"
    )
    old.refresh_from_db()
    assert old.name == "张某某"  # the old row stays as it was
    assert new.replaces == old and new.correction_reason == "姓名笔误"
    assert list(case.parties.filter(replaced_by__isnull=True)) == [new]
    with unchanged(), pytest.raises(Conflict):
        services.party_correct(
            actor=desk.officer, party=old, corrected=person_party(name="张三"), reason="再改"
        )


# --- officers (行政处罚法第四十二条、行政强制法第十八条) ---


def test_investigation_needs_two_valid_officers__one_refused_two_accepted(desk: Desk) -> None:
    case = walk(desk, start(desk, "penalty_general", officers=[desk.officer_a]), [])
    fill_step(desk, case)
    with unchanged(), pytest.raises(ValidationFailed) as err:
        services.step_advance(actor=desk.officer, case=case, to="investigate")
    assert err.value.code == "too_few_officers"
    services.officer_assign(actor=desk.officer, case=case, officer=desk.officer_b)
    # the register step's officers are the one chosen at the start; set both
    services.step_set_officers(
        actor=desk.officer, case=case, officers=[desk.officer_a, desk.officer_b]
    )
    case = services.step_advance(actor=desk.officer, case=case, to="investigate")
    assert len(case.steps.get(step_id="investigate").officers) == 2


def test_coercion_needs_two_valid_officers(desk: Desk) -> None:
    case = start(desk, "coercive_measure", officers=[desk.officer_a, desk.officer_expired])
    fill_step(desk, case)
    with unchanged(), pytest.raises(ValidationFailed) as err:
        services.step_advance(actor=desk.officer, case=case, to="implement")
    assert "测试执法员丁" in err.value.message and "TEST-0004" in err.value.message


def _certify(desk: Desk, name: str, **dates: Any) -> Any:
    officer = org_services.officer_register(
        actor=SYSTEM, agency=desk.org.land, name=name, unit=desk.org.land_unit
    )
    cert = org_services.certificate_issue(
        actor=SYSTEM,
        officer=officer,
        number=f"TEST-{name}",
        issuing_body="测试发证机关",
        area="白山乡行政区域",
        valid_from=dates.get("valid_from", date(2024, 1, 1)),
        valid_to=dates.get("valid_to", date(2030, 12, 31)),
    )
    if "revoked_on" in dates:
        Certificate.objects.filter(pk=cert.pk).update(revoked_on=dates["revoked_on"])
    return officer


@pytest.mark.parametrize(
    ("dates", "ok"),
    [
        ({"valid_to": date(2026, 6, 15)}, True),  # valid to today inclusive
        ({"valid_to": date(2026, 6, 14)}, False),  # expired yesterday
        ({"valid_from": date(2026, 6, 15)}, True),
        ({"valid_from": date(2026, 6, 16)}, False),  # not yet valid
        ({"revoked_on": date(2026, 6, 15)}, False),
        ({"revoked_on": date(2026, 6, 16)}, True),
    ],
)
def test_an_officer_needs_a_certificate_valid_on_the_day(
    desk: Desk, dates: dict[str, date], ok: bool
) -> None:
    officer = _certify(desk, "测试执法员戊", **dates)
    case = start(desk, "penalty_general")
    if ok:
        services.officer_assign(actor=desk.officer, case=case, officer=officer)
        return
    with unchanged(), pytest.raises(ValidationFailed) as err:
        services.officer_assign(actor=desk.officer, case=case, officer=officer)
    assert "测试执法员戊" in err.value.message


def test_an_officer_of_another_agency_is_refused(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    with unchanged(), pytest.raises(ValidationFailed) as err:
        services.officer_assign(actor=desk.officer, case=case, officer=desk.org.forest_officer)
    assert "不是本执法主体" in err.value.message
    with unchanged(), pytest.raises(ValidationFailed):
        start(desk, "penalty_general", officers=[desk.org.forest_officer])


def test_a_certificate_that_expires_while_the_step_is_open_keeps_it_open(desk: Desk) -> None:
    officer = _certify(desk, "测试执法员己", valid_to=date(2026, 6, 20))
    case = start(desk, "penalty_general", officers=[desk.officer_a, officer])
    case = walk(desk, case, ["investigate"])
    fill_step(desk, case)
    with clock.frozen(clock.now().replace(day=21)):
        assert "officers" in advance_refused(desk, case, "investigation_report")


# --- records (R-11, R-34) ---


def test_each_kind_needs_its_required_fields(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    for kind in ("start_approval", "inquiry_transcript", "penalty_decision", "reminder"):
        fields = sample_fields(kind)
        for name in list(fields):
            partial = {k: v for k, v in fields.items() if k != name}
            with unchanged(), pytest.raises(ValidationFailed) as err:
                services.record_add(actor=desk.officer, case=case, kind=kind, fields=partial)
            assert {"field": name}.items() <= err.value.detail[0].items() or any(
                p["field"] == name for p in err.value.detail
            )
    with unchanged(), pytest.raises(ValidationFailed):
        services.record_add(
            actor=desk.officer,
            case=case,
            kind="start_approval",
            fields={**sample_fields("start_approval"), "unknown": "x"},
        )
    with unchanged(), pytest.raises(ValidationFailed):
        services.record_add(actor=desk.officer, case=case, kind="no_such_kind", fields={})


@pytest.mark.parametrize("field", ["certificates_shown", "party_told_recording"])
def test_a_transcript_must_record_certificates_shown_and_the_party_told__R11(
    desk: Desk, field: str
) -> None:
    case = walk(desk, start(desk, "penalty_general"), ["investigate"])
    fill_step(desk, case, skip=("records",))
    services.record_add(
        actor=desk.officer,
        case=case,
        kind="evidence_register",
        fields=sample_fields("evidence_register"),
        signatures=all_signed(""),
    )
    record = services.record_add(
        actor=desk.officer,
        case=case,
        kind="inquiry_transcript",
        fields=sample_fields("inquiry_transcript", **{field: False}),
        signatures=all_signed(""),
    )
    gap = "shown" if field == "certificates_shown" else "told"
    assert f"{gap}:inquiry_transcript" in advance_refused(desk, case, "investigation_report")
    services.record_correct(
        actor=desk.officer,
        record=record,
        fields=sample_fields("inquiry_transcript"),
        reason="补记出示证件和告知情况",
    )
    services.step_advance(actor=desk.officer, case=case, to="investigation_report")


def test_signatures_or_a_recorded_refusal_with_its_reason__R11(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    fill_step(desk, case, skip=("records",))
    # A head cannot "refuse to sign" a form and have it count: unsigned, it is not done.
    with unchanged(), pytest.raises(ValidationFailed):
        services.record_add(
            actor=desk.officer,
            case=case,
            kind="start_approval",
            fields=sample_fields("start_approval"),
            signatures={
                "officers": {"state": "signed"},
                "head": {"state": "refused", "reason": "负责人不同意"},
            },
        )
    record = services.record_add(
        actor=desk.officer,
        case=case,
        kind="start_approval",
        fields=sample_fields("start_approval"),
        signatures={"officers": {"state": "signed", "name": "甲、丙"}},
    )
    assert "signature:start_approval" in advance_refused(desk, case, "investigate")
    services.record_correct(
        actor=desk.officer,
        record=record,
        fields=sample_fields("start_approval"),
        signatures={
            "officers": {"state": "signed", "name": "甲、丙"},
            "head": {"state": "signed", "name": "负责人"},
        },
        reason="补记负责人签名",
    )
    case = services.step_advance(actor=desk.officer, case=case, to="investigate")
    # The party may refuse, with the circumstances recorded — not without them.
    with unchanged(), pytest.raises(ValidationFailed):
        services.record_add(
            actor=desk.officer,
            case=case,
            kind="inquiry_transcript",
            fields=sample_fields("inquiry_transcript"),
            signatures={"officers": {"state": "signed"}, "party": {"state": "refused"}},
        )
    services.record_add(
        actor=desk.officer,
        case=case,
        kind="inquiry_transcript",
        fields=sample_fields("inquiry_transcript"),
        signatures={
            "officers": {"state": "signed"},
            "party": {"state": "refused", "reason": "当事人拒绝签名，见证人在场"},
        },
    )
    run = case.steps.get(state="open")
    codes = [g.code for g in rules.missing(run, now=clock.now())]
    assert "signature:inquiry_transcript" not in codes


def test_a_record_correction_is_a_new_version_and_the_old_stays__R34(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    old = services.record_add(
        actor=desk.officer,
        case=case,
        kind="start_approval",
        fields=sample_fields("start_approval", reason="原因一"),
        signatures=all_signed(""),
    )
    before = dict(old.fields)
    with unchanged(), pytest.raises(ValidationFailed):
        services.record_correct(
            actor=desk.officer, record=old, fields=sample_fields("start_approval"), reason=" "
        )
    new = services.record_correct(
        actor=desk.officer,
        record=old,
        fields=sample_fields("start_approval", reason="原因二"),
        reason="启动原因笔误",
    )
    old.refresh_from_db()
    assert old.fields == before and old.version == 1
    assert new.version == 2 and new.replaces == old and new.correction_reason == "启动原因笔误"
    assert new.signatures == old.signatures  # kept when not given
    assert [r.pk for r in rules.current_records(case.steps.get())] == [new.pk]
    with unchanged(), pytest.raises(Conflict):
        services.record_correct(
            actor=desk.officer, record=old, fields=sample_fields("start_approval"), reason="再改"
        )
    assert Record.objects.filter(case=case).count() == 2


def test_a_record_of_a_closed_step_is_corrected_not_added(desk: Desk) -> None:
    case = walk(desk, start(desk, "penalty_general"), ["investigate"])
    register = case.steps.get(step_id="register")
    with unchanged(), pytest.raises(Conflict):
        services.record_add(
            actor=desk.officer,
            case=case,
            kind="closing_report",
            fields=sample_fields("closing_report"),
            step_run=register,
        )
    # Nor corrected: the step was approved on what its records said; a decision once
    # made is changed by its own procedure, not by editing the file.
    old = register.records.get(kind="start_approval")
    with unchanged(), pytest.raises(Conflict) as refused:
        services.record_correct(
            actor=desk.officer, record=old, fields=sample_fields("start_approval"), reason="笔误"
        )
    assert refused.value.code == "step_closed"


# --- audio-visual records (R-14, R-16, R-24, R-27, R-23) ---


@pytest.mark.parametrize(
    ("procedure", "path", "to", "variant"),
    [
        ("penalty_general", ["investigate"], "investigation_report", ""),
        ("penalty_general", ["investigate", "inspect"], "investigation_report", ""),
        ("coercive_measure", ["implement"], "release", "seize"),
    ],
)
def test_a_step_needing_av_cannot_close_without_it_or_a_reason__R14_R16(
    desk: Desk, av: Any, procedure: str, path: list[str], to: str, variant: str
) -> None:
    case = walk(desk, start(desk, procedure), path)
    fill_step(desk, case, variant=variant, skip=("av",))
    assert "av" in advance_refused(desk, case, to)
    scan = av("document")
    services.evidence_link(actor=desk.officer, case=case, evidence=scan)
    assert "av" in advance_refused(desk, case, to)  # a scanned document is no AV record
    services.evidence_link(actor=desk.officer, case=case, evidence=av("photo"))
    services.step_advance(actor=desk.officer, case=case, to=to)


def test_an_av_reason_instead_of_the_record__R14(desk: Desk) -> None:
    case = walk(desk, start(desk, "penalty_general"), ["investigate"])
    fill_step(desk, case, skip=("av",))
    with unchanged(), pytest.raises(ValidationFailed):
        services.step_av_reason(actor=desk.officer, case=case, reason="  ")
    services.step_av_reason(actor=desk.officer, case=case, reason="涉及个人隐私，不宜录像")
    services.step_advance(actor=desk.officer, case=case, to="investigation_report")


@pytest.mark.parametrize("variant", ["direct", "leaving", "public_notice"])
def test_service_by_these_methods_needs_av__R24_R26_R27(desk: Desk, variant: str) -> None:
    case = walk(
        desk,
        start(desk, "penalty_general"),
        [*TO_LEGAL_REVIEW, "legal_review", "decide", "serve"],
    )
    fill_step(desk, case, variant=variant, skip=("av",))
    assert "av" in advance_refused(desk, case, "compliance")


def test_mail_service_needs_no_av__R25(desk: Desk) -> None:
    case = walk(
        desk,
        start(desk, "penalty_general"),
        [*TO_LEGAL_REVIEW, "legal_review", "decide", "serve"],
    )
    fill_step(desk, case, variant="mail", skip=("av",))
    services.step_advance(actor=desk.officer, case=case, to="compliance")


def test_the_simple_procedure_needs_av_only_when_disputed__R23(desk: Desk, av: Any) -> None:
    case = start(desk, "penalty_simple")
    fill_step(desk, case, skip=("av",))
    case = services.step_advance(actor=desk.officer, case=case, to="notify_on_spot")
    fill_step(desk, case, skip=("av",))
    services.step_mark_disputed(actor=desk.officer, case=case, disputed=True)
    assert "av" in advance_refused(desk, case, "decide_on_spot")
    services.evidence_link(actor=desk.officer, case=case, evidence=av("photo"))
    services.step_advance(actor=desk.officer, case=case, to="decide_on_spot")


# --- approvals (R-35) ---


def _give(desk: Desk, case: Case, user: Any, role: str, decision: str = "agree") -> Approval:
    return services.approval_give(
        actor=user, case=case, role=role, decision=decision, opinion="意见。"
    )


def test_the_chain_is_handler_checker_approver_in_that_order__R35(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    fill_step(desk, case, skip=("approval",))
    with unchanged(), pytest.raises(Conflict) as err:
        _give(desk, case, desk.unit_head, "checker")
    assert err.value.code == "approval_out_of_order"
    _give(desk, case, desk.officer, "handler")
    with unchanged(), pytest.raises(Conflict):
        _give(desk, case, desk.head, "approver")
    assert "approval" in advance_refused(desk, case, "investigate")
    _give(desk, case, desk.unit_head, "checker")
    assert "approval" in advance_refused(desk, case, "investigate")
    _give(desk, case, desk.head, "approver")
    with unchanged(), pytest.raises(Conflict):
        _give(desk, case, desk.head, "approver")
    services.step_advance(actor=desk.officer, case=case, to="investigate")


def test_three_different_people__R35(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    fill_step(desk, case, skip=("approval",))
    grant(desk.officer, desk.org.land, Role.UNIT_HEAD)
    grant(desk.officer, desk.org.land, Role.AGENCY_HEAD)
    _give(desk, case, desk.officer, "handler")
    with unchanged(), pytest.raises(Conflict) as err:
        _give(desk, case, desk.officer, "checker")
    assert err.value.code == "same_approver"
    _give(desk, case, desk.unit_head, "checker")
    with unchanged(), pytest.raises(Conflict):
        _give(desk, case, desk.officer, "approver")
    _give(desk, case, desk.head, "approver")


@pytest.mark.parametrize(
    ("who", "role"),
    [
        ("officer2", "handler"),  # an officer of the agency, not on the case
        ("officer", "checker"),  # an officer is no checker
        ("reviewer", "approver"),  # a legal reviewer may check, not approve
        ("unit_head", "approver"),  # only the agency head approves
        ("forest_head", "checker"),  # a head of another agency
    ],
)
def test_each_place_of_the_chain_needs_its_role__R35(desk: Desk, who: str, role: str) -> None:
    case = start(desk, "penalty_general", officers=[desk.officer_a])
    fill_step(desk, case, skip=("approval",))
    order = ["handler", "checker", "approver"]
    people = {"handler": desk.officer, "checker": desk.unit_head, "approver": desk.head}
    for earlier in order[: order.index(role)]:
        _give(desk, case, people[earlier], earlier)
    user = desk.org.forest_head if who == "forest_head" else getattr(desk, who)
    with unchanged(), pytest.raises(PermissionDenied):
        _give(desk, case, user, role)


def test_a_legal_reviewer_may_check__R35(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    fill_step(desk, case, skip=("approval",))
    _give(desk, case, desk.officer, "handler")
    _give(desk, case, desk.reviewer, "checker")
    _give(desk, case, desk.head, "approver")
    services.step_advance(actor=desk.officer, case=case, to="investigate")


def test_a_return_restarts_the_chain__R35(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    fill_step(desk, case, skip=("approval",))
    _give(desk, case, desk.officer, "handler")
    _give(desk, case, desk.unit_head, "checker")
    _give(desk, case, desk.head, "approver", "return")
    assert "approval" in advance_refused(desk, case, "investigate")
    with unchanged(), pytest.raises(Conflict):
        _give(desk, case, desk.unit_head, "checker")  # the chain starts again at the handler
    _give(desk, case, desk.officer, "handler")
    _give(desk, case, desk.unit_head, "checker")
    _give(desk, case, desk.head, "approver")
    services.step_advance(actor=desk.officer, case=case, to="investigate")


def test_a_step_without_approval_refuses_one(desk: Desk) -> None:
    case = walk(desk, start(desk, "penalty_general"), ["investigate"])
    with unchanged(), pytest.raises(Conflict):
        _give(desk, case, desk.officer, "handler")


# --- the simple procedure's limits (行政处罚法第五十一条) ---


def _simple_decision(desk: Desk, party: PartyIn, **fields: Any) -> tuple[Case, list[str]]:
    case = start(desk, "penalty_simple", parties=[party])
    fill_step(desk, case)
    case = services.step_advance(actor=desk.officer, case=case, to="notify_on_spot")
    fill_step(desk, case)
    case = services.step_advance(actor=desk.officer, case=case, to="decide_on_spot")
    fill_step(desk, case, skip=("records",))
    services.record_add(
        actor=desk.officer,
        case=case,
        kind="simple_penalty_decision",
        fields=sample_fields("simple_penalty_decision", **fields),
        signatures=all_signed(""),
    )
    try:
        case = services.step_advance(actor=desk.officer, case=case, to="file_with_agency")
    except ValidationFailed as err:
        return case, [g["code"] for g in err.detail]
    return case, []


@pytest.mark.parametrize(
    ("party", "amount", "ok"),
    [
        ("person", "200", True),
        ("person", "200.01", False),
        ("company", "3000", True),
        ("company", "3000.01", False),
    ],
)
def test_simple_procedure_fine_ceiling__art51(
    desk: Desk, party: str, amount: str, ok: bool
) -> None:
    who = person_party() if party == "person" else company_party()
    case, gaps = _simple_decision(desk, who, measure="fine", fine_yuan=amount)
    if ok:
        assert gaps == [] and case.current_step == "file_with_agency"
    else:
        assert gaps == ["hook:simple_procedure_limits"]


def test_simple_procedure_a_warning_is_fine_other_measures_refused__art51(desk: Desk) -> None:
    _case, gaps = _simple_decision(desk, person_party(), measure="warning")
    assert gaps == []
    with pytest.raises(ValidationFailed):
        _simple_decision(
            desk, person_party("李某某", resident_id(date(1980, 1, 1))), measure="confiscation"
        )


def test_simple_procedure_refusal_changes_nothing(desk: Desk) -> None:
    case, gaps = _simple_decision(desk, person_party(), measure="fine", fine_yuan="200.01")
    assert gaps
    with unchanged(), pytest.raises(ValidationFailed):
        services.step_advance(actor=desk.officer, case=case, to="file_with_agency")


# --- collective discussion of a major case (行政处罚法第五十七条) ---


def _to_decide(desk: Desk, fine: str, party: PartyIn, *, discuss: bool) -> Case:
    case = walk(desk, start(desk, "penalty_general", parties=[party]), TO_LEGAL_REVIEW)
    fill_step(desk, case, skip=("records",))
    services.record_add(
        actor=desk.officer,
        case=case,
        kind="decision_draft",
        fields=sample_fields("decision_draft", measure="fine", fine_yuan=fine),
        signatures=all_signed(""),
    )
    case = services.step_advance(actor=desk.officer, case=case, to="legal_review")
    path = ["collective_discussion", "decide"] if discuss else ["decide"]
    return walk(desk, case, path)


@pytest.mark.parametrize(
    ("party", "fine", "major"),
    [
        ("person", "10000", True),
        ("person", "9999.99", False),
        ("company", "100000", True),
        ("company", "99999.99", False),
    ],
)
def test_a_major_fine_needs_the_collective_discussion__art57(
    desk: Desk, settings: Any, party: str, fine: str, major: bool
) -> None:
    settings.ZHIFA_MAJOR_FINE_YUAN = {"natural_person": "10000", "organisation": "100000"}
    who = person_party() if party == "person" else company_party()
    case = _to_decide(desk, fine, who, discuss=False)
    fill_step(desk, case)
    if major:
        assert "hook:collective_discussion_gate" in advance_refused(desk, case, "serve")
    else:
        services.step_advance(actor=desk.officer, case=case, to="serve")


def test_the_major_amount_comes_from_settings__art57(desk: Desk, settings: Any) -> None:
    settings.ZHIFA_MAJOR_FINE_YUAN = {"natural_person": "5000", "organisation": "50000"}
    assert rules.major_fine("natural_person", Decimal("5000"))
    assert not rules.major_fine("natural_person", Decimal("4999.99"))
    assert rules.major_fine("legal_person", Decimal("50000"))


def test_a_major_case_decided_after_the_discussion__art57(desk: Desk, settings: Any) -> None:
    settings.ZHIFA_MAJOR_FINE_YUAN = {"natural_person": "10000", "organisation": "100000"}
    case = _to_decide(desk, "10000", person_party(), discuss=True)
    fill_step(desk, case)
    services.step_advance(actor=desk.officer, case=case, to="serve")


def test_the_discussion_minutes_name_three_participants__art57(desk: Desk) -> None:
    case = walk(desk, start(desk, "penalty_general"), [*TO_LEGAL_REVIEW, "legal_review"])
    case = walk(desk, case, ["collective_discussion"])
    fill_step(desk, case, skip=("records",))
    services.record_add(
        actor=desk.officer,
        case=case,
        kind="collective_minutes",
        fields=sample_fields("collective_minutes", participants=["甲", "乙"]),
        signatures=all_signed(""),
    )
    assert "hook:collective_discussion_gate" in advance_refused(desk, case, "decide")


# --- the legal-review gate (法制审核) ---


def _at_legal_review(desk: Desk) -> Case:
    case = walk(desk, start(desk, "penalty_general"), TO_LEGAL_REVIEW)
    return walk(desk, case, ["legal_review"])


def _opinion(desk: Desk, case: Case, user: Any, conclusion: str = "agree") -> Record:
    return services.record_add(
        actor=user,
        case=case,
        kind="legal_review_opinion",
        fields=sample_fields("legal_review_opinion", conclusion=conclusion),
        signatures=all_signed(""),
    )


def test_no_opinion_keeps_the_decision_open__L(desk: Desk) -> None:
    case = _at_legal_review(desk)
    assert "hook:legal_review_gate" in advance_refused(desk, case, "decide")


def test_a_disagreeing_opinion_keeps_the_decision_open__L(desk: Desk) -> None:
    case = _at_legal_review(desk)
    record = _opinion(desk, case, desk.reviewer, "disagree")
    assert advance_refused(desk, case, "decide") == ["hook:legal_review_gate"]
    services.record_correct(
        actor=desk.reviewer,
        record=record,
        fields=sample_fields("legal_review_opinion"),
        reason="补充材料后同意",
    )
    services.step_advance(actor=desk.officer, case=case, to="decide")


def test_an_opinion_by_someone_not_a_legal_reviewer_keeps_it_open__L(desk: Desk) -> None:
    case = _at_legal_review(desk)
    _opinion(desk, case, desk.head)
    assert advance_refused(desk, case, "decide") == ["hook:legal_review_gate"]


def test_an_opinion_by_an_officer_on_the_case_keeps_it_open__L(desk: Desk) -> None:
    case = _at_legal_review(desk)
    grant(desk.officer, desk.org.land, Role.LEGAL_REVIEWER)
    _opinion(desk, case, desk.officer)
    assert advance_refused(desk, case, "decide") == ["hook:legal_review_gate"]


def test_the_gate_holds_again_at_the_decision__L(desk: Desk) -> None:
    case = _at_legal_review(desk)
    record = _opinion(desk, case, desk.reviewer)
    case = services.step_advance(actor=desk.officer, case=case, to="decide")
    with unchanged(), pytest.raises(Conflict):  # the closed review is not edited …
        services.record_correct(
            actor=desk.reviewer,
            record=record,
            fields=sample_fields("legal_review_opinion", conclusion="disagree"),
            reason="发现新证据",
        )
    # … the reviewer gives a new opinion before the decision, and the gate follows the latest.
    services.record_add(
        actor=desk.reviewer,
        case=case,
        kind="legal_review_opinion",
        fields=sample_fields("legal_review_opinion", conclusion="disagree"),
        signatures={"reviewer": {"state": "signed", "name": "审核人"}},
    )
    fill_step(desk, case)
    assert "hook:legal_review_gate" in advance_refused(desk, case, "serve")


def test_a_reviewer_not_on_the_case_writes_only_the_opinion__L(desk: Desk) -> None:
    case = _at_legal_review(desk)
    with unchanged(), pytest.raises(PermissionDenied):
        services.record_add(
            actor=desk.reviewer,
            case=case,
            kind="closing_report",
            fields=sample_fields("closing_report"),
        )


# --- permissions ---


def test_only_staff_of_the_agency_start_cases(desk: Desk) -> None:
    with unchanged(), pytest.raises(PermissionDenied):
        start(desk, "penalty_general", actor=desk.org.forest_head)


def test_an_officer_not_on_the_case_cannot_write_it(desk: Desk) -> None:
    case = start(desk, "penalty_general", officers=[desk.officer_a])
    for actor in (desk.officer2, desk.org.forest_head, desk.org.supervisor):
        with unchanged(), pytest.raises(PermissionDenied):
            services.party_add(actor=actor, case=case, party=company_party())
    # a head of the agency may
    services.party_add(actor=desk.head, case=case, party=company_party())


def test_a_removed_officer_can_no_longer_write(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    services.officer_remove(actor=desk.head, case=case, officer=desk.officer_b, reason="回避")
    with unchanged(), pytest.raises(PermissionDenied):
        services.step_av_reason(actor=desk.officer2, case=case, reason="理由")


def test_refusals_are_domain_errors() -> None:
    assert issubclass(ValidationFailed, DomainError) and issubclass(Conflict, DomainError)
    assert Party.Kind.values and Case.StartMode.values


def test_a_record_changed_after_the_signatures_restarts_the_chain__R35(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    fill_step(desk, case)
    record = case.records.get(kind="start_approval")
    with clock.frozen(clock.now().replace(hour=11)):
        services.record_correct(
            actor=desk.officer,
            record=record,
            fields=sample_fields("start_approval", reason="另一个启动原因"),
            reason="改写启动原因",
        )
        assert advance_refused(desk, case, "investigate") == ["approval"]
        with unchanged(), pytest.raises(Conflict):
            _give(desk, case, desk.unit_head, "checker")
    with clock.frozen(clock.now().replace(hour=12)):
        _give(desk, case, desk.officer, "handler")
        _give(desk, case, desk.unit_head, "checker")
        _give(desk, case, desk.head, "approver")
        services.step_advance(actor=desk.officer, case=case, to="investigate")


@pytest.mark.parametrize("kind", sorted(procedures.DOCUMENT_KINDS))
def test_every_kind_names_each_missing_required_field__R1(kind: str) -> None:
    from zhifa.cases import documents

    fields = sample_fields(kind)
    assert documents.clean_fields(kind, fields)
    for spec in documents.specs(kind):
        if not spec.required:
            continue
        partial = {k: v for k, v in fields.items() if k != spec.name}
        with pytest.raises(ValidationFailed) as err:
            documents.clean_fields(kind, partial)
        assert [p["field"] for p in err.value.detail] == [spec.name]
        if spec.type in (documents.FieldType.DATE, documents.FieldType.CHOICE):
            with pytest.raises(ValidationFailed):
                documents.clean_fields(kind, {**fields, spec.name: "2026-02-30"})
