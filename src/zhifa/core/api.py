"""What every API of zhifa shares and needs nothing but core: the error schema and the input text
types. Routers take them from :mod:`zhifa.apikit` (which adds the staff authentication and the
actor); they are defined here because the ledger's public proof API, which imports only core,
answers with the same error shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Final

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, Field

# --- refusals -------------------------------------------------------------------------------------


class ErrorOut(Schema):
    """Every refusal of the API (:meth:`zhifa.core.errors.DomainError.as_dict`): a stable code, a
    Chinese message, optional detail."""

    code: str = Field(description="稳定的错误代码，如 permission_denied")
    message: str = Field(description="中文说明")
    detail: Any = Field(default=None, description="补充信息，可为空")


ErrorList = Mapping[int, type[Schema]]

PUBLIC_ERRORS: Final[ErrorList] = {404: ErrorOut, 422: ErrorOut}
"""A public read: not found, a parameter out of bounds."""

READ_ERRORS: Final[ErrorList] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
"""A staff read: not signed in (or not verified), not allowed, not found (or not visible), a
parameter out of bounds."""

WRITE_ERRORS: Final[ErrorList] = {**READ_ERRORS, 400: ErrorOut, 409: ErrorOut}
"""A staff write: besides a read's, a body that is not JSON at all (400) and a state that forbids
the change (409)."""


# --- input text: bounded, and without characters no database stores -----------------------------

MAX_TEXT: Final = 20000


def _bad_character(char: str, *, lines: bool) -> bool:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF or code == 127:
        return True
    return code < 32 and not (lines and char in "\n\r\t")


def one_line(value: str) -> str:
    """One line: no control characters (NUL, line breaks …) and no lone surrogates."""
    if any(_bad_character(c, lines=False) for c in value):
        raise ValueError(_("含有不允许的控制字符。"))
    return value


def several_lines(value: str) -> str:
    """Several lines: line breaks and tabs allowed, other control characters not."""
    if any(_bad_character(c, lines=True) for c in value):
        raise ValueError(_("含有不允许的控制字符。"))
    return value


Line = Annotated[str, Field(max_length=200), AfterValidator(one_line)]
"""One line of text. Another bound is written the same way, the bound first (an overlong text is
refused as such before it is read through): ``Annotated[str, Field(max_length=40), AfterValidator(
one_line)]``."""
Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(several_lines)]
"""Several lines of text."""
