"""Staff API of the organisation (O-1, D-2, D-3): agencies, units, officers, certificates.

Mounted at ``/api/v1/org/``. Signed-in staff (a session verified with the second factor,
:data:`zhifa.apikit.STAFF`) or machines (``Authorization: Bearer`` token with ``org:read`` /
``org:write``). Thin: parse, fetch through a scoped selector (what the actor may not read is 404),
call one service (what the actor may not change is 403), render. Every refusal is
``{"code", "message", "detail"}`` (:class:`zhifa.apikit.ErrorOut`); nothing is changed by a refused
request.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import AfterValidator, Field, WithJsonSchema

from zhifa.apikit import (
    READ_ERRORS,
    STAFF,
    WRITE_ERRORS,
    ErrorOut,
    Id,
    IdPath,
    actor_of,
    one_line,
    several_lines,
)
from zhifa.org import selectors, services
from zhifa.org.rules import CertificateStatus

router = Router(tags=["org"], auth=STAFF)

MAX_SORT_ORDER = 2_147_483_647
MAX_TEXT = 5000

Line6 = Annotated[str, Field(max_length=6), AfterValidator(one_line)]
Line18 = Annotated[str, Field(max_length=18), AfterValidator(one_line)]
Line40 = Annotated[str, Field(max_length=40), AfterValidator(one_line)]
Line50 = Annotated[str, Field(max_length=50), AfterValidator(one_line)]
Line100 = Annotated[str, Field(max_length=100), AfterValidator(one_line)]
Line200 = Annotated[str, Field(max_length=200), AfterValidator(one_line)]
Line254 = Annotated[str, Field(max_length=254), AfterValidator(one_line)]
Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(several_lines)]
Reason = Annotated[
    str,
    Field(max_length=200, description="变更原因（修改、撤销、注销时必填）"),
    AfterValidator(several_lines),
]
SortOrder = Annotated[int, Field(ge=0, le=MAX_SORT_ORDER)]

# Choices are written inline in the OpenAPI document: the models' enums are all called ``Kind``
# and would overwrite each other (and the portal's) as shared components.
AgencyKind = Annotated[
    selectors.AgencyKind,
    WithJsonSchema(
        {"type": "string", "enum": list(selectors.AgencyKind.values), "title": "执法主体类型"}
    ),
]
UnitKind = Annotated[
    selectors.UnitKind,
    WithJsonSchema(
        {"type": "string", "enum": list(selectors.UnitKind.values), "title": "内设机构类型"}
    ),
]
StatusValue = Annotated[
    CertificateStatus,
    WithJsonSchema(
        {"type": "string", "enum": list(CertificateStatus.values), "title": "执法证状态"}
    ),
]


# --- schemas ------------------------------------------------------------------------------------


class OrgAgencyOut(Schema):
    id: int
    government_id: int
    government_name: str
    name: str
    short_name: str
    kind: AgencyKind
    kind_label: str
    is_enforcement_body: bool
    credit_code: str
    duties: str
    division_of_work: str
    jurisdiction: str
    enforcement_area: str
    address: str
    post_code: str
    phone: str
    email: str
    website: str
    office_hours: str
    is_entrusted: bool
    entrusted_by_id: int | None
    sort_order: int
    is_active: bool


class OrgAgencyProfileIn(Schema):
    """The agency's published profile (公示办法第六条、第十三条). Leave out what does not change."""

    short_name: Line40 = ""
    credit_code: Line18 = ""
    duties: Text = ""
    division_of_work: Text = ""
    jurisdiction: Text = ""
    enforcement_area: Text = ""
    address: Line200 = ""
    post_code: Line6 = ""
    phone: Line40 = ""
    email: Line254 = ""
    website: Line200 = ""
    office_hours: Line100 = ""
    sort_order: SortOrder = 0


class OrgAgencyChangesIn(OrgAgencyProfileIn):
    """Profile fields (the agency's head) and legal standing (the system admin only)."""

    name: Line100 = ""
    kind: AgencyKind = selectors.AgencyKind.OTHER
    is_enforcement_body: bool = True
    is_entrusted: bool = False
    entrusted_by_id: Id | None = None


class OrgAgencyCreateIn(Schema):
    government_id: Id
    name: Line100
    kind: AgencyKind
    is_enforcement_body: bool = True
    is_entrusted: bool = False
    entrusted_by_id: Id | None = None
    profile: OrgAgencyProfileIn = Field(default_factory=OrgAgencyProfileIn)
    reason: Reason = ""


