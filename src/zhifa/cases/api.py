"""Staff API of the case engine (R-1 – R-36), mounted at ``/api/v1/cases/``.

Signed-in staff (a session verified with the TOTP second factor) or machines (``Authorization:
Bearer`` token with ``cases:read`` / ``cases:write``). Thin: parse, fetch through
:mod:`zhifa.cases.selectors` (a case the actor may not read is 404, never 403: its existence is
not revealed), call one :mod:`zhifa.cases.services` function (what the actor may not change is
403, an archived case 409), render. Every refusal is ``{"code", "message", "detail"}``
(:class:`zhifa.apikit.ErrorOut`) and a refused request has changed nothing.

Personal data: staff who may read the case handle its parties and see their id numbers and phones
in full; a machine sees them masked (``zhifa.core.identifiers.mask_*``). Complaints name their
complainants and are for staff only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import AfterValidator, Field

from zhifa.accounts.access import require_scope, token_reads_personal_data
from zhifa.accounts.actors import Actor
from zhifa.apikit import (
    MAX_DB_ID,
    MAX_TEXT,
    READ_ERRORS,
    STAFF,
    WRITE_ERRORS,
    ErrorOut,
    Id,
    IdPath,
    Line,
    Text,
    actor_of,
    is_machine,
    one_line,
    several_lines,
    staff_of,
)
from zhifa.cases import documents, selectors, services
from zhifa.cases.errors import Code
from zhifa.catalogue import procedures
from zhifa.core.errors import NotFound

router = Router(tags=["cases"], auth=STAFF)

MAX_OFFSET = 1_000_000_000


# --- input text: bounded, and without characters no database stores -----------------------------


def _clean_json(value: Any, depth: int = 0) -> Any:
    """A record's content as sent: plain JSON, at most a few levels deep, whose keys and texts
    hold no control characters (PostgreSQL stores no NUL, no lone surrogate)."""
    if depth > 4:
        raise ValueError(_("内容嵌套过深。"))
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ValueError(_("内容过长。"))
        return several_lines(value)
    if isinstance(value, Mapping):
        if len(value) > 200:
            raise ValueError(_("内容项目过多。"))
        return {one_line(str(k)): _clean_json(v, depth + 1) for k, v in value.items()}
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


Slug = Annotated[str, Field(max_length=50), AfterValidator(one_line)]
Reason = Annotated[str, Field(max_length=2000), AfterValidator(several_lines)]
Content = Annotated[dict[str, Any], AfterValidator(_json_object)]


# --- schemas ------------------------------------------------------------------------------------


class PartyIn(Schema):
    kind: Literal["natural_person", "legal_person", "other_organisation"] = Field(
        description="natural_person 自然人、legal_person 法人、other_organisation 其他组织"
    )
    name: Line
    id_number: Annotated[str, Field(max_length=40), AfterValidator(one_line)]
    id_kind: Literal["", "resident_id", "credit_code", "other"] = ""
    address: Line = ""
    phone: Annotated[str, Field(max_length=40), AfterValidator(one_line)] = ""
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
    complainant_name: Annotated[str, Field(max_length=100), AfterValidator(one_line)] = ""
    complainant_phone: Annotated[str, Field(max_length=40), AfterValidator(one_line)] = ""


class ComplaintCloseIn(Schema):
    reason: Reason
    reply_text: Reason = ""
    reply_method: Annotated[str, Field(max_length=50), AfterValidator(one_line)] = ""
    replied_on: date | None = None


class CaseListOut(Schema):
    count: int
    items: list[selectors.CaseSummary]


class TimelineEntryOut(Schema):
    at: datetime
    kind: str
    title: str
    who: str
    detail: str
    object_id: int


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
    actor = actor_of(request)
    if is_machine(actor) and not actor.has_scope(services.SCOPE_WRITE):
        require_scope(actor, services.SCOPE_READ)
    return actor


def _writer(request: HttpRequest) -> Any:
    """The actor of a write: a token needs ``cases:write`` (the services check the rest)."""
    actor = _actor(request)
    if is_machine(actor):
        require_scope(actor, services.SCOPE_WRITE)
    return actor


def _party_in(party: PartyIn) -> services.PartyIn:
    return services.PartyIn(**party.model_dump())


def _start_args(agency_id: int, payload: CaseStartFields) -> dict[str, Any]:
    return {
        "title": payload.title,
        "officers": selectors.officers_of_agency(agency_id, payload.officer_ids),
        "procedure": payload.procedure,
        "power": selectors.power_for_case(payload.power_id),
        "unit": selectors.unit_for_case(agency_id, payload.unit_id),
        "confidentiality": payload.confidentiality,
        "summary": payload.summary,
        "parties": [_party_in(p) for p in payload.parties],
    }


# --- rendering ----------------------------------------------------------------------------------


def _fresh_detail(actor: Actor, case_id: int) -> selectors.CaseDetail:
    """The case as it stands after a write, read again through the scoped selector."""
    return selectors.case_detail(
        selectors.case_get_for_actor(actor=actor, case_id=case_id), viewer=actor
    )


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
    response={200: list[selectors.DeadlineEntry], **READ_ERRORS},
    summary="我的期限",
    description="本人承办的案件（负责人：本机构的案件）正在计算的期限，最近届满的在前。",
)
def deadline_list(request: HttpRequest) -> list[selectors.DeadlineEntry]:
    user = staff_of(request)
    return [selectors.deadline_entry(row) for row in selectors.deadlines_for(user)[:500]]


@router.get(
    "/notifications",
    response={200: list[selectors.CaseNotice], **READ_ERRORS},
    summary="我的提醒",
)
def notification_list(
    request: HttpRequest, unread: Annotated[bool, Query(description="只看未读")] = False
) -> list[selectors.CaseNotice]:
    rows = selectors.notifications_for(staff_of(request))
    if unread:
        rows = rows.filter(read_at__isnull=True)
    return [selectors.case_notice(n) for n in rows[:500]]


@router.post(
    "/notifications/{notification_id}/read",
    response={200: selectors.CaseNotice, **WRITE_ERRORS},
    summary="标记提醒为已读",
)
def notification_mark_read(request: HttpRequest, notification_id: IdPath) -> selectors.CaseNotice:
    user = staff_of(request)
    notice = selectors.notifications_for(user).filter(pk=notification_id).first()
    if notice is None:
        raise NotFound(_("没有找到该提醒。"), code=Code.NOT_FOUND)
    notice = services.notification_read(actor=user, notification=notice)
    return selectors.case_notice(notice)


@router.get(
    "/complaints",
    response={200: list[selectors.ComplaintEntry], **READ_ERRORS},
    summary="投诉举报",
    description="本人所在执法主体收到的投诉举报（监督人员：监督范围内的），仅限工作人员。",
)
def complaint_list(
    request: HttpRequest,
    state: Annotated[Literal["pending", "case", "no_case"] | None, Query()] = None,
) -> list[selectors.ComplaintEntry]:
    rows = selectors.complaints_visible_to(staff_of(request))
    if state is not None:
        rows = rows.filter(state=state)
    return [selectors.complaint_entry(c) for c in rows[:500]]


@router.post(
    "/complaints",
    response={201: selectors.ComplaintEntry, **WRITE_ERRORS},
    summary="登记投诉举报",
)
def complaint_register(
    request: HttpRequest, payload: ComplaintIn
) -> Status[selectors.ComplaintEntry]:
    user = staff_of(request)
    agency = selectors.agency_for_case(payload.agency_id)
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
    return Status(201, selectors.complaint_entry(complaint))


@router.post(
    "/complaints/{complaint_id}/start-case",
    response={201: selectors.CaseDetail, **WRITE_ERRORS},
    summary="投诉举报立案",
)
def complaint_start_case(
    request: HttpRequest, complaint_id: IdPath, payload: CaseStartFields
) -> Status[selectors.CaseDetail]:
    user = staff_of(request)
    complaint = selectors.complaint_get_for_actor(actor=user, complaint_id=complaint_id)
    case = services.complaint_start_case(
        actor=user, complaint=complaint, **_start_args(complaint.agency_id, payload)
    )
    return Status(201, _fresh_detail(user, case.pk))


@router.post(
    "/complaints/{complaint_id}/close",
    response={200: selectors.ComplaintEntry, **WRITE_ERRORS},
    summary="投诉举报不予立案",
    description="写明理由；实名投诉举报人须告知理由，并记录告知内容、方式和日期。",
)
def complaint_close(
    request: HttpRequest, complaint_id: IdPath, payload: ComplaintCloseIn
) -> selectors.ComplaintEntry:
    user = staff_of(request)
    complaint = services.complaint_close_without_case(
        actor=user,
        complaint=selectors.complaint_get_for_actor(actor=user, complaint_id=complaint_id),
        reason=payload.reason,
        reply_text=payload.reply_text,
        reply_method=payload.reply_method,
        replied_on=payload.replied_on,
    )
    return selectors.complaint_entry(complaint)


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
        "items": [selectors.case_summary(case) for case in rows[offset : offset + limit]],
    }


@router.post(
    "/",
    response={201: selectors.CaseDetail, **WRITE_ERRORS},
    summary="启动案件",
    description=(
        "依申请（行政许可）、依职权、紧急情况先行启动、投诉举报、当场处罚（简易程序）、移送交办。"
        "承办人员须持当日有效的执法证件。"
    ),
)
def case_start(request: HttpRequest, payload: CaseStartIn) -> Status[selectors.CaseDetail]:
    actor = _writer(request)
    agency = selectors.agency_for_case(payload.agency_id)
    case = services.case_start(
        actor=actor,
        agency=agency,
        start_mode=payload.start_mode,
        **_start_args(agency.pk, payload),
    )
    return Status(201, _fresh_detail(actor, case.pk))


@router.get(
    "/{case_id}",
    response={200: selectors.CaseDetail, **READ_ERRORS},
    summary="案件详情",
    description=(
        "当事人（含更正前的）、承办人员、当前步骤及其应有的文书、办理方式、音像记录要求、已有签批，"
        "完成本步骤前还缺少的、可以办理的下一步骤、正在计算的期限及其依据。"
    ),
)
def case_detail(request: HttpRequest, case_id: IdPath) -> selectors.CaseDetail:
    actor = _actor(request)
    return selectors.case_detail(
        selectors.case_get_for_actor(actor=actor, case_id=case_id), viewer=actor
    )


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
        for entry in selectors.timeline(
            selectors.case_get_for_actor(actor=actor, case_id=case_id), viewer=actor
        )
    ]


@router.get(
    "/{case_id}/records/{record_id}",
    response={200: selectors.RecordDetail, **READ_ERRORS},
    summary="文书记录",
)
def record_detail(
    request: HttpRequest, case_id: IdPath, record_id: IdPath
) -> selectors.RecordDetail:
    actor = _actor(request)
    record = (
        selectors.case_get_for_actor(actor=actor, case_id=case_id)
        .records.select_related("step_run", "created_by")
        .filter(pk=record_id)
        .first()
    )
    if record is None:
        raise NotFound(_("没有找到该记录。"), code=Code.NOT_FOUND)
    return selectors.record_detail(record)


# --- parties and officers -----------------------------------------------------------------------


@router.post(
    "/{case_id}/parties",
    response={201: selectors.CaseParty, **WRITE_ERRORS},
    summary="登记当事人",
)
def party_add(
    request: HttpRequest, case_id: IdPath, payload: PartyIn
) -> Status[selectors.CaseParty]:
    actor = _writer(request)
    party = services.party_add(
        actor=actor,
        case=selectors.case_get_for_actor(actor=actor, case_id=case_id),
        party=_party_in(payload),
    )
    return Status(201, selectors.case_party(party, masked=not token_reads_personal_data(actor)))


@router.post(
    "/{case_id}/parties/{party_id}/correct",
    response={201: selectors.CaseParty, **WRITE_ERRORS},
    summary="更正当事人",
    description="更正是一条新的记录，注明被更正的记录和理由；原记录保留。",
)
def party_correct(
    request: HttpRequest, case_id: IdPath, party_id: IdPath, payload: PartyCorrectIn
) -> Status[selectors.CaseParty]:
    actor = _writer(request)
    party = (
        selectors.case_get_for_actor(actor=actor, case_id=case_id)
        .parties.filter(pk=party_id)
        .first()
    )
    if party is None:
        raise NotFound(_("没有找到该当事人。"), code=Code.NOT_FOUND)
    new = services.party_correct(
        actor=actor, party=party, corrected=_party_in(payload.party), reason=payload.reason
    )
    return Status(201, selectors.case_party(new, masked=not token_reads_personal_data(actor)))


@router.post(
    "/{case_id}/officers",
    response={201: selectors.CaseOfficerEntry, **WRITE_ERRORS},
    summary="指派承办人员",
)
def officer_assign(
    request: HttpRequest, case_id: IdPath, payload: OfficerIn
) -> Status[selectors.CaseOfficerEntry]:
    actor = _writer(request)
    case = selectors.case_get_for_actor(actor=actor, case_id=case_id)
    (officer,) = selectors.officers_of_agency(case.agency_id, [payload.officer_id])
    link = services.officer_assign(actor=actor, case=case, officer=officer)
    return Status(201, selectors.case_officer_entry(link))


@router.post(
    "/{case_id}/officers/{officer_id}/remove",
    response={200: selectors.CaseOfficerEntry, **WRITE_ERRORS},
    summary="撤出承办人员",
)
def officer_remove(
    request: HttpRequest, case_id: IdPath, officer_id: IdPath, payload: ReasonIn
) -> selectors.CaseOfficerEntry:
    actor = _writer(request)
    case = selectors.case_get_for_actor(actor=actor, case_id=case_id)
    link = case.officers.filter(officer_id=officer_id, removed_at__isnull=True).first()
    if link is None:
        raise NotFound(_("该执法人员不是本案承办人员。"), code=Code.NOT_FOUND)
    link = services.officer_remove(
        actor=actor, case=case, officer=link.officer, reason=payload.reason
    )
    return selectors.case_officer_entry(link)


# --- records, evidence, the current step --------------------------------------------------------


@router.post(
    "/{case_id}/records",
    response={201: selectors.RecordDetail, **WRITE_ERRORS},
    summary="添加文书记录",
    description="加入当前步骤；内容项目见 /cases/record-kinds。记录一经添加不能修改，只能更正。",
)
def record_add(
    request: HttpRequest, case_id: IdPath, payload: RecordIn
) -> Status[selectors.RecordDetail]:
    actor = _writer(request)
    case = selectors.case_get_for_actor(actor=actor, case_id=case_id)
    run = None
    if payload.step_run_id is not None:
        run = case.steps.filter(pk=payload.step_run_id).first()
        if run is None:
            raise NotFound(_("没有找到该步骤。"), code=Code.NOT_FOUND)
    record = services.record_add(
        actor=actor,
        case=case,
        kind=payload.kind,
        fields=payload.fields,
        signatures=payload.signatures,
        step_run=run,
    )
    return Status(201, selectors.record_detail(record))


@router.post(
    "/{case_id}/records/{record_id}/correct",
    response={201: selectors.RecordDetail, **WRITE_ERRORS},
    summary="更正文书记录",
    description="更正是新的版本，注明被更正的记录和理由；原记录保留。",
)
def record_correct(
    request: HttpRequest, case_id: IdPath, record_id: IdPath, payload: RecordCorrectIn
) -> Status[selectors.RecordDetail]:
    actor = _writer(request)
    record = (
        selectors.case_get_for_actor(actor=actor, case_id=case_id)
        .records.filter(pk=record_id)
        .first()
    )
    if record is None:
        raise NotFound(_("没有找到该记录。"), code=Code.NOT_FOUND)
    new = services.record_correct(
        actor=actor,
        record=record,
        fields=payload.fields,
        signatures=payload.signatures,
        reason=payload.reason,
    )
    return Status(201, selectors.record_detail(new))


@router.post(
    "/{case_id}/evidence",
    response={201: selectors.LinkedEvidence, **WRITE_ERRORS},
    summary="关联证据（音像记录）到当前步骤",
)
def evidence_link(
    request: HttpRequest, case_id: IdPath, payload: EvidenceLinkIn
) -> Status[selectors.LinkedEvidence]:
    actor = _writer(request)
    case = selectors.case_get_for_actor(actor=actor, case_id=case_id)
    evidence = selectors.evidence_to_link(payload.evidence_id)
    link = services.evidence_link(actor=actor, case=case, evidence=evidence, note=payload.note)
    return Status(201, selectors.linked_evidence(link))


@router.post(
    "/{case_id}/step/variant",
    response={200: selectors.CaseDetail, **WRITE_ERRORS},
    summary="选择当前步骤的办理方式",
)
def step_variant(request: HttpRequest, case_id: IdPath, payload: VariantIn) -> selectors.CaseDetail:
    actor = _writer(request)
    case = selectors.case_get_for_actor(actor=actor, case_id=case_id)
    services.step_choose_variant(actor=actor, case=case, variant=payload.variant)
    return _fresh_detail(actor, case.pk)


@router.post(
    "/{case_id}/step/av-reason",
    response={200: selectors.CaseDetail, **WRITE_ERRORS},
    summary="记录不宜音像记录的理由",
)
def step_av_reason(
    request: HttpRequest, case_id: IdPath, payload: ReasonIn
) -> selectors.CaseDetail:
    actor = _writer(request)
    case = selectors.case_get_for_actor(actor=actor, case_id=case_id)
    services.step_av_reason(actor=actor, case=case, reason=payload.reason)
    return _fresh_detail(actor, case.pk)


@router.post(
    "/{case_id}/step/disputed",
    response={200: selectors.CaseDetail, **WRITE_ERRORS},
    summary="标记可能引起争议（简易程序须音像记录）",
)
def step_disputed(
    request: HttpRequest, case_id: IdPath, payload: DisputedIn
) -> selectors.CaseDetail:
    actor = _writer(request)
    case = selectors.case_get_for_actor(actor=actor, case_id=case_id)
    services.step_mark_disputed(actor=actor, case=case, disputed=payload.disputed)
    return _fresh_detail(actor, case.pk)


@router.post(
    "/{case_id}/step/officers",
    response={200: selectors.CaseDetail, **WRITE_ERRORS},
    summary="当前步骤在场的执法人员",
)
def step_officers(
    request: HttpRequest, case_id: IdPath, payload: StepOfficersIn
) -> selectors.CaseDetail:
    actor = _writer(request)
    case = selectors.case_get_for_actor(actor=actor, case_id=case_id)
    officers = selectors.officers_of_agency(case.agency_id, payload.officer_ids)
    services.step_set_officers(actor=actor, case=case, officers=officers)
    return _fresh_detail(actor, case.pk)


@router.post(
    "/{case_id}/step/advance",
    response={200: selectors.CaseDetail, **WRITE_ERRORS},
    summary="完成当前步骤，进入下一步骤",
    description=(
        "缺少任何一项（见 missing）都不能完成；在最后一步留空 to 即归档，归档后不能再修改。"
    ),
)
def step_advance(request: HttpRequest, case_id: IdPath, payload: AdvanceIn) -> selectors.CaseDetail:
    actor = _writer(request)
    case = selectors.case_get_for_actor(actor=actor, case_id=case_id)
    services.step_advance(actor=actor, case=case, to=payload.to, reason=payload.reason)
    return _fresh_detail(actor, case.pk)


@router.post(
    "/{case_id}/approvals",
    response={201: selectors.StepApproval, **WRITE_ERRORS},
    summary="签批当前步骤（承办人 → 审核人 → 批准人）",
    description="三个角色须由三个不同的人本人登录签批；退回后重新开始。",
)
def approval_give(
    request: HttpRequest, case_id: IdPath, payload: ApprovalIn
) -> Status[selectors.StepApproval]:
    actor = _writer(request)
    case = selectors.case_get_for_actor(actor=actor, case_id=case_id)
    step_run = None
    if payload.step_run_id is not None:
        step_run = case.steps.filter(pk=payload.step_run_id).first()
        if step_run is None:
            raise NotFound(_("没有找到该步骤。"), code=Code.NOT_FOUND)
    approval = services.approval_give(
        actor=actor,
        case=case,
        role=payload.role,
        decision=payload.decision,
        opinion=payload.opinion,
        step_run=step_run,
    )
    return Status(201, selectors.step_approval(approval))


@router.post(
    "/{case_id}/deadlines/{deadline_id}/extend",
    response={200: selectors.DeadlineEntry, **WRITE_ERRORS},
    summary="延长期限（机关负责人，依法可延长的，一次）",
)
def deadline_extend(
    request: HttpRequest, case_id: IdPath, deadline_id: IdPath, payload: ReasonIn
) -> selectors.DeadlineEntry:
    actor = _writer(request)
    row = (
        selectors.case_get_for_actor(actor=actor, case_id=case_id)
        .deadlines.filter(pk=deadline_id)
        .first()
    )
    if row is None:
        raise NotFound(_("没有找到该期限。"), code=Code.NOT_FOUND)
    row = services.deadline_extend(actor=actor, deadline=row, reason=payload.reason)
    return selectors.deadline_entry(row)


__all__ = ["ErrorOut", "router"]
