"""Reading cases, scoped by agency, role and confidentiality (R-33). Pure reads.

Who may read a case is decided in :mod:`zhifa.cases.access` (``cases_visible_to``,
``case_get_for_actor``, re-exported here); every read below goes through it.

The pages name the rows they are handed (``Case``, ``StepRun``, ``Record``, ``Party``,
``CaseDeadline``, ``Complaint``, ``Agency``, ``Officer``) through this module: views and the API
import no models, and query none themselves.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field

from zhifa.accounts.access import Role, active_roles, token_reads_personal_data
from zhifa.accounts.actors import Actor
from zhifa.accounts.models import ApiToken
from zhifa.cases import definitions, rules
from zhifa.cases.access import case_get_for_actor as case_get_for_actor  # read here too
from zhifa.cases.access import cases_visible_to
from zhifa.cases.errors import Code
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
from zhifa.catalogue.procedures import ProcedureDefinition, Step
from zhifa.core import clock, deadlines
from zhifa.core.errors import NotFound, ValidationFailed
from zhifa.core.identifiers import mask_id_number, mask_phone
from zhifa.evidence.models import Evidence
from zhifa.evidence.selectors import evidence_visible_to
from zhifa.org.models import Agency, Officer, Unit
from zhifa.org.selectors import agencies_readable_by


def my_cases(user: Any) -> QuerySet[Case]:
    """The cases the user handles (as an officer on them), open ones first."""
    if user is None or getattr(user, "person_id", None) is None:
        return Case.objects.none()
    return (
        cases_visible_to(user)
        .filter(officers__officer__person_id=user.person_id, officers__removed_at=None)
        .order_by("state", "-opened_at")
    )


def deadlines_for(user: Any) -> QuerySet[CaseDeadline]:
    """Running limits of the cases the user handles, or (heads) of their agency: soonest first."""
    heads = active_roles(user).filter(role__in=(Role.UNIT_HEAD, Role.AGENCY_HEAD))
    scope = Q(case__agency_id__in=heads.values("agency_id"))
    if getattr(user, "person_id", None) is not None:
        scope |= Q(
            case__officers__officer__person_id=user.person_id, case__officers__removed_at=None
        )
    return (
        CaseDeadline.objects.filter(
            case__in=cases_visible_to(user), met_at__isnull=True, case__state=Case.State.OPEN
        )
        .filter(scope)
        .distinct()
        .select_related("case", "step_run")
        .order_by(F("due_date").asc(nulls_last=True), "id")
    )


def notifications_for(user: Any) -> QuerySet[Notification]:
    if user is None or not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user=user).select_related("case")


def complaints_visible_to(actor: Actor) -> QuerySet[Complaint]:
    if (
        isinstance(actor, ApiToken)
        or actor is None
        or not getattr(actor, "is_authenticated", False)
    ):
        return Complaint.objects.none()
    return Complaint.objects.filter(agency__in=agencies_readable_by(actor)).select_related(
        "agency", "case"
    )


def current_run(case: Case) -> StepRun | None:
    return case.steps.filter(state=StepRun.State.OPEN).order_by("-seq").first()


def definition_of(case: Case) -> ProcedureDefinition:
    """The definition the case runs under (the version it was opened under, ADR 0005)."""
    return definitions.definition_for(case)


def step_of(case: Case, step_id: str) -> Step:
    return definitions.step_of(case, step_id)


def files_after_emergency(case: Case, kind: str) -> bool:
    """Is ``kind`` a form of the case's emergency start, filed after its first step (R-9)?"""
    return definitions.files_after_emergency(case, kind)


class ReadModel(BaseModel):
    """A read model: what a page and the API show, built once by a selector."""

    model_config = ConfigDict(frozen=True)


class NextStep(ReadModel):
    id: str
    name: str
    label: str


def next_steps(case: Case) -> list[NextStep]:
    """The steps the current one may lead to (empty when archived or at the final step)."""
    run = current_run(case)
    if run is None:
        return []
    definition = definitions.definition_for(case)
    return [
        NextStep(id=t.to, name=definition.step(t.to).name, label=t.label)
        for t in definition.step(run.step_id).next
    ]


