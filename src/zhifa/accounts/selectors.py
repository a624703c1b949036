"""Reads of accounts, scoped to who asks.

The pages name the rows they are handed (``User``, ``ApiToken``, ``CredentialReset``,
``RoleAssignment``, ``SecurityEvent``) and the scope labels through this module: views and the
API import no models, and query none themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet

from zhifa.accounts.access import active_roles, require_admin
from zhifa.accounts.actors import Actor
from zhifa.accounts.models import SCOPE_LABELS as SCOPE_LABELS  # the token page's labels
from zhifa.accounts.models import (
    ApiToken,
    ApiTokenApproval,
    CredentialReset,
    RoleAssignment,
    SecurityEvent,
    User,
)
from zhifa.core import clock

# How long the notice of a sign-in after a credential reset stays on the staff home page.
RESET_NOTICE_DAYS = 30


@dataclass(frozen=True)
class AgencyRoles:
    agency_name: str
    roles: list[str]


def user_named(username: str) -> User | None:
    """The account signing in as ``username`` (the sign-in checks the rest)."""
    return User.objects.filter(username=username).first()


def active_user(user_id: int) -> User | None:
    """The active account ``user_id`` (the one who passed the password step)."""
    return User.objects.filter(pk=user_id, is_active=True).first()


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


def _headed_agency_ids(user: Any) -> QuerySet[RoleAssignment, Any]:
    """The ids of the agencies ``user`` heads (none for admins: they hold no agency role)."""
    return active_roles(user).filter(role=RoleAssignment.Role.AGENCY_HEAD).values("agency_id")


def tokens_awaiting_approval(actor: Actor) -> list[ApiToken]:
    """Tokens with content scopes, not revoked nor expired, no decision yet, of the agencies
    whose head ``actor`` is (nobody else approves them; admins head no agency)."""
    agencies = _headed_agency_ids(actor)
    now = clock.now()
    rows = (
        ApiToken.objects.filter(
            agency_id__in=agencies, revoked_at__isnull=True, approval__isnull=True
        )
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .select_related("agency", "created_by")
        .order_by("created_at", "id")
    )
    return [token for token in rows if token.needs_approval]


def token_decisions_for(actor: Actor, limit: int = 50) -> QuerySet[ApiTokenApproval]:
    """The latest decisions on the tokens of the agencies whose head ``actor`` is."""
    return (
        ApiTokenApproval.objects.filter(token__agency_id__in=_headed_agency_ids(actor))
        .select_related("token", "token__agency", "decided_by")
        .order_by("-decided_at", "-id")[:limit]
    )


def credential_resets_for_security_admin(actor: Actor) -> QuerySet[CredentialReset]:
    """Reset requests, open ones first: for the security admin who decides them."""
    require_admin(actor, User.AdminRole.SECURITY)
    return CredentialReset.objects.select_related("user", "requested_by", "decided_by").order_by(
        "-requested_at", "-id"
    )


def reset_notices_for(user: Any) -> QuerySet[SecurityEvent]:
    """Sign-ins after a credential reset of the last 30 days that ``user`` must hear of: their
    own, and those of the staff of the agencies they head (S-6)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return SecurityEvent.objects.none()
    staff = RoleAssignment.objects.filter(
        agency_id__in=_headed_agency_ids(user), revoked_at__isnull=True
    )
    since = clock.now() - timedelta(days=RESET_NOTICE_DAYS)
    return (
        SecurityEvent.objects.filter(kind=SecurityEvent.Kind.RESET_SIGN_IN, at__gte=since)
        .filter(Q(user=user) | Q(user__in=staff.values("user_id")))
        .select_related("user")
        .order_by("-at", "-id")
    )
