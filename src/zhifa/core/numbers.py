"""Numbers that come from outside — query strings, form fields, HTTP headers, upload metadata,
imported lists — read by one function, :func:`parse_number`.

Python's own tests are too kind for input: ``str.isdigit()`` says yes to ``²`` and ``¹``, which
``int()`` then refuses (a 500 where it was used as a guard); ``int()`` reads ``٣`` as 3 and takes
``+5``, `` 5 `` and ``5_000``; and a number too large for the database (``99999999999999999999999``)
overflows in the query. A number from outside is ASCII digits only, within the range of what it
counts, or it is refused with :class:`NumberInvalid`.

:class:`NumberInvalid` is a :class:`~zhifa.core.errors.DomainError` (the API answers it as a 400
``{"code": "number_invalid", ...}``) and a Django :class:`~django.core.exceptions.BadRequest` (a
page that lets it through answers 400 instead of 500).
"""

from __future__ import annotations

import re
from typing import ClassVar

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _

from zhifa.core.db import MAX_DB_ID
from zhifa.core.errors import Code, DomainError

# ``[0-9]``, not ``\d``: ``\d`` matches every Unicode decimal digit (``٣``, ``３``).
_ASCII_DIGITS = re.compile(r"[0-9]+")


class NumberInvalid(DomainError, BadRequest):
    """A number from outside that is not ASCII digits within its range: nothing was read."""

    status: ClassVar[int] = 400
    default_code: ClassVar[str] = "number_invalid"


def parse_number(text: str | None, *, name: str, low: int = 0, high: int = MAX_DB_ID) -> int:
    """``text`` as an int in ``[low, high]``; :class:`NumberInvalid` naming ``name`` otherwise.

    Only ASCII digits (leading zeros allowed): no sign, blank, underscore or other script's
    digits. ``low`` below 0 is not supported: a negative number from outside is refused."""
    if text is None or not _ASCII_DIGITS.fullmatch(text):
        raise _invalid(name, low, high)
    significant = text.lstrip("0") or "0"
    if len(significant) > len(str(high)):  # before int(): a 10,000-digit string is cheap to refuse
        raise _invalid(name, low, high)
    value = int(significant)
    if not low <= value <= high:
        raise _invalid(name, low, high)
    return value


def parse_id(text: str | None, *, name: str) -> int:
    """A database id (1 … :data:`MAX_DB_ID`) from outside."""
    return parse_number(text, name=name, low=1, high=MAX_DB_ID)


def parse_optional_id(text: str | None, *, name: str) -> int | None:
    """An optional id (a filter, a pre-selected row): absent or empty is ``None``, anything else
    must be an id."""
    if text is None or text == "":
        return None
    return parse_id(text, name=name)


def _invalid(name: str, low: int, high: int) -> NumberInvalid:
    return NumberInvalid(
        _("“%(name)s”须为 %(low)d 到 %(high)d 之间的整数（半角数字）。")
        % {"name": name, "low": low, "high": high},
        code=Code.NUMBER_INVALID,
        detail={"field": name, "low": low, "high": high},
    )
