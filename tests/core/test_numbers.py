"""Numbers from outside are read by one function: ASCII digits within range, or a 400
(issue 10, defect 5: ``str.isdigit()`` let ``²`` through to ``int()``, which raised)."""

from __future__ import annotations

import pytest
from django.core.exceptions import BadRequest

from zhifa.core.db import MAX_DB_ID
from zhifa.core.errors import DomainError
from zhifa.core.numbers import (
    NumberInvalid,
    parse_id,
    parse_number,
    parse_optional_id,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0), ("7", 7), ("007", 7), (str(MAX_DB_ID), MAX_DB_ID), ("0" * 40 + "12", 12)],
)
def test_ascii_digits_within_range_are_read(text: str, value: int) -> None:
    assert parse_number(text, name="n") == value


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        " ",
        "²",  # isdigit() is True, int() refuses it
        "¹",
        "1²",
        "٣",  # Arabic-Indic three: int() would read it as 3
        "３",  # full-width three
        "+5",
        "-1",
        " 5",
        "5 ",
        "5_000",
        "1e3",
        "0x10",
        "1.0",
        str(MAX_DB_ID + 1),
        "99999999999999999999999",
        "9" * 5000,  # longer than int() reads by default: refused before int()
        "1\x00",
    ],
)
def test_anything_else_is_refused_with_a_400_both_as_domain_error_and_bad_request(
    text: str | None,
) -> None:
    with pytest.raises(NumberInvalid) as caught:
        parse_number(text, name="agency")
    error = caught.value
    assert isinstance(error, DomainError) and isinstance(error, BadRequest)
    assert error.status == 400 and error.code == "number_invalid"
    assert error.detail["field"] == "agency"
    assert "agency" in error.message and "整数" in error.message


@pytest.mark.parametrize(("text", "ok"), [("0", False), ("1", True), ("10", True), ("11", False)])
def test_the_range_is_inclusive(text: str, ok: bool) -> None:
    if ok:
        assert parse_number(text, name="n", low=1, high=10) == int(text)
    else:
        with pytest.raises(NumberInvalid):
            parse_number(text, name="n", low=1, high=10)


def test_an_id_starts_at_one_and_an_optional_one_may_be_absent() -> None:
    assert parse_id("1", name="id") == 1
    with pytest.raises(NumberInvalid):
        parse_id("0", name="id")
    assert parse_optional_id(None, name="id") is None
    assert parse_optional_id("", name="id") is None
    assert parse_optional_id("12", name="id") == 12
    with pytest.raises(NumberInvalid):
        parse_optional_id("²", name="id")