class OrgAgencyUpdateIn(Schema):
    reason: Reason
    changes: OrgAgencyChangesIn


class OrgReasonIn(Schema):
    reason: Reason


class OrgUnitOut(Schema):
    id: int
    agency_id: int
    name: str
    kind: UnitKind
    kind_label: str
    duties: str
    is_active: bool


class OrgUnitCreateIn(Schema):
    name: Line100
    kind: UnitKind
    duties: Text = ""
    reason: Reason = ""


class OrgUnitChangesIn(Schema):
    name: Line100 = ""
    kind: UnitKind = selectors.UnitKind.OTHER
    duties: Text = ""
    is_active: bool = True


class OrgUnitUpdateIn(Schema):
    reason: Reason
    changes: OrgUnitChangesIn


class OrgPersonOut(Schema):
    id: int
    name: str
    phone: str
    is_synthetic: bool


class OrgCertificateOut(Schema):
    id: int
    officer_id: int
    number: str
    issuing_body: str
    area: str
    scope: str
    valid_from: date
    valid_to: date
    revoked_on: date | None
    revoked_reason: str
    replaces_id: int | None
    status: StatusValue = Field(description="今日状态")
    status_label: str


class OrgOfficerOut(Schema):
    id: int
    agency_id: int
    unit_id: int | None
    is_active: bool
    person: OrgPersonOut
    certificates: list[OrgCertificateOut]


class OrgPersonIn(Schema):
    name: Line50
    phone: Line40 = ""


class OrgOfficerCreateIn(Schema):
    person: OrgPersonIn
    unit_id: Id | None = None
    reason: Reason = ""


class OrgOfficerChangesIn(Schema):
    unit_id: Id | None = None


class OrgOfficerUpdateIn(Schema):
    reason: Reason
    changes: OrgOfficerChangesIn


class OrgPersonChangesIn(Schema):
    name: Line50 = ""
    phone: Line40 = ""


class OrgPersonUpdateIn(Schema):
    reason: Reason
    changes: OrgPersonChangesIn


class OrgCertificateIssueIn(Schema):
    number: Line40
    issuing_body: Line100
    area: Line200
    scope: Line200 = ""
    valid_from: date
    valid_to: date
    reason: Reason = ""


class OrgCertificateRenewIn(Schema):
    number: Line40
    valid_from: date
    valid_to: date
    reason: Reason
    issuing_body: Line100 | None = None
    area: Line200 | None = None
    scope: Line200 | None = None


class OrgCertificateRevokeIn(Schema):
    reason: Reason
    on: date | None = Field(default=None, description="注销生效日期，默认今天")


class OrgCertificateStatusOut(Schema):
    number: str
    checked_on: date
    status: StatusValue
    status_label: str
    is_valid: bool
    certificate: OrgCertificateOut | None = Field(
        default=None, description="证件详情（仅限有权查看该执法主体的用户）"
    )


class OrgVersionOut(Schema):
    seq: int = Field(description="账本序号")
    at: datetime
    actor: str = Field(description="user:<编号>、token:<前缀> 或 system")
    actor_name: str
    action: str
    reason: str
    content: dict[str, Any] = Field(description="变更后的完整内容")


# --- rendering ----------------------------------------------------------------------------------


def _history_out(obj: Any) -> list[dict[str, Any]]:
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
        for entry in selectors.history_of(obj)
    ]


# --- request helpers ----------------------------------------------------------------------------


# --- agencies -----------------------------------------------------------------------------------


@router.get(
    "/agencies",
    response={200: list[OrgAgencyOut], **READ_ERRORS},
    summary="可查看的执法主体",
    description="本人所在的执法主体；监督人员（司法所）可查看其监督范围内的全部执法主体。",
)
def agency_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        selectors.agency_data(agency) for agency in selectors.agencies_visible_to(actor_of(request))
    ]


