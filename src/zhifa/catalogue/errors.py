"""The stable error codes of the catalogue.

Every ``DomainError`` this app raises passes one of these (``docs/api-errors.md`` lists them;
``tests/test_error_codes.py`` keeps both true)."""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    ACTOR_REQUIRED = "actor_required"
    AGENCY_INACTIVE = "agency_inactive"
    ARTICLE_EXISTS = "article_exists"
    ARTICLE_UNKNOWN = "article_unknown"
    BASIS_REQUIRED = "basis_required"
    DOCUMENT_EXISTS = "document_exists"
    FILE_TOO_LARGE = "file_too_large"
    FINE_RANGE_INCOMPLETE = "fine_range_incomplete"
    FINE_RANGE_INVERTED = "fine_range_inverted"
    IMPORT_ERRORS = "import_errors"
    INSPECTION_ITEM_EXISTS = "inspection_item_exists"
    INSPECTION_ITEM_REPEALED = "inspection_item_repealed"
    INVALID_ARTICLE_NUMBER = "invalid_article_number"
    INVALID_CHOICE = "invalid_choice"
    INVALID_CODE = "invalid_code"
    INVALID_RATIO = "invalid_ratio"
    NOT_FOUND = "not_found"
    NOT_XLSX = "not_xlsx"
    PERMISSION_DENIED = "permission_denied"
    POWER_EXISTS = "power_exists"
    POWER_REPEALED = "power_repealed"
    PROCEDURE_MISMATCH = "procedure_mismatch"
    REPEALED_BEFORE_EFFECTIVE = "repealed_before_effective"
    REQUIRED = "required"
