"""Rules added in review: a 投诉举报 start always has its complaint on record (R-10); the hearing's
presider did not investigate (行政处罚法第六十四条); an item linked to a case joins its file and is
kept permanently (R-29); a machine links no confidential item (R-33); a form's local time is
China time."""

from __future__ import annotations

from typing import Any

import pytest

from tests.accounts.support import approved_token
from tests.cases.conftest import (
    Desk,
    all_signed,
    company_party,
    fill_step,
    sample_fields,
    start,
    unchanged,
    walk,
)
from zhifa.accounts import services as account_services
from zhifa.accounts.models import ApiToken, User
from zhifa.cases import documents, rules, selectors, services
from zhifa.cases.models import Case
from zhifa.core import clock
from zhifa.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhifa.evidence.models import Evidence


def test_a_complaint_start_without_its_complaint_is_refused__R10(desk: Desk) -> None:
    with unchanged(), pytest.raises(ValidationFailed) as refused:
        start(desk, "penalty_general", start_mode=Case.StartMode.COMPLAINT)
    assert refused.value.code == "complaint_required"


def test_a_complaint_of_another_agency_cannot_start_this_agencys_case__R10(desk: Desk) -> None:
    complaint = services.complaint_register(
        actor=desk.org.forest_head,
        agency=desk.org.forest,
        channel="phone",
        subject="某林地",
        content="有人盗伐林木",
        is_real_name=False,
    )
    with unchanged(), pytest.raises(ValidationFailed):
        start(desk, "penalty_general", start_mode=Case.StartMode.COMPLAINT, complaint=complaint)


def _to_hearing(desk: Desk) -> Case:
    case = start(desk, "penalty_general")
    return walk(
        desk,
        case,
        ["investigate", "investigation_report", "notify_rights", "hearing_request", "hearing"],
    )


def test_the_hearing_is_not_presided_by_an_investigator__L64(desk: Desk) -> None:
    case = _to_hearing(desk)
    investigator = desk.officer_a.person.name
    services.record_add(
        actor=desk.officer,
        case=case,
        kind="hearing_record",
        fields=sample_fields("hearing_record", presider=investigator),
        signatures=all_signed("hearing_record"),
    )
    fill_step(desk, case, skip=("records",))
    services.record_add(
        actor=desk.officer,
        case=case,
        kind="hearing_report",
        fields=sample_fields("hearing_report"),
        signatures=all_signed("hearing_report"),
    )
    run = case.steps.get(state="open")
    assert [g.code for g in rules.missing(run, now=clock.now())] == ["presider"]
    with unchanged(), pytest.raises(ValidationFailed):
        services.step_advance(actor=desk.officer, case=case, to="draft_decision")
    record = run.records.get(kind="hearing_record")
    services.record_correct(
        actor=desk.officer,
        record=record,
        fields=sample_fields("hearing_record", presider="法制机构王某"),
        signatures=all_signed("hearing_record"),
        reason="主持人应由非本案调查人员担任，改为指定的主持人",
    )
    services.step_advance(actor=desk.officer, case=case, to="draft_decision")


def test_linked_evidence_is_kept_permanently_with_the_case_file__R29(desk: Desk, av: Any) -> None:
    case = start(desk, "penalty_general")
    fill_step(desk, case)
    case = services.step_advance(actor=desk.officer, case=case, to="investigate")
    item = av("photo")
    assert item.retention != "permanent"
    services.evidence_link(actor=desk.officer, case=case, evidence=item)
    item.refresh_from_db()
    assert item.retention == "permanent"


def test_a_token_links_no_confidential_evidence__R33(desk: Desk, av: Any) -> None:
    case = start(desk, "penalty_general")
    item = av("photo")
    Evidence.objects.filter(pk=item.pk).update(confidentiality="privacy")  # as if so registered
    admin = User.objects.create_user(username="sys2", admin_role=User.AdminRole.SYSTEM)
    token, _plain = approved_token(admin=admin, agency=desk.org.land, scopes=["cases:write"])
    item.refresh_from_db()
    with unchanged(), pytest.raises(NotFound):
        services.evidence_link(actor=token, case=case, evidence=item)


