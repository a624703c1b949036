"""Reads of evidence, always scoped to what the actor may see.

Who reads an item: staff of its agency in the roles officer, unit head, agency head and records
keeper; the supervisor of its government (or a government above). A confidential item (R-33) is
read only by the user who uploaded it and by users holding an active :class:`EvidenceGrant`.
The case issue will narrow reading to the case's own permissions.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from zhifa.accounts.access import Role, active_roles, is_supervisor
from zhifa.accounts.actors import Actor
from zhifa.accounts.models import ApiToken
from zhifa.evidence.models import Confidentiality, Device, Evidence
from zhifa.org.models import Agency
from zhifa.org.selectors import supervised_government_ids

READER_ROLES = (Role.OFFICER, Role.UNIT_HEAD, Role.AGENCY_HEAD, Role.RECORDS_KEEPER)
# The choices the upload page offers (kind of record, confidentiality).
EVIDENCE_KINDS = Evidence.Kind.choices
CONFIDENTIALITY_LEVELS = Confidentiality.choices


def upload_agencies_of(actor: Actor) -> QuerySet[Agency]:
    """The agencies ``actor`` may upload to."""
    if isinstance(actor, ApiToken):
        if actor.agency_id is None:
            return Agency.objects.none()
        return Agency.objects.filter(pk=actor.agency_id)
    ids = active_roles(actor).filter(role__in=READER_ROLES).values("agency_id")
    return Agency.objects.filter(pk__in=ids)


def readable_agency_ids(user: Any) -> set[int]:
    ids = set(active_roles(user).filter(role__in=READER_ROLES).values_list("agency_id", flat=True))
    if is_supervisor(user):
        governments = supervised_government_ids(user)
        ids |= set(
            Agency.objects.filter(government_id__in=governments).values_list("id", flat=True)
        )
    return ids


def evidence_visible_to(user: Any) -> QuerySet[Evidence]:
    """Every evidence item ``user`` may read."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Evidence.objects.none()
    agencies = readable_agency_ids(user)
    if not agencies:
        return Evidence.objects.none()
    open_items = Q(confidentiality="")
    confidential_allowed = Q(uploaded_by=user) | Q(
        grants__user=user, grants__revoked_at__isnull=True
    )
    return (
        Evidence.objects.filter(agency_id__in=agencies)
        .filter(open_items | confidential_allowed)
        .distinct()
        .select_related("blob", "agency")
    )


def devices_of_agency(*, user: Any, agency: Agency) -> QuerySet[Device]:
    if agency.pk not in readable_agency_ids(user):
        return Device.objects.none()
    return Device.objects.filter(agency=agency).select_related("holder__person")


def devices_for_upload(actor: Actor) -> QuerySet[Device]:
    """The devices in service (not retired) of the agencies ``actor`` may upload to."""
    return Device.objects.filter(
        agency__in=upload_agencies_of(actor), retired_at__isnull=True
    ).order_by("kind", "serial")
