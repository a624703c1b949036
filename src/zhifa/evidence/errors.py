"""The stable error codes of the evidence store.

Every ``DomainError`` this app raises passes one of these (``docs/api-errors.md`` lists them;
``tests/test_error_codes.py`` keeps both true)."""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    CHECKSUM_MISMATCH = "checksum_mismatch"
    CONFLICT = "conflict"
    NOT_FOUND = "not_found"
    OFFSET_MISMATCH = "offset_mismatch"
    PERMISSION_DENIED = "permission_denied"
    TOO_LARGE = "too_large"
    UNKNOWN_TYPE = "unknown_type"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    UPLOAD_GONE = "upload_gone"
    UPLOAD_LOCKED = "upload_locked"
    VALIDATION_FAILED = "validation_failed"
    BAD_HEADER = "bad_header"
    METHOD_OVERRIDE = "method_override"