def test_a_forms_local_time_is_read_as_china_time() -> None:
    fields = documents.clean_fields(
        "inquiry_transcript",
        {
            "place": "白山村",
            "started_at": "2026-06-15T10:00",
            "ended_at": "2026-06-15T11:00+08:00",
            "certificates_shown": "true",
            "party_told_recording": "true",
        },
    )
    assert fields["started_at"] == "2026-06-15T10:00:00+08:00"
    assert fields["ended_at"] == "2026-06-15T11:00:00+08:00"


def test_a_service_date_is_neither_in_the_future_nor_before_its_step__L54(desk: Desk) -> None:
    """A back-dated 催告 service would shorten the 10 working days before a court application."""
    case = start(desk, "penalty_general")
    future = clock.today().replace(year=clock.today().year + 1).isoformat()
    for bad in (future, "2026-01-05"):  # next year; before the case (opened 2026-06-15) began
        with unchanged(), pytest.raises(ValidationFailed):
            services.record_add(
                actor=desk.officer,
                case=case,
                kind="service_receipt",
                fields=sample_fields("service_receipt", served_on=bad),
                signatures=all_signed("service_receipt"),
            )
    services.record_add(
        actor=desk.officer,
        case=case,
        kind="service_receipt",
        fields=sample_fields("service_receipt", served_on=clock.today().isoformat()),
        signatures=all_signed("service_receipt"),
    )


def test_an_officer_withdrawn_from_the_case_no_longer_counts__L42_L43(desk: Desk) -> None:
    case = walk(desk, start(desk, "penalty_general"), ["investigate"])
    fill_step(desk, case)
    services.officer_remove(
        actor=desk.head, case=case, officer=desk.officer_b, reason="申请回避，经负责人决定"
    )
    run = case.steps.get(state="open")
    assert "officers" in [g.code for g in rules.missing(run, now=clock.now())]
    with unchanged(), pytest.raises(ValidationFailed):
        services.step_advance(actor=desk.officer, case=case, to="investigation_report")


def test_a_closed_steps_decision_is_not_corrected_afterwards__L51(desk: Desk) -> None:
    """Otherwise a 200-yuan on-the-spot fine could become 50,000 after the ceiling was checked."""
    case = start(desk, "penalty_simple")
    case = walk(desk, case, ["notify_on_spot", "decide_on_spot", "file_with_agency"])
    decision = case.records.get(kind="simple_penalty_decision")
    with unchanged(), pytest.raises(Conflict):
        services.record_correct(
            actor=desk.officer,
            record=decision,
            fields=sample_fields("simple_penalty_decision", measure="fine", fine_yuan="50000"),
            reason="更正金额",
        )


def test_a_platform_token_without_an_agency_writes_no_case(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    admin = User.objects.create_user(username="sys3", admin_role=User.AdminRole.SYSTEM)
    with unchanged(), pytest.raises(ValidationFailed):
        account_services.token_create(
            actor=admin, name="上级平台", agency=None, scopes=["cases:read", "cases:write"]
        )
    # Even a row written around ``token_create`` holds no content scope without an agency.
    token = ApiToken.objects.create(
        name="上级平台",
        prefix="0badc0de",
        secret_sha256="0" * 64,
        scopes=["cases:read", "cases:write"],
        created_at=clock.now(),
    )
    with unchanged(), pytest.raises(PermissionDenied):
        services.step_av_reason(actor=token, case=case, reason="无法录像")


def test_the_timeline_says_who_did_each_thing__R1_R34(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    case = walk(desk, case, ["investigate"])
    services.party_add(actor=desk.officer2, case=case, party=company_party())
    entries = selectors.timeline(case, viewer=desk.officer)
    who = {(e.kind, e.title): e.who for e in entries}
    officer = desk.officer.get_full_name() or desk.officer.username
    assert who[("step_close", "完成：立案")] == officer
    assert who[("step_open", "开始：调查取证")] == officer
    assert who[("party", "登记当事人：梨树县某某砂石有限公司")] == desk.officer2.username
    assert all(e.who for e in entries), [e for e in entries if not e.who]
