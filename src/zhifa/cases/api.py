"""Staff API of the case engine (R-1 – R-36), mounted at ``/api/v1/cases/``.

Signed-in staff (a session verified with the TOTP second factor) or machines (``Authorization:
Bearer`` token with ``cases:read`` / ``cases:write``). Thin: parse, fetch through
:mod:`zhifa.cases.selectors` (a case the actor may not read is 404, never 403: its existence is
not revealed), call one :mod:`zhifa.cases.services` function (what the actor may not change is
403, an archived case 409), render. Every refusal is ``{"code", "message", "detail"}``
(:class:`CaseErrorOut`) and a refused request has changed nothing.

Personal data: staff who may read the case handle its parties and see their id numbers and phones
in full; a machine sees them masked (``zhifa.core.identifiers.mask_*``). Complaints name their
complainants and are for staff only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from ninja.security import SessionAuth
from pydantic import AfterValidator, Field

from zhifa.accounts.access import require_scope, token_reads_personal_data
from zhifa.accounts.auth import ApiTokenAuth
from zhifa.accounts.decorators import is_verified
from zhifa.accounts.models import ApiToken, User
from zhifa.cases import documents, rules, selectors, services
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
from zhifa.core import deadlines
from zhifa.core.db import MAX_DB_ID
from zhifa.core.errors import NotFound, PermissionDenied, ValidationFailed
from zhifa.core.identifiers import mask_id_number, mask_phone
from zhifa.evidence.models import Evidence
from zhifa.org.models import Agency, Officer, Unit


class VerifiedSessionAuth(SessionAuth):
    """A staff session: signed in with password AND a TOTP code verified in this session (the same
    guard as the staff pages, ``zhifa.accounts.decorators.staff_required``)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = super().authenticate(request, key)
        if user is None or not is_verified(user) or getattr(user, "must_change_password", False):
            return None
        return user


STAFF = VerifiedSessionAuth()
router = Router(tags=["cases"], auth=[ApiTokenAuth(), STAFF])

MAX_TEXT = 20000
MAX_OFFSET = 1_000_000_000


# --- input text: bounded, and without characters no database stores -----------------------------


def _bad_character(char: str, *, lines: bool) -> bool:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF or code == 127:
        return True
    return code < 32 and not (lines and char in "\n\r\t")


def _one_line(value: str) -> str:
    if any(_bad_character(c, lines=False) for c in value):
        raise ValueError(_("含有不允许的控制字符。"))
    return value


def _several_lines(value: str) -> str:
    if any(_bad_character(c, lines=True) for c in value):
        raise ValueError(_("含有不允许的控制字符。"))
    return value


def _clean_json(value: Any, depth: int = 0) -> Any:
    """A record's content as sent: plain JSON, at most a few levels deep, whose keys and texts
    hold no control characters (PostgreSQL stores no NUL, no lone surrogate)."""
    if depth > 4:
        raise ValueError(_("内容嵌套过深。"))
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ValueError(_("内容过长。"))
        return _several_lines(value)
    if isinstance(value, Mapping):
        if len(value) > 200:
            raise ValueError(_("内容项目过多。"))
        return {_one_line(str(k)): _clean_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) > 500:
            raise ValueError(_("内容项目过多。"))
        return [_clean_json(v, depth + 1) for v in value]
    if isinstance(value, float) and value != value:  # NaN
        raise ValueError(_("数值不正确。"))
    return value


def _json_object(value: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = _clean_json(value)
    return cleaned


Line = Annotated[str, Field(max_length=200), AfterValidator(_one_line)]
Slug = Annotated[str, Field(max_length=50), AfterValidator(_one_line)]
Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_several_lines)]
Reason = Annotated[str, Field(max_length=2000), AfterValidator(_several_lines)]
Content = Annotated[dict[str, Any], AfterValidator(_json_object)]
Id = Annotated[int, Field(ge=1, le=MAX_DB_ID)]
IdPath = Annotated[int, Path(ge=1, le=MAX_DB_ID)]


# --- schemas ------------------------------------------------------------------------------------


class CaseErrorOut(Schema):
    """Every refusal of the API."""

    code: str = Field(description="稳定的错误代码，如 permission_denied")
    message: str = Field(description="中文说明")
    detail: Any = Field(default=None, description="补充信息，可为空")


READ_ERRORS: dict[int, type[Schema]] = {
    401: CaseErrorOut,
    403: CaseErrorOut,
    404: CaseErrorOut,
    422: CaseErrorOut,
}
# 400: a body that is not JSON at all; 409: the case is archived, or the state forbids it.
WRITE_ERRORS: dict[int, type[Schema]] = {**READ_ERRORS, 400: CaseErrorOut, 409: CaseErrorOut}


