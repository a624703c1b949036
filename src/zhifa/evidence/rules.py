"""Pure rules of the evidence store: lateness (R-30), accepted types, retention. No I/O."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from zhifa.evidence.sniff import MediaType

RETENTION_PERMANENT = "permanent"


def is_late(*, captured_at: datetime, uploaded_at: datetime, late_after: timedelta) -> bool:
    """R-30: AV records are stored in the system within 24 hours. Exactly 24 hours is in time."""
    return uploaded_at - captured_at > late_after


def type_problem(
    *, sniffed: MediaType | None, claimed_kind: str, accepted: Iterable[str]
) -> str | None:
    """Why the sniffed type may not be registered under ``claimed_kind`` (a code), or ``None``."""
    if sniffed is None:
        return "unknown_type"
    if sniffed.name not in set(accepted):
        return "type_not_accepted"
    if claimed_kind and sniffed.kind != claimed_kind:
        return "kind_mismatch"
    return None


def retention_for(*, in_case_file: bool, other_days: int) -> str:
    """Evidence in a case file is kept permanently; other recordings at least ``other_days``
    (never fewer than 183 days, i.e. six months)."""
    if in_case_file:
        return RETENTION_PERMANENT
    return f"{max(other_days, 183)}d"
