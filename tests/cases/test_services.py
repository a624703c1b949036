"""The services as a whole: each write with its ledger event, an archived case read-only (R-29,
R-34), who may write which case, and the ledger verifying afterwards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.cases.conftest import (
    Desk,
    all_signed,
    company_party,
    person_party,
    sample_fields,
    start,
    unchanged,
    walk,
)
from zhifa.cases import selectors, services
from zhifa.cases.models import Case
from zhifa.core.errors import Conflict, DomainError, PermissionDenied
from zhifa.ledger.models import LedgerEvent
from zhifa.ledger.verify import verify_ledger

SIMPLE_TO_ARCHIVE = ["notify_on_spot", "decide_on_spot", "file_with_agency", "archive", ""]


def _archived(desk: Desk) -> Case:
    case = walk(desk, start(desk, "penalty_simple"), SIMPLE_TO_ARCHIVE)
    assert case.state == "archived" and case.archived_at is not None
    return case


def _writes(desk: Desk, case: Case, evidence: Any) -> dict[str, Callable[[], Any]]:
    record = case.records.order_by("id").first()
    party = case.parties.get()
    deadline = case.deadlines.first()
    officer = desk.officer
    return {
        "party_add": lambda: services.party_add(actor=officer, case=case, party=company_party()),
        "party_correct": lambda: services.party_correct(
            actor=officer, party=party, corrected=person_party(name="张某"), reason="笔误"
        ),
        "officer_assign": lambda: services.officer_assign(
            actor=officer, case=case, officer=desk.officer_expired
        ),
        "officer_remove": lambda: services.officer_remove(
            actor=officer, case=case, officer=desk.officer_b, reason="调离"
        ),
        "step_set_officers": lambda: services.step_set_officers(
            actor=officer, case=case, officers=[desk.officer_a, desk.officer_b]
        ),
        "step_advance": lambda: services.step_advance(actor=officer, case=case),
        "step_choose_variant": lambda: services.step_choose_variant(
            actor=officer, case=case, variant="direct"
        ),
        "step_av_reason": lambda: services.step_av_reason(actor=officer, case=case, reason="理由"),
        "step_mark_disputed": lambda: services.step_mark_disputed(
            actor=officer, case=case, disputed=True
        ),
        "deadline_extend": lambda: services.deadline_extend(
            actor=desk.head, deadline=deadline, reason="延长"
        ),
        "record_add": lambda: services.record_add(
            actor=officer,
            case=case,
            kind="closing_report",
            fields=sample_fields("closing_report"),
            signatures=all_signed(""),
        ),
        "record_correct": lambda: services.record_correct(
            actor=officer, record=record, fields=sample_fields(record.kind), reason="更正"
        ),
        "evidence_link": lambda: services.evidence_link(
            actor=officer, case=case, evidence=evidence
        ),
        "approval_give": lambda: services.approval_give(
            actor=desk.head, case=case, role="approver", decision="agree", opinion="同意"
        ),
    }


WRITES = [
    "party_add",
    "party_correct",
    "officer_assign",
    "officer_remove",
    "step_set_officers",
    "step_advance",
    "step_choose_variant",
    "step_av_reason",
    "step_mark_disputed",
    "deadline_extend",
    "record_add",
    "record_correct",
    "evidence_link",
    "approval_give",
]


@pytest.mark.parametrize("write", WRITES)
def test_an_archived_case_is_read_only__R29_R34(desk: Desk, av: Any, write: str) -> None:
    evidence = av("photo")
    case = _archived(desk)
    call = _writes(desk, case, evidence)[write]
    with unchanged(), pytest.raises(DomainError) as err:
        call()
    if write not in ("officer_assign",):  # the expired officer may be refused first
        assert isinstance(err.value, Conflict) and err.value.code == "case_archived"


@pytest.mark.parametrize("write", WRITES)
def test_the_system_too_cannot_change_an_archived_case__R29(
    desk: Desk, av: Any, write: str
) -> None:
    from zhifa.accounts.actors import SYSTEM

    evidence = av("photo")
    case = _archived(desk)
    desk.officer = SYSTEM  # type: ignore[assignment]  # the system in a person's place, on purpose
    desk.head = SYSTEM  # type: ignore[assignment]  # (Desk types these fields as users)
    call = _writes(desk, case, evidence)[write]
    with unchanged(), pytest.raises(DomainError):
        call()


def test_every_accepted_write_has_its_ledger_event_and_the_ledger_verifies(desk: Desk) -> None:
    before = LedgerEvent.objects.count()
    case = walk(desk, start(desk, "penalty_simple"), SIMPLE_TO_ARCHIVE)
    actions = list(LedgerEvent.objects.order_by("seq")[before:].values_list("action", flat=True))
    assert actions[0] == "cases.case.start" and actions[-1] == "cases.case.archive"
    assert actions.count("cases.step.close") == case.steps.count()
    assert actions.count("cases.record.add") == case.records.count()
    assert verify_ledger(blobs=False, mirror=None).ok


# --- who may write (and read) a case -------------------------------------------------------------


def test_a_head_of_the_agency_may_write_an_ordinary_case(desk: Desk) -> None:
    case = start(desk, "penalty_general", officers=[desk.officer_a])
    assert services.can_write(desk.unit_head, case) and services.can_write(desk.head, case)
    assert not services.can_write(desk.officer2, case)
    assert not services.can_write(desk.org.forest_head, case)
    assert not services.can_write(desk.reviewer, case)


def test_who_may_write_a_confidential_case_may_read_it__R33(desk: Desk) -> None:
    """A confidential case is read only by the officers on it, the agency head and legal
    reviewers (and the supervisor); no one may write a case they cannot read."""
    case = start(desk, "penalty_general", officers=[desk.officer_a], confidentiality="trade_secret")
    for user in (desk.officer, desk.officer2, desk.unit_head, desk.head, desk.org.forest_head):
        readable = selectors.cases_visible_to(user).filter(pk=case.pk).exists()
        if services.can_write(user, case):
            assert readable, user.username
    assert services.can_write(desk.officer, case) and services.can_write(desk.head, case)
    with unchanged(), pytest.raises(PermissionDenied):
        services.party_add(actor=desk.unit_head, case=case, party=company_party())


def test_a_confidential_case_is_hidden_from_other_staff__R33(desk: Desk) -> None:
    case = start(desk, "penalty_general", officers=[desk.officer_a], confidentiality="privacy")
    assert selectors.cases_visible_to(desk.officer).filter(pk=case.pk).exists()
    assert not selectors.cases_visible_to(desk.officer2).filter(pk=case.pk).exists()
    assert selectors.cases_visible_to(desk.reviewer).filter(pk=case.pk).exists()
    assert selectors.cases_visible_to(desk.org.supervisor).filter(pk=case.pk).exists()
    assert not selectors.cases_visible_to(desk.org.forest_head).filter(pk=case.pk).exists()
    secret = start(
        desk, "penalty_general", officers=[desk.officer_a], confidentiality="state_secret"
    )
    assert not selectors.cases_visible_to(desk.org.supervisor).filter(pk=secret.pk).exists()


def test_the_timeline_and_missing_list_read_the_case(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    gaps = [g.code for g in selectors.missing_now(case)]
    assert "record:start_approval" in gaps and "approval" in gaps
    kinds = [e.kind for e in selectors.timeline(case)]
    assert kinds[:3] == ["case", "party", "step_open"]
    assert [n.id for n in selectors.next_steps(case)] == ["investigate"]


def test_no_one_signs_the_approval_of_a_confidential_case_they_cannot_read__R33_R35(
    desk: Desk,
) -> None:
    from tests.cases.conftest import fill_step

    case = start(desk, "penalty_general", confidentiality="trade_secret")
    fill_step(desk, case, skip=("approval",))
    services.approval_give(
        actor=desk.officer, case=case, role="handler", decision="agree", opinion="拟立案"
    )
    assert not selectors.cases_visible_to(desk.unit_head).filter(pk=case.pk).exists()
    with unchanged(), pytest.raises(PermissionDenied):
        services.approval_give(
            actor=desk.unit_head, case=case, role="checker", decision="agree", opinion="同意"
        )
    # the legal reviewer reads confidential cases of the agency and may check
    services.approval_give(
        actor=desk.reviewer, case=case, role="checker", decision="agree", opinion="同意"
    )
    services.approval_give(
        actor=desk.head, case=case, role="approver", decision="agree", opinion="同意"
    )
    services.step_advance(actor=desk.officer, case=case, to="investigate")


@pytest.mark.parametrize(
    ("confidentiality", "minor", "published"),
    [
        ("", False, True),
        ("privacy", False, False),
        ("trade_secret", False, False),
        ("", True, False),
    ],
)
def test_the_duty_to_publish_runs_only_for_decisions_that_may_be_published__D13_D20(
    desk: Desk, confidentiality: str, minor: bool, published: bool
) -> None:
    from datetime import date

    from tests.cases.conftest import resident_id
    from zhifa.cases.services import PartyIn

    party = (
        PartyIn(
            kind="natural_person",
            name="小张",
            id_number=resident_id(date(2012, 1, 1)),
            guardian="张父",
        )
        if minor
        else person_party()
    )
    case = start(desk, "penalty_simple", parties=[party], confidentiality=confidentiality)
    case = walk(desk, case, ["notify_on_spot", "decide_on_spot", "file_with_agency"])
    rows = case.deadlines.filter(key="disclosure")
    assert rows.exists() is published
    if published:
        # 7 working days from 06-15 over 端午 (06-19)
        assert rows.get().due_date.isoformat() == "2026-06-25"