@router.post(
    "/agencies",
    response={201: OrgAgencyOut, **WRITE_ERRORS},
    summary="新建执法主体（系统管理员）",
)
def agency_create(request: HttpRequest, payload: OrgAgencyCreateIn) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    government = selectors.government_get(government_id=payload.government_id)
    profile = payload.profile.model_dump(exclude_unset=True)
    agency = services.agency_create(
        actor=actor,
        government=government,
        name=payload.name,
        kind=payload.kind,
        is_enforcement_body=payload.is_enforcement_body,
        is_entrusted=payload.is_entrusted,
        entrusted_by=selectors.entrusting_agency(payload.entrusted_by_id),
        reason=payload.reason,
        **profile,
    )
    return Status(201, selectors.agency_data(agency))


@router.get(
    "/agencies/{agency_id}", response={200: OrgAgencyOut, **READ_ERRORS}, summary="执法主体"
)
def agency_detail(request: HttpRequest, agency_id: IdPath) -> dict[str, Any]:
    return selectors.agency_data(
        selectors.agency_get_for_actor(actor=actor_of(request), agency_id=agency_id)
    )


@router.patch(
    "/agencies/{agency_id}",
    response={200: OrgAgencyOut, **WRITE_ERRORS},
    summary="修改执法主体信息",
    description=(
        "只写需要修改的字段。执法主体负责人可修改本主体的公示信息；名称、类型、是否执法主体和"
        "委托关系只有系统管理员可以修改。须写明原因；没有任何变化时不作记录。"
    ),
)
def agency_update(
    request: HttpRequest, agency_id: IdPath, payload: OrgAgencyUpdateIn
) -> dict[str, Any]:
    actor = actor_of(request)
    agency = selectors.agency_get_for_actor(actor=actor, agency_id=agency_id)
    changes = payload.changes.model_dump(exclude_unset=True)
    if "entrusted_by_id" in changes:
        changes["entrusted_by"] = selectors.entrusting_agency(changes.pop("entrusted_by_id"))
    agency = services.agency_update(actor=actor, agency=agency, reason=payload.reason, **changes)
    return selectors.agency_data(agency)


@router.post(
    "/agencies/{agency_id}/deactivate",
    response={200: OrgAgencyOut, **WRITE_ERRORS},
    summary="撤销执法主体（系统管理员）",
)
def agency_deactivate(
    request: HttpRequest, agency_id: IdPath, payload: OrgReasonIn
) -> dict[str, Any]:
    actor = actor_of(request)
    agency = selectors.agency_get_for_actor(actor=actor, agency_id=agency_id)
    agency = services.agency_deactivate(actor=actor, agency=agency, reason=payload.reason)
    return selectors.agency_data(agency)


@router.get(
    "/agencies/{agency_id}/history",
    response={200: list[OrgVersionOut], **READ_ERRORS},
    summary="执法主体的变更记录",
)
def agency_history(request: HttpRequest, agency_id: IdPath) -> list[dict[str, Any]]:
    agency = selectors.agency_get_for_actor(actor=actor_of(request), agency_id=agency_id)
    return _history_out(agency)


# --- units --------------------------------------------------------------------------------------


@router.get(
    "/agencies/{agency_id}/units",
    response={200: list[OrgUnitOut], **READ_ERRORS},
    summary="内设机构",
)
def unit_list(request: HttpRequest, agency_id: IdPath) -> list[dict[str, Any]]:
    actor = actor_of(request)
    agency = selectors.agency_get_for_actor(actor=actor, agency_id=agency_id)
    return [selectors.unit_data(unit) for unit in selectors.units_visible_to(actor, agency=agency)]


@router.post(
    "/agencies/{agency_id}/units",
    response={201: OrgUnitOut, **WRITE_ERRORS},
    summary="新建内设机构",
)
def unit_create(
    request: HttpRequest, agency_id: IdPath, payload: OrgUnitCreateIn
) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    agency = selectors.agency_get_for_actor(actor=actor, agency_id=agency_id)
    unit = services.unit_create(
        actor=actor,
        agency=agency,
        name=payload.name,
        kind=payload.kind,
        duties=payload.duties,
        reason=payload.reason,
    )
    return Status(201, selectors.unit_data(unit))


@router.patch(
    "/units/{unit_id}",
    response={200: OrgUnitOut, **WRITE_ERRORS},
    summary="修改内设机构",
)
def unit_update(request: HttpRequest, unit_id: IdPath, payload: OrgUnitUpdateIn) -> dict[str, Any]:
    actor = actor_of(request)
    unit = selectors.unit_get_for_actor(actor=actor, unit_id=unit_id)
    changes = payload.changes.model_dump(exclude_unset=True)
    unit = services.unit_update(actor=actor, unit=unit, reason=payload.reason, **changes)
    return selectors.unit_data(unit)


