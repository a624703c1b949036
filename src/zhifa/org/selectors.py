"""Reads of the organisation on the staff side, scoped to what the actor may see (O-1, O-3, D-3).

- An agency's staff read their own agency; a supervisor (justice office) reads every agency of
  their government and the governments below it
  (:func:`agencies_readable_by`).
- The system admin reads the organisation (it is not case content) in order to keep it up.
- A machine (API token) with ``org:read`` or ``org:write`` reads its own agency (every agency when
  the token names none).
- Something the actor may not read is reported as not found: its existence is not revealed.

:func:`certificate_status` and :func:`history_of` are not scoped: the first answers the public
question "is this a valid officer today?" (the portal masks what it shows), the second is called
after the caller has fetched the object through a scoped selector.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from zhifa.accounts import access
from zhifa.accounts.actors import Actor, SystemActor
from zhifa.accounts.models import ApiToken, User
from zhifa.accounts.services import refusal_record
from zhifa.core import clock
from zhifa.core.db import MAX_DB_ID
from zhifa.core.errors import NotFound, ValidationFailed
from zhifa.ledger import selectors as ledger_selectors
from zhifa.org import rules
from zhifa.org.errors import Code
from zhifa.org.models import Agency, Certificate, Government, GroupMembership, Officer, Unit
from zhifa.org.rules import SCOPE_READ, SCOPE_WRITE, CertificateStatus

AgencyKind = Agency.Kind
UnitKind = Unit.Kind

# --- which agencies a user works in and reads (roles from accounts, the structure from org) ----


def agencies_of(user: Any, *roles: str) -> QuerySet[Agency]:
    """Agencies in which the user holds one of ``roles`` (all roles when none are named)."""
    assignments = access.active_roles(user)
    if roles:
        assignments = assignments.filter(role__in=roles)
    return Agency.objects.filter(id__in=assignments.values("agency_id"))


def agencies_readable_by(user: Any) -> QuerySet[Agency]:
    """Agencies whose internal data the user may read: their own, or every agency of the
    supervisor's government and the governments below it. Admin roles read none."""
    if access.is_supervisor(user):
        government_ids = supervised_government_ids(user)
        return Agency.objects.filter(government_id__in=government_ids)
    # Inactive agencies included: their records stay readable to the staff who kept them.
    return agencies_of(user)