class PartyIn(Schema):
    kind: Literal["natural_person", "legal_person", "other_organisation"] = Field(
        description="natural_person 自然人、legal_person 法人、other_organisation 其他组织"
    )
    name: Line
    id_number: Annotated[str, Field(max_length=40), AfterValidator(_one_line)]
    id_kind: Literal["", "resident_id", "credit_code", "other"] = ""
    address: Line = ""
    phone: Annotated[str, Field(max_length=40), AfterValidator(_one_line)] = ""
    legal_representative: Line = ""
    guardian: Line = ""


class CaseStartFields(Schema):
    title: Line
    officer_ids: list[Id] = Field(
        min_length=1, max_length=20, description="承办的执法人员，第一位为主办人"
    )
    procedure: Slug = Field(default="", description="办理程序；选了执法事项时可不填")
    power_id: Id | None = None
    unit_id: Id | None = None
    confidentiality: Literal["", "state_secret", "trade_secret", "privacy"] = ""
    summary: Text = ""
    parties: list[PartyIn] = Field(default_factory=list, max_length=50)


class CaseStartIn(CaseStartFields):
    agency_id: Id
    start_mode: Literal[
        "application", "ex_officio", "emergency", "complaint", "on_the_spot", "transfer"
    ]


class PartyCorrectIn(Schema):
    party: PartyIn
    reason: Reason


class OfficerIn(Schema):
    officer_id: Id


class ReasonIn(Schema):
    reason: Reason


class RecordIn(Schema):
    kind: Slug = Field(description="文书种类，见 /cases/record-kinds")
    fields: Content = Field(default_factory=dict)
    signatures: Content = Field(
        default_factory=dict,
        description='{签名人: {"state": "signed" 或 "refused", "name": …, "reason": 拒签情况}}',
    )
    step_run_id: Id | None = Field(
        default=None, description="默认为当前步骤；紧急情况先行启动的审批表补办到启动步骤"
    )


class RecordCorrectIn(Schema):
    fields: Content
    signatures: Content | None = None
    reason: Reason


class EvidenceLinkIn(Schema):
    evidence_id: Id
    note: Line = ""


class VariantIn(Schema):
    variant: Slug


class DisputedIn(Schema):
    disputed: bool


class StepOfficersIn(Schema):
    officer_ids: list[Id] = Field(min_length=1, max_length=20)


class AdvanceIn(Schema):
    to: Slug = Field(default="", description="下一步骤；在最后一步（立卷归档）留空即归档")
    reason: Reason = ""


class ApprovalIn(Schema):
    role: Literal["handler", "checker", "approver"]
    decision: Literal["agree", "return"]
    opinion: Reason
    step_run_id: Id | None = Field(
        default=None, description="紧急情况先行办理、事后补办审批的步骤；不填为当前步骤"
    )


class ComplaintIn(Schema):
    agency_id: Id
    channel: Literal["phone", "letter", "visit", "online", "referral"]
    subject: Line
    content: Text
    is_real_name: bool = False
    complainant_name: Annotated[str, Field(max_length=100), AfterValidator(_one_line)] = ""
    complainant_phone: Annotated[str, Field(max_length=40), AfterValidator(_one_line)] = ""


class ComplaintCloseIn(Schema):
    reason: Reason
    reply_text: Reason = ""
    reply_method: Annotated[str, Field(max_length=50), AfterValidator(_one_line)] = ""
    replied_on: date | None = None


class PartyOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    id_kind: str
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


class CaseOfficerOut(Schema):
    id: int
    officer_id: int
    name: str
    is_lead: bool
    assigned_at: datetime
    removed_at: datetime | None
    removed_reason: str


class CaseSummaryOut(Schema):
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


class CaseListOut(Schema):
    count: int
    items: list[CaseSummaryOut]


class RequirementOut(Schema):
    document: str
    label: str
    signatures: list[str]
    basis: str
    note: str


class VariantOut(Schema):
    key: str
    name: str
    av: str


class ApprovalOut(Schema):
    id: int
    role: str
    role_label: str
    decision: str
    decision_label: str
    opinion: str
    user_id: int
    user_name: str
    at: datetime


class EvidenceLinkOut(Schema):
    id: int
    step_run_id: int
    evidence_id: int
    kind: str
    note: str
    linked_at: datetime


class RecordSummaryOut(Schema):
    id: int
    kind: str
    kind_label: str
    version: int
    created_at: datetime


class StepOut(Schema):
    run_id: int
    id: str
    name: str
    stage: str
    stage_label: str
    basis: str
    opened_at: datetime
    deferred: bool
    variant: str
    variants: list[VariantOut]
    requirements: list[RequirementOut] = Field(description="按所选办理方式应有的文书")
    av_rule: str = Field(description="none、required、if_disputed")
    av_basis: str
    av_reason: str
    disputed: bool
    min_officers: int
    officers: list[dict[str, Any]] = Field(description="在场执法人员及当日有效的执法证")
    approval_chain: list[str]
    approvals: list[ApprovalOut] = Field(description="本步骤已有的签批（含退回前的）")
    records: list[RecordSummaryOut] = Field(description="本步骤现行的文书")
    evidence: list[EvidenceLinkOut]