@router.get(
    "/units/{unit_id}/history",
    response={200: list[OrgVersionOut], **READ_ERRORS},
    summary="内设机构的变更记录",
)
def unit_history(request: HttpRequest, unit_id: IdPath) -> list[dict[str, Any]]:
    return _history_out(selectors.unit_get_for_actor(actor=actor_of(request), unit_id=unit_id))


# --- officers -----------------------------------------------------------------------------------


@router.get(
    "/agencies/{agency_id}/officers",
    response={200: list[OrgOfficerOut], **READ_ERRORS},
    summary="执法人员",
)
def officer_list(request: HttpRequest, agency_id: IdPath) -> list[dict[str, Any]]:
    actor = actor_of(request)
    agency = selectors.agency_get_for_actor(actor=actor, agency_id=agency_id)
    return [
        selectors.officer_data(officer)
        for officer in selectors.officers_visible_to(actor, agency=agency).prefetch_related(
            "certificates"
        )
    ]


@router.post(
    "/agencies/{agency_id}/officers",
    response={201: OrgOfficerOut, **WRITE_ERRORS},
    summary="登记执法人员",
)
def officer_create(
    request: HttpRequest, agency_id: IdPath, payload: OrgOfficerCreateIn
) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    agency = selectors.agency_get_for_actor(actor=actor, agency_id=agency_id)
    officer = services.officer_register(
        actor=actor,
        agency=agency,
        name=payload.person.name,
        phone=payload.person.phone,
        unit=selectors.unit_for_officer(actor, payload.unit_id),
        reason=payload.reason,
    )
    return Status(201, selectors.officer_data(officer))


@router.get(
    "/officers/{officer_id}", response={200: OrgOfficerOut, **READ_ERRORS}, summary="执法人员"
)
def officer_detail(request: HttpRequest, officer_id: IdPath) -> dict[str, Any]:
    return selectors.officer_data(
        selectors.officer_get_for_actor(actor=actor_of(request), officer_id=officer_id)
    )


@router.patch(
    "/officers/{officer_id}",
    response={200: OrgOfficerOut, **WRITE_ERRORS},
    summary="调整执法人员所在内设机构",
)
def officer_update(
    request: HttpRequest, officer_id: IdPath, payload: OrgOfficerUpdateIn
) -> dict[str, Any]:
    actor = actor_of(request)
    officer = selectors.officer_get_for_actor(actor=actor, officer_id=officer_id)
    changes: dict[str, Any] = {}
    if "unit_id" in payload.changes.model_fields_set:
        changes["unit"] = selectors.unit_for_officer(actor, payload.changes.unit_id)
    officer = services.officer_update(
        actor=actor, officer=officer, reason=payload.reason, **changes
    )
    return selectors.officer_data(officer)


@router.patch(
    "/officers/{officer_id}/person",
    response={200: OrgOfficerOut, **WRITE_ERRORS},
    summary="更正执法人员的姓名或电话",
)
def officer_person_update(
    request: HttpRequest, officer_id: IdPath, payload: OrgPersonUpdateIn
) -> dict[str, Any]:
    actor = actor_of(request)
    officer = selectors.officer_get_for_actor(actor=actor, officer_id=officer_id)
    services.person_update(
        actor=actor,
        person=officer.person,
        reason=payload.reason,
        **payload.changes.model_dump(exclude_unset=True),
    )
    return selectors.officer_data(
        selectors.officer_get_for_actor(actor=actor, officer_id=officer_id)
    )


@router.post(
    "/officers/{officer_id}/deactivate",
    response={200: OrgOfficerOut, **WRITE_ERRORS},
    summary="执法人员离岗",
)
def officer_deactivate(
    request: HttpRequest, officer_id: IdPath, payload: OrgReasonIn
) -> dict[str, Any]:
    actor = actor_of(request)
    officer = selectors.officer_get_for_actor(actor=actor, officer_id=officer_id)
    officer = services.officer_deactivate(actor=actor, officer=officer, reason=payload.reason)
    return selectors.officer_data(officer)


