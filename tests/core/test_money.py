"""Money: Decimal yuan to the 分, never a float; 以上/以下 include the number (requirements, L-3:
a fine of 2,000 yuan or more to a citizen is major)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhifa.core.errors import ValidationFailed
from zhifa.core.money import (
    MAX_YUAN,
    at_least,
    at_most,
    format_yuan,
    format_yuan_uppercase,
    less_than,
    more_than,
    parse_yuan,
    to_wan_yuan,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2000", Decimal("2000.00")),
        ("2,000.00", Decimal("2000.00")),
        ("2000.5", Decimal("2000.50")),
        ("2000元", Decimal("2000.00")),
        (" 2,000.00 元 ", Decimal("2000.00")),
        ("２０００", Decimal("2000.00")),
        ("0", Decimal("0.00")),
        ("-0", Decimal("0.00")),
        ("0.01", Decimal("0.01")),
        ("1,234,567.89", Decimal("1234567.89")),
        ("999999999999.99", MAX_YUAN),
        (2000, Decimal("2000.00")),
        (Decimal("200"), Decimal("200.00")),
        (Decimal("200.10"), Decimal("200.10")),
        (Decimal("200.100"), Decimal("200.10")),  # the same amount, written with a trailing zero
    ],
)
def test_parse_yuan_reads_amounts_to_the_fen(value: str | int | Decimal, expected: Decimal) -> None:
    amount = parse_yuan(value)
    assert amount == expected
    assert amount.as_tuple().exponent == -2
    assert str(amount) == str(expected)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "format"),
        ("abc", "format"),
        ("2 000", "format"),
        ("2,00", "format"),
        ("20,00.00", "format"),
        ("1e3", "format"),
        ("0.001", "precision"),
        ("2000.555", "precision"),
        (Decimal("0.005"), "precision"),
        ("-1", "negative"),
        (-1, "negative"),
        ("1000000000000", "too_large"),
        ("9" * 40, "too_large"),
        (Decimal("NaN"), "format"),
        (Decimal("Infinity"), "format"),
    ],
)
def test_parse_yuan_refuses_bad_amounts_in_chinese(value: str | int | Decimal, reason: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_yuan(value)
    assert caught.value.code == "amount_invalid"
    assert caught.value.detail == {"reason": reason}
    assert "金额" in caught.value.message


def test_negative_amounts_only_when_asked() -> None:
    assert parse_yuan("-12.50", allow_negative=True) == Decimal("-12.50")


@pytest.mark.parametrize("value", [0.1, 2000.0, True])
def test_floats_and_bools_are_never_money(value: object) -> None:
    with pytest.raises(TypeError):
        parse_yuan(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_yuan(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        at_least(value, Decimal(2000))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("2000"), "2,000.00 元"),
        (Decimal("0"), "0.00 元"),
        (Decimal("0.5"), "0.50 元"),
        (Decimal("1234567.89"), "1,234,567.89 元"),
        (Decimal("-3000"), "-3,000.00 元"),
        (200, "200.00 元"),
        (Decimal("0.005"), "0.01 元"),  # display rounds half up
    ],
)
def test_format_yuan_shows_chinese_display(amount: Decimal | int, shown: str) -> None:
    assert format_yuan(amount) == shown


@pytest.mark.parametrize(
    ("amount", "wan"),
    [("2000", "0.200000"), ("0.01", "0.000001"), ("12345678.90", "1234.567890")],
)
def test_to_wan_yuan_is_exact_for_credit_china_data(amount: str, wan: str) -> None:
    assert to_wan_yuan(parse_yuan(amount)) == Decimal(wan)
    assert str(to_wan_yuan(parse_yuan(amount))) == wan


@pytest.mark.parametrize(
    ("amount", "threshold", "yishang", "yixia", "chaoguo", "buman"),
    [
        ("1999.99", "2000", False, True, False, True),
        ("2000", "2000", True, True, False, False),  # 2000元以上 includes 2000
        ("2000.00", "2000", True, True, False, False),
        ("2000.01", "2000", True, False, True, False),
        ("200", "200", True, True, False, False),  # 200元以下 (simple procedure) includes 200
    ],
)
def test_thresholds_read_as_the_law_reads__L3(
    amount: str, threshold: str, yishang: bool, yixia: bool, chaoguo: bool, buman: bool
) -> None:
    a, t = parse_yuan(amount), parse_yuan(threshold)
    assert at_least(a, t) is yishang  # 以上
    assert at_most(a, t) is yixia  # 以下 / 以内
    assert more_than(a, t) is chaoguo  # 超过
    assert less_than(a, t) is buman  # 不满


@pytest.mark.parametrize(
    ("amount", "upper"),
    [
        # 《支付结算办法》附件一 examples:
        ("1409.50", "壹仟肆佰零玖元伍角"),
        ("6007.14", "陆仟零柒元壹角肆分"),
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
        ("325.04", "叁佰贰拾伍元零肆分"),
        ("107000.53", "壹拾万柒仟元伍角叁分"),
        # Fines as decisions write them:
        ("2000", "贰仟元整"),
        ("200", "贰佰元整"),
        ("10", "壹拾元整"),
        ("0", "零元整"),
        ("0.05", "伍分"),
        ("0.50", "伍角"),
        ("1000.07", "壹仟元零柒分"),
        ("1010", "壹仟零壹拾元整"),
        ("10010", "壹万零壹拾元整"),
        ("1000000", "壹佰万元整"),
        ("10100000", "壹仟零壹拾万元整"),
        ("100000001", "壹亿零壹元整"),
        ("100010000", "壹亿零壹万元整"),
        ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_uppercase_amounts_follow_the_payment_rules(amount: str, upper: str) -> None:
    assert format_yuan_uppercase(parse_yuan(amount)) == upper


def test_uppercase_refuses_what_it_cannot_write() -> None:
    for bad in (Decimal("-1"), Decimal("0.001"), MAX_YUAN + 1):
        with pytest.raises(ValueError):
            format_yuan_uppercase(bad)


_amounts = st.decimals(min_value=0, max_value=MAX_YUAN, places=2, allow_nan=False)


@given(amount=_amounts)
def test_format_then_parse_round_trips(amount: Decimal) -> None:
    assert parse_yuan(format_yuan(amount)) == amount
    assert parse_yuan(format_yuan(amount, unit=False)) == amount


@given(amount=_amounts)
def test_uppercase_never_has_two_zeros_in_a_row_and_ends_properly(amount: Decimal) -> None:
    text = format_yuan_uppercase(amount)
    assert "零零" not in text
    assert text.endswith(("整", "角", "分"))
    assert not text.startswith("零") or text == "零元整"
