"""What the public may see (D-2, D-3, D-9, D-10): reads only, never writes.

The public sees the active agencies of the governments set up in this deployment, their active
internal units, and the certificates of their officers: name, agency, certificate number, area
and validity (公示办法第七条). Nothing else about a person is read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from zhifa.core.db import MAX_DB_ID
from zhifa.core.errors import NotFound
from zhifa.org import selectors as org_selectors
from zhifa.org.models import Agency, Certificate, Government, Group, Unit
from zhifa.org.rules import CertificateStatus
from zhifa.org.selectors import CertificateCheck
from zhifa.portal.errors import Code
from zhifa.portal.rules import clean_search_text

__all__ = [
    "MAX_DB_ID",
    "AgencyDetail",
    "CertificateCheck",
    "CertificateStatus",
    "GovernmentAgencies",
    "Supervision",
    "certificate_check",
    "certificate_public_status",
    "public_agencies",
    "public_agencies_by_government",
    "public_agency_data",
    "public_agency_detail",
    "public_certificates",
    "public_officer_data",
    "public_supervision",
    "public_unit_data",
]


# --- agencies (D-2) -----------------------------------------------------------------------------


def public_agencies() -> QuerySet[Agency]:
    """Every active agency of every government, enforcement bodies first, in the published order."""
    return (
        Agency.objects.filter(is_active=True)
        .select_related("government__parent__parent__parent", "entrusted_by")
        .order_by("government_id", "-is_enforcement_body", "sort_order", "id")
    )


@dataclass(frozen=True)
class GovernmentAgencies:
    """One government and its active agencies, split as the home page shows them."""

    government: Government
    enforcement_bodies: list[Agency] = field(default_factory=list)
    other_departments: list[Agency] = field(default_factory=list)

    @property
    def agencies(self) -> list[Agency]:
        return [*self.enforcement_bodies, *self.other_departments]

    @property
    def superiors(self) -> list[Government]:
        """The governments above this one, nearest first (county, city, province)."""
        chain: list[Government] = []
        current = self.government
        while current.parent_id is not None and len(chain) < 8:
            current = current.parent  # type: ignore[assignment]
            chain.append(current)
        return chain


def public_agencies_by_government() -> list[GovernmentAgencies]:
    """The governments that have active agencies, each with its agencies (one query)."""
    grouped: dict[int, GovernmentAgencies] = {}
    for agency in public_agencies():
        entry = grouped.get(agency.government_id)
        if entry is None:
            entry = grouped[agency.government_id] = GovernmentAgencies(agency.government)
        if agency.is_enforcement_body:
            entry.enforcement_bodies.append(agency)
        else:
            entry.other_departments.append(agency)
    return list(grouped.values())


@dataclass(frozen=True)
class AgencyDetail:
    """One agency as the public sees it: its active units and the certificates of its officers
    that are valid on the day asked about."""

    agency: Agency
    units: list[Unit]
    certificates: list[Certificate]


def public_agency_detail(*, agency_id: int, on: date) -> AgencyDetail:
    """One active agency (three queries). Raises :class:`NotFound` for any other id."""
    if not 1 <= agency_id <= MAX_DB_ID:
        raise NotFound(_("未找到该执法主体。"), code=Code.NOT_FOUND)
    agency = public_agencies().filter(id=agency_id).first()
    if agency is None:
        raise NotFound(_("未找到该执法主体。"), code=Code.NOT_FOUND)
    units = list(Unit.objects.filter(agency=agency, is_active=True).order_by("id"))
    certificates = list(public_certificates(agency_id=agency.id, on=on))
    return AgencyDetail(agency=agency, units=units, certificates=certificates)


# --- officers and their certificates (D-3) ------------------------------------------------------


def _valid_on(on: date) -> Q:
    return Q(valid_from__lte=on, valid_to__gte=on) & (
        Q(revoked_on__isnull=True) | Q(revoked_on__gt=on)
    )


def public_certificates(
    *,
    on: date,
    q: str = "",
    agency_id: int | None = None,
    include_invalid: bool = False,
) -> QuerySet[Certificate]:
    """Certificates of officers of active agencies, valid on ``on`` unless ``include_invalid``.

    ``q`` matches the officer's name, the certificate number or the agency's name. One row per
    certificate, with officer, person and agency fetched in the same query.
    """
    rows = Certificate.objects.filter(officer__agency__is_active=True).select_related(
        "officer__person", "officer__agency"
    )
    if not include_invalid:
        rows = rows.filter(_valid_on(on))
    if agency_id is not None:
        rows = (
            rows.filter(officer__agency_id=agency_id)
            if 1 <= agency_id <= MAX_DB_ID
            else rows.none()
        )
    text = clean_search_text(q)
    if text:
        rows = rows.filter(
            Q(officer__person__name__icontains=text)
            | Q(number__icontains=text)
            | Q(officer__agency__name__icontains=text)
            | Q(officer__agency__short_name__icontains=text)
        )
    return rows.order_by(
        "officer__agency__government_id",
        "officer__agency__sort_order",
        "officer__agency_id",
        "officer__person__name",
        "number",
        "id",
    )


def certificate_check(*, number: str, on: date) -> CertificateCheck:
    """Look a certificate up by its number and tell its status on ``on`` (D-10): the rule and
    the lookup are ``org``'s; the portal shows only the certificate's public data."""
    return org_selectors.certificate_status(number, on=on)


def certificate_public_status(certificate: Certificate, *, on: date) -> CertificateStatus:
    return org_selectors.certificate_status_of(certificate, on=on)


# --- complaints and supervision (D-9) -----------------------------------------------------------


@dataclass(frozen=True)
class Supervision:
    """Who supervises the three systems in one government: the leading group's office (O-3)."""

    government: Government
    office: Agency | None
    groups: list[Group]


