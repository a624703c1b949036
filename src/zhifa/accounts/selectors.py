"""Reads of accounts, scoped to who asks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from zhifa.accounts.access import active_roles, require_admin
from zhifa.accounts.actors import Actor
from zhifa.accounts.models import RoleAssignment, SecurityEvent, User


@dataclass(frozen=True)
class AgencyRoles:
    agency_name: str
    roles: list[str]


def roles_by_agency(user: Any) -> list[AgencyRoles]:
    """The user's roles in force, grouped by agency (for the staff home page)."""
    grouped: dict[int, AgencyRoles] = {}
    assignments = active_roles(user).select_related("agency", "unit").order_by("agency_id", "id")
    for assignment in assignments:
        entry = grouped.setdefault(
            assignment.agency_id, AgencyRoles(agency_name=assignment.agency.name, roles=[])
        )
        label = str(assignment.get_role_display())
        if assignment.unit is not None:
            label = f"{label}（{assignment.unit.name}）"
        entry.roles.append(label)
    return list(grouped.values())


def security_events_for_auditor(
    actor: Actor, *, kind: str = "", username: str = ""
) -> QuerySet[SecurityEvent]:
    """The security log, newest first: for the auditor only."""
    require_admin(actor, User.AdminRole.AUDITOR)
    events = SecurityEvent.objects.select_related("user", "actor").order_by("-at", "-id")
    if kind:
        events = events.filter(kind=kind)
    if username:
        events = events.filter(username=username)
    return events


def role_assignments_for_security_admin(actor: Actor) -> QuerySet[RoleAssignment]:
    """Roles in force, for the security admin who grants and revokes them."""
    require_admin(actor, User.AdminRole.SECURITY)
    return (
        RoleAssignment.objects.filter(revoked_at__isnull=True)
        .select_related("user", "agency", "unit")
        .order_by("agency__sort_order", "agency_id", "user__username", "role")
    )
