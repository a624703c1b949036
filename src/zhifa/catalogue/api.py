"""API of the powers catalogue (D-4 – D-7, D-18), mounted at ``/api/v1/catalogue/``.

Reads are public (the catalogue is published): an agency's current powers with their bases and
discretion standards, its random-inspection list, the legal documents, the procedure definitions
and their flowcharts (SVG), and both lists as ``.xlsx``. Writes need a signed-in user or an API
token and go through :mod:`zhifa.catalogue.services` (agency head for powers, inspection items
and imports; system admin for legal bases). Every refusal is ``{"code", "message", "detail"}``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Path, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import AfterValidator, Field
from pydantic.json_schema import JsonDict

from zhifa.apikit import (
    PUBLIC,
    PUBLIC_ERRORS,
    READ_ERRORS,
    STAFF,
    WRITE_ERRORS,
    Id,
    IdPath,
    Text,
    actor_of,
    one_line,
    several_lines,
)
from zhifa.catalogue import flowchart, procedures, selectors, services, xlsx
from zhifa.catalogue.errors import Code
from zhifa.core.deadlines import LegalLimit, Unit
from zhifa.core.errors import ValidationFailed

# Staff by default: the public reads say so beside their path (auth=PUBLIC).
router = Router(tags=["catalogue"], auth=STAFF)

Line50 = Annotated[str, Field(max_length=50), AfterValidator(one_line)]
Line100 = Annotated[str, Field(max_length=100), AfterValidator(one_line)]
Line200 = Annotated[str, Field(max_length=200), AfterValidator(one_line)]
Line500 = Annotated[str, Field(max_length=500), AfterValidator(one_line)]
Reason = Annotated[
    str,
    Field(max_length=200, description="变更原因（修改、废止时必填）"),
    AfterValidator(several_lines),
]
Money = Annotated[str, Field(max_length=30, description="金额（元），如 2000 或 2,000.00")]
SlugPath = Annotated[str, Path(max_length=50, pattern=r"^[a-z][a-z0-9_]{0,49}$")]

_ACT_TYPE_SCHEMA: JsonDict = {
    "type": "string",
    "enum": list(selectors.ActType.values),
    "title": "执法类别",
}
_LEVEL_SCHEMA: JsonDict = {
    "type": "string",
    "enum": list(selectors.DocumentLevel.values),
    "title": "效力层级",
}
_UNIT_SCHEMA: JsonDict = {"type": "string", "enum": [u.value for u in Unit], "title": "时限单位"}


# --- output -------------------------------------------------------------------------------------


class ArticleOut(Schema):
    id: int
    document_id: int
    number: int
    label: str
    citation: str
    text: str
    text_is_summary: bool = Field(description="条文为摘要而非官方文本")


class LegalDocumentOut(Schema):
    id: int
    title: str
    short_title: str
    level: str = Field(json_schema_extra=_LEVEL_SCHEMA)
    level_label: str
    issuing_body: str
    document_number: str
    effective_on: date
    repealed_on: date | None
    articles: list[ArticleOut]


class StandardOut(Schema):
    circumstance: str
    measure: str
    fine_from: Decimal | None
    fine_to: Decimal | None


class FeeOut(Schema):
    item: str
    amount: Decimal
    basis: str


class TimeLimitOut(Schema):
    amount: int
    unit: str
    basis: str
    text: str


class PowerOut(Schema):
    id: int
    agency_id: int
    agency_name: str
    code: str
    name: str
    act_type: str = Field(json_schema_extra=_ACT_TYPE_SCHEMA)
    act_type_label: str
    subject: str
    procedure: str
    procedure_name: str
    flowchart_url: str
    time_limit: TimeLimitOut | None
    bases: list[ArticleOut]
    standards: list[StandardOut]
    fees: list[FeeOut]
    version: int
    repealed_on: date | None


class InspectionItemOut(Schema):
    id: int
    agency_id: int
    code: str
    name: str
    basis: str
    subject: str
    content: str
    method: str
    ratio_percent: Decimal
    frequency: str
    version: int


class ProcedureRequirementOut(Schema):
    document: str
    document_label: str
    signatures: list[str]
    basis: str
    note: str


class ProcedureLimitOut(Schema):
    key: str
    name: str
    amount: int
    unit: str
    basis: str
    counted: str
    from_step: str
    text: str


class ProcedureVariantOut(Schema):
    key: str
    name: str
    requires: list[ProcedureRequirementOut]
    av: str
    av_basis: str


class ProcedureTransitionOut(Schema):
    to: str
    label: str


class ProcedureStepOut(Schema):
    id: str
    name: str
    stage: str
    stage_label: str
    basis: str
    optional: bool
    next: list[ProcedureTransitionOut]
    requires: list[ProcedureRequirementOut]
    av: str
    av_basis: str
    approval: list[str]
    approval_basis: str
    min_officers: int
    min_officers_basis: str
    hooks: list[str]
    limits: list[ProcedureLimitOut]
    variants: list[ProcedureVariantOut]


class FineLimitOut(Schema):
    party: str
    max_yuan: Decimal
    basis: str


class ProcedureSummaryOut(Schema):
    slug: str
    name: str
    act_type: str
    description: str
    flowchart_url: str


class ProcedureOut(ProcedureSummaryOut):
    basis: list[str]
    start: str
    measures: list[str]
    fine_limits: list[FineLimitOut]
    steps: list[ProcedureStepOut]


class VersionOut(Schema):
    seq: int
    at: datetime
    actor: str
    actor_name: str
    action: str
    reason: str
    content: dict[str, Any]


class ImportResultOut(Schema):
    created: int
    updated: int
    unchanged: int


# --- input --------------------------------------------------------------------------------------


class StandardIn(Schema):
    circumstance: Line500
    measure: Line500
    fine_from: Money | None = None
    fine_to: Money | None = None


class FeeIn(Schema):
    item: Line200
    amount: Money
    basis: Line200


class TimeLimitIn(Schema):
    amount: int = Field(ge=1, le=3650)
    unit: str = Field(json_schema_extra=_UNIT_SCHEMA, max_length=20)
    basis: Line200


class PowerCreateIn(Schema):
    act_type: str = Field(json_schema_extra=_ACT_TYPE_SCHEMA, max_length=20)
    code: Line50
    name: Line200
    subject: Line200 = ""
    procedure: Line50
    article_ids: list[Id] = Field(max_length=50)
    time_limit: TimeLimitIn | None = None
    standards: list[StandardIn] = Field(default_factory=list, max_length=100)
    fees: list[FeeIn] = Field(default_factory=list, max_length=50)
    reason: Reason = ""


class PowerUpdateIn(Schema):
    reason: Reason
    act_type: str | None = Field(default=None, json_schema_extra=_ACT_TYPE_SCHEMA, max_length=20)
    name: Line200 | None = None
    subject: Line200 | None = None
    procedure: Line50 | None = None
    article_ids: list[Id] | None = Field(default=None, max_length=50)
    time_limit: TimeLimitIn | None = None
    clear_time_limit: bool = False
    standards: list[StandardIn] | None = Field(default=None, max_length=100)
    fees: list[FeeIn] | None = Field(default=None, max_length=50)


class PowerRepealIn(Schema):
    reason: Reason


class InspectionItemIn(Schema):
    code: Line50
    name: Line200
    basis: Line500
    subject: Line200
    content: Line500
    method: Line200
    ratio_percent: Annotated[str, Field(max_length=10)]
    frequency: Line100
    reason: Reason = ""


class LegalDocumentIn(Schema):
    title: Line200
    short_title: Line100 = ""
    level: str = Field(json_schema_extra=_LEVEL_SCHEMA, max_length=32)
    issuing_body: Line200
    document_number: Line100 = ""
    effective_on: date
    repealed_on: date | None = None
    reason: Reason = ""


class ArticleIn(Schema):
    number: int = Field(ge=1, le=9999)
    text: Text
    text_is_summary: bool = False
    reason: Reason = ""


# --- rendering ----------------------------------------------------------------------------------


def _requirement_out(r: procedures.Requirement) -> dict[str, Any]:
    return {
        "document": r.document,
        "document_label": r.label,
        "signatures": list(r.signatures),
        "basis": r.basis,
        "note": r.note,
    }


def _procedure_summary(d: procedures.ProcedureDefinition) -> dict[str, Any]:
    return {
        "slug": d.slug,
        "name": d.name,
        "act_type": d.act_type,
        "description": d.description,
        "flowchart_url": f"/api/v1/catalogue/procedures/{d.slug}/flowchart.svg",
    }


def _procedure_out(d: procedures.ProcedureDefinition) -> dict[str, Any]:
    return {
        **_procedure_summary(d),
        "basis": list(d.basis),
        "start": d.start,
        "measures": list(d.measures),
        "fine_limits": [
            {"party": f.party, "max_yuan": f.max_yuan, "basis": f.basis} for f in d.fine_limits
        ],
        "steps": [
            {
                "id": s.id,
                "name": s.name,
                "stage": s.stage.value,
                "stage_label": s.stage.label,
                "basis": s.basis,
                "optional": s.optional,
                "next": [{"to": t.to, "label": t.label} for t in s.next],
                "requires": [_requirement_out(r) for r in s.requires],
                "av": s.av.value,
                "av_basis": s.av_basis,
                "approval": [a.value for a in s.approval],
                "approval_basis": s.approval_basis,
                "min_officers": s.min_officers,
                "min_officers_basis": s.min_officers_basis,
                "hooks": list(s.hooks),
                "limits": [
                    {
                        "key": limit.key,
                        "name": limit.name,
                        "amount": limit.amount,
                        "unit": limit.unit.value,
                        "basis": limit.basis,
                        "counted": limit.counted,
                        "from_step": limit.from_step,
                        "text": limit.describe(),
                    }
                    for limit in s.limits
                ],
                "variants": [
                    {
                        "key": v.key,
                        "name": v.name,
                        "requires": [_requirement_out(r) for r in v.requires],
                        "av": v.av.value,
                        "av_basis": v.av_basis,
                    }
                    for v in s.variants
                ],
            }
            for s in d.steps
        ],
    }


def _time_limit(value: TimeLimitIn | None) -> LegalLimit | None:
    if value is None:
        return None
    try:
        unit = Unit(value.unit)
    except ValueError:
        raise ValidationFailed(
            _("时限单位“%(unit)s”无效。") % {"unit": value.unit},
            code=Code.INVALID_CHOICE,
            detail={"field": "time_limit.unit"},
        ) from None
    basis = value.basis.strip()
    if not basis:
        raise ValidationFailed(
            _("办理时限须写明法律依据。"),
            code=Code.BASIS_REQUIRED,
            detail={"field": "time_limit.basis"},
        )
    return LegalLimit(value.amount, unit, basis)


def _standards(items: list[StandardIn]) -> list[services.StandardSpec]:
    return [services.StandardSpec(s.circumstance, s.measure, s.fine_from, s.fine_to) for s in items]


def _fees(items: list[FeeIn]) -> list[services.FeeSpec]:
    return [services.FeeSpec(f.item, f.amount, f.basis) for f in items]


_SVG = {"content": {"image/svg+xml": {"schema": {"type": "string"}}}}
_XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_XLSX = {"content": {_XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}


def _svg(body: str) -> HttpResponse:
    response = HttpResponse(body, content_type="image/svg+xml; charset=utf-8")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _xlsx(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=_XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- public reads -------------------------------------------------------------------------------


@router.get(
    "/agencies/{agency_id}/powers",
    auth=PUBLIC,
    response={200: list[PowerOut], **PUBLIC_ERRORS},
    summary="执法主体的行政执法事项清单",
    description="现行的执法事项，含执法依据（条文）、裁量基准、收费和办理时限（D-5、D-18）。",
)
def power_list(request: HttpRequest, agency_id: IdPath) -> list[dict[str, Any]]:
    agency = selectors.agency_get(agency_id)
    return [selectors.power_data(p) for p in selectors.current_powers_of(agency)]


@router.get(
    "/powers/{power_id}", auth=PUBLIC, response={200: PowerOut, **PUBLIC_ERRORS}, summary="执法事项"
)
def power_detail(request: HttpRequest, power_id: IdPath) -> dict[str, Any]:
    return selectors.power_data(selectors.power_get(power_id))


@router.get(
    "/powers/{power_id}/flowchart.svg",
    auth=PUBLIC,
    response={200: None, **PUBLIC_ERRORS},
    summary="执法事项的职权运行流程图（SVG）",
    openapi_extra={"responses": {"200": {"description": "SVG", **_SVG}}},
)
def power_flowchart(request: HttpRequest, power_id: IdPath) -> HttpResponse:
    power = selectors.power_get(power_id)
    definition = procedures.get(power.procedure)
    return _svg(flowchart.render_svg(definition, title=f"{power.name}（{definition.name}）"))


@router.get(
    "/agencies/{agency_id}/inspections",
    auth=PUBLIC,
    response={200: list[InspectionItemOut], **PUBLIC_ERRORS},
    summary="随机抽查事项清单",
)
def inspection_list(request: HttpRequest, agency_id: IdPath) -> list[dict[str, Any]]:
    agency = selectors.agency_get(agency_id)
    return [selectors.inspection_item_data(i) for i in selectors.current_inspections_of(agency)]


@router.get(
    "/agencies/{agency_id}/powers.xlsx",
    auth=PUBLIC,
    response={200: None, **PUBLIC_ERRORS},
    summary="导出行政执法事项清单（Excel）",
    openapi_extra={"responses": {"200": {"description": "xlsx", **_XLSX}}},
)
def power_export(request: HttpRequest, agency_id: IdPath) -> HttpResponse:
    agency = selectors.agency_get(agency_id)
    return _xlsx(xlsx.export_powers(agency), f"powers-{agency.id}.xlsx")


@router.get(
    "/agencies/{agency_id}/inspections.xlsx",
    auth=PUBLIC,
    response={200: None, **PUBLIC_ERRORS},
    summary="导出随机抽查事项清单（Excel）",
    openapi_extra={"responses": {"200": {"description": "xlsx", **_XLSX}}},
)
def inspection_export(request: HttpRequest, agency_id: IdPath) -> HttpResponse:
    agency = selectors.agency_get(agency_id)
    return _xlsx(xlsx.export_inspections(agency), f"inspections-{agency.id}.xlsx")


@router.get(
    "/legal-documents",
    auth=PUBLIC,
    response={200: list[LegalDocumentOut]},
    summary="执法依据（法律法规等）",
)
def document_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [selectors.legal_document_data(d) for d in selectors.legal_documents()]


@router.get(
    "/legal-documents/{document_id}",
    auth=PUBLIC,
    response={200: LegalDocumentOut, **PUBLIC_ERRORS},
    summary="执法依据及其条文",
)
def document_detail(request: HttpRequest, document_id: IdPath) -> dict[str, Any]:
    return selectors.legal_document_data(selectors.legal_document_get(document_id))


@router.get(
    "/procedures", auth=PUBLIC, response={200: list[ProcedureSummaryOut]}, summary="办理程序"
)
def procedure_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_procedure_summary(procedures.get(slug)) for slug in procedures.slugs()]


def _procedure(slug: str) -> procedures.ProcedureDefinition:
    from zhifa.core.errors import NotFound

    definition = procedures.shipped().get(slug)
    if definition is None:
        raise NotFound(_("未找到该办理程序。"), code=Code.NOT_FOUND)
    return definition


@router.get(
    "/procedures/{slug}",
    auth=PUBLIC,
    response={200: ProcedureOut, **PUBLIC_ERRORS},
    summary="办理程序定义（阶段、步骤、材料、审批、时限）",
)
def procedure_detail(request: HttpRequest, slug: SlugPath) -> dict[str, Any]:
    return _procedure_out(_procedure(slug))


@router.get(
    "/procedures/{slug}/flowchart.svg",
    auth=PUBLIC,
    response={200: None, **PUBLIC_ERRORS},
    summary="办理程序流程图（SVG）",
    openapi_extra={"responses": {"200": {"description": "SVG", **_SVG}}},
)
def procedure_flowchart(request: HttpRequest, slug: SlugPath) -> HttpResponse:
    return _svg(flowchart.render_svg(_procedure(slug)))


# --- staff writes -------------------------------------------------------------------------------


@router.post(
    "/agencies/{agency_id}/powers",
    response={201: PowerOut, **WRITE_ERRORS},
    summary="新增执法事项（执法主体负责人）",
)
def power_create(
    request: HttpRequest, agency_id: IdPath, payload: PowerCreateIn
) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    agency = selectors.agency_get(agency_id)
    power = services.power_create(
        actor=actor,
        agency=agency,
        act_type=payload.act_type,
        code=payload.code,
        name=payload.name,
        subject=payload.subject,
        procedure=payload.procedure,
        bases=[selectors.article_get(i) for i in payload.article_ids],
        time_limit=_time_limit(payload.time_limit),
        standards=_standards(payload.standards),
        fees=_fees(payload.fees),
        reason=payload.reason,
    )
    return Status(201, selectors.power_data(selectors.power_get(power.id)))


@router.patch(
    "/powers/{power_id}",
    response={200: PowerOut, **WRITE_ERRORS},
    summary="修改执法事项（新版本，须写明原因）",
)
def power_update(request: HttpRequest, power_id: IdPath, payload: PowerUpdateIn) -> dict[str, Any]:
    actor = actor_of(request)
    power = selectors.power_get(power_id)
    changes: dict[str, Any] = {}
    for name in ("act_type", "name", "subject", "procedure"):
        value = getattr(payload, name)
        if value is not None:
            changes[name] = value
    if payload.clear_time_limit:
        changes["time_limit"] = None
    elif payload.time_limit is not None:
        changes["time_limit"] = _time_limit(payload.time_limit)
    power = services.power_update(
        actor=actor,
        power=power,
        reason=payload.reason,
        bases=None
        if payload.article_ids is None
        else [selectors.article_get(i) for i in payload.article_ids],
        standards=None if payload.standards is None else _standards(payload.standards),
        fees=None if payload.fees is None else _fees(payload.fees),
        **changes,
    )
    return selectors.power_data(selectors.power_get(power.id))


@router.get(
    "/powers/{power_id}/history",
    response={200: list[VersionOut], **READ_ERRORS},
    summary="执法事项的各个版本（谁、何时、为何修改）",
)
def power_history(request: HttpRequest, power_id: IdPath) -> list[dict[str, Any]]:
    power = selectors.power_get(power_id)
    return [
        {
            "seq": entry.seq,
            "at": entry.at,
            "actor": entry.actor,
            "actor_name": entry.actor_name,
            "action": entry.action,
            "reason": entry.reason,
            "content": entry.content,
        }
        for entry in selectors.power_history_for(actor_of(request), power)
    ]


@router.post(
    "/powers/{power_id}/repeal",
    response={200: PowerOut, **WRITE_ERRORS},
    summary="废止执法事项",
)
def power_repeal(request: HttpRequest, power_id: IdPath, payload: PowerRepealIn) -> dict[str, Any]:
    power = services.power_repeal(
        actor=actor_of(request), power=selectors.power_get(power_id), reason=payload.reason
    )
    return selectors.power_data(selectors.power_get(power.id))


@router.post(
    "/agencies/{agency_id}/inspections",
    response={201: InspectionItemOut, **WRITE_ERRORS},
    summary="新增随机抽查事项",
)
def inspection_create(
    request: HttpRequest, agency_id: IdPath, payload: InspectionItemIn
) -> Status[dict[str, Any]]:
    fields = payload.model_dump()
    reason = fields.pop("reason")
    item = services.inspection_item_create(
        actor=actor_of(request), agency=selectors.agency_get(agency_id), reason=reason, **fields
    )
    return Status(201, selectors.inspection_item_data(item))


@router.post(
    "/legal-documents",
    response={201: LegalDocumentOut, **WRITE_ERRORS},
    summary="新增执法依据（系统管理员）",
)
def document_create(request: HttpRequest, payload: LegalDocumentIn) -> Status[dict[str, Any]]:
    document = services.legal_document_create(actor=actor_of(request), **payload.model_dump())
    return Status(201, selectors.legal_document_data(selectors.legal_document_get(document.id)))


@router.post(
    "/legal-documents/{document_id}/articles",
    response={201: ArticleOut, **WRITE_ERRORS},
    summary="新增条文（系统管理员）",
)
def article_create(
    request: HttpRequest, document_id: IdPath, payload: ArticleIn
) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    document = selectors.legal_document_get(document_id)
    article = services.legal_article_create(actor=actor, document=document, **payload.model_dump())
    return Status(201, selectors.article_data(article))


@router.post(
    "/agencies/{agency_id}/powers.xlsx",
    response={200: ImportResultOut, **WRITE_ERRORS},
    summary="导入行政执法事项清单（Excel，执法主体负责人）",
    description="有任何一行错误则不导入任何内容，错误逐行列出（工作表、行号、列、说明）。",
)
def power_import(
    request: HttpRequest,
    agency_id: IdPath,
    file: UploadedFile = File(...),  # noqa: B008
) -> dict[str, Any]:
    actor = actor_of(request)
    agency = selectors.agency_get(agency_id)
    services.require_catalogue_maintainer(actor, agency)
    result = xlsx.import_powers(actor=actor, agency=agency, data=_read(file))
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}


@router.post(
    "/agencies/{agency_id}/inspections.xlsx",
    response={200: ImportResultOut, **WRITE_ERRORS},
    summary="导入随机抽查事项清单（Excel，执法主体负责人）",
)
def inspection_import(
    request: HttpRequest,
    agency_id: IdPath,
    file: UploadedFile = File(...),  # noqa: B008
) -> dict[str, Any]:
    actor = actor_of(request)
    agency = selectors.agency_get(agency_id)
    services.require_catalogue_maintainer(actor, agency)
    result = xlsx.import_inspections(actor=actor, agency=agency, data=_read(file))
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}


def _read(file: UploadedFile) -> bytes:
    if file.size is not None and file.size > xlsx.MAX_BYTES:
        raise ValidationFailed(
            _("文件超过 5 MB，请拆分后再导入。"), code=Code.FILE_TOO_LARGE, detail={"field": "file"}
        )
    return bytes(file.read(xlsx.MAX_BYTES + 1))