def missing_now(case: Case, *, now: datetime | None = None) -> list[rules.Missing]:
    """What the current step still lacks ("missing before this step can close")."""
    run = current_run(case)
    if run is None:
        return []
    return rules.missing(run, now=now or clock.now())


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    title: str
    who: str
    detail: str = ""
    object_id: int = 0


def _who(user: Any) -> str:
    if user is None:
        return _("系统")
    return user.get_full_name() or user.username


def _actors(case: Case) -> dict[tuple[str, str, str], str]:
    """Who did each recorded change of the case, from its ledger events: (object type, id,
    action) → the person's name, the machine token, or 系统 (R-34: every change attributable)."""
    from zhifa.accounts.models import User
    from zhifa.ledger.models import LedgerEvent

    ids = {
        "cases.case": [case.pk],
        "cases.party": list(case.parties.values_list("pk", flat=True)),
        "cases.steprun": list(case.steps.values_list("pk", flat=True)),
        "cases.stepevidence": list(
            StepEvidence.objects.filter(step_run__case=case).values_list("pk", flat=True)
        ),
    }
    query = Q(pk__in=[])
    for object_type, pks in ids.items():
        query |= Q(object_type=object_type, object_id__in=[str(pk) for pk in pks])
    events = list(
        LedgerEvent.objects.filter(query).values_list("object_type", "object_id", "action", "actor")
    )
    user_ids = {int(a[5:]) for *_rest, a in events if a.startswith("user:") and a[5:].isdigit()}
    names = {u.pk: _who(u) for u in User.objects.filter(pk__in=user_ids)}
    out = {}
    for object_type, object_id, action, actor in events:
        if actor.startswith("user:") and actor[5:].isdigit():
            label = names.get(int(actor[5:]), actor)
        elif actor.startswith("token:"):
            label = _("接口令牌 %(prefix)s") % {"prefix": actor[6:]}
        else:
            label = _("系统")
        out[(object_type, object_id, action)] = label
    return out


def timeline(case: Case, *, viewer: Actor | None = None) -> list[TimelineEntry]:
    """Every record of the case in order, with who and when (R-1). With ``viewer``, an evidence
    item the viewer may not open is named only by its kind (R-33)."""
    definition = definitions.definition_for(case)
    actors = _actors(case)
    visible: set[int] | None = None
    if viewer is not None:
        visible = set(
            evidence_visible_to(viewer)
            .filter(case_links__step_run__case=case)
            .values_list("pk", flat=True)
        )

    def by(obj: Any, action: str) -> str:
        return actors.get((obj._meta.label_lower, str(obj.pk), action), "")

    entries: list[TimelineEntry] = [
        TimelineEntry(
            case.opened_at,
            "case",
            _("启动：%(mode)s") % {"mode": case.get_start_mode_display()},
            _who(case.created_by),
        )
    ]
    for party in case.parties.all():
        title = _("更正当事人") if party.replaces_id else _("登记当事人")
        entries.append(
            TimelineEntry(
                party.added_at,
                "party",
                f"{title}：{party.name}",
                by(party, "cases.party.correct" if party.replaces_id else "cases.party.add"),
                party.correction_reason,
                party.pk,
            )
        )
    for run in case.steps.prefetch_related(
        "records__created_by", "approvals__user", "evidence_links__evidence"
    ):
        name = definition.step(run.step_id).name
        entries.append(
            TimelineEntry(
                run.opened_at,
                "step_open",
                _("开始：%(step)s") % {"step": name},
                by(run, "cases.step.open"),
                "",
                run.pk,
            )
        )
        for record in run.records.all():
            label = str(procedures.DOCUMENT_KINDS.get(record.kind, record.kind))
            title = (
                _("更正（第%(v)d版）：%(doc)s") % {"v": record.version, "doc": label}
                if record.replaces_id
                else label
            )
            entries.append(
                TimelineEntry(
                    record.created_at,
                    "record",
                    title,
                    _who(record.created_by),
                    record.correction_reason,
                    record.pk,
                )
            )
        for approval in run.approvals.all():
            entries.append(
                TimelineEntry(
                    approval.at,
                    "approval",
                    f"{approval.get_role_display()}{approval.get_decision_display()}",
                    _who(approval.user),
                    approval.opinion,
                    approval.pk,
                )
            )
        for link in run.evidence_links.all():
            entries.append(
                TimelineEntry(
                    link.linked_at,
                    "evidence",
                    _("关联证据：%(name)s")
                    % {
                        "name": link.evidence.original_name
                        if (visible is None or link.evidence_id in visible)
                        and link.evidence.original_name
                        else link.evidence.get_kind_display()
                    },
                    by(link, "cases.evidence.link"),
                    link.note,
                    link.evidence_id,
                )
            )
        if run.closed_at is not None:
            entries.append(
                TimelineEntry(
                    run.closed_at,
                    "step_close",
                    _("完成：%(step)s") % {"step": name},
                    by(run, "cases.step.close"),
                    "",
                    run.pk,
                )
            )
    if case.archived_at is not None:
        entries.append(
            TimelineEntry(case.archived_at, "archive", _("归档"), by(case, "cases.case.archive"))
        )
    order = {
        "case": 0,
        "party": 1,
        "step_open": 2,
        "record": 3,
        "evidence": 4,
        "approval": 5,
        "step_close": 6,
        "archive": 7,
    }
    return sorted(entries, key=lambda e: (e.at, order[e.kind], e.object_id))


