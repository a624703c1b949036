"""The stable codes of the case engine's refusals (``DomainError.code``), listed in docs/api.md."""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    # a lookup by id that names nothing the actor may read
    NOT_FOUND = "not_found"
    # an id sent to start a case or to name its officers that names nothing usable
    AGENCY_UNKNOWN = "agency_unknown"
    OFFICER_UNKNOWN = "officer_unknown"
    POWER_UNKNOWN = "power_unknown"
    UNIT_UNKNOWN = "unit_unknown"
