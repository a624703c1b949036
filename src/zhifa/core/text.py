"""Text that people type into names, ids and titles: refuse what the eye cannot see.

A right-to-left override (U+202E) makes ``张三\u202eexe.pdf`` read as something else; a zero-width
space makes two names that look the same differ, so a duplicate check or a search misses; a
control character breaks exports and the ledger's readers. :func:`require_visible` refuses them —
Unicode categories Cf (format: bidi overrides and isolates, zero-width characters, the BOM, the
soft hyphen …), Cc (controls), Cs (lone surrogates) and the line and paragraph separators (Zl,
Zp) — keeping newline, carriage return and tab where the field holds several lines.

A refusal is a :class:`~zhifa.core.errors.ValidationFailed` with code ``invisible_character``,
raised before anything is written, naming the field and the characters (as ``U+202E``).
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _

from zhifa.core.errors import Code, ValidationFailed

_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Cs", "Zl", "Zp"})
_LINE_BREAKS_AND_TAB = frozenset("\n\r\t")


def invisible_characters(value: str, *, multiline: bool = False) -> list[str]:
    """The distinct invisible characters of ``value`` as ``U+XXXX``, in order of appearance."""
    allowed = _LINE_BREAKS_AND_TAB if multiline else frozenset()
    found: list[str] = []
    for char in value:
        if char in allowed or unicodedata.category(char) not in _INVISIBLE_CATEGORIES:
            continue
        code = f"U+{ord(char):04X}"
        if code not in found:
            found.append(code)
    return found


def require_visible(
    value: str, *, label: str, field: str | None = None, multiline: bool = False
) -> str:
    """``value`` unchanged, or :class:`ValidationFailed` when it holds an invisible character
    (``detail`` names the characters, and the field when ``field`` is given)."""
    found = invisible_characters(value, multiline=multiline)
    if found:
        detail: dict[str, object] = {"characters": found}
        if field is not None:
            detail["field"] = field
        raise ValidationFailed(
            _("“%(label)s”含有不可见的控制字符（%(chars)s），请删除后重新填写。")
            % {"label": label, "chars": "、".join(found)},
            code=Code.INVISIBLE_CHARACTER,
            detail=detail,
        )
    return value