# --- the case page's read model -------------------------------------------------------------------
#
# One typed model of what a case shows, built once here: the staff page renders it and the API
# answers with it (its classes are the API's output schemas). A field marked ``exclude=True`` is
# for the page only: it is neither sent by the API nor in its OpenAPI document.


class CaseParty(ReadModel):
    id: int
    kind: str
    kind_label: str
    name: str
    id_kind: str
    id_kind_label: str = Field(exclude=True)
    id_number: str = Field(description="接口令牌看到的是部分隐藏的号码")
    birth_date: date | None
    is_minor: bool
    guardian: str
    legal_representative: str
    address: str
    phone: str = Field(description="接口令牌看到的是部分隐藏的号码")
    is_current: bool = Field(description="未被更正")
    replaces_id: int | None
    correction_reason: str
    added_at: datetime


class CaseOfficerEntry(ReadModel):
    id: int
    officer_id: int
    name: str
    is_lead: bool
    assigned_at: datetime
    removed_at: datetime | None
    removed_reason: str


class CaseSummary(ReadModel):
    id: int
    number: str
    title: str
    agency_id: int
    agency_name: str
    procedure: str
    procedure_name: str
    start_mode: str
    start_mode_label: str
    confidentiality: str
    state: str
    state_label: str
    current_step: str
    current_step_name: str
    opened_at: datetime
    archived_at: datetime | None


class StepRequirement(ReadModel):
    document: str
    label: str
    signatures: list[str]
    signature_labels: list[str] = Field(exclude=True)
    basis: str
    note: str


class StepVariant(ReadModel):
    key: str
    name: str
    av: str


class StepApproval(ReadModel):
    id: int
    role: str
    role_label: str
    decision: str
    decision_label: str
    opinion: str
    user_id: int
    user_name: str
    at: datetime


class LinkedEvidence(ReadModel):
    id: int
    step_run_id: int
    evidence_id: int
    kind: str
    kind_label: str = Field(exclude=True)
    # the page names an item the viewer may not open by its kind only
    openable: bool = Field(exclude=True)
    original_name: str = Field(exclude=True)
    note: str
    linked_at: datetime


class RecordSummary(ReadModel):
    id: int
    kind: str
    kind_label: str
    version: int
    created_at: datetime


