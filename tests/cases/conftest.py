"""A desk to handle cases on: the org of ``tests/org`` plus what a case needs — two more land
officers (one whose certificate has expired), users linked to the officers, a unit head, a legal
reviewer — and a power of the land agency for each procedure.

``fill_step`` completes whatever the current step of a case still lacks, through the services,
the way an officer would: each required record with its fields and signatures, the service or
execution method, an audio-visual reason where AV is needed, the approval chain.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest

# Fixtures shared with the org tests: pytest finds them by name here, so F401 would be wrong.
from tests.org.conftest import Org, frozen_today, grant, make_user, nothing_changes, org  # noqa: F401
from zhifa.accounts.actors import SYSTEM
from zhifa.accounts.models import RoleAssignment, User
from zhifa.cases import documents, rules, services
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
from zhifa.cases.services import PartyIn
from zhifa.catalogue import procedures
from zhifa.catalogue.procedures import ApprovalRole
from zhifa.core import clock
from zhifa.org import services as org_services
from zhifa.org.models import Certificate, Officer

Role = RoleAssignment.Role

# 110101199003070012 style ids: checksums valid (GB 11643).
ADULT_ID = "11010519491231002X"
CREDIT_CODE = "91350100M000100Y43"


@dataclass
class Desk:
    org: Org
    officer_a: Officer  # org.land_officer, linked to user officer
    officer_b: Officer
    officer_expired: Officer
    officer: User  # officer_a's login
    officer2: User  # officer_b's login
    unit_head: User
    head: User  # org.land_head (agency head)
    reviewer: User  # legal reviewer


def _certificate(officer: Officer, number: str, valid_to: date) -> Certificate:
    return org_services.certificate_issue(
        actor=SYSTEM,
        officer=officer,
        number=number,
        issuing_body="测试发证机关",
        area="白山乡行政区域",
        valid_from=date(2024, 1, 1),
        valid_to=valid_to,
    )


@pytest.fixture
def desk(org: Org) -> Desk:  # noqa: F811 — ``org`` is the imported fixture, requested by name
    officer_b = org_services.officer_register(
        actor=SYSTEM, agency=org.land, name="测试执法员丙", unit=org.land_unit
    )
    _certificate(officer_b, "TEST-0003", date(2030, 12, 31))
    officer_expired = org_services.officer_register(
        actor=SYSTEM, agency=org.land, name="测试执法员丁", unit=org.land_unit
    )
    _certificate(officer_expired, "TEST-0004", date(2026, 6, 14))
    officer = org.land_officer_user
    officer.person = org.land_officer.person
    officer.first_name = "执法员甲"
    officer.save()
    officer2 = make_user("land_officer2")
    officer2.person = officer_b.person
    officer2.save()
    grant(officer2, org.land, Role.OFFICER)
    unit_head = make_user("land_unit_head")
    grant(unit_head, org.land, Role.UNIT_HEAD)
    reviewer = make_user("land_reviewer")
    grant(reviewer, org.land, Role.LEGAL_REVIEWER)
    return Desk(
        org=org,
        officer_a=org.land_officer,
        officer_b=officer_b,
        officer_expired=officer_expired,
        officer=officer,
        officer2=officer2,
        unit_head=unit_head,
        head=org.land_head,
        reviewer=reviewer,
    )


def person_party(name: str = "张某某", id_number: str = ADULT_ID) -> PartyIn:
    return PartyIn(kind="natural_person", name=name, id_number=id_number, address="白山乡白山村")


def company_party() -> PartyIn:
    return PartyIn(
        kind="legal_person",
        name="梨树县某某砂石有限公司",
        id_number=CREDIT_CODE,
        legal_representative="李某某",
    )


def start(desk: Desk, procedure: str, **kwargs: Any) -> Case:
    mode = {"permit": "application", "penalty_simple": "on_the_spot"}.get(procedure, "ex_officio")
    args: dict[str, Any] = {
        "actor": desk.officer,
        "agency": desk.org.land,
        "title": "测试案件",
        "start_mode": mode,
        "procedure": procedure,
        "officers": [desk.officer_a, desk.officer_b],
        "parties": [person_party()],
    }
    args.update(kwargs)
    return services.case_start(**args)


def sample_value(spec: documents.FieldSpec) -> Any:
    kind = spec.type
    if kind is documents.FieldType.BOOL:
        return True
    if kind is documents.FieldType.DATE:
        return clock.today().isoformat()
    if kind is documents.FieldType.DATETIME:
        return clock.now().isoformat()
    if kind is documents.FieldType.YUAN:
        return "100"
    if kind is documents.FieldType.CHOICE:
        return spec.choices[0][0]
    if kind is documents.FieldType.LIST:
        return ["第一项", "第二项", "第三项"]
    return f"{spec.label}（测试）"


def sample_fields(kind: str, **overrides: Any) -> dict[str, Any]:
    fields = {s.name: sample_value(s) for s in documents.specs(kind) if s.required}
    if kind == "legal_review_opinion":
        fields["conclusion"] = "agree"
    if kind == "compliance_record":
        fields["complied"] = "complied"
    if kind == "rights_notice":
        # The walks go on to the decision the same day: the party waived the 5 working days to
        # ask for a hearing (行政处罚法第六十四条); tests of that period say otherwise.
        fields["waived"] = True
    if kind == "hearing_notice":
        fields["hearing_date"] = (clock.today() + timedelta(days=21)).isoformat()
    fields.update(overrides)
    return fields


def all_signed(kind: str) -> dict[str, dict[str, str]]:
    return {who: {"state": "signed", "name": "签名人"} for who in procedures.SIGNATURES}


def approvers(desk: Desk) -> dict[str, User]:
    return {
        ApprovalRole.HANDLER: desk.officer,
        ApprovalRole.CHECKER: desk.unit_head,
        ApprovalRole.APPROVER: desk.head,
    }


def fill_step(desk: Desk, case: Case, *, variant: str = "", skip: tuple[str, ...] = ()) -> None:
    """Give the current step everything it needs (except the gaps named in ``skip``)."""
    case.refresh_from_db()
    run = case.steps.get(state="open")
    step = procedures.get(case.procedure).step(run.step_id)
    if step.variants and not run.variant and "variant" not in skip:
        services.step_choose_variant(
            actor=desk.officer, case=case, variant=variant or step.variants[0].key
        )
        run.refresh_from_db()
    if "records" not in skip:
        for requirement in rules.requirements_of(step, run.variant):
            author = (
                desk.reviewer if requirement.document == "legal_review_opinion" else desk.officer
            )
            if requirement.document == "legal_review_opinion":
                _reviewer_record(desk, case, requirement.document)
            else:
                services.record_add(
                    actor=author,
                    case=case,
                    kind=requirement.document,
                    fields=sample_fields(requirement.document),
                    signatures=all_signed(requirement.document),
                )
    av, _basis = rules.av_rule_of(step, run.variant)
    if av is not procedures.AvRule.NONE and "av" not in skip:
        services.step_av_reason(
            actor=desk.officer, case=case, reason="现场光线不足，无法录像（测试）"
        )
    if step.approval and "approval" not in skip:
        people = approvers(desk)
        for role in step.approval:
            services.approval_give(
                actor=people[role], case=case, role=role, decision="agree", opinion="同意。"
            )


def _reviewer_record(desk: Desk, case: Case, kind: str) -> None:
    """The legal reviewer is not on the case, so the reviewer's opinion is written through the
    same service with the reviewer as the actor (a head role is needed to write: the reviewer
    holds the legal_reviewer role, so the record is added by the officer on the reviewer's
    behalf unless the legal-review module gives reviewers their own service)."""
    services.record_add(
        actor=desk.reviewer,
        case=case,
        kind=kind,
        fields=sample_fields(kind),
        signatures=all_signed(kind),
    )


def walk(desk: Desk, case: Case, path: list[str], **variants: str) -> Case:
    """Fill and leave each step along ``path`` (the ids of the steps to go to, "" to archive)."""
    for to in path:
        case.refresh_from_db()
        fill_step(desk, case, variant=variants.get(case.current_step, ""))
        case = services.step_advance(actor=desk.officer, case=case, to=to)
    return case


def now() -> datetime:
    return clock.now()


# --- added for the engine's rule tests --------------------------------------------------------

CASE_MODELS = (
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
)


@contextmanager
def unchanged() -> Iterator[None]:
    """Every row of every cases table, and the ledger's size, are the same after the block."""
    with nothing_changes(*CASE_MODELS):
        yield