class MissingOut(Schema):
    code: str
    message: str
    basis: str


class NextStepOut(Schema):
    id: str
    name: str
    label: str


class DeadlineOut(Schema):
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


class CaseDetailOut(CaseSummaryOut):
    unit_id: int | None
    power_id: int | None
    summary: str
    parties: list[PartyOut] = Field(description="现行的和已被更正的当事人")
    officers: list[CaseOfficerOut]
    step: StepOut | None = Field(description="当前步骤；已归档的案件为空")
    missing: list[MissingOut] = Field(description="当前步骤完成前还缺少的")
    next_steps: list[NextStepOut]
    deadlines: list[DeadlineOut] = Field(description="正在计算的期限")


class TimelineEntryOut(Schema):
    at: datetime
    kind: str
    title: str
    who: str
    detail: str
    object_id: int


class RecordOut(Schema):
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


class NotificationOut(Schema):
    id: int
    case_id: int
    case_number: str
    message: str
    created_at: datetime
    read_at: datetime | None


class ComplaintOut(Schema):
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


class ChoiceOut(Schema):
    value: str
    label: str


class FieldSpecOut(Schema):
    name: str
    label: str
    type: str = Field(description="text、date、datetime、bool、yuan、choice、list")
    required: bool
    choices: list[ChoiceOut]


class RecordKindOut(Schema):
    kind: str
    label: str
    fields: list[FieldSpecOut]


class RecordKindsOut(Schema):
    kinds: list[RecordKindOut]
    signers: list[ChoiceOut] = Field(description="签名人（签名或者记录拒签情况）")


# --- request helpers ----------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Any:
    """The authenticated user or token; a token must hold a ``cases`` scope at all."""
    actor = getattr(request, "auth", None)
    if actor is None:
        raise PermissionDenied(_("缺少操作者：请先登录。"), code="actor_required")
    if isinstance(actor, ApiToken) and not actor.has_scope(services.SCOPE_WRITE):
        require_scope(actor, services.SCOPE_READ)
    return actor


def _writer(request: HttpRequest) -> Any:
    """The actor of a write: a token needs ``cases:write`` (the services check the rest)."""
    actor = _actor(request)
    if isinstance(actor, ApiToken):
        require_scope(actor, services.SCOPE_WRITE)
    return actor


def _staff(request: HttpRequest) -> User:
    actor = getattr(request, "auth", None)
    if not isinstance(actor, User):
        raise PermissionDenied(_("只有登录的工作人员可以办理此事项。"), code="staff_only")
    return actor


def _case(actor: Any, case_id: int) -> Case:
    return selectors.case_get_for_actor(actor=actor, case_id=case_id)


def _officers(agency_id: int, ids: Iterable[int]) -> list[Officer]:
    wanted = list(dict.fromkeys(ids))
    found = {
        o.pk: o
        for o in Officer.objects.filter(agency_id=agency_id, pk__in=wanted).select_related("person")
    }
    unknown = [pk for pk in wanted if pk not in found]
    if unknown:
        raise ValidationFailed(
            _("所选执法人员不存在或者不属于本执法主体。"),
            code="officer_unknown",
            detail={"field": "officer_ids", "unknown": unknown},
        )
    return [found[pk] for pk in wanted]


def _party_in(party: PartyIn) -> services.PartyIn:
    return services.PartyIn(**party.model_dump())


def _start_args(agency: Agency, payload: CaseStartFields) -> dict[str, Any]:
    power = None
    if payload.power_id is not None:
        power = Power.objects.filter(pk=payload.power_id).first()
        if power is None:
            raise ValidationFailed(
                _("所选执法事项不存在。"), code="power_unknown", detail={"field": "power_id"}
            )
    unit = None
    if payload.unit_id is not None:
        unit = Unit.objects.filter(pk=payload.unit_id, agency=agency).first()
        if unit is None:
            raise ValidationFailed(
                _("所选承办机构不存在或者不属于该执法主体。"),
                code="unit_unknown",
                detail={"field": "unit_id"},
            )
    return {
        "title": payload.title,
        "officers": _officers(agency.pk, payload.officer_ids),
        "procedure": payload.procedure,
        "power": power,
        "unit": unit,
        "confidentiality": payload.confidentiality,
        "summary": payload.summary,
        "parties": [_party_in(p) for p in payload.parties],
    }


# --- rendering ----------------------------------------------------------------------------------


def _name_of(user: Any) -> str:
    if user is None:
        return _("系统")
    return str(user.get_full_name() or user.username)


def _party_out(party: Party, *, masked: bool) -> dict[str, Any]:
    id_number = party.id_number
    phone = party.phone
    if masked:
        id_number = mask_id_number(id_number) if id_number else ""
        phone = mask_phone(phone) if phone else ""
    return {
        "id": party.pk,
        "kind": party.kind,
        "kind_label": str(party.get_kind_display()),
        "name": party.name,
        "id_kind": party.id_kind,
        "id_number": id_number,
        "birth_date": None if masked else party.birth_date,
        "is_minor": party.is_minor,
        "guardian": party.guardian,
        "legal_representative": party.legal_representative,
        "address": party.address,
        "phone": phone,
        "is_current": not hasattr(party, "replaced_by"),
        "replaces_id": party.replaces_id,
        "correction_reason": party.correction_reason,
        "added_at": party.added_at,
    }