class CurrentStep(ReadModel):
    run_id: int
    id: str
    name: str
    stage: str
    stage_label: str
    basis: str
    opened_at: datetime
    deferred: bool
    variant: str
    variants: list[StepVariant]
    requirements: list[StepRequirement] = Field(description="按所选办理方式应有的文书")
    av_rule: str = Field(description="none、required、if_disputed")
    av_basis: str
    av_reason: str
    disputed: bool
    min_officers: int
    min_officers_basis: str = Field(exclude=True)
    officers: list[dict[str, Any]] = Field(description="在场执法人员及当日有效的执法证")
    approval_chain: list[str]
    approval_chain_labels: list[str] = Field(exclude=True)
    approvals: list[StepApproval] = Field(description="本步骤已有的签批（含退回前的）")
    records: list[RecordSummary] = Field(description="本步骤现行的文书")
    evidence: list[LinkedEvidence]
    is_final: bool = Field(exclude=True)

    @property
    def variant_name(self) -> str:
        return next((v.name for v in self.variants if v.key == self.variant), "")


class MissingItem(ReadModel):
    code: str
    message: str
    basis: str


class DeadlineEntry(ReadModel):
    id: int
    case_id: int
    case_number: str
    step_id: str
    key: str
    name: str
    basis: str
    due_date: date | None = Field(
        description="届满日；为空表示计数进入尚未载入工作日历的年份，载入后计算（见 pending_year）"
    )
    pending_year: int | None = Field(default=None, description="届满日所待载入的工作日历年份")
    describe: str = Field(description="期限的中文说明（天数、依据、届满日）")
    is_wait: bool = Field(description="等待期：届满后方可办理下一步")
    extended_times: int
    overdue: bool
    met_at: datetime | None


class CaseDetail(CaseSummary):
    """The case page: the case, its parties and officers, the current step with what it requires
    and still lacks, where it may lead, and the running limits."""

    unit_id: int | None
    unit_name: str = Field(exclude=True)
    power_id: int | None
    power_name: str = Field(exclude=True)
    confidentiality_label: str = Field(exclude=True)
    summary: str
    parties: list[CaseParty] = Field(description="现行的和已被更正的当事人")
    officers: list[CaseOfficerEntry]
    step: CurrentStep | None = Field(description="当前步骤；已归档的案件为空")
    missing: list[MissingItem] = Field(description="当前步骤完成前还缺少的")
    next_steps: list[NextStep]
    deadlines: list[DeadlineEntry] = Field(description="正在计算的期限")

    @property
    def is_archived(self) -> bool:
        return self.state == Case.State.ARCHIVED


def name_of(user: Any) -> str:
    """How a person is named on a case: the full name, else the user name; nobody is the system."""
    if user is None:
        return _("系统")
    return str(user.get_full_name() or user.username)


def case_party(party: Party, *, masked: bool) -> CaseParty:
    """A party as ``masked`` shows it: a machine sees the id number and phone partly hidden."""
    id_number = party.id_number
    phone = party.phone
    if masked:
        id_number = mask_id_number(id_number) if id_number else ""
        phone = mask_phone(phone) if phone else ""
    return CaseParty(
        id=party.pk,
        kind=party.kind,
        kind_label=str(party.get_kind_display()),
        name=party.name,
        id_kind=party.id_kind,
        id_kind_label=str(party.get_id_kind_display()),
        id_number=id_number,
        birth_date=None if masked else party.birth_date,
        is_minor=party.is_minor,
        guardian=party.guardian,
        legal_representative=party.legal_representative,
        address=party.address,
        phone=phone,
        is_current=not hasattr(party, "replaced_by"),
        replaces_id=party.replaces_id,
        correction_reason=party.correction_reason,
        added_at=party.added_at,
    )


def case_officer_entry(link: CaseOfficer) -> CaseOfficerEntry:
    return CaseOfficerEntry(
        id=link.pk,
        officer_id=link.officer_id,
        name=link.officer.person.name,
        is_lead=link.is_lead,
        assigned_at=link.assigned_at,
        removed_at=link.removed_at,
        removed_reason=link.removed_reason,
    )


