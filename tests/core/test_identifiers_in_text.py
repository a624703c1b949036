"""Personal identifiers written into free text, found and masked for machine tokens (issue 10,
defect 9: id numbers, mobiles and bank cards in a record's notes are masked for a token without
``cases:read-personal``; dates, amounts and case numbers are not identifiers).

Luhn check digits below were computed by hand and by ``luhn_valid``: 4111111111111111 (the
well-known test card), 6228480012345671, 621483012345678902, 6222021234567890128.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhifa.core.identifiers import (
    IdentifierKind,
    find_identifiers,
    id_number_check_char,
    looks_like_id_number,
    looks_like_old_id_number,
    luhn_valid,
    mask_identifiers,
    mask_identifiers_in_text,
)

ID = IdentifierKind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # 18-digit id numbers, the check character X in either case and full width
        ("11010519491231002X", ID.ID_NUMBER),
        ("11010519491231002x", ID.ID_NUMBER),
        ("220322199001011235", ID.ID_NUMBER),
        ("２２０３２２１９９００１０１１２３５", ID.ID_NUMBER),
        ("220322199001011234", ID.ID_NUMBER),  # wrong check character: still a person's number
        ("220322190001011234", ID.ID_NUMBER),  # born 1900-01-01, the earliest
        # old 15-digit numbers (YYMMDD of the 1900s)
        ("220322900101123", ID.OLD_ID_NUMBER),
        # mobiles: 13x … 19x, +86, written 3-4-4
        ("13812345678", ID.MOBILE),
        ("19912345678", ID.MOBILE),
        ("+8613812345678", ID.MOBILE),
        ("86 13812345678", ID.MOBILE),
        ("138 1234 5678", ID.MOBILE),
        ("138-1234-5678", ID.MOBILE),
        # bank cards: 16 to 19 digits with Luhn, optionally in groups of 4
        ("4111111111111111", ID.BANK_CARD),
        ("6228480012345671", ID.BANK_CARD),
        ("621483012345678902", ID.BANK_CARD),  # 18 digits, not an id number (year 0123)
        ("6222021234567890128", ID.BANK_CARD),
        ("6222 0212 3456 7890 128", ID.BANK_CARD),
        ("6228-4800-1234-5671", ID.BANK_CARD),
    ],
)
def test_identifiers_standing_alone_are_found_by_kind(text: str, kind: IdentifierKind) -> None:
    found = find_identifiers(f"备注：{text}。")

    assert [(f.kind, f.start, f.end) for f in found] == [(kind, 3, 3 + len(text))]


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-01",  # dates
        "20261201",
        "2026年12月1日10时30分",
        "2026-12-01T10:00:00+08:00",
        "罚款5000.00元",  # amounts
        "13800000000.00",  # an amount with decimals, though its digits look like a mobile
        "12,345,678,901,234,567",
        "梨国土罚〔2026〕12号",  # case numbers
        "DSJ-2026-0001",  # a serial glued to letters
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "12812345678",  # 12x is no mobile prefix
        "4111111111111112",  # Luhn fails
        "220322000229123",  # old id of 29 February 1900, which was no leap year
        "22032219900230123X",  # 30 February
        "220322189912311234",  # born 1899
        "022032199001011235",  # region starting with 0
        "a220322199001011235",  # glued to a letter (a hex digest, a code)
        "220322199001011235b",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  # SHA-256
        "",
    ],
)
def test_dates_amounts_case_numbers_and_codes_are_not_identifiers(text: str) -> None:
    assert find_identifiers(text) == []
    assert mask_identifiers_in_text(text) == text


def test_masked_text_keeps_everything_but_the_hidden_digits() -> None:
    text = (
        "当事人张三（身份证号11010519491231002X，旧证220322900101123），"
        "电话138 1234 5678，银行卡6222 0212 3456 7890 128，罚款5000元，于2026-12-01缴纳。"
    )

    assert mask_identifiers_in_text(text) == (
        "当事人张三（身份证号110105********002X，旧证220322******123），"
        "电话138****5678，银行卡***************0128，罚款5000元，于2026-12-01缴纳。"
    )


def test_masking_walks_nested_answers_and_leaves_keys_and_numbers() -> None:
    answer = {
        "id": 13812345678,  # not a string: an id of ours, never masked
        "fields": {"13812345678": ["联系电话13812345678", {"note": "4111111111111111"}]},
        "name": "张三",
        "pair": ("220322199001011235", None, True),
    }

    assert mask_identifiers(answer) == {
        "id": 13812345678,
        "fields": {"13812345678": ["联系电话138****5678", {"note": "************1111"}]},
        "name": "张三",
        "pair": ["220322********1235", None, True],
    }


@pytest.mark.parametrize(
    ("digits", "valid"),
    [("4111111111111111", True), ("4111111111111112", False), ("0", True), ("", False)],
)
def test_luhn_check(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid
    assert luhn_valid("12a4") is False


@given(
    st.from_regex(
        r"[1-9][0-9]{5}(19[0-9]{2}|20[01][0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}",
        fullmatch=True,
    )
)
def test_every_real_id_number_is_masked_in_any_sentence__GB11643(first17: str) -> None:
    number = first17 + id_number_check_char(first17)
    assert looks_like_id_number(number)

    masked = mask_identifiers_in_text(f"号码{number}。")

    assert masked == f"号码{number[:6]}********{number[-4:]}。"


def test_old_id_dates_are_read_as_1900s() -> None:
    assert looks_like_old_id_number("220322991231123")
    assert not looks_like_old_id_number("220322991331123")