def _case_officer_out(link: CaseOfficer) -> dict[str, Any]:
    return {
        "id": link.pk,
        "officer_id": link.officer_id,
        "name": link.officer.person.name,
        "is_lead": link.is_lead,
        "assigned_at": link.assigned_at,
        "removed_at": link.removed_at,
        "removed_reason": link.removed_reason,
    }


def _summary_out(case: Case) -> dict[str, Any]:
    definition = procedures.get(case.procedure)
    step_name = definition.step(case.current_step).name if case.current_step else ""
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
        "current_step_name": step_name,
        "opened_at": case.opened_at,
        "archived_at": case.archived_at,
    }


def _approval_out(approval: Approval) -> dict[str, Any]:
    return {
        "id": approval.pk,
        "role": approval.role,
        "role_label": str(approval.get_role_display()),
        "decision": approval.decision,
        "decision_label": str(approval.get_decision_display()),
        "opinion": approval.opinion,
        "user_id": approval.user_id,
        "user_name": _name_of(approval.user),
        "at": approval.at,
    }


def _link_out(link: StepEvidence) -> dict[str, Any]:
    return {
        "id": link.pk,
        "step_run_id": link.step_run_id,
        "evidence_id": link.evidence_id,
        "kind": link.evidence.kind,
        "note": link.note,
        "linked_at": link.linked_at,
    }


def _step_out(run: StepRun) -> dict[str, Any]:
    step = selectors.step_of(run.case, run.step_id)
    av, av_basis = rules.av_rule_of(step, run.variant)
    return {
        "run_id": run.pk,
        "id": step.id,
        "name": step.name,
        "stage": step.stage.value,
        "stage_label": step.stage.label,
        "basis": step.basis,
        "opened_at": run.opened_at,
        "deferred": run.deferred,
        "variant": run.variant,
        "variants": [{"key": v.key, "name": v.name, "av": v.av.value} for v in step.variants],
        "requirements": [
            {
                "document": r.document,
                "label": r.label,
                "signatures": list(r.signatures),
                "basis": r.basis,
                "note": r.note,
            }
            for r in rules.requirements_of(step, run.variant)
        ],
        "av_rule": av.value,
        "av_basis": av_basis,
        "av_reason": run.av_reason,
        "disputed": run.disputed,
        "min_officers": step.min_officers,
        "officers": list(run.officers),
        "approval_chain": [role.value for role in step.approval],
        "approvals": [_approval_out(a) for a in run.approvals.select_related("user")],
        "records": [
            {
                "id": r.pk,
                "kind": r.kind,
                "kind_label": str(procedures.DOCUMENT_KINDS.get(r.kind, r.kind)),
                "version": r.version,
                "created_at": r.created_at,
            }
            for r in rules.current_records(run)
        ],
        "evidence": [_link_out(link) for link in run.evidence_links.select_related("evidence")],
    }


def _deadline_out(row: CaseDeadline) -> dict[str, Any]:
    return {
        "id": row.pk,
        "case_id": row.case_id,
        "case_number": row.case.number,
        "step_id": row.step_run.step_id,
        "key": row.key,
        "name": row.name,
        "basis": row.basis,
        "due_date": row.due_date,
        "pending_year": row.computed.get("pending_year"),
        "describe": deadlines.computed_from_dict(row.computed).describe(),
        "is_wait": row.is_wait,
        "extended_times": row.extended_times,
        "overdue": row.overdue_at is not None,
        "met_at": row.met_at,
    }


def _detail_out(actor: Any, case: Case) -> dict[str, Any]:
    masked = not token_reads_personal_data(actor)
    run = selectors.current_run(case)
    out = _summary_out(case)
    out.update(
        {
            "unit_id": case.unit_id,
            "power_id": case.power_id,
            "summary": case.summary,
            "parties": [
                _party_out(p, masked=masked)
                for p in case.parties.select_related("replaced_by").order_by("id")
            ],
            "officers": [
                _case_officer_out(link)
                for link in case.officers.select_related("officer__person").order_by("id")
            ],
            "step": _step_out(run) if run is not None else None,
            "missing": [m.as_dict() for m in selectors.missing_now(case)],
            "next_steps": [
                {"id": s.id, "name": s.name, "label": s.label} for s in selectors.next_steps(case)
            ],
            "deadlines": [
                _deadline_out(row)
                for row in case.deadlines.filter(met_at__isnull=True)
                .select_related("case", "step_run")
                .order_by(F("due_date").asc(nulls_last=True), "id")
            ],
        }
    )
    return out


def _fresh_detail(actor: Any, case: Case) -> dict[str, Any]:
    """The case as it stands after a write, read again through the scoped selector."""
    return _detail_out(actor, _case(actor, case.pk))