def supervised_government_ids(user: Any) -> set[int]:
    """The governments a supervisor oversees: their agency's government and every one below it."""
    roots = set(
        access.active_roles(user)
        .filter(role=access.Role.SUPERVISOR)
        .values_list("agency__government_id", flat=True)
    )
    seen: set[int] = set()
    frontier = roots
    while frontier:
        seen |= frontier
        frontier = (
            set(Government.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
            - seen
        )
    return seen


def _reads_everything(actor: Actor) -> bool:
    return isinstance(actor, SystemActor) or access.is_admin(actor, User.AdminRole.SYSTEM)


def today() -> date:
    """Today in China: the day certificate statuses are shown for."""
    return clock.today()


# --- governments, agencies, units, officers, certificates ---------------------------------------


def government_get(*, government_id: int) -> Government:
    """A government by id (governments are public: their names head every published page)."""
    government: Government = _get(
        None, Government.objects.all(), government_id, _("未找到该政府。")
    )
    return government


def agencies_visible_to(actor: Actor) -> QuerySet[Agency]:
    """The agencies whose internal organisation ``actor`` may read (inactive ones included)."""
    if _reads_everything(actor):
        rows = Agency.objects.all()
    elif isinstance(actor, ApiToken):
        if not (
            access.token_has_scope(actor, SCOPE_READ) or access.token_has_scope(actor, SCOPE_WRITE)
        ):
            rows = Agency.objects.none()
        elif actor.agency_id is None:
            rows = Agency.objects.all()
        else:
            rows = Agency.objects.filter(pk=actor.agency_id)
    else:
        rows = agencies_readable_by(actor)
    return rows.select_related("government", "entrusted_by").order_by(
        "government_id", "sort_order", "id"
    )


def _get(reader: Actor | None, rows: QuerySet[Any], pk: int, message: str) -> Any:
    """The row ``pk`` of ``rows`` (what ``reader`` may read), or :class:`NotFound`; a row that
    exists but is not readable (another agency's) is refused the same and the refusal logged
    (rate-limited, not ledgered: issue 10, defect 7). ``None``: ``rows`` are public."""
    if not 1 <= pk <= MAX_DB_ID:
        raise NotFound(message, code=Code.NOT_FOUND)
    row = rows.filter(pk=pk).first()
    if row is None:
        refusal = NotFound(message, code=Code.NOT_FOUND)
        if reader is not None and rows.model._base_manager.filter(pk=pk).exists():
            refusal_record(
                actor=reader,
                action="read",
                obj_type=rows.model._meta.label_lower,
                obj_id=pk,
                refusal=refusal,
            )
        raise refusal
    return row


def agency_get_for_actor(*, actor: Actor, agency_id: int) -> Agency:
    agency: Agency = _get(actor, agencies_visible_to(actor), agency_id, _("未找到该执法主体。"))
    return agency


def units_visible_to(actor: Actor, *, agency: Agency | None = None) -> QuerySet[Unit]:
    rows = Unit.objects.filter(agency__in=agencies_visible_to(actor).values("id"))
    if agency is not None:
        rows = rows.filter(agency=agency)
    return rows.select_related("agency").order_by("agency_id", "id")


def unit_get_for_actor(*, actor: Actor, unit_id: int) -> Unit:
    unit: Unit = _get(actor, units_visible_to(actor), unit_id, _("未找到该内设机构。"))
    return unit


def officers_visible_to(actor: Actor, *, agency: Agency | None = None) -> QuerySet[Officer]:
    rows = Officer.objects.filter(agency__in=agencies_visible_to(actor).values("id"))
    if agency is not None:
        rows = rows.filter(agency=agency)
    return rows.select_related("person", "agency", "unit").order_by("agency_id", "person__name")


def officer_get_for_actor(*, actor: Actor, officer_id: int) -> Officer:
    officer: Officer = _get(actor, officers_visible_to(actor), officer_id, _("未找到该执法人员。"))
    return officer


def certificates_visible_to(
    actor: Actor, *, officer: Officer | None = None
) -> QuerySet[Certificate]:
    rows = Certificate.objects.filter(officer__agency__in=agencies_visible_to(actor).values("id"))
    if officer is not None:
        rows = rows.filter(officer=officer)
    return rows.select_related("officer__person", "officer__agency").order_by(
        "officer_id", "valid_from", "id"
    )


def certificate_get_for_actor(*, actor: Actor, certificate_id: int) -> Certificate:
    certificate: Certificate = _get(
        actor, certificates_visible_to(actor), certificate_id, _("未找到该执法证。")
    )
    return certificate


def memberships_in_force(*, group_id: int) -> QuerySet[GroupMembership]:
    """A group's members today (memberships not ended), in the published order."""
    return (
        GroupMembership.objects.filter(group_id=group_id, ended_on__isnull=True)
        .select_related("person", "post__holder", "post__agency")
        .order_by("sort_order", "id")
    )


# --- "is this a valid officer today?" (D-10) ----------------------------------------------------


@dataclass(frozen=True)
class CertificateCheck:
    """The status of the certificate numbered ``number`` on ``checked_on``; ``certificate`` (with
    officer, person and agency loaded) is None when no certificate has that number."""

    number: str
    checked_on: date
    status: CertificateStatus
    certificate: Certificate | None = None

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.VALID


def certificate_status_of(certificate: Certificate, *, on: date) -> CertificateStatus:
    return rules.certificate_status_on(
        valid_from=certificate.valid_from,
        valid_to=certificate.valid_to,
        revoked_on=certificate.revoked_on,
        day=on,
    )


def certificate_status(number: str, *, on: date | None = None) -> CertificateCheck:
    """Valid, expired, not yet valid, revoked or unknown on ``on`` (default today). Pure read,
    nothing masked: the public portal masks what it shows."""
    day = clock.today() if on is None else on
    normalised = rules.normalise_certificate_number(number)
    if not normalised or len(normalised) > rules.CERTIFICATE_NUMBER_MAX_LENGTH or "\x00" in number:
        return CertificateCheck(
            number=normalised[:80], checked_on=day, status=CertificateStatus.UNKNOWN
        )
    certificate = (
        Certificate.objects.select_related("officer__person", "officer__agency__government")
        .filter(number=normalised)
        .first()
    )
    if certificate is None:
        return CertificateCheck(number=normalised, checked_on=day, status=CertificateStatus.UNKNOWN)
    return CertificateCheck(
        number=certificate.number,
        checked_on=day,
        status=certificate_status_of(certificate, on=day),
        certificate=certificate,
    )


# --- history: every version with who, when and why ----------------------------------------------


@dataclass(frozen=True)
class VersionEntry:
    """One version of an object: the ledger event that made it and the content after it."""

    seq: int
    at: datetime
    actor: str
    actor_name: str
    action: str
    reason: str
    content: dict[str, Any]


def _actor_names(labels: set[str]) -> dict[str, str]:
    ids = {int(label[5:]) for label in labels if label.startswith("user:") and label[5:].isdigit()}
    names = {
        f"user:{pk}": (full or username)
        for pk, username, full in (
            (user.pk, user.username, user.get_full_name())
            for user in User.objects.filter(pk__in=ids)
        )
    }
    names["system"] = _("系统")
    return names


def history_of(obj: models.Model) -> list[VersionEntry]:
    """Every version of ``obj`` in the order it was made: who, when, which action, why, and the
    full content after the change (from the ledger's ``Version``), each proved against the ledger
    first (``ledger.selectors.versions_verified``: falsified history is refused, not shown)."""
    versions = ledger_selectors.versions_verified(obj)
    names = _actor_names({version.event.actor for version in versions})
    return [
        VersionEntry(
            seq=version.event.seq,
            at=version.event.recorded_at,
            actor=version.event.actor,
            actor_name=names.get(version.event.actor, version.event.actor),
            action=version.event.action,
            reason=version.reason,
            content=dict(version.content),
        )
        for version in versions
    ]


# --- what the staff API shows of an agency, unit, officer and certificate ----------------------


def agency_data(agency: Agency) -> dict[str, Any]:
    return {
        "id": agency.id,
        "government_id": agency.government_id,
        "government_name": agency.government.name,
        "name": agency.name,
        "short_name": agency.short_name,
        "kind": agency.kind,
        "kind_label": str(agency.get_kind_display()),
        "is_enforcement_body": agency.is_enforcement_body,
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
        "entrusted_by_id": agency.entrusted_by_id,
        "sort_order": agency.sort_order,
        "is_active": agency.is_active,
    }


def unit_data(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.id,
        "agency_id": unit.agency_id,
        "name": unit.name,
        "kind": unit.kind,
        "kind_label": str(unit.get_kind_display()),
        "duties": unit.duties,
        "is_active": unit.is_active,
    }


def certificate_data(certificate: Certificate, *, today: date) -> dict[str, Any]:
    status = certificate_status_of(certificate, on=today)
    return {
        "id": certificate.id,
        "officer_id": certificate.officer_id,
        "number": certificate.number,
        "issuing_body": certificate.issuing_body,
        "area": certificate.area,
        "scope": certificate.scope,
        "valid_from": certificate.valid_from,
        "valid_to": certificate.valid_to,
        "revoked_on": certificate.revoked_on,
        "revoked_reason": certificate.revoked_reason,
        "replaces_id": certificate.replaces_id,
        "status": status,
        "status_label": str(status.label),
    }


def officer_data(officer: Officer) -> dict[str, Any]:
    on = today()
    return {
        "id": officer.id,
        "agency_id": officer.agency_id,
        "unit_id": officer.unit_id,
        "is_active": officer.is_active,
        "person": {
            "id": officer.person.id,
            "name": officer.person.name,
            "phone": officer.person.phone,
            "is_synthetic": officer.person.is_synthetic,
        },
        "certificates": [
            certificate_data(certificate, today=on)
            for certificate in officer.certificates.order_by("valid_from", "id")
        ],
    }


# --- what a request names by id ---------------------------------------------------------------


def entrusting_agency(agency_id: int | None) -> Agency | None:
    if agency_id is None:
        return None
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise ValidationFailed(
            _("所选委托机关不存在。"),
            code=Code.ENTRUSTING_AGENCY_UNKNOWN,
            detail={"field": "entrusted_by_id"},
        )
    return agency


def unit_for_officer(actor: Actor, unit_id: int | None) -> Unit | None:
    if unit_id is None:
        return None
    units = units_visible_to(actor).filter(pk=unit_id)
    unit = units.first()
    if unit is None:
        raise ValidationFailed(
            _("所选内设机构不存在。"), code=Code.UNIT_UNKNOWN, detail={"field": "unit_id"}
        )
    return unit
