"""One error hierarchy for every refusal (style.md, practice 7).

A service raises a :class:`DomainError` with a stable ``code`` and a Chinese message; the API turns
it into ``{"code", "message", "detail"}`` with the class's HTTP status, the pages show the message.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.functional import Promise


class DomainError(Exception):
    """A refusal by the domain: nothing was changed."""

    status: ClassVar[int] = 400
    default_code: ClassVar[str] = "invalid"

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str | None = None,
        detail: Any = None,
    ) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.code = code or self.default_code
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