def _record_out(record: Record) -> dict[str, Any]:
    replaced_by = Record.objects.filter(replaces=record).values_list("pk", flat=True).first()
    return {
        "id": record.pk,
        "case_id": record.case_id,
        "step_run_id": record.step_run_id,
        "step_id": record.step_run.step_id,
        "kind": record.kind,
        "kind_label": str(procedures.DOCUMENT_KINDS.get(record.kind, record.kind)),
        "version": record.version,
        "replaces_id": record.replaces_id,
        "replaced_by_id": replaced_by,
        "correction_reason": record.correction_reason,
        "fields": record.fields,
        "signatures": record.signatures,
        "created_at": record.created_at,
        "created_by": _name_of(record.created_by),
    }


def _notification_out(notice: Notification) -> dict[str, Any]:
    return {
        "id": notice.pk,
        "case_id": notice.case_id,
        "case_number": notice.case.number,
        "message": notice.message,
        "created_at": notice.created_at,
        "read_at": notice.read_at,
    }


def _complaint_out(complaint: Complaint) -> dict[str, Any]:
    return {
        "id": complaint.pk,
        "agency_id": complaint.agency_id,
        "channel": complaint.channel,
        "channel_label": str(complaint.get_channel_display()),
        "received_at": complaint.received_at,
        "is_real_name": complaint.is_real_name,
        "complainant_name": complaint.complainant_name,
        "complainant_phone": complaint.complainant_phone,
        "subject": complaint.subject,
        "content": complaint.content,
        "state": complaint.state,
        "state_label": str(complaint.get_state_display()),
        "case_id": complaint.case_id,
        "no_case_reason": complaint.no_case_reason,
        "reply_text": complaint.reply_text,
        "reply_method": complaint.reply_method,
        "replied_on": complaint.replied_on,
    }


# --- lists that are not one case's (declared before ``/{case_id}``) -----------------------------


@router.get(
    "/record-kinds",
    response={200: RecordKindsOut, **READ_ERRORS},
    summary="文书种类及其内容项目",
    description="每种文书应填写的内容（名称、类型、是否必填、可选值），供客户端生成表单。",
)
def record_kinds(request: HttpRequest) -> dict[str, Any]:
    _actor(request)
    kinds = []
    for kind, label in procedures.DOCUMENT_KINDS.items():
        kinds.append(
            {
                "kind": kind,
                "label": str(label),
                "fields": [
                    {
                        "name": spec.name,
                        "label": str(spec.label),
                        "type": spec.type.value,
                        "required": spec.required,
                        "choices": [{"value": k, "label": str(v)} for k, v in spec.choices],
                    }
                    for spec in documents.specs(kind)
                ],
            }
        )
    signers = [{"value": k, "label": str(v)} for k, v in procedures.SIGNATURES.items()]
    return {"kinds": kinds, "signers": signers}


@router.get(
    "/deadlines",
    response={200: list[DeadlineOut], **READ_ERRORS},
    summary="我的期限",
    description="本人承办的案件（负责人：本机构的案件）正在计算的期限，最近届满的在前。",
)
def deadline_list(request: HttpRequest) -> list[dict[str, Any]]:
    user = _staff(request)
    return [_deadline_out(row) for row in selectors.deadlines_for(user)[:500]]


@router.get(
    "/notifications",
    response={200: list[NotificationOut], **READ_ERRORS},
    summary="我的提醒",
)
def notification_list(
    request: HttpRequest, unread: Annotated[bool, Query(description="只看未读")] = False
) -> list[dict[str, Any]]:
    rows = selectors.notifications_for(_staff(request))
    if unread:
        rows = rows.filter(read_at__isnull=True)
    return [_notification_out(n) for n in rows[:500]]


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, **WRITE_ERRORS},
    summary="标记提醒为已读",
)
def notification_mark_read(request: HttpRequest, notification_id: IdPath) -> dict[str, Any]:
    user = _staff(request)
    notice = selectors.notifications_for(user).filter(pk=notification_id).first()
    if notice is None:
        raise NotFound(_("没有找到该提醒。"))
    notice = services.notification_read(actor=user, notification=notice)
    return _notification_out(notice)


def _complaint(user: User, complaint_id: int) -> Complaint:
    complaint = selectors.complaints_visible_to(user).filter(pk=complaint_id).first()
    if complaint is None:
        raise NotFound(_("没有找到该投诉举报。"))
    return complaint


@router.get(
    "/complaints",
    response={200: list[ComplaintOut], **READ_ERRORS},
    summary="投诉举报",
    description="本人所在执法主体收到的投诉举报（监督人员：监督范围内的），仅限工作人员。",
)
def complaint_list(
    request: HttpRequest,
    state: Annotated[Literal["pending", "case", "no_case"] | None, Query()] = None,
) -> list[dict[str, Any]]:
    rows = selectors.complaints_visible_to(_staff(request))
    if state is not None:
        rows = rows.filter(state=state)
    return [_complaint_out(c) for c in rows[:500]]


