"""The demo cases of ``zhifa demo load`` (src/zhifa/cases/demo.py): several Baishan agencies, every
stage and procedure, written through the services so that every closed step was complete when it
closed (R-1, R-34), idempotent, and a ledger that verifies."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Model

from tests.org.conftest import nothing_changes
from zhifa.accounts.models import RoleAssignment, User
from zhifa.cases import rules, selectors
from zhifa.cases.demo import demo_cases
from zhifa.cases.models import (
    Approval,
    Case,
    CaseDeadline,
    CaseOfficer,
    Complaint,
    Notification,
    Party,
    Record,
    StepEvidence,
    StepRun,
)
from zhifa.catalogue import procedures
from zhifa.evidence.models import Blob, Device, Evidence
from zhifa.ledger.verify import verify_ledger
from zhifa.org.models import Certificate, Officer, Person

CASE_MODELS: tuple[type[Model], ...] = (
    Case,
    CaseOfficer,
    Party,
    StepRun,
    Record,
    StepEvidence,
    Approval,
    CaseDeadline,
    Notification,
    Complaint,
    Evidence,
    Blob,
    Device,
    Officer,
    Person,
    Certificate,
    User,
    RoleAssignment,
)


def load() -> str:
    out = StringIO()
    call_command("demo", "load", stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def stage(case: Case) -> str:
    if case.is_archived:
        return "archived"
    return procedures.get(case.procedure).step(case.current_step).stage.value


def _covers_every_stage_and_procedure_of_several_agencies__R1(summary: str) -> None:
    cases = list(demo_cases())
    assert len(cases) == Case.objects.count() >= 12
    assert "案件演示数据" in summary
    assert {stage(c) for c in cases} >= {
        "start",
        "investigation",
        "decision",
        "service",
        "execution",
        "archived",
    }
    assert {c.procedure for c in cases} >= {
        "penalty_general",
        "penalty_simple",
        "permit",
        "coercive_measure",
        "coercive_enforcement",
        "inspection",
    }
    agencies = {c.agency.name for c in cases}
    assert len(agencies) >= 4 and "国土资源所" in agencies
    steps = StepRun.objects.filter(state=StepRun.State.CLOSED)
    assert steps.filter(case__procedure="penalty_general", step_id="hearing").exists()
    assert steps.filter(case__procedure="permit", step_id="supplement").exists()
    assert steps.filter(case__procedure="coercive_measure", step_id="extend").exists()
    assert CaseDeadline.objects.filter(key="seizure", extended_times=1).exists()
    assert StepRun.objects.filter(step_id="court_application").exists()


def _archived_cases_are_archived_and_read_only__R29() -> None:
    archived = [c for c in demo_cases() if c.is_archived]
    assert len(archived) >= 4
    for case in archived:
        assert case.archived_at is not None and case.current_step == ""
        assert not case.steps.filter(state=StepRun.State.OPEN).exists()
        last = case.steps.order_by("-seq").first()
        assert last is not None and last.step_id == "archive"
        # Every limit is met, except the duty to publish, which only publication meets (D-20).
        assert not case.deadlines.filter(met_at__isnull=True).exclude(key="disclosure").exists()


def _every_closed_step_lacked_nothing_when_it_closed_and_open_cases_read__R34() -> None:
    closed = StepRun.objects.filter(state=StepRun.State.CLOSED).select_related("case")
    assert closed.count() >= 60
    for run in closed:
        assert run.closed_at is not None
        gaps = rules.missing(run, now=run.closed_at)
        assert gaps == [], (run.case.title, run.step_id, [g.message for g in gaps])
    for case in demo_cases():
        if case.is_archived:
            continue
        run = selectors.current_run(case)
        assert run is not None and run.step_id == case.current_step
        selectors.missing_now(case)  # computes without error
        assert selectors.next_steps(case)
        entries = selectors.timeline(case)
        assert [e.at for e in entries] == sorted(e.at for e in entries)


def _complaints_overdue_limits_notices_and_av_evidence__R10_R14() -> None:
    turned = Complaint.objects.get(state=Complaint.State.CASE)
    assert turned.case is not None and turned.case.start_mode == Case.StartMode.COMPLAINT
    closed = Complaint.objects.get(state=Complaint.State.NO_CASE)
    assert closed.is_real_name and closed.no_case_reason
    assert closed.reply_text and closed.reply_method and closed.replied_on is not None
    officer = User.objects.get(username="demo_officer")
    mine = selectors.my_cases(officer)
    assert mine.filter(state=Case.State.OPEN).count() >= 3
    assert mine.filter(state=Case.State.ARCHIVED).exists()
    overdue = selectors.deadlines_for(officer).filter(overdue_at__isnull=False)
    assert overdue.count() >= 2
    assert Notification.objects.filter(user=officer).count() >= 2
    links = StepEvidence.objects.select_related("evidence", "step_run")
    assert links.count() >= 10
    assert {link.evidence.kind for link in links} >= {Evidence.Kind.PHOTO, Evidence.Kind.AUDIO}
    assert all(link.evidence.agency_id == link.step_run.case.agency_id for link in links)


@pytest.mark.django_db
def test_a_second_load_creates_nothing_and_prints_the_same_summary() -> None:
    first = load()
    with nothing_changes(*CASE_MODELS):
        second = load()
    assert second == first


@pytest.mark.django_db
def test_the_demo_is_a_lived_in_system__R1_R10_R14_R29_R34() -> None:
    """One load (it takes seconds), every property of the demo cases checked on it."""
    summary = load()
    _covers_every_stage_and_procedure_of_several_agencies__R1(summary)
    _archived_cases_are_archived_and_read_only__R29()
    _every_closed_step_lacked_nothing_when_it_closed_and_open_cases_read__R34()
    _complaints_overdue_limits_notices_and_av_evidence__R10_R14()
    assert verify_ledger().problems == []  # zhifa ledger verify passes after the load
