"""Article numbers in citations (``行政处罚法第²条`` typed into a list or the API) are read by the
one number parser (issue 10, defect 5): ``²`` was accepted by ``isdigit()`` and then raised
``ValueError`` in ``int()``; now it is a refusal like any other unreadable label."""

from __future__ import annotations

import pytest

from zhifa.catalogue.rules import parse_article_number
from zhifa.core.errors import ValidationFailed


@pytest.mark.parametrize(("label", "number"), [("64", 64), (" 7 ", 7), ("第六十四条", 64)])
def test_ascii_digits_and_chinese_numerals_are_article_numbers(label: str, number: int) -> None:
    assert parse_article_number(label) == number


@pytest.mark.parametrize("label", ["²", "¹²", "٣", "0", "10000", "99999999999999999999999", "+5"])
def test_other_digits_and_out_of_range_numbers_are_refused_not_crashed(label: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_article_number(label)
