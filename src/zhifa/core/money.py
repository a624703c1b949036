"""Money: ``Decimal`` yuan with exactly two places, never a float.

- :func:`parse_yuan` reads what a person typed (``2000``, ``2,000.00``, ``2000元``) or a value from
  code (``int``, ``Decimal``); a ``float`` is refused with ``TypeError`` (it cannot hold 0.10).
- :func:`format_yuan` shows ``2,000.00 元``; :func:`format_yuan_uppercase` writes the 大写 amount
  of documents (``贰仟元整``) by the rules of 《支付结算办法》附件一.
- Thresholds read as the law reads: 以上/以下/以内 include the number (:func:`at_least`,
  :func:`at_most`); 超过/不满 do not (:func:`more_than`, :func:`less_than`).
- Models store money as ``DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=2)``.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from zhifa.core.errors import Code, ValidationFailed

CENT = Decimal("0.01")
MONEY_MAX_DIGITS = 14
MONEY_DECIMAL_PLACES = 2
MAX_YUAN = Decimal("999999999999.99")

_PLAIN = re.compile(r"-?\d+(?:\.\d+)?")
_GROUPED = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")

Amount = Decimal | int


def _refuse_float(value: object) -> None:
    if isinstance(value, float):
        raise TypeError("money is never a float: use Decimal or a string")
    if isinstance(value, bool):
        raise TypeError("a bool is not an amount of money")


def parse_yuan(value: str | int | Decimal, *, allow_negative: bool = False) -> Decimal:
    """An amount in yuan as ``Decimal`` with two places; :class:`ValidationFailed` in Chinese when
    it is not a number, has more than two decimal places (分), is negative, or is too large."""
    _refuse_float(value)
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        text = text.removesuffix("元").strip().replace("，", ",")
        if not (_PLAIN.fullmatch(text) or _GROUPED.fullmatch(text)):
            raise _invalid(
                _("金额“%(value)s”不是有效的数字，请写成 2000 或 2,000.00 这样的形式。")
                % {"value": value},
                "format",
            )
        amount = Decimal(text.replace(",", ""))
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise _invalid(_("金额必须是有限的数字。"), "format")
        amount = value
    else:
        raise TypeError(f"cannot read an amount of money from {type(value).__name__}")
    try:
        exact = amount.quantize(CENT)
    except InvalidOperation:
        raise _invalid(_("金额太大。"), "too_large") from None
    if exact != amount:
        raise _invalid(
            _("金额“%(value)s”超过两位小数：金额只计到分。") % {"value": value}, "precision"
        )
    if exact == 0:
        exact = abs(exact)  # no "-0.00"
    if exact < 0 and not allow_negative:
        raise _invalid(_("金额不能为负数。"), "negative")
    if abs(exact) > MAX_YUAN:
        raise _invalid(
            _("金额超过上限 %(max)s 元。") % {"max": format_yuan(MAX_YUAN, unit=False)},
            "too_large",
        )
    return exact


def _invalid(message: str, reason: str) -> ValidationFailed:
    return ValidationFailed(message, code=Code.AMOUNT_INVALID, detail={"reason": reason})


def _decimal(value: Amount) -> Decimal:
    _refuse_float(value)
    if isinstance(value, int):
        return Decimal(value)
    if not isinstance(value, Decimal):
        raise TypeError(f"an amount is a Decimal or an int, not {type(value).__name__}")
    return value


def format_yuan(amount: Amount, *, unit: bool = True) -> str:
    """``Decimal("2000")`` → ``2,000.00 元`` (rounded half-up to the 分 if it had more places)."""
    value = _decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    text = f"{value:,.2f}"
    return f"{text} 元" if unit else text


def to_wan_yuan(amount: Amount) -> Decimal:
    """Yuan to 万元 (the unit of 双公示 penalty data), exact: ``2000.00`` → ``0.200000``."""
    return (_decimal(amount) / Decimal(10000)).quantize(Decimal("0.000001"))


def at_least(amount: Amount, threshold: Amount) -> bool:
    """以上 (``threshold``元以上): the number itself included, ``amount ≥ threshold``."""
    return _decimal(amount) >= _decimal(threshold)


def at_most(amount: Amount, threshold: Amount) -> bool:
    """以下 / 以内: the number itself included, ``amount ≤ threshold``."""
    return _decimal(amount) <= _decimal(threshold)


def more_than(amount: Amount, threshold: Amount) -> bool:
    """超过 / 高于: the number itself excluded, ``amount > threshold``."""
    return _decimal(amount) > _decimal(threshold)


def less_than(amount: Amount, threshold: Amount) -> bool:
    """不满 / 不足 / 低于: the number itself excluded, ``amount < threshold``."""
    return _decimal(amount) < _decimal(threshold)


_UPPER_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UPPER_PLACES = ("", "拾", "佰", "仟")
_UPPER_GROUPS = ("", "万", "亿")


def _upper_group(number: int) -> str:
    """0 < number < 10000 → ``壹仟零伍`` (inner zeros written once, trailing zeros not at all)."""
    out = ""
    zero = False
    for place in (3, 2, 1, 0):
        digit = number // 10**place % 10
        if digit == 0:
            zero = zero or bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _UPPER_DIGITS[digit] + _UPPER_PLACES[place]
    return out


def format_yuan_uppercase(amount: Amount) -> str:
    """The 大写 amount: ``2000`` → ``贰仟元整``, ``1409.50`` → ``壹仟肆佰零玖元伍角``,
    ``6007.14`` → ``陆仟零柒元壹角肆分``, ``107000.53`` → ``壹拾万柒仟元伍角叁分``."""
    value = _decimal(amount)
    if value < 0:
        raise ValueError("大写 amounts are never negative")
    if value.quantize(CENT) != value:
        raise ValueError("an amount of money has at most two decimal places")
    if value > MAX_YUAN:
        raise ValueError("amount too large")
    cents = int(value * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    groups = []
    rest = yuan
    while rest:
        groups.append(rest % 10000)
        rest //= 10000
    text = ""
    pending_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            pending_zero = pending_zero or bool(text)
            continue
        if text and (pending_zero or group < 1000):
            text += "零"
        text += _upper_group(group) + _UPPER_GROUPS[index]
        pending_zero = False
    if text:
        text += "元"
    if jiao == 0 and fen == 0:
        return (text or "零元") + "整"
    if jiao:
        text += _UPPER_DIGITS[jiao] + "角"
    elif text:
        text += "零"
    if fen:
        text += _UPPER_DIGITS[fen] + "分"
    return text