def _summary_fields(case: Case, definition: ProcedureDefinition) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "title": case.title,
        "agency_id": case.agency_id,
        "agency_name": case.agency.name,
        "procedure": case.procedure,
        "procedure_name": definition.name,
        "start_mode": case.start_mode,
        "start_mode_label": str(case.get_start_mode_display()),
        "confidentiality": case.confidentiality,
        "state": case.state,
        "state_label": str(case.get_state_display()),
        "current_step": case.current_step,
        "current_step_name": (definition.step(case.current_step).name if case.current_step else ""),
        "opened_at": case.opened_at,
        "archived_at": case.archived_at,
    }


def case_summary(case: Case) -> CaseSummary:
    return CaseSummary(**_summary_fields(case, definition_of(case)))


def step_approval(approval: Approval) -> StepApproval:
    return StepApproval(
        id=approval.pk,
        role=approval.role,
        role_label=str(approval.get_role_display()),
        decision=approval.decision,
        decision_label=str(approval.get_decision_display()),
        opinion=approval.opinion,
        user_id=approval.user_id,
        user_name=name_of(approval.user),
        at=approval.at,
    )


def linked_evidence(link: StepEvidence, *, openable: bool = False) -> LinkedEvidence:
    return LinkedEvidence(
        id=link.pk,
        step_run_id=link.step_run_id,
        evidence_id=link.evidence_id,
        kind=link.evidence.kind,
        kind_label=str(link.evidence.get_kind_display()),
        openable=openable,
        original_name=link.evidence.original_name if openable else "",
        note=link.note,
        linked_at=link.linked_at,
    )


def openable_evidence(case: Case, *, viewer: Any) -> set[int]:
    """The evidence items linked to the case that ``viewer`` may open (R-33)."""
    if viewer is None or isinstance(viewer, ApiToken):
        return set()
    from zhifa.evidence.selectors import evidence_visible_to

    return set(
        evidence_visible_to(viewer)
        .filter(case_links__step_run__case=case)
        .values_list("pk", flat=True)
    )


def current_step(run: StepRun, *, openable: Collection[int] = ()) -> CurrentStep:
    step = step_of(run.case, run.step_id)
    av, av_basis = rules.av_rule_of(step, run.variant)
    return CurrentStep(
        run_id=run.pk,
        id=step.id,
        name=step.name,
        stage=step.stage.value,
        stage_label=step.stage.label,
        basis=step.basis,
        opened_at=run.opened_at,
        deferred=run.deferred,
        variant=run.variant,
        variants=[StepVariant(key=v.key, name=v.name, av=v.av.value) for v in step.variants],
        requirements=[
            StepRequirement(
                document=r.document,
                label=r.label,
                signatures=list(r.signatures),
                signature_labels=[str(procedures.SIGNATURES.get(w, w)) for w in r.signatures],
                basis=r.basis,
                note=r.note,
            )
            for r in rules.requirements_of(step, run.variant)
        ],
        av_rule=av.value,
        av_basis=av_basis,
        av_reason=run.av_reason,
        disputed=run.disputed,
        min_officers=step.min_officers,
        min_officers_basis=step.min_officers_basis,
        officers=list(run.officers),
        approval_chain=[role.value for role in step.approval],
        approval_chain_labels=[role.label for role in step.approval],
        approvals=[step_approval(a) for a in run.approvals.select_related("user")],
        records=[
            RecordSummary(
                id=r.pk,
                kind=r.kind,
                kind_label=str(procedures.DOCUMENT_KINDS.get(r.kind, r.kind)),
                version=r.version,
                created_at=r.created_at,
            )
            for r in rules.current_records(run)
        ],
        evidence=[
            linked_evidence(link, openable=link.evidence_id in openable)
            for link in run.evidence_links.select_related("evidence")
        ],
        is_final=step.is_final,
    )


def deadline_entry(row: CaseDeadline) -> DeadlineEntry:
    return DeadlineEntry(
        id=row.pk,
        case_id=row.case_id,
        case_number=row.case.number,
        step_id=row.step_run.step_id,
        key=row.key,
        name=row.name,
        basis=row.basis,
        due_date=row.due_date,
        pending_year=row.computed.get("pending_year"),
        describe=deadlines.computed_from_dict(row.computed).describe(),
        is_wait=row.is_wait,
        extended_times=row.extended_times,
        overdue=row.overdue_at is not None,
        met_at=row.met_at,
    )


