"""Pure rules of accounts: token format and state, scopes, separation of admin duties.

No database, no I/O: every function here is a plain function of its arguments.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

PLAINTEXT_MARK = "zf"
TOKEN_PREFIX_HEX_LENGTH = 8
TOKEN_SECRET_HEX_LENGTH = 64
_TOKEN_RE = re.compile(
    rf"^{PLAINTEXT_MARK}_(?P<prefix>[0-9a-f]{{{TOKEN_PREFIX_HEX_LENGTH}}})"
    rf"_(?P<secret>[0-9a-f]{{{TOKEN_SECRET_HEX_LENGTH}}})$"
)
SCOPE_RE = re.compile(r"^[a-z][a-z0-9_]*:[a-z][a-z0-9_-]*$")

# Scopes that read or write case or evidence content: a token holding one must be bound to one
# agency and works only once that agency's head approved it (docs/security.md S-5).
CONTENT_SCOPES = frozenset({"cases:read", "cases:read-personal", "cases:write", "evidence:upload"})
# Public and platform scopes (organisation data, the public ledger): a token without an agency
# (the superior platform) may hold these only.
PLATFORM_SCOPES = frozenset({"ledger:read", "org:read", "org:write"})
# Every scope a token may hold; a scope outside this list is refused, not stored.
KNOWN_SCOPES = tuple(sorted(CONTENT_SCOPES | PLATFORM_SCOPES))
# How long the one-time code of an approved credential reset stays valid.
RESET_CODE_VALID_HOURS = 72
RESET_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out by phone
RESET_CODE_LENGTH = 16  # 16 × 5 bits = 80 bits

ADMIN_ROLES = ("system_admin", "security_admin", "auditor")
SUPERVISOR_ROLE = "supervisor"
JUSTICE_OFFICE_KIND = "justice_office"

# How long the password step of a login stays valid while the user types the TOTP code.
PENDING_LOGIN_SECONDS = 5 * 60


@dataclass(frozen=True)
class ParsedToken:
    prefix: str
    secret: str


def format_token(prefix: str, secret: str) -> str:
    """The plaintext a machine presents: ``zf_<prefix>_<secret>``."""
    return f"{PLAINTEXT_MARK}_{prefix}_{secret}"


def parse_token(plaintext: str) -> ParsedToken | None:
    """Split a presented token into prefix and secret; ``None`` when it is not well formed."""
    match = _TOKEN_RE.match(plaintext.strip())
    if match is None:
        return None
    return ParsedToken(prefix=match["prefix"], secret=match["secret"])


def secret_digest(secret: str) -> str:
    """What is stored of a token's secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def secret_matches(secret: str, stored_digest: str) -> bool:
    """Compare the presented secret with the stored digest in constant time."""
    return hmac.compare_digest(secret_digest(secret), stored_digest)


def is_valid_scope(scope: str) -> bool:
    return bool(SCOPE_RE.match(scope))


def content_scopes(scopes: list[str] | tuple[str, ...]) -> list[str]:
    """The scopes among ``scopes`` that read or write case or evidence content."""
    return sorted(scope for scope in scopes if scope in CONTENT_SCOPES)


def scope_problem(scopes: list[str], *, bound_to_agency: bool) -> str | None:
    """Why a token may not hold ``scopes`` (``None``: it may): ``unknown_scope`` for a scope
    outside :data:`KNOWN_SCOPES`, ``content_scope_needs_agency`` for a content scope on a token
    without an agency."""
    if any(scope not in KNOWN_SCOPES for scope in scopes):
        return "unknown_scope"
    if content_scopes(scopes) and not bound_to_agency:
        return "content_scope_needs_agency"
    return None


def token_refusal(
    *,
    revoked_at: datetime | None,
    expires_at: datetime | None,
    scopes: list[str],
    required_scope: str | None,
    now: datetime,
    approved: bool | None = None,
) -> str | None:
    """Why a token with a matching secret is refused (``None``: accepted).

    The token is expired from the instant ``expires_at`` on (the boundary itself is expired). A
    token holding a content scope authenticates nothing until its agency head approved it
    (``approved`` is the decision: ``None`` none yet, ``False`` refused).
    """
    if revoked_at is not None:
        return "revoked"
    if expires_at is not None and now >= expires_at:
        return "expired"
    if content_scopes(scopes) and approved is not True:
        return "pending" if approved is None else "refused"
    if required_scope is not None and required_scope not in scopes:
        return "scope"
    return None


def admin_may_hold_agency_role(admin_role: str) -> bool:
    """None of the three admin roles may hold an agency role at the same time."""
    return admin_role not in ADMIN_ROLES


def role_fits_agency(role: str, agency_kind: str) -> bool:
    """The supervisor role belongs to the justice office (司法所) and only there."""
    return role != SUPERVISOR_ROLE or agency_kind == JUSTICE_OFFICE_KIND


def group_secret(base32_secret: str, size: int = 4) -> str:
    """``ABCDEFGH…`` → ``ABCD EFGH …`` for typing into an authenticator app by hand."""
    return " ".join(base32_secret[i : i + size] for i in range(0, len(base32_secret), size))
