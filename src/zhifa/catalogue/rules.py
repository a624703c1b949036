"""Pure rules of the catalogue: article numbers in Chinese, discretion ranges, codes."""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils.translation import gettext as _

from zhifa.catalogue.errors import Code
from zhifa.core.errors import ValidationFailed

_DIGITS = "零一二三四五六七八九"
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_.]{0,49}$")


def chinese_number(number: int) -> str:
    """``64`` → ``六十四``, ``10`` → ``十``, ``105`` → ``一百零五`` (1 – 9999, as articles are)."""
    if not 1 <= number <= 9999:
        raise ValueError("article numbers run from 1 to 9999")
    units = [(1000, "千"), (100, "百"), (10, "十"), (1, "")]
    out = ""
    zero = False
    rest = number
    for value, name in units:
        digit, rest = divmod(rest, value)
        if digit:
            if zero:
                out += "零"
                zero = False
            out += _DIGITS[digit] + name
        elif out:
            zero = True
    if 10 <= number < 20:
        out = out.removeprefix("一")
    return out


def article_label(number: int) -> str:
    """``第六十四条``."""
    return f"第{chinese_number(number)}条"


def parse_article_number(label: str) -> int:
    """``第六十四条`` or ``64`` → 64; :class:`ValidationFailed` when it is neither."""
    text = label.strip()
    if text.isdigit():
        value = int(text)
        if 1 <= value <= 9999:
            return value
    match = re.fullmatch(r"第([零一二三四五六七八九十百千]+)条", text)
    if match:
        for number in range(1, 10000):
            if chinese_number(number) == match.group(1):
                return number
    raise ValidationFailed(
        _("条号“%(label)s”无效，应写成“第六十四条”或 64。") % {"label": label},
        code=Code.INVALID_ARTICLE_NUMBER,
        detail={"field": "number"},
    )


def check_code(code: str, *, field: str = "code") -> str:
    cleaned = code.strip()
    if not _CODE.match(cleaned):
        raise ValidationFailed(
            _("编码“%(code)s”无效：只能使用字母、数字、“-”“_”“.”，不超过50个字符。")
            % {"code": code},
            code=Code.INVALID_CODE,
            detail={"field": field},
        )
    return cleaned


def check_fine_range(fine_from: Decimal | None, fine_to: Decimal | None) -> None:
    """A discretion row's range: both ends or neither, and the lower end not above the upper."""
    if (fine_from is None) != (fine_to is None):
        raise ValidationFailed(
            _("罚款幅度须同时填写下限和上限。"),
            code=Code.FINE_RANGE_INCOMPLETE,
            detail={"field": "fine_to" if fine_to is None else "fine_from"},
        )
    if fine_from is not None and fine_to is not None and fine_from > fine_to:
        raise ValidationFailed(
            _("罚款下限（%(low)s元）高于上限（%(high)s元）。")
            % {"low": fine_from, "high": fine_to},
            code=Code.FINE_RANGE_INVERTED,
            detail={"field": "fine_from"},
        )


def check_ratio(ratio: Decimal) -> None:
    if not Decimal("0") < ratio <= Decimal("100"):
        raise ValidationFailed(
            _("抽查比例须大于0且不超过100%。"),
            code=Code.INVALID_RATIO,
            detail={"field": "ratio_percent"},
        )
