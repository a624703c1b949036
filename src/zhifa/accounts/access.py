"""Who may do what: the few central access functions every service and selector calls.

Roles are per agency (``RoleAssignment``); the justice office's supervisor reads every agency of
its government (and those below it) but writes nothing; the three admin roles never see case
content. Which agencies a user reads or works in (``agencies_of``, ``agencies_readable_by``,
``supervised_government_ids``) walks the organisation, so it is org's: :mod:`zhifa.org.selectors`.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from zhifa.accounts.actors import Actor
from zhifa.accounts.errors import Code
from zhifa.accounts.models import ApiToken, RoleAssignment, User
from zhifa.core.errors import PermissionDenied


class AgencyRef(Protocol):
    """An agency as the role checks read it (an ``org.Agency``: org is above accounts, which
    refers to org's rows only through its foreign keys and imports no org module)."""

    @property
    def pk(self) -> Any: ...

    @property
    def name(self) -> str: ...


Role = RoleAssignment.Role
AdminRole = User.AdminRole


def active_roles(user: Any) -> QuerySet[RoleAssignment]:
    """The user's roles in force (not revoked). Empty for anonymous users, for machines (API
    tokens) and for the three admin roles, which never hold an agency role (separation of duties:
    even a row written around ``role_grant`` gives an admin nothing)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return RoleAssignment.objects.none()
    if getattr(user, "admin_role", ""):
        return RoleAssignment.objects.none()
    return RoleAssignment.objects.filter(user=user, revoked_at__isnull=True)


def has_role(user: Any, agency: AgencyRef | None, *roles: str) -> bool:
    """Does ``user`` hold one of ``roles`` in ``agency`` (any agency when ``agency`` is None)?"""
    qs = active_roles(user).filter(role__in=roles)
    if agency is not None:
        qs = qs.filter(agency_id=agency.pk)
    return qs.exists()


def is_supervisor(user: Any) -> bool:
    return active_roles(user).filter(role=Role.SUPERVISOR).exists()


def is_admin(user: Any, *admin_roles: str) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.admin_role
        and user.admin_role in admin_roles
    )


def require_role(user: Any, agency: AgencyRef, *roles: str) -> None:
    """Raise :class:`PermissionDenied` (nothing changed) unless the user holds one of ``roles``."""
    if not has_role(user, agency, *roles):
        raise PermissionDenied(
            _("您在“%(agency)s”没有执行此操作的权限。") % {"agency": agency.name},
            detail={"required_roles": list(roles)},
            code=Code.PERMISSION_DENIED,
        )


def require_admin(user: Any, *admin_roles: str) -> None:
    if not is_admin(user, *admin_roles):
        raise PermissionDenied(_("只有相应的管理员可以执行此操作。"), code=Code.PERMISSION_DENIED)


def is_token(actor: object) -> bool:
    """Is ``actor`` a machine (an :class:`ApiToken`, as ``request.auth`` of the API)?"""
    return isinstance(actor, ApiToken)


def token_has_scope(actor: Actor, scope: str, agency: AgencyRef | None = None) -> bool:
    """Does the machine ``actor`` hold ``scope`` (for ``agency`` when one is named)?

    A token bound to an agency acts for that agency only; a token without an agency (the superior
    platform) for any, but holds no content scope (``ApiToken.has_scope``). Revocation, expiry
    and the agency head's approval were checked when the request was authenticated.
    """
    if not isinstance(actor, ApiToken) or not actor.has_scope(scope):
        return False
    return agency is None or actor.agency_id is None or actor.agency_id == agency.pk


PERSONAL_DATA_SCOPE = "cases:read-personal"


def token_reads_personal_data(auth: object) -> bool:
    """May ``auth`` (``request.auth`` of the API) read id numbers, mobiles and bank cards
    unmasked? Anyone but a token; a token only with ``cases:read-personal`` (every other token's
    API answers are masked)."""
    return not isinstance(auth, ApiToken) or auth.has_scope(PERSONAL_DATA_SCOPE)


def require_scope(actor: Actor, scope: str, agency: AgencyRef | None = None) -> None:
    """Raise :class:`PermissionDenied` (nothing changed) unless the token holds ``scope``."""
    if not token_has_scope(actor, scope, agency):
        raise PermissionDenied(
            _("接口令牌没有“%(scope)s”权限。") % {"scope": scope},
            detail={"required_scope": scope},
            code=Code.PERMISSION_DENIED,
        )


__all__ = [
    "Role",
    "User",
    "active_roles",
    "has_role",
    "is_admin",
    "is_supervisor",
    "is_token",
    "require_admin",
    "require_role",
    "require_scope",
    "token_has_scope",
    "token_reads_personal_data",
]
