"""The public read API (D-2, D-3, D-10, D-15): the portal's data, machine-readable, anonymous.

Mounted at ``/api/v1/public/``. Every endpoint is a GET that reads through ``portal.selectors``;
nothing here writes. Errors are ``{"code", "message", "detail"}`` (:class:`ErrorOut`).
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.urls import register_converter
from django.urls.converters import StringConverter
from django.utils.translation import gettext_lazy as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from zhifa.apikit import PUBLIC, ErrorOut
from zhifa.core import clock
from zhifa.org.rules import CERTIFICATE_NUMBER_MAX_LENGTH, CertificateStatus
from zhifa.portal import selectors


class _AnyTextConverter(StringConverter):
    """A path segment of any characters, slashes and line breaks included: whatever a QR code or
    a client sends as a certificate number reaches the check, which answers "unknown" for
    garbage instead of the URL resolver answering with an HTML 404."""

    regex = r"[\s\S]+"


register_converter(_AnyTextConverter, "zhifa_any_text")

# auth=None: anonymous even if the API later gets a default authentication.
router = Router(tags=["public"], auth=PUBLIC)

PAGE_SIZE = 20
MAX_PAGE = 100_000


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    duties: str


class AgencyOut(Schema):
    """An agency as published under 公示办法第六条 (D-2) and 第十三条 (D-9)."""

    id: int
    name: str
    short_name: str
    kind: str
    kind_label: str
    is_enforcement_body: bool
    government_id: int
    government_name: str
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
    entrusted_by_name: str | None
    page_url: str = Field(description="门户网站上的页面地址")


class OfficerOut(Schema):
    """One enforcement certificate and its holder as published under 公示办法第七条 (D-3)."""

    name: str
    agency_id: int
    agency_name: str
    certificate_number: str
    area: str
    scope: str
    valid_from: date
    valid_to: date
    status: CertificateStatus
    status_label: str


class AgencyDetailOut(AgencyOut):
    units: list[UnitOut]
    officers: list[OfficerOut] = Field(description="查询当日持有有效执法证件的执法人员")
    on: date


class OfficerPageOut(Schema):
    on: date = Field(description="判断证件是否有效所依据的日期（今日）")
    count: int
    page: int
    pages: int
    page_size: int
    items: list[OfficerOut]


class CertificateCheckOut(Schema):
    """The answer to "is this a valid officer today?" (公示办法第十四条, D-10)."""

    number: str
    checked_on: date
    status: CertificateStatus
    status_label: str
    is_valid: bool
    message: str
    officer_name: str | None = None
    agency_id: int | None = None
    agency_name: str | None = None
    area: str | None = None
    scope: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    revoked_on: date | None = None


_CHECK_MESSAGES = {
    CertificateStatus.VALID: _("该执法证件今天有效。"),
    CertificateStatus.EXPIRED: _("该执法证件的有效期已经届满，今天不能凭此证件执法。"),
    CertificateStatus.NOT_YET_VALID: _("该执法证件尚未生效，今天不能凭此证件执法。"),
    CertificateStatus.REVOKED: _("该执法证件已经注销，不能凭此证件执法。"),
    CertificateStatus.UNKNOWN: _("没有查到这个编号的执法证件，请核对编号。"),
}


@router.get(
    "/agencies",
    response={200: list[AgencyOut]},
    summary="执法主体列表",
    description="本平台公示的全部有效执法主体（含参与“三项制度”的其他部门）。",
)
def agencies(request: HttpRequest) -> list[dict[str, Any]]:
    return [selectors.public_agency_data(agency) for agency in selectors.public_agencies()]


@router.get(
    "/agencies/{agency_id}",
    response={200: AgencyDetailOut, 404: ErrorOut, 422: ErrorOut},
    summary="执法主体详情",
    description="一个执法主体的公示信息、内设机构和今日持有有效执法证件的执法人员。",
)
def agency_detail(
    request: HttpRequest,
    agency_id: int = Path(..., ge=1, le=selectors.MAX_DB_ID),
) -> dict[str, Any]:
    today = clock.today()
    detail = selectors.public_agency_detail(agency_id=agency_id, on=today)
    return {
        **selectors.public_agency_data(detail.agency),
        "units": [selectors.public_unit_data(unit) for unit in detail.units],
        "officers": [
            selectors.public_officer_data(certificate, on=today)
            for certificate in detail.certificates
        ],
        "on": today,
    }


@router.get(
    "/officers",
    response={200: OfficerPageOut, 422: ErrorOut},
    summary="执法人员查询",
    description=(
        "按姓名、证件编号或执法主体名称（q）和执法主体编号（agency）查询执法人员，每页 20 条。"
        "默认只列出今日持有有效执法证件的人员；include_invalid=true 时列出全部证件及其状态。"
    ),
)
def officers(
    request: HttpRequest,
    q: str = Query("", max_length=50, description="姓名、证件编号或执法主体名称"),
    agency: int | None = Query(None, ge=1, le=selectors.MAX_DB_ID, description="执法主体编号"),
    page: int = Query(1, ge=1, le=MAX_PAGE),
    include_invalid: bool = Query(False, description="同时列出已过期、尚未生效和已注销的证件"),
) -> dict[str, Any]:
    today = clock.today()
    rows = selectors.public_certificates(
        on=today, q=q, agency_id=agency, include_invalid=include_invalid
    )
    count = rows.count()
    start = (page - 1) * PAGE_SIZE
    items = list(rows[start : start + PAGE_SIZE]) if start < count else []
    return {
        "on": today,
        "count": count,
        "page": page,
        "pages": max(1, math.ceil(count / PAGE_SIZE)),
        "page_size": PAGE_SIZE,
        "items": [selectors.public_officer_data(certificate, on=today) for certificate in items],
    }


@router.get(
    "/certificates/{zhifa_any_text:number}",
    response={200: CertificateCheckOut, 422: ErrorOut},
    summary="执法证件查验",
    description=(
        "查验执法证件今天是否有效：valid 有效、expired 已过期、not_yet_valid 尚未生效、"
        "revoked 已注销、unknown 未查到。只返回证件的公示信息。"
    ),
)
def certificate(
    request: HttpRequest,
    number: str = Path(..., min_length=1, max_length=CERTIFICATE_NUMBER_MAX_LENGTH),
) -> dict[str, Any]:
    check = selectors.certificate_check(number=number, on=clock.today())
    out: dict[str, Any] = {
        "number": check.number,
        "checked_on": check.checked_on,
        "status": check.status,
        "status_label": str(check.status.label),
        "is_valid": check.is_valid,
        "message": str(_CHECK_MESSAGES[check.status]),
    }
    found = check.certificate
    if found is not None:
        out.update(
            officer_name=found.officer.person.name,
            agency_id=found.officer.agency_id,
            agency_name=found.officer.agency.name,
            area=found.area,
            scope=found.scope,
            valid_from=found.valid_from,
            valid_to=found.valid_to,
            revoked_on=found.revoked_on if check.status == CertificateStatus.REVOKED else None,
        )
    return out