@router.post(
    "/complaints",
    response={201: ComplaintOut, **WRITE_ERRORS},
    summary="登记投诉举报",
)
def complaint_register(request: HttpRequest, payload: ComplaintIn) -> Status[dict[str, Any]]:
    user = _staff(request)
    agency = Agency.objects.filter(pk=payload.agency_id).first()
    if agency is None:
        raise ValidationFailed(
            _("所选执法主体不存在。"), code="agency_unknown", detail={"field": "agency_id"}
        )
    complaint = services.complaint_register(
        actor=user,
        agency=agency,
        channel=payload.channel,
        subject=payload.subject,
        content=payload.content,
        is_real_name=payload.is_real_name,
        complainant_name=payload.complainant_name,
        complainant_phone=payload.complainant_phone,
    )
    return Status(201, _complaint_out(complaint))


@router.post(
    "/complaints/{complaint_id}/start-case",
    response={201: CaseDetailOut, **WRITE_ERRORS},
    summary="投诉举报立案",
)
def complaint_start_case(
    request: HttpRequest, complaint_id: IdPath, payload: CaseStartFields
) -> Status[dict[str, Any]]:
    user = _staff(request)
    complaint = _complaint(user, complaint_id)
    case = services.complaint_start_case(
        actor=user, complaint=complaint, **_start_args(complaint.agency, payload)
    )
    return Status(201, _fresh_detail(user, case))


@router.post(
    "/complaints/{complaint_id}/close",
    response={200: ComplaintOut, **WRITE_ERRORS},
    summary="投诉举报不予立案",
    description="写明理由；实名投诉举报人须告知理由，并记录告知内容、方式和日期。",
)
def complaint_close(
    request: HttpRequest, complaint_id: IdPath, payload: ComplaintCloseIn
) -> dict[str, Any]:
    user = _staff(request)
    complaint = services.complaint_close_without_case(
        actor=user,
        complaint=_complaint(user, complaint_id),
        reason=payload.reason,
        reply_text=payload.reply_text,
        reply_method=payload.reply_method,
        replied_on=payload.replied_on,
    )
    return _complaint_out(complaint)


# --- cases --------------------------------------------------------------------------------------


