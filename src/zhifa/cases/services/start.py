"""Starting a case (R-7 – R-10), its parties and its officers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from zhifa.accounts.actors import Actor, actor_label
from zhifa.cases.access import require_agency_staff, user_of
from zhifa.cases.errors import Code
from zhifa.cases.models import Case, CaseOfficer, Complaint, Party, ProcedureVersion, StepRun
from zhifa.cases.services.common import (
    clean_text,
    current_run,
    lock_case,
    officers_snapshot,
    step_of,
)
from zhifa.cases.services.complaints import pending_complaint
from zhifa.cases.services.limits import open_deadline
from zhifa.cases.services.steps import open_run
from zhifa.catalogue import procedures
from zhifa.catalogue.models import Power
from zhifa.catalogue.procedures import ProcedureDefinition
from zhifa.core import clock
from zhifa.core.errors import Conflict, NotFound, ValidationFailed
from zhifa.core.identifiers import (
    is_minor_on,
    validate_credit_code,
    validate_id_number,
    validate_phone,
)
from zhifa.core.text import require_visible
from zhifa.evidence.models import Confidentiality
from zhifa.ledger.services import ledger_append
from zhifa.org.models import Agency, Officer
from zhifa.org.models import Unit as OrgUnit


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
                code=Code.POWER_NOT_OF_AGENCY,
                detail={"field": "power"},
            )
        if procedure and procedure != power.procedure:
            raise ValidationFailed(
                _("执法事项“%(power)s”应当适用“%(procedure)s”。")
                % {"power": power.name, "procedure": procedures.get(power.procedure).name},
                code=Code.PROCEDURE_MISMATCH,
                detail={"field": "procedure"},
            )
        procedure = procedure or power.procedure
    if not procedure:
        raise ValidationFailed(
            _("请选择执法事项或者办理程序。"),
            code=Code.PROCEDURE_REQUIRED,
            detail={"field": "procedure"},
        )
    return procedures.get(procedure)


def _check_start_mode(definition: ProcedureDefinition, mode: str) -> None:
    """The start modes the definition lists (``start_modes``): 依申请 only for a permit, 当场 only
    for the simple procedure, 紧急情况先行启动 only where the first step is approved and the
    definition says which forms are filed afterwards (``[emergency_start]``, R-9)."""
    if mode not in Case.StartMode.values:
        raise ValidationFailed(
            _("启动方式不正确。"), code=Code.START_MODE_INVALID, detail={"field": "start_mode"}
        )
    allowed = definition.start_modes
    problem = ""
    if mode == Case.StartMode.EMERGENCY and definition.emergency_start is None:
        problem = _("该程序的启动不需要审批，不适用紧急情况先行启动。")
    elif mode not in allowed and mode == Case.StartMode.APPLICATION:
        problem = _("只有行政许可依申请启动。")
    elif mode not in allowed and mode == Case.StartMode.ON_THE_SPOT:
        problem = _("当场处罚只能适用简易程序。")
    elif mode not in allowed:
        problem = _("%(procedure)s的启动方式为：%(allowed)s。") % {
            "procedure": definition.name,
            "allowed": "、".join(str(Case.StartMode(m).label) for m in allowed),
        }
    if problem:
        raise ValidationFailed(
            problem, code=Code.START_MODE_NOT_ALLOWED, detail={"field": "start_mode"}
        )


def _version(actor: Actor, definition: ProcedureDefinition, now: datetime) -> ProcedureVersion:
    """The stored version of ``definition`` (ADR 0005), stored with its first case."""
    found = ProcedureVersion.objects.filter(digest=definition.digest).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():  # a savepoint: two first cases of a version may race
            row = ProcedureVersion.objects.create(
                digest=definition.digest,
                slug=definition.slug,
                text=definition.canonical,
                stored_at=now,
            )
    except IntegrityError:
        return ProcedureVersion.objects.get(digest=definition.digest)
    ledger_append(actor=actor_label(actor), action="cases.procedure_version.store", obj=row)
    return row


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
    actor: Actor,
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
        require_agency_staff(actor, agency)
        definition = _procedure_for(agency, procedure, power)
        _check_start_mode(definition, start_mode)
        if (start_mode == Case.StartMode.COMPLAINT) != (complaint is not None):
            raise ValidationFailed(
                _("因投诉举报立案的，须从已登记的投诉举报启动；其他启动方式不能关联投诉举报。"),
                code=Code.COMPLAINT_REQUIRED,
                detail={"field": "start_mode"},
            )
        if complaint is not None:
            if complaint.agency_id != agency.pk:
                raise ValidationFailed(
                    _("该投诉举报不属于“%(agency)s”。") % {"agency": agency.name},
                    code=Code.COMPLAINT_NOT_OF_AGENCY,
                    detail={"field": "complaint"},
                )
            complaint = pending_complaint(actor, complaint)
        title = clean_text(title, _("案由"), limit=200, single_line=True)
        summary = clean_text(summary, _("基本情况"), limit=5000, required=False)
        if confidentiality not in Confidentiality.values:
            raise ValidationFailed(
                _("保密级别不正确。"),
                code=Code.CONFIDENTIALITY_INVALID,
                detail={"field": "confidentiality"},
            )
        if unit is not None and unit.agency_id != agency.pk:
            raise ValidationFailed(
                _("承办机构不属于该执法主体。"),
                code=Code.UNIT_NOT_OF_AGENCY,
                detail={"field": "unit"},
            )
        if not officers:
            raise ValidationFailed(
                _("请指派承办的执法人员。"),
                code=Code.OFFICERS_REQUIRED,
                detail={"field": "officers"},
            )
        now = clock.now()
        start = definition.step(definition.start)
        snapshot = officers_snapshot(
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
            procedure_version=_version(actor, definition, now),
            number=number,
            sequence=sequence,
            year=year,
            title=title,
            summary=summary,
            start_mode=start_mode,
            confidentiality=confidentiality,
            current_step=start.id,
            opened_at=now,
            created_by=user_of(actor),
        )
        ledger_append(actor=actor_label(actor), action="cases.case.start", obj=case)
        for index, entry in enumerate(snapshot):
            link = CaseOfficer.objects.create(
                case=case, officer_id=entry["officer_id"], is_lead=index == 0, assigned_at=now
            )
            ledger_append(actor=actor_label(actor), action="cases.officer.assign", obj=link)
        for party in parties:
            _party_create(actor, case, party, now=now)
        emergency = start_mode == Case.StartMode.EMERGENCY
        # taken first, its form filed afterwards; set as the run is created, so that the
        # ledger's snapshot of the run (cases.step.open) says so too.
        run = open_run(actor, case, start, snapshot, now=now, deferred=emergency)
        if emergency and definition.emergency_start is not None:
            limit = definition.emergency_start.limit
            open_deadline(
                actor,
                run,
                key=limit.key,
                name=limit.name,
                computed=limit.legal_limit.from_(now),
                until=[],
                wait=False,
            )
        if complaint is not None:
            complaint.state = Complaint.State.CASE
            complaint.case = case
            complaint.save(update_fields=["state", "case"])
            ledger_append(actor=actor_label(actor), action="cases.complaint.case", obj=complaint)
    return case


# --- parties -------------------------------------------------------------------------------------


def _clean_party(party: PartyIn, *, today: date) -> dict[str, Any]:
    if party.kind not in Party.Kind.values:
        raise ValidationFailed(
            _("当事人类型不正确。"), code=Code.PARTY_KIND_INVALID, detail={"field": "kind"}
        )
    name = clean_text(party.name, _("姓名或者名称"), limit=200, single_line=True)
    require_visible(party.id_number, field="id_number", label=_("证件号码"))
    natural = party.kind == Party.Kind.NATURAL_PERSON
    id_kind = party.id_kind or (Party.IdKind.RESIDENT_ID if natural else Party.IdKind.CREDIT_CODE)
    if id_kind not in Party.IdKind.values:
        raise ValidationFailed(
            _("证件类型不正确。"), code=Code.ID_KIND_INVALID, detail={"field": "id_kind"}
        )
    values: dict[str, Any] = {
        "kind": party.kind,
        "name": name,
        "id_kind": id_kind,
        "address": clean_text(party.address, _("住所或者地址"), limit=200, required=False),
        "legal_representative": clean_text(
            party.legal_representative,
            _("法定代表人或者负责人"),
            limit=100,
            required=False,
            single_line=True,
        ),
        "guardian": clean_text(
            party.guardian, _("监护人"), limit=100, required=False, single_line=True
        ),
        "phone": "",
        "birth_date": None,
        "is_minor": False,
    }
    if id_kind == Party.IdKind.RESIDENT_ID:
        if not natural:
            raise ValidationFailed(
                _("法人或者其他组织请填写统一社会信用代码。"),
                code=Code.ID_KIND_MISMATCH,
                detail={"field": "id_kind"},
            )
        checked = validate_id_number(party.id_number, today=today)
        values["id_number"] = str(checked)
        values["birth_date"] = checked.birth_date
        values["is_minor"] = is_minor_on(checked, today)
        if values["is_minor"] and not values["guardian"]:
            raise ValidationFailed(
                _("当事人是未成年人（按身份证号码的出生日期），请填写其监护人。"),
                code=Code.MINOR_NEEDS_GUARDIAN,
                detail={"field": "guardian"},
            )
    elif id_kind == Party.IdKind.CREDIT_CODE:
        if natural:
            raise ValidationFailed(
                _("自然人请填写身份证件号码。"),
                code=Code.ID_KIND_MISMATCH,
                detail={"field": "id_kind"},
            )
        values["id_number"] = str(validate_credit_code(party.id_number))
        if party.kind == Party.Kind.LEGAL_PERSON and not values["legal_representative"]:
            raise ValidationFailed(
                _("请填写法定代表人。"),
                code=Code.LEGAL_REPRESENTATIVE_REQUIRED,
                detail={"field": "legal_representative"},
            )
    else:
        values["id_number"] = clean_text(party.id_number, _("证件号码"), limit=40)
    if party.phone.strip():
        values["phone"] = str(validate_phone(party.phone))
    return values


def _party_create(
    actor: Actor,
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
        raise Conflict(
            _("该当事人已经登记。"),
            code=Code.PARTY_ALREADY_REGISTERED,
            detail={"field": "id_number"},
        )
    row = Party.objects.create(
        case=case, replaces=replaces, correction_reason=reason, added_at=now, **values
    )
    action = "cases.party.correct" if replaces else "cases.party.add"
    ledger_append(actor=actor_label(actor), action=action, obj=row, reason=reason)
    return row


def party_add(*, actor: Actor, case: Case, party: PartyIn) -> Party:
    with transaction.atomic():
        case = lock_case(case, actor)
        return _party_create(actor, case, party, now=clock.now())


def party_correct(*, actor: Actor, party: Party, corrected: PartyIn, reason: str) -> Party:
    """A correction is a new party row naming the old one, with the reason (R-34)."""
    with transaction.atomic():
        case = lock_case(party.case, actor)
        reason = clean_text(reason, _("更正理由"), limit=300)
        if Party.objects.filter(replaces=party).exists():
            raise Conflict(_("该记录已经更正过，请更正最新的记录。"), code=Code.ALREADY_CORRECTED)
        return _party_create(actor, case, corrected, now=clock.now(), replaces=party, reason=reason)


def complaint_start_case(*, actor: Actor, complaint: Complaint, **case_args: Any) -> Case:
    """Open a case from a complaint or report (``case_start`` arguments, mode 投诉举报)."""
    return case_start(
        actor=actor,
        agency=complaint.agency,
        start_mode=Case.StartMode.COMPLAINT,
        complaint=complaint,
        **case_args,
    )


# --- officers ------------------------------------------------------------------------------------


def officer_assign(*, actor: Actor, case: Case, officer: Officer) -> CaseOfficer:
    with transaction.atomic():
        case = lock_case(case, actor)
        now = clock.now()
        officers_snapshot(
            [officer],
            agency=case.agency,
            day=clock.china_date(now),
            minimum=1,
            basis=_("行政处罚法第四十二条"),
        )
        if case.officers.filter(officer=officer, removed_at__isnull=True).exists():
            raise Conflict(_("该执法人员已经是本案承办人员。"), code=Code.OFFICER_ALREADY_ASSIGNED)
        link = CaseOfficer.objects.create(case=case, officer=officer, assigned_at=now)
        ledger_append(actor=actor_label(actor), action="cases.officer.assign", obj=link)
    return link


def officer_remove(*, actor: Actor, case: Case, officer: Officer, reason: str) -> CaseOfficer:
    with transaction.atomic():
        case = lock_case(case, actor)
        reason = clean_text(reason, _("撤出原因"), limit=200)
        link = case.officers.filter(officer=officer, removed_at__isnull=True).first()
        if link is None:
            raise NotFound(_("该执法人员不是本案承办人员。"), code=Code.OFFICER_NOT_ON_CASE)
        link.removed_at = clock.now()
        link.removed_reason = reason
        link.save(update_fields=["removed_at", "removed_reason"])
        ledger_append(
            actor=actor_label(actor), action="cases.officer.remove", obj=link, reason=reason
        )
    return link


def step_set_officers(*, actor: Actor, case: Case, officers: Sequence[Officer]) -> StepRun:
    """The officers present at the current step (checked on the day)."""
    with transaction.atomic():
        case = lock_case(case, actor)
        run = current_run(case)
        step = step_of(case, run.step_id)
        for officer in officers:
            if not case.officers.filter(officer=officer, removed_at__isnull=True).exists():
                raise ValidationFailed(
                    _("%(name)s不是本案承办人员。") % {"name": officer.person.name},
                    code=Code.OFFICER_NOT_ON_CASE,
                    detail={"field": "officers"},
                )
        run.officers = officers_snapshot(
            officers,
            agency=case.agency,
            day=clock.china_date(clock.now()),
            minimum=max(1, step.min_officers),
            basis=step.min_officers_basis or step.basis,
        )
        run.save(update_fields=["officers"])
        ledger_append(actor=actor_label(actor), action="cases.step.officers", obj=run)
    return run
