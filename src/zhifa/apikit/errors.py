"""The stable codes of the refusals the API scaffolding itself raises (listed in docs/api.md)."""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    # The operation reached a handler without an authenticated actor (a router without auth).
    ACTOR_REQUIRED = "actor_required"
    # The operation is for signed-in staff; a machine (API token) may not call it.
    STAFF_ONLY = "staff_only"