@router.get(
    "/",
    response={200: CaseListOut, **READ_ERRORS},
    summary="案件",
    description="可查看的案件（按执法主体、角色和保密级别）；mine=true 只看本人承办的。",
)
def case_list(
    request: HttpRequest,
    state: Annotated[Literal["open", "archived"] | None, Query()] = None,
    agency_id: Annotated[int | None, Query(ge=1, le=MAX_DB_ID)] = None,
    mine: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    actor = _actor(request)
    rows = selectors.my_cases(actor) if mine else selectors.cases_visible_to(actor)
    if state is not None:
        rows = rows.filter(state=state)
    if agency_id is not None:
        rows = rows.filter(agency_id=agency_id)
    rows = rows.select_related("agency")
    return {
        "count": rows.count(),
        "items": [_summary_out(case) for case in rows[offset : offset + limit]],
    }


@router.post(
    "/",
    response={201: CaseDetailOut, **WRITE_ERRORS},
    summary="启动案件",
    description=(
        "依申请（行政许可）、依职权、紧急情况先行启动、投诉举报、当场处罚（简易程序）、移送交办。"
        "承办人员须持当日有效的执法证件。"
    ),
)
def case_start(request: HttpRequest, payload: CaseStartIn) -> Status[dict[str, Any]]:
    actor = _writer(request)
    agency = Agency.objects.filter(pk=payload.agency_id).first()
    if agency is None:
        raise ValidationFailed(
            _("所选执法主体不存在。"), code="agency_unknown", detail={"field": "agency_id"}
        )
    case = services.case_start(
        actor=actor,
        agency=agency,
        start_mode=payload.start_mode,
        **_start_args(agency, payload),
    )
    return Status(201, _fresh_detail(actor, case))


@router.get(
    "/{case_id}",
    response={200: CaseDetailOut, **READ_ERRORS},
    summary="案件详情",
    description=(
        "当事人（含更正前的）、承办人员、当前步骤及其应有的文书、办理方式、音像记录要求、已有签批，"
        "完成本步骤前还缺少的、可以办理的下一步骤、正在计算的期限及其依据。"
    ),
)
def case_detail(request: HttpRequest, case_id: IdPath) -> dict[str, Any]:
    actor = _actor(request)
    return _detail_out(actor, _case(actor, case_id))


@router.get(
    "/{case_id}/timeline",
    response={200: list[TimelineEntryOut], **READ_ERRORS},
    summary="案件时间线",
    description="每一项记录，按时间先后，注明由谁、何时。",
)
def case_timeline(request: HttpRequest, case_id: IdPath) -> list[dict[str, Any]]:
    actor = _actor(request)
    return [
        {
            "at": entry.at,
            "kind": entry.kind,
            "title": entry.title,
            "who": entry.who,
            "detail": entry.detail,
            "object_id": entry.object_id,
        }
        for entry in selectors.timeline(_case(actor, case_id), viewer=actor)
    ]


@router.get(
    "/{case_id}/records/{record_id}",
    response={200: RecordOut, **READ_ERRORS},
    summary="文书记录",
)
def record_detail(request: HttpRequest, case_id: IdPath, record_id: IdPath) -> dict[str, Any]:
    actor = _actor(request)
    record = (
        _case(actor, case_id)
        .records.select_related("step_run", "created_by")
        .filter(pk=record_id)
        .first()
    )
    if record is None:
        raise NotFound(_("没有找到该记录。"))
    return _record_out(record)


# --- parties and officers -----------------------------------------------------------------------


@router.post(
    "/{case_id}/parties",
    response={201: PartyOut, **WRITE_ERRORS},
    summary="登记当事人",
)
def party_add(request: HttpRequest, case_id: IdPath, payload: PartyIn) -> Status[dict[str, Any]]:
    actor = _writer(request)
    party = services.party_add(actor=actor, case=_case(actor, case_id), party=_party_in(payload))
    return Status(201, _party_out(party, masked=isinstance(actor, ApiToken)))


@router.post(
    "/{case_id}/parties/{party_id}/correct",
    response={201: PartyOut, **WRITE_ERRORS},
    summary="更正当事人",
    description="更正是一条新的记录，注明被更正的记录和理由；原记录保留。",
)
def party_correct(
    request: HttpRequest, case_id: IdPath, party_id: IdPath, payload: PartyCorrectIn
) -> Status[dict[str, Any]]:
    actor = _writer(request)
    party = _case(actor, case_id).parties.filter(pk=party_id).first()
    if party is None:
        raise NotFound(_("没有找到该当事人。"))
    new = services.party_correct(
        actor=actor, party=party, corrected=_party_in(payload.party), reason=payload.reason
    )
    return Status(201, _party_out(new, masked=isinstance(actor, ApiToken)))


@router.post(
    "/{case_id}/officers",
    response={201: CaseOfficerOut, **WRITE_ERRORS},
    summary="指派承办人员",
)
def officer_assign(
    request: HttpRequest, case_id: IdPath, payload: OfficerIn
) -> Status[dict[str, Any]]:
    actor = _writer(request)
    case = _case(actor, case_id)
    (officer,) = _officers(case.agency_id, [payload.officer_id])
    link = services.officer_assign(actor=actor, case=case, officer=officer)
    return Status(201, _case_officer_out(link))


@router.post(
    "/{case_id}/officers/{officer_id}/remove",
    response={200: CaseOfficerOut, **WRITE_ERRORS},
    summary="撤出承办人员",
)
def officer_remove(
    request: HttpRequest, case_id: IdPath, officer_id: IdPath, payload: ReasonIn
) -> dict[str, Any]:
    actor = _writer(request)
    case = _case(actor, case_id)
    link = case.officers.filter(officer_id=officer_id, removed_at__isnull=True).first()
    if link is None:
        raise NotFound(_("该执法人员不是本案承办人员。"))
    link = services.officer_remove(
        actor=actor, case=case, officer=link.officer, reason=payload.reason
    )
    return _case_officer_out(link)


# --- records, evidence, the current step --------------------------------------------------------


@router.post(
    "/{case_id}/records",
    response={201: RecordOut, **WRITE_ERRORS},
    summary="添加文书记录",
    description="加入当前步骤；内容项目见 /cases/record-kinds。记录一经添加不能修改，只能更正。",
)
def record_add(request: HttpRequest, case_id: IdPath, payload: RecordIn) -> Status[dict[str, Any]]:
    actor = _writer(request)
    case = _case(actor, case_id)
    run = None
    if payload.step_run_id is not None:
        run = case.steps.filter(pk=payload.step_run_id).first()
        if run is None:
            raise NotFound(_("没有找到该步骤。"))
    record = services.record_add(
        actor=actor,
        case=case,
        kind=payload.kind,
        fields=payload.fields,
        signatures=payload.signatures,
        step_run=run,
    )
    return Status(201, _record_out(record))


@router.post(
    "/{case_id}/records/{record_id}/correct",
    response={201: RecordOut, **WRITE_ERRORS},
    summary="更正文书记录",
    description="更正是新的版本，注明被更正的记录和理由；原记录保留。",
)
def record_correct(
    request: HttpRequest, case_id: IdPath, record_id: IdPath, payload: RecordCorrectIn
) -> Status[dict[str, Any]]:
    actor = _writer(request)
    record = _case(actor, case_id).records.filter(pk=record_id).first()
    if record is None:
        raise NotFound(_("没有找到该记录。"))
    new = services.record_correct(
        actor=actor,
        record=record,
        fields=payload.fields,
        signatures=payload.signatures,
        reason=payload.reason,
    )
    return Status(201, _record_out(new))


@router.post(
    "/{case_id}/evidence",
    response={201: EvidenceLinkOut, **WRITE_ERRORS},
    summary="关联证据（音像记录）到当前步骤",
)
def evidence_link(
    request: HttpRequest, case_id: IdPath, payload: EvidenceLinkIn
) -> Status[dict[str, Any]]:
    actor = _writer(request)
    case = _case(actor, case_id)
    evidence = Evidence.objects.filter(pk=payload.evidence_id).first()
    if evidence is None:
        raise NotFound(_("没有找到该证据。"))
    link = services.evidence_link(actor=actor, case=case, evidence=evidence, note=payload.note)
    return Status(201, _link_out(link))


@router.post(
    "/{case_id}/step/variant",
    response={200: CaseDetailOut, **WRITE_ERRORS},
    summary="选择当前步骤的办理方式",
)
def step_variant(request: HttpRequest, case_id: IdPath, payload: VariantIn) -> dict[str, Any]:
    actor = _writer(request)
    case = _case(actor, case_id)
    services.step_choose_variant(actor=actor, case=case, variant=payload.variant)
    return _fresh_detail(actor, case)


@router.post(
    "/{case_id}/step/av-reason",
    response={200: CaseDetailOut, **WRITE_ERRORS},
    summary="记录不宜音像记录的理由",
)
def step_av_reason(request: HttpRequest, case_id: IdPath, payload: ReasonIn) -> dict[str, Any]:
    actor = _writer(request)
    case = _case(actor, case_id)
    services.step_av_reason(actor=actor, case=case, reason=payload.reason)
    return _fresh_detail(actor, case)


@router.post(
    "/{case_id}/step/disputed",
    response={200: CaseDetailOut, **WRITE_ERRORS},
    summary="标记可能引起争议（简易程序须音像记录）",
)
def step_disputed(request: HttpRequest, case_id: IdPath, payload: DisputedIn) -> dict[str, Any]:
    actor = _writer(request)
    case = _case(actor, case_id)
    services.step_mark_disputed(actor=actor, case=case, disputed=payload.disputed)
    return _fresh_detail(actor, case)


@router.post(
    "/{case_id}/step/officers",
    response={200: CaseDetailOut, **WRITE_ERRORS},
    summary="当前步骤在场的执法人员",
)
def step_officers(request: HttpRequest, case_id: IdPath, payload: StepOfficersIn) -> dict[str, Any]:
    actor = _writer(request)
    case = _case(actor, case_id)
    officers = _officers(case.agency_id, payload.officer_ids)
    services.step_set_officers(actor=actor, case=case, officers=officers)
    return _fresh_detail(actor, case)


@router.post(
    "/{case_id}/step/advance",
    response={200: CaseDetailOut, **WRITE_ERRORS},
    summary="完成当前步骤，进入下一步骤",
    description=(
        "缺少任何一项（见 missing）都不能完成；在最后一步留空 to 即归档，归档后不能再修改。"
    ),
)
def step_advance(request: HttpRequest, case_id: IdPath, payload: AdvanceIn) -> dict[str, Any]:
    actor = _writer(request)
    case = _case(actor, case_id)
    services.step_advance(actor=actor, case=case, to=payload.to, reason=payload.reason)
    return _fresh_detail(actor, case)


@router.post(
    "/{case_id}/approvals",
    response={201: ApprovalOut, **WRITE_ERRORS},
    summary="签批当前步骤（承办人 → 审核人 → 批准人）",
    description="三个角色须由三个不同的人本人登录签批；退回后重新开始。",
)
def approval_give(
    request: HttpRequest, case_id: IdPath, payload: ApprovalIn
) -> Status[dict[str, Any]]:
    actor = _writer(request)
    case = _case(actor, case_id)
    step_run = None
    if payload.step_run_id is not None:
        step_run = case.steps.filter(pk=payload.step_run_id).first()
        if step_run is None:
            raise NotFound(_("没有找到该步骤。"))
    approval = services.approval_give(
        actor=actor,
        case=case,
        role=payload.role,
        decision=payload.decision,
        opinion=payload.opinion,
        step_run=step_run,
    )
    return Status(201, _approval_out(approval))


@router.post(
    "/{case_id}/deadlines/{deadline_id}/extend",
    response={200: DeadlineOut, **WRITE_ERRORS},
    summary="延长期限（机关负责人，依法可延长的，一次）",
)
def deadline_extend(
    request: HttpRequest, case_id: IdPath, deadline_id: IdPath, payload: ReasonIn
) -> dict[str, Any]:
    actor = _writer(request)
    row = _case(actor, case_id).deadlines.filter(pk=deadline_id).first()
    if row is None:
        raise NotFound(_("没有找到该期限。"))
    row = services.deadline_extend(actor=actor, deadline=row, reason=payload.reason)
    return _deadline_out(CaseDeadline.objects.select_related("case", "step_run").get(pk=row.pk))


__all__ = ["CaseErrorOut", "router"]
