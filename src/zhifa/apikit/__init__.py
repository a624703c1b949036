"""The scaffolding every API router of zhifa is written with, written once.

- **Who may call**: :data:`STAFF` (a machine with a bearer token, or a signed-in staff member whose
  session is verified with the second factor and who has no forced password change pending),
  :data:`STAFF_SESSION` (staff only, no machines) and :data:`PUBLIC`. A router declares its
  authentication once, ``Router(auth=apikit.STAFF)``; an operation that differs (a public read in a
  staff router, a machine upload) says so beside its path. A session that the staff pages would
  send to the login or the password page is refused by every router with a 401.
- **Who acts**: :func:`actor_of` gives the authenticated actor of a request, :func:`staff_of` the
  signed-in user when an operation is for people only.
- **Refusals**: :class:`ErrorOut` is the one schema of ``{"code", "message", "detail"}``;
  :data:`READ_ERRORS`, :data:`WRITE_ERRORS` and :data:`PUBLIC_ERRORS` are the statuses an operation
  declares besides its success.
- **Input types**: :data:`IdPath`/:data:`Id` (a database id), :data:`Line` (one line of text) and
  :data:`Text` (several lines), bounded and without the characters no database stores; write other
  bounds as ``Annotated[str, Field(max_length=…), AfterValidator(one_line)]``.

The error schema and the text types are defined in :mod:`zhifa.core.api` (the ledger, which
imports only core, answers with the same shape) and re-exported here. The mapping of each exception
to the error shape is in :mod:`zhifa.api`, which assembles the routers; this package imports no
router.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, TypeGuard

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path
from ninja.security import SessionAuth
from pydantic import Field

from zhifa.accounts.actors import Actor
from zhifa.accounts.auth import ApiTokenAuth
from zhifa.accounts.decorators import is_verified
from zhifa.accounts.models import ApiToken, User
from zhifa.apikit.errors import Code
from zhifa.core.api import (
    MAX_TEXT,
    PUBLIC_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    Line,
    Text,
    one_line,
    several_lines,
)
from zhifa.core.db import MAX_DB_ID
from zhifa.core.errors import PermissionDenied

# --- who may call ---------------------------------------------------------------------------------


class VerifiedSessionAuth(SessionAuth):
    """A staff session: signed in with the password AND a TOTP code verified in this session, and
    no password change forced by an administrator pending — the same guard as the staff pages
    (:func:`zhifa.accounts.decorators.staff_required`). Anything less is not authenticated (401).
    Writes need the CSRF token, as for every session (ninja's :class:`SessionAuth`)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = super().authenticate(request, key)
        if not isinstance(user, User) or not is_verified(user) or user.must_change_password:
            return None
        return user


STAFF_SESSION: Final = VerifiedSessionAuth()
"""Signed-in staff only (no machines)."""

STAFF: Final = [ApiTokenAuth(), STAFF_SESSION]
"""A machine with a bearer token (its scopes are checked by the operation or the service) or
signed-in staff: the authentication of every staff router."""

PUBLIC: Final = None
"""No authentication: what the public may read."""


def staff_or_token(scope: str) -> list[Any]:
    """Staff, or a machine whose token holds ``scope`` (a token without it is refused with 401)."""
    return [ApiTokenAuth(scope=scope), STAFF_SESSION]


# --- who acts -------------------------------------------------------------------------------------


def actor_of(request: HttpRequest) -> Actor:
    """The authenticated user or token of ``request``: who a service is called for."""
    actor = getattr(request, "auth", None)
    if isinstance(actor, User | ApiToken):
        return actor
    raise PermissionDenied(_("缺少操作者：请先登录。"), code=Code.ACTOR_REQUIRED)


def is_machine(actor: Actor) -> TypeGuard[ApiToken]:
    """Is ``actor`` a machine (an API token) rather than a person?"""
    return isinstance(actor, ApiToken)


def staff_of(request: HttpRequest) -> User:
    """The signed-in staff member of ``request``; a machine is refused (403)."""
    actor = getattr(request, "auth", None)
    if not isinstance(actor, User):
        raise PermissionDenied(_("只有登录的工作人员可以办理此事项。"), code=Code.STAFF_ONLY)
    return actor


# --- input types ----------------------------------------------------------------------------------

Id = Annotated[int, Field(ge=1, le=MAX_DB_ID)]
IdPath = Annotated[int, Path(ge=1, le=MAX_DB_ID)]


__all__ = [
    "MAX_DB_ID",
    "MAX_TEXT",
    "PUBLIC",
    "PUBLIC_ERRORS",
    "READ_ERRORS",
    "STAFF",
    "STAFF_SESSION",
    "WRITE_ERRORS",
    "Code",
    "ErrorOut",
    "Id",
    "IdPath",
    "Line",
    "Text",
    "VerifiedSessionAuth",
    "actor_of",
    "is_machine",
    "one_line",
    "several_lines",
    "staff_of",
    "staff_or_token",
]
