"""The only code that changes cases. Each service: keyword-only arguments, ``actor`` first, one
transaction, permission and rule checks, the write, its ledger events. A refused call raises a
:class:`~zhifa.core.errors.DomainError` and, the transaction rolled back, has changed nothing.

``actor`` is a staff :class:`~zhifa.accounts.models.User`, an API token (``cases:write`` scope,
bound to its agency) or, in the demo loader only, :data:`zhifa.accounts.actors.SYSTEM`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from zhifa.accounts.access import Role, has_role, token_has_scope
from zhifa.accounts.actors import actor_label, is_system
from zhifa.accounts.models import ApiToken, RoleAssignment, User
from zhifa.cases import documents, rules
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
from zhifa.catalogue.models import Power
from zhifa.catalogue.procedures import ApprovalRole, ProcedureDefinition, Step, TimeLimit
from zhifa.core import clock, deadlines
from zhifa.core.deadlines import Unit
from zhifa.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhifa.core.identifiers import (
    is_minor_on,
    validate_credit_code,
    validate_id_number,
    validate_phone,
)
from zhifa.evidence.models import Confidentiality, Evidence
from zhifa.ledger.services import ledger_append
from zhifa.org.models import Agency, Officer
from zhifa.org.models import Unit as OrgUnit

logger = logging.getLogger(__name__)

SCOPE_READ = "cases:read"
SCOPE_WRITE = "cases:write"
STAFF_ROLES = (Role.OFFICER, Role.UNIT_HEAD, Role.AGENCY_HEAD)
HEAD_ROLES = (Role.UNIT_HEAD, Role.AGENCY_HEAD)
# who may sign which place of the chain (the handler must also be on the case).
APPROVAL_ROLES: dict[str, tuple[str, ...]] = {
    ApprovalRole.HANDLER: (Role.OFFICER, Role.UNIT_HEAD, Role.AGENCY_HEAD),
    ApprovalRole.CHECKER: (Role.UNIT_HEAD, Role.AGENCY_HEAD, Role.LEGAL_REVIEWER),
    ApprovalRole.APPROVER: (Role.AGENCY_HEAD,),
}
REVIEWER_KINDS = ("legal_review_opinion",)
EMERGENCY_KINDS = ("start_approval", "emergency_start_form", "emergency_report")


# --- who may write --------------------------------------------------------------------------------


def _ledger_actor(actor: Any) -> str:
    return actor if isinstance(actor, str) else actor_label(actor)


def _user(actor: Any) -> User | None:
    return actor if isinstance(actor, User) else None


def _assigned_officer(user: User | None, case: Case) -> Officer | None:
    if user is None or user.person_id is None:
        return None
    link = (
        case.officers.filter(removed_at__isnull=True, officer__person_id=user.person_id)
        .select_related("officer")
        .first()
    )
    return link.officer if link else None


def can_write(actor: Any, case: Case) -> bool:
    """An officer on the case, a head of its agency, a token with ``cases:write`` for it, or the
    system (demo loader). A confidential case (R-33) only the officers on it and the agency head:
    no one writes a case that ``selectors.cases_visible_to`` does not let them read (a unit head
    reads a confidential case only when on it)."""
    if is_system(actor):
        return True
    if isinstance(actor, ApiToken):
        # A machine writes only for the agency it is bound to (a platform token without an
        # agency reads; it does not act for every agency).
        return (
            not case.confidentiality
            and actor.agency_id == case.agency_id
            and token_has_scope(actor, SCOPE_WRITE, case.agency)
        )
    user = _user(actor)
    if user is None:
        return False
    if has_role(user, case.agency, Role.AGENCY_HEAD):
        return True
    if not case.confidentiality and has_role(user, case.agency, Role.UNIT_HEAD):
        return True
    return has_role(user, case.agency, *STAFF_ROLES) and _assigned_officer(user, case) is not None


def _require_agency_staff(actor: Any, agency: Agency) -> None:
    if is_system(actor):
        return
    if isinstance(actor, ApiToken):
        if actor.agency_id == agency.pk and token_has_scope(actor, SCOPE_WRITE, agency):
            return
    elif has_role(_user(actor), agency, *STAFF_ROLES):
        return
    raise PermissionDenied(
        _("您在“%(agency)s”没有办理案件的权限。") % {"agency": agency.name},
        detail={"required_roles": list(STAFF_ROLES)},
    )


def _lock(case: Case, actor: Any, *, reviewer_may: bool = False) -> Case:
    """The case row locked for this transaction, after checking ``actor`` may change it and that
    it is not archived (R-29: an archived case is read-only). ``reviewer_may``: the agency's legal
    reviewer may write this (its own opinion, R-18) without being on the case."""
    locked = Case.objects.select_for_update().select_related("agency").get(pk=case.pk)
    reviewer = reviewer_may and has_role(_user(actor), locked.agency, Role.LEGAL_REVIEWER)
    if not reviewer and not can_write(actor, locked):
        raise PermissionDenied(_("您不是本案的承办人员或者负责人，不能修改本案。"))
    if locked.is_archived:
        raise Conflict(_("案件已经归档，不能再修改。"), code="case_archived")
    return locked


def _current_run(case: Case) -> StepRun:
    run = case.steps.filter(state=StepRun.State.OPEN).order_by("-seq").first()
    if run is None:  # only an archived case has no open step, and _lock refused it already
        raise Conflict(_("案件没有正在办理的步骤。"))
    return run


def _step(case: Case, step_id: str) -> Step:
    return procedures.get(case.procedure).step(step_id)


def _text(value: str, label: str, *, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationFailed(_("“%(label)s”含有无效字符。") % {"label": label})
    if required and not value:
        raise ValidationFailed(_("请填写“%(label)s”。") % {"label": label})
    if len(value) > limit:
        raise ValidationFailed(_("“%(label)s”不能超过%(n)d个字。") % {"label": label, "n": limit})
    return value


# --- starting a case (R-7 – R-10) -----------------------------------------------------------------


@dataclass(frozen=True)
class PartyIn:
    """A party as entered: checked by :func:`party_add`."""

    kind: str
    name: str
    id_number: str
    id_kind: str = ""
    address: str = ""
    phone: str = ""
    legal_representative: str = ""
    guardian: str = ""


def _procedure_for(agency: Agency, procedure: str, power: Power | None) -> ProcedureDefinition:
    if power is not None:
        if power.agency_id != agency.pk:
            raise ValidationFailed(
                _("执法事项“%(power)s”不属于“%(agency)s”。")
                % {"power": power.name, "agency": agency.name},
                detail={"field": "power"},
            )
        if procedure and procedure != power.procedure:
            raise ValidationFailed(
                _("执法事项“%(power)s”应当适用“%(procedure)s”。")
                % {"power": power.name, "procedure": procedures.get(power.procedure).name},
                detail={"field": "procedure"},
            )
        procedure = procedure or power.procedure
    if not procedure:
        raise ValidationFailed(_("请选择执法事项或者办理程序。"), detail={"field": "procedure"})
    return procedures.get(procedure)


def _check_start_mode(definition: ProcedureDefinition, mode: str) -> None:
    if mode not in Case.StartMode.values:
        raise ValidationFailed(_("启动方式不正确。"), detail={"field": "start_mode"})
    application = definition.slug == "permit"
    simple = definition.slug == "penalty_simple"
    problem = ""
    if application != (mode == Case.StartMode.APPLICATION):
        problem = _("行政许可依申请启动。") if application else _("只有行政许可依申请启动。")
    elif simple != (mode == Case.StartMode.ON_THE_SPOT):
        problem = _("简易程序只能当场启动。") if simple else _("当场处罚只能适用简易程序。")
    elif mode == Case.StartMode.EMERGENCY and not definition.step(definition.start).approval:
        problem = _("该程序的启动不需要审批，不适用紧急情况先行启动。")
    if problem:
        raise ValidationFailed(problem, detail={"field": "start_mode"})


def _officers_snapshot(
    officers: Sequence[Officer], *, agency: Agency, day: date, minimum: int, basis: str
) -> list[dict[str, Any]]:
    """The officers for a step, each with the certificate valid on ``day``; at least ``minimum``
    valid ones (行政处罚法第四十二条、行政强制法第十八条), else refused naming who and why."""
    seen: set[int] = set()
    checks = []
    for officer in officers:
        if officer.pk in seen:
            continue
        seen.add(officer.pk)
        checks.append(rules.check_officer(officer, agency_id=agency.pk, day=day))
    valid = [c for c in checks if c.is_valid]
    if len(valid) < minimum:
        problems = "".join(rules.officer_problem(c) for c in checks if not c.is_valid)
        raise ValidationFailed(
            _(
                "须有不少于%(n)d名持有效执法证件的执法人员（%(basis)s），现有%(valid)d名。%(problems)s"
            )
            % {"n": minimum, "basis": basis, "valid": len(valid), "problems": problems},
            code="too_few_officers",
            detail={"field": "officers", "required": minimum, "valid": len(valid)},
        )
    return [
        {
            "officer_id": c.officer.pk,
            "name": c.officer.person.name,
            "certificate": c.certificate,
            "status": str(c.status),
        }
        for c in checks
    ]


def _next_number(agency: Agency, year: int) -> tuple[int, str]:
    Agency.objects.select_for_update().filter(pk=agency.pk).first()
    last = Case.objects.filter(agency=agency, year=year).order_by("-sequence").first()
    sequence = (last.sequence if last else 0) + 1
    prefix = agency.short_name or agency.name
    return sequence, _("%(prefix)s〔%(year)d〕%(seq)d号") % {
        "prefix": prefix,
        "year": year,
        "seq": sequence,
    }


def case_start(
    *,
    actor: Any,
    agency: Agency,
    title: str,
    start_mode: str,
    officers: Sequence[Officer],
    procedure: str = "",
    power: Power | None = None,
    unit: OrgUnit | None = None,
    confidentiality: str = "",
    summary: str = "",
    parties: Iterable[PartyIn] = (),
    complaint: Complaint | None = None,
) -> Case:
    """Open a case at the first step of its procedure (R-7 – R-10).

    The 投诉举报 start mode needs its ``complaint`` (registered, still pending, of this agency):
    the case and the complaint are linked in the same transaction, so the R-10 intake is always on
    record (``complaint_start_case`` is the usual way in).

    In an emergency (R-9) the first step is taken at once and its approval form is due within 24
    hours; the case cannot close until it is filed, and a late form is flagged by ``zhifa tick``.
    """
    with transaction.atomic():
        _require_agency_staff(actor, agency)
        definition = _procedure_for(agency, procedure, power)
        _check_start_mode(definition, start_mode)
        if (start_mode == Case.StartMode.COMPLAINT) != (complaint is not None):
            raise ValidationFailed(
                _("因投诉举报立案的，须从已登记的投诉举报启动；其他启动方式不能关联投诉举报。"),
                code="complaint_required",
                detail={"field": "start_mode"},
            )
        if complaint is not None:
            if complaint.agency_id != agency.pk:
                raise ValidationFailed(
                    _("该投诉举报不属于“%(agency)s”。") % {"agency": agency.name},
                    detail={"field": "complaint"},
                )
            complaint = _pending_complaint(actor, complaint)
        title = _text(title, _("案由"), limit=200)
        summary = _text(summary, _("基本情况"), limit=5000, required=False)
        if confidentiality not in Confidentiality.values:
            raise ValidationFailed(_("保密级别不正确。"), detail={"field": "confidentiality"})
        if unit is not None and unit.agency_id != agency.pk:
            raise ValidationFailed(_("承办机构不属于该执法主体。"), detail={"field": "unit"})
        if not officers:
            raise ValidationFailed(_("请指派承办的执法人员。"), detail={"field": "officers"})
        now = clock.now()
        start = definition.step(definition.start)
        snapshot = _officers_snapshot(
            officers,
            agency=agency,
            day=clock.china_date(now),
            minimum=max(1, start.min_officers),
            basis=start.min_officers_basis or start.basis,
        )
        year = clock.china_date(now).year
        sequence, number = _next_number(agency, year)
        case = Case.objects.create(
            agency=agency,
            unit=unit,
            power=power,
            procedure=definition.slug,
            number=number,
            sequence=sequence,
            year=year,
            title=title,
            summary=summary,
            start_mode=start_mode,
            confidentiality=confidentiality,
            current_step=start.id,
            opened_at=now,
            created_by=_user(actor),
        )
        ledger_append(actor=_ledger_actor(actor), action="cases.case.start", obj=case)
        for index, entry in enumerate(snapshot):
            link = CaseOfficer.objects.create(
                case=case, officer_id=entry["officer_id"], is_lead=index == 0, assigned_at=now
            )
            ledger_append(actor=_ledger_actor(actor), action="cases.officer.assign", obj=link)
        for party in parties:
            _party_create(actor, case, party, now=now)
        emergency = start_mode == Case.StartMode.EMERGENCY
        # taken first, its form filed afterwards; set as the run is created, so that the
        # ledger's snapshot of the run (cases.step.open) says so too.
        run = _open_run(actor, case, start, snapshot, now=now, deferred=emergency)
        if emergency:
            limit = deadlines.RECORD_EMERGENCY_START_FORM
            open_deadline(
                actor,
                run,
                key="emergency_start_form",
                name=_("紧急情况立案补办审批期限"),
                computed=limit.from_(now),
                until=[],
                wait=False,
            )
        if complaint is not None:
            complaint.state = Complaint.State.CASE
            complaint.case = case
            complaint.save(update_fields=["state", "case"])
            ledger_append(actor=_ledger_actor(actor), action="cases.complaint.case", obj=complaint)
    return case


# --- parties -------------------------------------------------------------------------------------


def _clean_party(party: PartyIn, *, today: date) -> dict[str, Any]:
    if party.kind not in Party.Kind.values:
        raise ValidationFailed(_("当事人类型不正确。"), detail={"field": "kind"})
    name = _text(party.name, _("姓名或者名称"), limit=200)
    natural = party.kind == Party.Kind.NATURAL_PERSON
    id_kind = party.id_kind or (Party.IdKind.RESIDENT_ID if natural else Party.IdKind.CREDIT_CODE)
    if id_kind not in Party.IdKind.values:
        raise ValidationFailed(_("证件类型不正确。"), detail={"field": "id_kind"})
    values: dict[str, Any] = {
        "kind": party.kind,
        "name": name,
        "id_kind": id_kind,
        "address": _text(party.address, _("住所或者地址"), limit=200, required=False),
        "legal_representative": _text(
            party.legal_representative, _("法定代表人或者负责人"), limit=100, required=False
        ),
        "guardian": _text(party.guardian, _("监护人"), limit=100, required=False),
        "phone": "",
        "birth_date": None,
        "is_minor": False,
    }
    if id_kind == Party.IdKind.RESIDENT_ID:
        if not natural:
            raise ValidationFailed(
                _("法人或者其他组织请填写统一社会信用代码。"), detail={"field": "id_kind"}
            )
        checked = validate_id_number(party.id_number, today=today)
        values["id_number"] = str(checked)
        values["birth_date"] = checked.birth_date
        values["is_minor"] = is_minor_on(checked, today)
        if values["is_minor"] and not values["guardian"]:
            raise ValidationFailed(
                _("当事人是未成年人（按身份证号码的出生日期），请填写其监护人。"),
                code="minor_needs_guardian",
                detail={"field": "guardian"},
            )
    elif id_kind == Party.IdKind.CREDIT_CODE:
        if natural:
            raise ValidationFailed(_("自然人请填写身份证件号码。"), detail={"field": "id_kind"})
        values["id_number"] = str(validate_credit_code(party.id_number))
        if party.kind == Party.Kind.LEGAL_PERSON and not values["legal_representative"]:
            raise ValidationFailed(
                _("请填写法定代表人。"), detail={"field": "legal_representative"}
            )
    else:
        values["id_number"] = _text(party.id_number, _("证件号码"), limit=40)
    if party.phone.strip():
        values["phone"] = str(validate_phone(party.phone))
    return values


def _party_create(
    actor: Any,
    case: Case,
    party: PartyIn,
    *,
    now: datetime,
    replaces: Party | None = None,
    reason: str = "",
) -> Party:
    values = _clean_party(party, today=clock.china_date(now))
    clash = case.parties.filter(replaced_by__isnull=True, id_number=values["id_number"])
    if replaces is not None:
        clash = clash.exclude(pk=replaces.pk)
    if clash.exists():
        raise Conflict(_("该当事人已经登记。"), detail={"field": "id_number"})
    row = Party.objects.create(
        case=case, replaces=replaces, correction_reason=reason, added_at=now, **values
    )
    action = "cases.party.correct" if replaces else "cases.party.add"
    ledger_append(actor=_ledger_actor(actor), action=action, obj=row, reason=reason)
    return row


def party_add(*, actor: Any, case: Case, party: PartyIn) -> Party:
    with transaction.atomic():
        case = _lock(case, actor)
        return _party_create(actor, case, party, now=clock.now())


def party_correct(*, actor: Any, party: Party, corrected: PartyIn, reason: str) -> Party:
    """A correction is a new party row naming the old one, with the reason (R-34)."""
    with transaction.atomic():
        case = _lock(party.case, actor)
        reason = _text(reason, _("更正理由"), limit=300)
        if Party.objects.filter(replaces=party).exists():
            raise Conflict(_("该记录已经更正过，请更正最新的记录。"))
        return _party_create(actor, case, corrected, now=clock.now(), replaces=party, reason=reason)


# --- officers ------------------------------------------------------------------------------------


def officer_assign(*, actor: Any, case: Case, officer: Officer) -> CaseOfficer:
    with transaction.atomic():
        case = _lock(case, actor)
        now = clock.now()
        _officers_snapshot(
            [officer],
            agency=case.agency,
            day=clock.china_date(now),
            minimum=1,
            basis=_("行政处罚法第四十二条"),
        )
        if case.officers.filter(officer=officer, removed_at__isnull=True).exists():
            raise Conflict(_("该执法人员已经是本案承办人员。"))
        link = CaseOfficer.objects.create(case=case, officer=officer, assigned_at=now)
        ledger_append(actor=_ledger_actor(actor), action="cases.officer.assign", obj=link)
    return link


def officer_remove(*, actor: Any, case: Case, officer: Officer, reason: str) -> CaseOfficer:
    with transaction.atomic():
        case = _lock(case, actor)
        reason = _text(reason, _("撤出原因"), limit=200)
        link = case.officers.filter(officer=officer, removed_at__isnull=True).first()
        if link is None:
            raise NotFound(_("该执法人员不是本案承办人员。"))
        link.removed_at = clock.now()
        link.removed_reason = reason
        link.save(update_fields=["removed_at", "removed_reason"])
        ledger_append(
            actor=_ledger_actor(actor), action="cases.officer.remove", obj=link, reason=reason
        )
    return link


def step_set_officers(*, actor: Any, case: Case, officers: Sequence[Officer]) -> StepRun:
    """The officers present at the current step (checked on the day)."""
    with transaction.atomic():
        case = _lock(case, actor)
        run = _current_run(case)
        step = _step(case, run.step_id)
        for officer in officers:
            if not case.officers.filter(officer=officer, removed_at__isnull=True).exists():
                raise ValidationFailed(
                    _("%(name)s不是本案承办人员。") % {"name": officer.person.name},
                    detail={"field": "officers"},
                )
        run.officers = _officers_snapshot(
            officers,
            agency=case.agency,
            day=clock.china_date(clock.now()),
            minimum=max(1, step.min_officers),
            basis=step.min_officers_basis or step.basis,
        )
        run.save(update_fields=["officers"])
        ledger_append(actor=_ledger_actor(actor), action="cases.step.officers", obj=run)
    return run


# --- steps and deadlines -------------------------------------------------------------------------


def open_deadline(
    actor: Any,
    run: StepRun,
    *,
    key: str,
    name: str,
    computed: deadlines.Deadline | deadlines.PendingDeadline,
    until: list[str],
    wait: bool,
    blocks: Sequence[str] = (),
    unless: str = "",
) -> CaseDeadline:
    due_date = _due_date(computed)
    row = CaseDeadline.objects.create(
        case=run.case,
        step_run=run,
        key=key,
        name=name,
        basis=computed.basis,
        computed=computed.as_dict(),
        due_date=due_date,
        is_wait=wait,
        until=until,
        blocks=list(blocks),
        unless=unless,
    )
    ledger_append(actor=_ledger_actor(actor), action="cases.deadline.open", obj=row)
    return row


def _due_date(computed: deadlines.Deadline | deadlines.PendingDeadline) -> date | None:
    due = computed.due
    if due is None:
        return None
    return clock.china_date(due) if isinstance(due, datetime) else due


def compute_pending(now: datetime) -> int:
    """``zhifa tick``: compute each limit that waited for a year's working-day calendar, once that
    year is loaded. Returns how many were computed."""
    count = 0
    for row in CaseDeadline.objects.filter(due_date__isnull=True, met_at__isnull=True):
        pending = deadlines.computed_from_dict(row.computed)
        if not isinstance(pending, deadlines.PendingDeadline):
            continue
        limit = deadlines.LegalLimit(pending.amount, pending.unit, pending.basis)
        computed = limit.from_or_pending(pending.start)
        if isinstance(computed, deadlines.PendingDeadline):
            continue
        with transaction.atomic():
            locked = CaseDeadline.objects.select_for_update().get(pk=row.pk)
            if locked.due_date is not None or locked.met_at is not None:
                continue
            locked.computed = computed.as_dict()
            locked.due_date = _due_date(computed)
            locked.save(update_fields=["computed", "due_date"])
            ledger_append(actor="system", action="cases.deadline.compute", obj=locked)
        count += 1
    return count


def pending_years() -> list[int]:
    """The years running limits wait for (an operator's to-do: load their calendars)."""
    years = {
        int(row["pending_year"])
        for row in CaseDeadline.objects.filter(
            due_date__isnull=True, met_at__isnull=True
        ).values_list("computed", flat=True)
        if isinstance(row, dict) and row.get("pending_year")
    }
    return sorted(years)


def _limit_start(case: Case, limit: TimeLimit, now: datetime) -> date | datetime | None:
    if limit.from_step:
        source = (
            case.steps.filter(step_id=limit.from_step, state=StepRun.State.CLOSED)
            .order_by("-seq")
            .first()
        )
        if source is None or source.closed_at is None:
            return None
        moment = source.closed_at
        served = _service_date(source)
        if served is not None and limit.unit is not Unit.HOURS:
            return served
    else:
        moment = now
    return moment if limit.unit is Unit.HOURS else clock.china_date(moment)


SERVICE_DATE_FIELDS = ("served_on", "left_on", "returned_on", "published_on", "told_on")
# 民事诉讼法第九十五条: served by public notice, the document is deemed served when thirty days
# have passed from the notice (行政处罚法第六十一条 and 行政强制法 refer to its rules of service).
PUBLIC_NOTICE_DAYS = 30


def _service_date(run: StepRun) -> date | None:
    """The day the step's document reached the party, where its records say so: a limit counted
    from service (缴纳罚款十五日, 催告书送达十日后) runs from then, not from when it was filed. A
    public notice counts as served thirty days after it was published."""
    days = []
    for record in rules.current_records(run):
        for name in SERVICE_DATE_FIELDS:
            if not record.fields.get(name):
                continue
            day = date.fromisoformat(record.fields[name])
            if name == "published_on":
                day += timedelta(days=PUBLIC_NOTICE_DAYS)
            days.append(day)
    return max(days) if days else None


def _open_limits(actor: Any, run: StepRun, step: Step, now: datetime) -> None:
    case = run.case
    for limit in step.limits:
        if limit.counted == "before":
            continue  # counted back from an event the records name (听证日期); shown, not run
        if limit.extends:
            continue  # applied when the step closes, after its approval
        start = _limit_start(case, limit, now)
        if start is None:
            continue
        open_deadline(
            actor,
            run,
            key=limit.key,
            name=limit.name,
            computed=limit.legal_limit.from_or_pending(start),
            until=list(limit.until) or [step.id],
            wait=limit.wait,
            blocks=limit.blocks,
            unless=limit.unless,
        )


def _open_run(
    actor: Any,
    case: Case,
    step: Step,
    officers: list[dict[str, Any]],
    *,
    now: datetime,
    deferred: bool = False,
) -> StepRun:
    last = case.steps.order_by("-seq").first()
    run = StepRun.objects.create(
        case=case,
        step_id=step.id,
        seq=(last.seq + 1) if last else 1,
        officers=officers,
        deferred=deferred,
        opened_at=now,
    )
    ledger_append(actor=_ledger_actor(actor), action="cases.step.open", obj=run)
    _open_limits(actor, run, step, now)
    return run


def _apply_extensions(actor: Any, run: StepRun, step: Step, reason: str) -> None:
    for limit in step.limits:
        if not limit.extends:
            continue
        target = (
            run.case.deadlines.select_for_update()
            .filter(key=limit.extends, met_at__isnull=True)
            .first()
        )
        if target is None or target.extended_times:
            continue
        _extend(actor, target, limit.legal_limit, reason or step.name)


def _extend(actor: Any, target: CaseDeadline, limit: deadlines.LegalLimit, reason: str) -> None:
    stored = deadlines.computed_from_dict(target.computed)
    if isinstance(stored, deadlines.PendingDeadline):
        raise ValidationFailed(
            _("“%(name)s”的届满日须待载入%(year)d年工作日历后才能确定，暂不能延长。")
            % {"name": target.name, "year": stored.year},
            code="calendar_year_unknown",
            detail={"year": stored.year},
        )
    old = stored
    base = old.due if isinstance(old.due, datetime) else old.due
    extended = limit.from_(base)
    target.computed = {
        **extended.as_dict(),
        "start": old.as_dict()["start"],
        "extended_from": old.as_dict()["due"],
    }
    target.due_date = (
        clock.china_date(extended.due) if isinstance(extended.due, datetime) else extended.due
    )
    target.extended_times += 1
    target.overdue_at = None
    target.save(update_fields=["computed", "due_date", "extended_times", "overdue_at"])
    ledger_append(
        actor=_ledger_actor(actor), action="cases.deadline.extend", obj=target, reason=reason
    )


def _meet_deadlines(
    actor: Any, case: Case, step_id: str, now: datetime, *, all_: bool = False
) -> None:
    for row in case.deadlines.select_for_update().filter(met_at__isnull=True):
        # Archiving meets what steps were to meet; a limit no step meets (the duty to publish,
        # D-20; the emergency form, met when filed) is met only by what it waits for.
        if (all_ and row.until) or step_id in row.until:
            _meet(actor, row, now)


def is_late(row: CaseDeadline, now: datetime) -> bool:
    """Has the (non-wait) limit run out by ``now``? The due day (hours: the due instant) is still
    in time."""
    if row.is_wait or row.due_date is None:
        return False
    computed = deadlines.Deadline.from_dict(row.computed)
    moment: Any = now if computed.unit is Unit.HOURS else clock.china_date(now)
    return computed.is_overdue(moment)


def _meet(actor: Any, row: CaseDeadline, now: datetime) -> None:
    """The limit is met now; met after it ran out, it is marked overdue at the same time, so the
    lateness stays on record even when no ``zhifa tick`` ran in between (or the case is archived
    by this very step and tick no longer looks at it)."""
    row.met_at = now
    fields = ["met_at"]
    if row.overdue_at is None and is_late(row, now):
        row.overdue_at = now
        fields.append("overdue_at")
    row.save(update_fields=fields)
    ledger_append(actor=_ledger_actor(actor), action="cases.deadline.meet", obj=row)


def _refuse_if_waiting(run: StepRun, to: str, now: datetime) -> None:
    """A party's period that holds back one way on (要求听证五日 before deciding without a
    hearing, 缴纳罚款十五日 before a 催告, the reconsideration and litigation periods before a court
    application): refused until it has run out, counted from the day the party was told or served
    where the records say so, or waived by the party where the law allows."""
    records = rules.current_records(run)
    step = _step(run.case, run.step_id)
    for row in run.deadlines.filter(is_wait=True, met_at__isnull=True):
        if to not in row.blocks:
            continue
        if row.unless and any(r.fields.get(row.unless) is True for r in records):
            continue
        limit = next((x for x in step.limits if x.key == row.key), None)
        served = _service_date(run) if limit is not None and not limit.from_step else None
        computed = (
            limit.legal_limit.from_or_pending(served)
            if limit is not None and served is not None
            else deadlines.computed_from_dict(row.computed)
        )
        due = _due_date(computed)
        if due is None or clock.china_date(now) <= due:
            raise ValidationFailed(
                _("%(name)s%(due)s，期满前不能办理“%(to)s”（%(basis)s）。")
                % {
                    "name": row.name,
                    "due": _("至%(day)s届满") % {"day": due.isoformat()}
                    if due
                    else _("的届满日待载入工作日历后计算"),
                    "to": _step(run.case, to).name,
                    "basis": row.basis,
                },
                code="party_period_running",
                detail={"deadline": row.key, "due": due.isoformat() if due else None},
            )


def _refuse_if_missing(run: StepRun, now: datetime) -> None:
    gaps = rules.missing(run, now=now)
    if gaps:
        raise ValidationFailed(
            _("“%(step)s”还不能完成：%(gaps)s")
            % {"step": _step(run.case, run.step_id).name, "gaps": "".join(g.message for g in gaps)},
            code="step_incomplete",
            detail=[g.as_dict() for g in gaps],
        )


def step_advance(*, actor: Any, case: Case, to: str = "", reason: str = "") -> Case:
    """Close the current step (refused, naming each gap, while anything is missing) and open
    ``to``, one of its next steps. Closing the final archive step archives the case."""
    with transaction.atomic():
        case = _lock(case, actor)
        now = clock.now()
        run = _current_run(case)
        definition = procedures.get(case.procedure)
        step = definition.step(run.step_id)
        allowed = [t.to for t in step.next]
        if step.is_final:
            if to:
                raise ValidationFailed(_("这是最后一个步骤。"), detail={"field": "to"})
        elif to not in allowed:
            raise ValidationFailed(
                _("“%(step)s”之后只能办理：%(allowed)s。")
                % {
                    "step": step.name,
                    "allowed": "、".join(definition.step(s).name for s in allowed),
                },
                code="step_not_allowed",
                detail={"field": "to", "choices": allowed},
            )
        _refuse_if_missing(run, now)
        if to:
            _refuse_if_waiting(run, to, now)
        run.state = StepRun.State.CLOSED
        run.closed_at = now
        run.save(update_fields=["state", "closed_at"])
        ledger_append(actor=_ledger_actor(actor), action="cases.step.close", obj=run, reason=reason)
        _apply_extensions(actor, run, step, reason)
        for name in step.hooks:
            hook = procedures.hook_implementation(name)
            after = getattr(hook, "after_close", None)
            if after is not None:
                after(run, actor=_ledger_actor(actor), now=now)
        _meet_deadlines(actor, case, step.id, now, all_=step.is_final)
        if step.is_final:
            case.state = Case.State.ARCHIVED
            case.archived_at = now
            case.current_step = ""
            case.save(update_fields=["state", "archived_at", "current_step"])
            ledger_append(actor=_ledger_actor(actor), action="cases.case.archive", obj=case)
            return case
        target = definition.step(to)
        officers = [
            o
            for o in Officer.objects.filter(
                pk__in=[e["officer_id"] for e in run.officers]
            ).select_related("person")
            if case.officers.filter(officer=o, removed_at__isnull=True).exists()
        ]
        snapshot = _officers_snapshot(
            officers,
            agency=case.agency,
            day=clock.china_date(now),
            minimum=target.min_officers,
            basis=target.min_officers_basis or target.basis,
        )
        _open_run(actor, case, target, snapshot, now=now)
        case.current_step = target.id
        case.save(update_fields=["current_step"])
        ledger_append(actor=_ledger_actor(actor), action="cases.case.move", obj=case)
    return case


def step_choose_variant(*, actor: Any, case: Case, variant: str) -> StepRun:
    """How the current step is done (a service method, an execution method …)."""
    with transaction.atomic():
        case = _lock(case, actor)
        run = _current_run(case)
        step = _step(case, run.step_id)
        keys = [v.key for v in step.variants]
        if variant not in keys:
            raise ValidationFailed(
                _("办理方式不正确，可选：%(options)s。")
                % {"options": "、".join(v.name for v in step.variants) or _("无")},
                detail={"field": "variant", "choices": keys},
            )
        run.variant = variant
        run.save(update_fields=["variant"])
        ledger_append(actor=_ledger_actor(actor), action="cases.step.variant", obj=run)
    return run


def step_av_reason(*, actor: Any, case: Case, reason: str) -> StepRun:
    """Record why an audio-visual record was unsuitable for the current step (R-14)."""
    with transaction.atomic():
        case = _lock(case, actor)
        run = _current_run(case)
        run.av_reason = _text(reason, _("不宜音像记录的理由"), limit=1000)
        run.save(update_fields=["av_reason"])
        ledger_append(
            actor=_ledger_actor(actor), action="cases.step.av_reason", obj=run, reason=run.av_reason
        )
    return run


def step_mark_disputed(*, actor: Any, case: Case, disputed: bool) -> StepRun:
    """R-23: where a dispute is likely the simple procedure needs an AV record too."""
    with transaction.atomic():
        case = _lock(case, actor)
        run = _current_run(case)
        run.disputed = bool(disputed)
        run.save(update_fields=["disputed"])
        ledger_append(actor=_ledger_actor(actor), action="cases.step.disputed", obj=run)
    return run


def deadline_extend(*, actor: Any, deadline: CaseDeadline, reason: str) -> CaseDeadline:
    """Lengthen a limit that the law lets the head extend once (法制审核 +5, 许可 +10 working days),
    before it has run out."""
    with transaction.atomic():
        case = _lock(deadline.case, actor)
        user = _user(actor)
        if not is_system(actor) and not has_role(user, case.agency, Role.AGENCY_HEAD):
            raise PermissionDenied(_("延长期限须经本机关负责人批准。"))
        row = CaseDeadline.objects.select_for_update().get(pk=deadline.pk)
        reason = _text(reason, _("延长理由"), limit=500)
        step = _step(case, row.step_run.step_id)
        limit = next((x for x in step.limits if x.key == row.key), None)
        if limit is None or limit.extension is None:
            raise Conflict(_("“%(name)s”依法不能延长。") % {"name": row.name})
        if row.met_at is not None:
            raise Conflict(_("“%(name)s”已经完成。") % {"name": row.name})
        if row.extended_times:
            raise Conflict(_("“%(name)s”只能延长一次。") % {"name": row.name})
        if row.due_date is not None and clock.china_date(clock.now()) > row.due_date:
            raise Conflict(
                _("“%(name)s”已于%(due)s届满，不能再延长。")
                % {"name": row.name, "due": row.due_date.isoformat()}
            )
        _extend(actor, row, limit.extension, reason)
    return row


# --- records, evidence, approvals ----------------------------------------------------------------


def _target_run(case: Case, step_run: StepRun | None, kind: str) -> StepRun:
    if step_run is None:
        return _current_run(case)
    if step_run.case_id != case.pk:
        raise NotFound(_("没有找到该步骤。"))
    if step_run.state == StepRun.State.OPEN:
        return step_run
    if step_run.deferred and kind in EMERGENCY_KINDS:
        # the emergency start form is filed afterwards — once; then only corrected
        if rules.missing_records(step_run, _step(case, step_run.step_id)):
            return step_run
        raise Conflict(_("紧急情况立案的审批手续已经补办，如有错误请更正原记录。"))
    raise Conflict(_("该步骤已经完成，不能再增加记录。"))


# Dates of things that have happened (service, notice, receipt …): not in the future, and not
# before the step they are recorded in began — a limit counted from them must not be moved by a
# back- or forward-dated entry (行政强制法第五十四条 …).
EVENT_DATE_FIELDS = (
    "served_on",
    "left_on",
    "returned_on",
    "published_on",
    "sent_on",
    "told_on",
    "received_on",
    "notified_on",
    "applied_on",
)


def _check_event_dates(run: StepRun, fields: Mapping[str, Any], now: datetime) -> None:
    today = clock.china_date(now)
    opened = clock.china_date(run.opened_at)
    for name in EVENT_DATE_FIELDS:
        if not fields.get(name):
            continue
        day = date.fromisoformat(fields[name])
        if day > today:
            raise ValidationFailed(
                _("%(label)s不能晚于今天（%(today)s）。")
                % {"label": _date_label(name), "today": today.isoformat()},
                detail={"field": name},
            )
        if day < opened:
            raise ValidationFailed(
                _("%(label)s不能早于本步骤开始的日期（%(opened)s）。")
                % {"label": _date_label(name), "opened": opened.isoformat()},
                detail={"field": name},
            )


def _date_label(name: str) -> str:
    for specs in documents.FIELDS.values():
        for spec in specs:
            if spec.name == name:
                return str(spec.label)
    return name


def record_add(
    *,
    actor: Any,
    case: Case,
    kind: str,
    fields: Mapping[str, Any],
    signatures: Mapping[str, Any] | None = None,
    step_run: StepRun | None = None,
) -> Record:
    """Add a record to the current step (or, R-9, the emergency form to the deferred start)."""
    with transaction.atomic():
        case = _lock(case, actor, reviewer_may=kind in REVIEWER_KINDS)
        cleaned = documents.clean_fields(kind, fields)
        signed = documents.clean_signatures(signatures or {})
        run = _target_run(case, step_run, kind)
        now = clock.now()
        _check_event_dates(run, cleaned, now)
        record = Record.objects.create(
            case=case,
            step_run=run,
            kind=kind,
            fields=cleaned,
            signatures=signed,
            created_at=now,
            created_by=_user(actor),
        )
        ledger_append(actor=_ledger_actor(actor), action="cases.record.add", obj=record)
        if run.deferred:  # filed while the step is still open, or after it closed
            _meet_emergency_form(actor, run, now)
    return record


def _meet_emergency_form(actor: Any, run: StepRun, now: datetime) -> None:
    step = _step(run.case, run.step_id)
    if rules.missing_records(run, step):
        return
    for row in run.deadlines.select_for_update().filter(
        key="emergency_start_form", met_at__isnull=True
    ):
        _meet(actor, row, now)


def record_correct(
    *,
    actor: Any,
    record: Record,
    fields: Mapping[str, Any],
    signatures: Mapping[str, Any] | None = None,
    reason: str,
) -> Record:
    """A correction: a new version that names the old record and gives the reason (R-34).

    Only while its step is open (or, R-9, in the emergency start filed afterwards): a closed step
    was approved and passed its gates on what its records said then, and a decision once made is
    changed by its own procedure (变更、撤销), not by editing the file.
    """
    with transaction.atomic():
        case = _lock(record.case, actor, reviewer_may=record.kind in REVIEWER_KINDS)
        reason = _text(reason, _("更正理由"), limit=1000)
        old = Record.objects.select_for_update().select_related("step_run").get(pk=record.pk)
        if Record.objects.filter(replaces=old).exists():
            raise Conflict(_("该记录已经更正过，请更正最新的版本。"))
        if old.step_run.state != StepRun.State.OPEN and not old.step_run.deferred:
            raise Conflict(
                _("“%(step)s”已经完成，其记录不能再更正。")
                % {"step": _step(case, old.step_run.step_id).name},
                code="step_closed",
            )
        cleaned = documents.clean_fields(old.kind, fields)
        signed = documents.clean_signatures(
            signatures if signatures is not None else old.signatures
        )
        now = clock.now()
        _check_event_dates(old.step_run, cleaned, now)
        new = Record.objects.create(
            case=case,
            step_run=old.step_run,
            kind=old.kind,
            version=old.version + 1,
            replaces=old,
            correction_reason=reason,
            fields=cleaned,
            signatures=signed,
            created_at=now,
            created_by=_user(actor),
        )
        ledger_append(
            actor=_ledger_actor(actor), action="cases.record.correct", obj=new, reason=reason
        )
        if old.step_run.deferred:
            _meet_emergency_form(actor, old.step_run, now)
    return new


def evidence_link(*, actor: Any, case: Case, evidence: Evidence, note: str = "") -> StepEvidence:
    """Link an evidence item of the case's agency to the current step."""
    from zhifa.evidence.selectors import evidence_visible_to
    from zhifa.evidence.services import evidence_keep_with_case_file

    with transaction.atomic():
        case = _lock(case, actor)
        run = _current_run(case)
        visible = evidence.agency_id == case.agency_id
        user = _user(actor)
        if visible and user is not None:
            visible = evidence_visible_to(user).filter(pk=evidence.pk).exists()
        elif visible and isinstance(actor, ApiToken):
            # a machine is granted no confidential item (R-33: grants are personal)
            visible = evidence.confidentiality == Confidentiality.NONE
        if not visible:
            raise NotFound(_("没有找到该证据。"))
        if run.evidence_links.filter(evidence=evidence).exists():
            raise Conflict(_("该证据已经关联到本步骤。"))
        link = StepEvidence.objects.create(
            step_run=run,
            evidence=evidence,
            note=_text(note, _("说明"), limit=200, required=False),
            linked_at=clock.now(),
        )
        ledger_append(
            actor=_ledger_actor(actor),
            action="cases.evidence.link",
            obj=link,
            blob_sha256=evidence.blob_id,
        )
        # In the case file now: kept permanently (R-29; law-reference "AV records").
        evidence_keep_with_case_file(actor=actor, evidence=evidence)
    return link


def _approval_role_ok(user: User, case: Case, role: str) -> bool:
    if not has_role(user, case.agency, *APPROVAL_ROLES[role]):
        return False
    if role == ApprovalRole.HANDLER:
        return _assigned_officer(user, case) is not None
    return True


def _may_read(user: User, case: Case) -> bool:
    """R-33: no one signs for a case they may not read (a confidential case's checker must be
    on it, its agency head or a legal reviewer)."""
    from zhifa.cases.selectors import cases_visible_to

    return cases_visible_to(user).filter(pk=case.pk).exists()


def approval_give(
    *,
    actor: Any,
    case: Case,
    role: str,
    decision: str,
    opinion: str,
    step_run: StepRun | None = None,
) -> Approval:
    """Sign the current step's approval chain (R-35): 承办人, then 审核人, then 批准人, each a
    different person holding the matching role. 退回 starts the chain again. ``step_run``: the
    first step of an emergency start, approved afterwards (R-9)."""
    with transaction.atomic():
        user = _user(actor)
        if user is None:
            raise PermissionDenied(_("审批须由本人登录签批。"))
        locked = Case.objects.select_for_update().select_related("agency").get(pk=case.pk)
        if locked.is_archived:
            raise Conflict(_("案件已经归档，不能再修改。"), code="case_archived")
        if role not in {r.value for r in ApprovalRole}:
            raise ValidationFailed(_("审批角色不正确。"), detail={"field": "role"})
        if decision not in Approval.Decision.values:
            raise ValidationFailed(_("审批意见只能是同意或者退回。"), detail={"field": "decision"})
        if not _approval_role_ok(user, locked, role) or not _may_read(user, locked):
            raise PermissionDenied(
                _("您不能以“%(role)s”的身份签批本案。") % {"role": ApprovalRole(role).label}
            )
        opinion = _text(opinion, _("审批意见"), limit=2000)
        if step_run is None:
            run = _current_run(locked)
        elif step_run.case_id == locked.pk and (
            step_run.state == StepRun.State.OPEN or step_run.deferred
        ):
            run = step_run
        else:
            raise Conflict(_("只能签批当前步骤，或者紧急情况下先行办理、事后补办审批的步骤。"))
        step = _step(locked, run.step_id)
        if not step.approval:
            raise Conflict(_("“%(step)s”不需要审批。") % {"step": step.name})
        done = rules.effective_approvals(run)
        if len(done) >= len(step.approval):
            raise Conflict(_("本步骤的审批已经完成。"))
        expected = step.approval[len(done)]
        if role != expected:
            raise Conflict(
                _("现在应由%(expected)s签批。") % {"expected": expected.label},
                code="approval_out_of_order",
            )
        if decision == Approval.Decision.AGREE and any(a.user_id == user.pk for a in done):
            raise Conflict(
                _("同一人不能在同一审批中担任两个角色（承办人、审核人、批准人须为不同的人）。"),
                code="same_approver",
            )
        approval = Approval.objects.create(
            step_run=run, role=role, decision=decision, opinion=opinion, user=user, at=clock.now()
        )
        ledger_append(
            actor=actor_label(user), action="cases.approval.give", obj=approval, reason=opinion
        )
    return approval


# --- complaints (R-10) ---------------------------------------------------------------------------


def complaint_register(
    *,
    actor: Any,
    agency: Agency,
    channel: str,
    subject: str,
    content: str,
    is_real_name: bool,
    complainant_name: str = "",
    complainant_phone: str = "",
) -> Complaint:
    with transaction.atomic():
        _require_agency_staff(actor, agency)
        if channel not in Complaint.Channel.values:
            raise ValidationFailed(_("来源不正确。"), detail={"field": "channel"})
        name = _text(complainant_name, _("投诉举报人"), limit=100, required=is_real_name)
        phone = complainant_phone.strip()
        if phone:
            phone = str(validate_phone(phone))
        complaint = Complaint.objects.create(
            agency=agency,
            channel=channel,
            received_at=clock.now(),
            is_real_name=bool(is_real_name),
            complainant_name=name,
            complainant_phone=phone,
            subject=_text(subject, _("被投诉举报对象"), limit=200),
            content=_text(content, _("投诉举报内容"), limit=10000),
            registered_by=_user(actor),
        )
        ledger_append(actor=_ledger_actor(actor), action="cases.complaint.register", obj=complaint)
    return complaint


def _pending_complaint(actor: Any, complaint: Complaint) -> Complaint:
    _require_agency_staff(actor, complaint.agency)
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if locked.state != Complaint.State.PENDING:
        raise Conflict(_("该投诉举报已经处理。"))
    return locked


def complaint_start_case(*, actor: Any, complaint: Complaint, **case_args: Any) -> Case:
    """Open a case from a complaint or report (``case_start`` arguments, mode 投诉举报)."""
    return case_start(
        actor=actor,
        agency=complaint.agency,
        start_mode=Case.StartMode.COMPLAINT,
        complaint=complaint,
        **case_args,
    )


def complaint_close_without_case(
    *,
    actor: Any,
    complaint: Complaint,
    reason: str,
    reply_text: str = "",
    reply_method: str = "",
    replied_on: date | None = None,
) -> Complaint:
    """No case: record why; a real-name complainant is told why, and that reply is recorded."""
    with transaction.atomic():
        complaint = _pending_complaint(actor, complaint)
        complaint.no_case_reason = _text(reason, _("不予立案理由"), limit=5000)
        if complaint.is_real_name:
            complaint.reply_text = _text(reply_text, _("告知内容"), limit=5000)
            complaint.reply_method = _text(reply_method, _("告知方式"), limit=50)
            if replied_on is None:
                raise ValidationFailed(
                    _("实名投诉举报不予立案的，请填写告知日期。"), detail={"field": "replied_on"}
                )
            if replied_on < clock.china_date(complaint.received_at):
                raise ValidationFailed(
                    _("告知日期不能早于接收日期。"), detail={"field": "replied_on"}
                )
            if replied_on > clock.china_date(clock.now()):
                raise ValidationFailed(
                    _("告知日期不能晚于今天：请在告知之后记录。"), detail={"field": "replied_on"}
                )
            complaint.replied_on = replied_on
        complaint.state = Complaint.State.NO_CASE
        complaint.save()
        ledger_append(
            actor=_ledger_actor(actor),
            action="cases.complaint.no_case",
            obj=complaint,
            reason=complaint.no_case_reason,
        )
    return complaint


# --- deadlines: overdue marking and notices ------------------------------------------------------


def responsible_users(case: Case) -> list[User]:
    """Who is told of an overdue limit: the officers on the case and the heads of its agency
    (of a confidential case, only those of them who may read it)."""
    person_ids = case.officers.filter(removed_at__isnull=True).values_list(
        "officer__person_id", flat=True
    )
    heads = RoleAssignment.objects.filter(
        agency=case.agency, role__in=HEAD_ROLES, revoked_at__isnull=True
    ).values_list("user_id", flat=True)
    users = list(
        User.objects.filter(is_active=True)
        .filter(Q(person_id__in=person_ids) | Q(pk__in=heads))
        .distinct()
        .order_by("pk")
    )
    if case.confidentiality:  # the notice names the case; only those who may read it
        users = [user for user in users if _may_read(user, case)]
    return users


def mark_overdue(now: datetime) -> int:
    """``zhifa tick``: flag each limit that ran out (once) and tell the responsible people."""
    count = 0
    rows = CaseDeadline.objects.filter(
        met_at__isnull=True,
        overdue_at__isnull=True,
        is_wait=False,
        due_date__isnull=False,
        case__state=Case.State.OPEN,
    ).select_related("case", "case__agency")
    for row in rows:
        if not is_late(row, now):
            continue
        with transaction.atomic():
            locked = CaseDeadline.objects.select_for_update().get(pk=row.pk)
            if locked.met_at is not None or locked.overdue_at is not None:
                continue
            locked.overdue_at = now
            locked.save(update_fields=["overdue_at"])
            ledger_append(actor="system", action="cases.deadline.overdue", obj=locked)
            message = _("案件%(number)s“%(title)s”：%(name)s已于%(due)s届满（%(basis)s）。") % {
                "number": row.case.number,
                "title": row.case.title,
                "name": row.name,
                "due": str(row.due_date),
                "basis": row.basis,
            }
            for user in responsible_users(row.case):
                notice = Notification.objects.create(
                    user=user, case=row.case, deadline=locked, message=message, created_at=now
                )
                ledger_append(actor="system", action="cases.notice.create", obj=notice)
                if settings.ZHIFA_EMAIL_NOTICES and user.email:
                    transaction.on_commit(partial(_email, notice))
        count += 1
    return count


def _email(notice: Notification) -> None:
    try:
        send_mail(
            _("执法案件期限提醒"), notice.message, None, [notice.user.email], fail_silently=False
        )
    except OSError:
        logger.exception("overdue notice e-mail to user %s failed", notice.user_id)
        return
    with transaction.atomic():
        Notification.objects.filter(pk=notice.pk).update(emailed_at=clock.now())
        ledger_append(
            actor="system", action="cases.notice.email", obj=Notification.objects.get(pk=notice.pk)
        )


def notification_read(*, actor: Any, notification: Notification) -> Notification:
    with transaction.atomic():
        user = _user(actor)
        locked = Notification.objects.select_for_update().get(pk=notification.pk)
        if user is None or locked.user_id != user.pk:
            raise NotFound(_("没有找到该提醒。"))
        if locked.read_at is None:
            locked.read_at = clock.now()
            locked.save(update_fields=["read_at"])
            ledger_append(actor=actor_label(user), action="cases.notice.read", obj=locked)
    return locked
