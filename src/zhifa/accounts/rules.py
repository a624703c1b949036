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
SCOPE_RE = re.compile(r"^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$")

# Scopes known today; others follow the same ``<area>:<verb>`` form and may be added by any app.
KNOWN_SCOPES = (
    "cases:read",
    "cases:write",
    "evidence:upload",
    "ledger:read",
    "org:read",
    "org:write",
)

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


def token_refusal(
    *,
    revoked_at: datetime | None,
    expires_at: datetime | None,
    scopes: list[str],
    required_scope: str | None,
    now: datetime,
) -> str | None:
    """Why a token with a matching secret is refused (``None``: accepted).

    The token is expired from the instant ``expires_at`` on (the boundary itself is expired).
    """
    if revoked_at is not None:
        return "revoked"
    if expires_at is not None and now >= expires_at:
        return "expired"
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
