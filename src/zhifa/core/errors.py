"""One error hierarchy for every refusal (style.md, practice 7).

A service raises a :class:`DomainError` with a stable ``code`` and a Chinese message; the API turns
it into ``{"code", "message", "detail"}`` with the class's HTTP status, the pages show the message.
Every raise passes ``code=`` a member of its app's ``Code`` enum (``<app>/errors.py``; the kernel's
is :class:`Code` here); the codes are listed in ``docs/api-errors.md``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from django.utils.functional import Promise


class Code(StrEnum):
    """The kernel's codes: the generic ones every class defaults to, identifiers, money and the
    working-day calendar. Each app has its own ``Code`` in ``<app>/errors.py``."""

    AMOUNT_INVALID = "amount_invalid"
    CALENDAR_FILE_INVALID = "calendar_file_invalid"
    CALENDAR_YEAR_UNKNOWN = "calendar_year_unknown"
    CONFLICT = "conflict"
    CREDIT_CODE_INVALID = "credit_code_invalid"
    ID_NUMBER_INVALID = "id_number_invalid"
    INVALID = "invalid"
    INVISIBLE_CHARACTER = "invisible_character"
    NOT_FOUND = "not_found"
    NUMBER_INVALID = "number_invalid"
    PERMISSION_DENIED = "permission_denied"
    PHONE_INVALID = "phone_invalid"
    VALIDATION_FAILED = "validation_failed"


class DomainError(Exception):
    """A refusal by the domain: nothing was changed."""

    status: ClassVar[int] = 400
    default_code: ClassVar[str] = "invalid"

    def __init__(
        self,
        message: str | Promise,
        *,
        code: StrEnum | str | None = None,
        detail: Any = None,
    ) -> None:
        super().__init__(str(message))
        self.message = str(message)
        # An app's ``Code`` member (a plain string only in code whose owner has not moved to its
        # enum yet: tests/test_error_codes.py lists those apps).
        self.code = str(code) if code else self.default_code
        self.detail = detail

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "detail": self.detail}


class ValidationFailed(DomainError):
    status = 422
    default_code = "validation_failed"


class PermissionDenied(DomainError):
    status = 403
    default_code = "permission_denied"


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class Conflict(DomainError):
    status = 409
    default_code = "conflict"
