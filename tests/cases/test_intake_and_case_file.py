"""Rules added in review: a 投诉举报 start always has its complaint on record (R-10); the hearing's
presider did not investigate (行政处罚法第六十四条); an item linked to a case joins its file and is
kept permanently (R-29); a machine links no confidential item (R-33); a form's local time is
China time."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cases.conftest import (
    Desk,
    all_signed,
    fill_step,
    sample_fields,
    start,
    unchanged,
    walk,
)
from zhifa.accounts import services as account_services
from zhifa.accounts.models import User
from zhifa.cases import documents, rules, services
from zhifa.cases.models import Case
from zhifa.core import clock
from zhifa.core.errors import NotFound, ValidationFailed
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
    token, _plain = account_services.token_create(
        actor=admin, name="执法终端", agency=desk.org.land, scopes=["cases:write"]
    )
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