def case_deadlines(case: Case, *, running_only: bool = False) -> list[DeadlineEntry]:
    """The case's limits, soonest first (those awaiting a calendar last); only the running ones
    with ``running_only``."""
    rows = case.deadlines.select_related("case", "step_run")
    if running_only:
        rows = rows.filter(met_at__isnull=True)
    return [deadline_entry(row) for row in rows.order_by(F("due_date").asc(nulls_last=True), "id")]


def case_detail(case: Case, *, viewer: Any) -> CaseDetail:
    """The case page as ``viewer`` sees it (``case`` read through :func:`case_get_for_actor`): a
    machine sees the parties' numbers masked and opens no evidence."""
    definition = definition_of(case)
    run = current_run(case)
    openable = openable_evidence(case, viewer=viewer) if run is not None else set()
    return CaseDetail(
        **_summary_fields(case, definition),
        unit_id=case.unit_id,
        unit_name=case.unit.name if case.unit is not None else "",
        power_id=case.power_id,
        power_name=case.power.name if case.power is not None else "",
        confidentiality_label=str(case.get_confidentiality_display()),
        summary=case.summary,
        parties=[
            case_party(p, masked=not token_reads_personal_data(viewer))
            for p in case.parties.select_related("replaced_by").order_by("id")
        ],
        officers=[
            case_officer_entry(link)
            for link in case.officers.select_related("officer__person").order_by("id")
        ],
        step=current_step(run, openable=openable) if run is not None else None,
        missing=[MissingItem(**m.as_dict()) for m in missing_now(case)],
        next_steps=next_steps(case),
        deadlines=case_deadlines(case, running_only=True),
    )


# --- the other read models of the case engine's API -----------------------------------------------


class RecordDetail(ReadModel):
    id: int
    case_id: int
    step_run_id: int
    step_id: str
    kind: str
    kind_label: str
    version: int
    replaces_id: int | None
    replaced_by_id: int | None
    correction_reason: str
    fields: dict[str, Any]
    signatures: dict[str, Any]
    created_at: datetime
    created_by: str


def record_detail(record: Record) -> RecordDetail:
    replaced_by = Record.objects.filter(replaces=record).values_list("pk", flat=True).first()
    return RecordDetail(
        id=record.pk,
        case_id=record.case_id,
        step_run_id=record.step_run_id,
        step_id=record.step_run.step_id,
        kind=record.kind,
        kind_label=str(procedures.DOCUMENT_KINDS.get(record.kind, record.kind)),
        version=record.version,
        replaces_id=record.replaces_id,
        replaced_by_id=replaced_by,
        correction_reason=record.correction_reason,
        fields=record.fields,
        signatures=record.signatures,
        created_at=record.created_at,
        created_by=name_of(record.created_by),
    )


class CaseNotice(ReadModel):
    id: int
    case_id: int
    case_number: str
    message: str
    created_at: datetime
    read_at: datetime | None


def case_notice(notice: Notification) -> CaseNotice:
    return CaseNotice(
        id=notice.pk,
        case_id=notice.case_id,
        case_number=notice.case.number,
        message=notice.message,
        created_at=notice.created_at,
        read_at=notice.read_at,
    )


class ComplaintEntry(ReadModel):
    id: int
    agency_id: int
    channel: str
    channel_label: str
    received_at: datetime
    is_real_name: bool
    complainant_name: str
    complainant_phone: str
    subject: str
    content: str
    state: str
    state_label: str
    case_id: int | None
    no_case_reason: str
    reply_text: str
    reply_method: str
    replied_on: date | None