def china(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=clock.CHINA)


ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(birth: date, *, region: str = "110105", seq: str = "002") -> str:
    """A 居民身份证号码 with a valid GB 11643 check digit for ``birth``."""
    body = f"{region}{birth:%Y%m%d}{seq}"
    total = sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


@pytest.fixture
def av(desk: Desk, settings: Any, tmp_path: Any) -> Any:
    """``av(kind)``: an evidence item of the land agency, registered through the evidence service
    (a real file, hashed and stored), ready to be linked to a step."""
    from django.core.files.base import ContentFile
    from PIL import Image

    from zhifa.evidence import services as evidence_services

    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    settings.EVIDENCE_STORAGE = "local"
    counter = {"n": 0}

    def make(kind: str = "photo") -> Any:
        counter["n"] += 1
        out = io.BytesIO()
        if kind == "document":
            out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
            out.write(str(counter["n"]).encode())
        else:
            Image.new("RGB", (16, 16), (counter["n"] % 256, 30, 30)).save(out, format="JPEG")
        return evidence_services.evidence_register_file(
            actor=desk.officer,
            agency=desk.org.land,
            file=ContentFile(out.getvalue()),
            metadata={
                "kind": kind,
                "captured_at": (clock.now() - timedelta(minutes=5)).isoformat(),
                "filename": f"scene{counter['n']}.{'pdf' if kind == 'document' else 'jpg'}",
            },
        )

    return make