@router.get(
    "/officers/{officer_id}/history",
    response={200: list[OrgVersionOut], **READ_ERRORS},
    summary="执法人员的变更记录",
)
def officer_history(request: HttpRequest, officer_id: IdPath) -> list[dict[str, Any]]:
    return _history_out(
        selectors.officer_get_for_actor(actor=actor_of(request), officer_id=officer_id)
    )


# --- certificates -------------------------------------------------------------------------------


@router.post(
    "/officers/{officer_id}/certificates",
    response={201: OrgCertificateOut, **WRITE_ERRORS},
    summary="登记执法证",
)
def certificate_issue(
    request: HttpRequest, officer_id: IdPath, payload: OrgCertificateIssueIn
) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    officer = selectors.officer_get_for_actor(actor=actor, officer_id=officer_id)
    certificate = services.certificate_issue(
        actor=actor,
        officer=officer,
        number=payload.number,
        issuing_body=payload.issuing_body,
        area=payload.area,
        scope=payload.scope,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        reason=payload.reason,
    )
    return Status(201, selectors.certificate_data(certificate, today=selectors.today()))


@router.get(
    "/certificates/{certificate_id}",
    response={200: OrgCertificateOut, **READ_ERRORS},
    summary="执法证",
)
def certificate_detail(request: HttpRequest, certificate_id: IdPath) -> dict[str, Any]:
    certificate = selectors.certificate_get_for_actor(
        actor=actor_of(request), certificate_id=certificate_id
    )
    return selectors.certificate_data(certificate, today=selectors.today())


@router.post(
    "/certificates/{certificate_id}/renew",
    response={201: OrgCertificateOut, **WRITE_ERRORS},
    summary="换发执法证",
    description="发放新证（新编号）；旧证在新证生效之日注销。",
)
def certificate_renew(
    request: HttpRequest, certificate_id: IdPath, payload: OrgCertificateRenewIn
) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    certificate = selectors.certificate_get_for_actor(actor=actor, certificate_id=certificate_id)
    new = services.certificate_renew(
        actor=actor,
        certificate=certificate,
        number=payload.number,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        reason=payload.reason,
        issuing_body=payload.issuing_body,
        area=payload.area,
        scope=payload.scope,
    )
    return Status(201, selectors.certificate_data(new, today=selectors.today()))


@router.post(
    "/certificates/{certificate_id}/revoke",
    response={200: OrgCertificateOut, **WRITE_ERRORS},
    summary="注销执法证",
)
def certificate_revoke(
    request: HttpRequest, certificate_id: IdPath, payload: OrgCertificateRevokeIn
) -> dict[str, Any]:
    actor = actor_of(request)
    certificate = selectors.certificate_get_for_actor(actor=actor, certificate_id=certificate_id)
    certificate = services.certificate_revoke(
        actor=actor, certificate=certificate, reason=payload.reason, on=payload.on
    )
    return selectors.certificate_data(certificate, today=selectors.today())


@router.get(
    "/certificates/{certificate_id}/history",
    response={200: list[OrgVersionOut], **READ_ERRORS},
    summary="执法证的变更记录",
)
def certificate_history(request: HttpRequest, certificate_id: IdPath) -> list[dict[str, Any]]:
    return _history_out(
        selectors.certificate_get_for_actor(actor=actor_of(request), certificate_id=certificate_id)
    )


@router.get(
    "/certificate-status",
    response={200: OrgCertificateStatusOut, **READ_ERRORS},
    summary="执法证状态查验",
    description=(
        "valid 有效、expired 已过期、not_yet_valid 尚未生效、revoked 已注销、unknown 未查到。"
        "证件详情只对有权查看该执法主体的用户返回。"
    ),
)
def certificate_status(
    request: HttpRequest,
    number: Annotated[str, Query(min_length=1, max_length=80)],
    on: Annotated[date | None, Query(description="查验日期，默认今天")] = None,
) -> dict[str, Any]:
    actor = actor_of(request)
    check = selectors.certificate_status(number, on=on)
    visible = (
        check.certificate is not None
        and selectors.certificates_visible_to(actor).filter(pk=check.certificate.pk).exists()
    )
    return {
        "number": check.number,
        "checked_on": check.checked_on,
        "status": check.status,
        "status_label": str(check.status.label),
        "is_valid": check.is_valid,
        "certificate": (
            selectors.certificate_data(check.certificate, today=check.checked_on)
            if visible and check.certificate is not None
            else None
        ),
    }


__all__ = ["ErrorOut", "router"]