def complaint_entry(complaint: Complaint) -> ComplaintEntry:
    return ComplaintEntry(
        id=complaint.pk,
        agency_id=complaint.agency_id,
        channel=complaint.channel,
        channel_label=str(complaint.get_channel_display()),
        received_at=complaint.received_at,
        is_real_name=complaint.is_real_name,
        complainant_name=complaint.complainant_name,
        complainant_phone=complaint.complainant_phone,
        subject=complaint.subject,
        content=complaint.content,
        state=complaint.state,
        state_label=str(complaint.get_state_display()),
        case_id=complaint.case_id,
        no_case_reason=complaint.no_case_reason,
        reply_text=complaint.reply_text,
        reply_method=complaint.reply_method,
        replied_on=complaint.replied_on,
    )


def complaint_get_for_actor(*, actor: Actor, complaint_id: int) -> Complaint:
    complaint = complaints_visible_to(actor).filter(pk=complaint_id).first()
    if complaint is None:
        raise NotFound(_("没有找到该投诉举报。"), code=Code.NOT_FOUND)
    return complaint


# --- what a request names by id, to start a case or act on one ------------------------------------


def agency_for_case(agency_id: int) -> Agency:
    """The agency a case or complaint is filed with (the services check who may)."""
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise ValidationFailed(
            _("所选执法主体不存在。"), code=Code.AGENCY_UNKNOWN, detail={"field": "agency_id"}
        )
    return agency


def officers_of_agency(agency_id: int, ids: Iterable[int]) -> list[Officer]:
    """The officers ``ids`` of the agency, in the order given (the first is the lead)."""
    wanted = list(dict.fromkeys(ids))
    found = {
        o.pk: o
        for o in Officer.objects.filter(agency_id=agency_id, pk__in=wanted).select_related("person")
    }
    unknown = [pk for pk in wanted if pk not in found]
    if unknown:
        raise ValidationFailed(
            _("所选执法人员不存在或者不属于本执法主体。"),
            code=Code.OFFICER_UNKNOWN,
            detail={"field": "officer_ids", "unknown": unknown},
        )
    return [found[pk] for pk in wanted]


def power_for_case(power_id: int | None) -> Power | None:
    if power_id is None:
        return None
    power = Power.objects.filter(pk=power_id).first()
    if power is None:
        raise ValidationFailed(
            _("所选执法事项不存在。"), code=Code.POWER_UNKNOWN, detail={"field": "power_id"}
        )
    return power


def unit_for_case(agency_id: int, unit_id: int | None) -> Unit | None:
    if unit_id is None:
        return None
    unit = Unit.objects.filter(pk=unit_id, agency_id=agency_id).first()
    if unit is None:
        raise ValidationFailed(
            _("所选承办机构不存在或者不属于该执法主体。"),
            code=Code.UNIT_UNKNOWN,
            detail={"field": "unit_id"},
        )
    return unit


def evidence_to_link(evidence_id: int) -> Evidence:
    """An evidence item named to be linked to a case (the service checks that it may be)."""
    evidence = Evidence.objects.filter(pk=evidence_id).first()
    if evidence is None:
        raise NotFound(_("没有找到该证据。"), code=Code.NOT_FOUND)
    return evidence


# --- for the staff pages --------------------------------------------------------------------------


def deferred_first_step(case: Case) -> StepRun | None:
    """The closed first step deferred by an emergency start (R-9), whose papers follow it."""
    return case.steps.filter(deferred=True, state=StepRun.State.CLOSED).first()


def officers_on_case(case: Case) -> QuerySet[Officer]:
    """The officers assigned to the case now."""
    return Officer.objects.filter(
        pk__in=case.officers.filter(removed_at__isnull=True).values("officer_id")
    ).select_related("person")


def officers_of_case_agency(case: Case, *, active_only: bool = False) -> QuerySet[Officer]:
    """The officers of the case's agency (the services check whom they may assign)."""
    rows = Officer.objects.filter(agency=case.agency)
    if active_only:
        rows = rows.filter(is_active=True)
    return rows.select_related("person")


def complaint_agencies(complaint: Complaint) -> QuerySet[Agency]:
    """The agency a complaint was filed with, as the choice of the case it starts."""
    return Agency.objects.filter(pk=complaint.agency_id)