def public_supervision(
    governments: list[GovernmentAgencies] | None = None,
) -> list[Supervision]:
    """For each government with active agencies: its leading and coordination groups and the
    agency that hosts the leading group's office (the justice office, 司法所), falling back to the
    government's active justice office when no group names its office."""
    by_government = public_agencies_by_government() if governments is None else governments
    government_ids = [entry.government.id for entry in by_government]
    groups = list(
        Group.objects.filter(government_id__in=government_ids)
        .select_related("office_agency")
        .order_by("government_id", "-kind", "id")  # the leading group before the coordination
    )
    result: list[Supervision] = []
    for entry in by_government:
        own_groups = [group for group in groups if group.government_id == entry.government.id]
        office: Agency | None = None
        for group in own_groups:
            if (
                group.kind == Group.Kind.LEADING
                and group.office_agency is not None
                and group.office_agency.is_active
            ):
                office = group.office_agency
                break
        if office is None:
            office = next((a for a in entry.agencies if a.kind == Agency.Kind.JUSTICE_OFFICE), None)
        result.append(Supervision(government=entry.government, office=office, groups=own_groups))
    return result


# --- what the public API shows of an agency, a unit and an officer ------------------------------


def public_agency_data(agency: Agency) -> dict[str, Any]:
    entrusted_by = agency.entrusted_by
    return {
        "id": agency.id,
        "name": agency.name,
        "short_name": agency.short_name,
        "kind": agency.kind,
        "kind_label": str(agency.get_kind_display()),
        "is_enforcement_body": agency.is_enforcement_body,
        "government_id": agency.government_id,
        "government_name": agency.government.name,
        "credit_code": agency.credit_code,
        "duties": agency.duties,
        "division_of_work": agency.division_of_work,
        "jurisdiction": agency.jurisdiction,
        "enforcement_area": agency.enforcement_area,
        "address": agency.address,
        "post_code": agency.post_code,
        "phone": agency.phone,
        "email": agency.email,
        "website": agency.website,
        "office_hours": agency.office_hours,
        "is_entrusted": agency.is_entrusted,
        "entrusted_by_id": entrusted_by.id if entrusted_by is not None else None,
        "entrusted_by_name": entrusted_by.name if entrusted_by is not None else None,
        "page_url": reverse("portal:agency_detail", args=[agency.id]),
    }


def public_unit_data(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.id,
        "name": unit.name,
        "kind": unit.kind,
        "kind_label": str(unit.get_kind_display()),
        "duties": unit.duties,
    }


def public_officer_data(certificate: Certificate, *, on: date) -> dict[str, Any]:
    status = certificate_public_status(certificate, on=on)
    return {
        "name": certificate.officer.person.name,
        "agency_id": certificate.officer.agency_id,
        "agency_name": certificate.officer.agency.name,
        "certificate_number": certificate.number,
        "area": certificate.area,
        "scope": certificate.scope,
        "valid_from": certificate.valid_from,
        "valid_to": certificate.valid_to,
        "status": status,
        "status_label": str(status.label),
    }
