"""The stable error codes of the public portal.

Every ``DomainError`` this app raises passes one of these (``docs/api-errors.md`` lists them;
``tests/test_error_codes.py`` keeps both true)."""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    NOT_FOUND = "not_found"
