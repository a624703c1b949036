"""The stable error codes of loading the working-day calendar.

Every ``DomainError`` this app raises passes one of these (``docs/api-errors.md`` lists them;
``tests/test_error_codes.py`` keeps both true)."""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    CALENDAR_YEAR_EXISTS = "calendar_year_exists"
