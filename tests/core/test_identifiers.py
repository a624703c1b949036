"""Citizen id numbers (GB 11643-1999), unified social credit codes (GB 32100-2015), phone numbers,
and masking for public pages (D-13: decisions on minors are never published; law-reference:
names as surname + 某).

Check characters used below, verified by hand:

- 11010519491231002X (the example of GB 11643-1999): weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
  over 1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2 give 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167;
  167 mod 11 = 2 → "10X98765432"[2] = X.
- 220322199001011235 (梨树县): 14+18+0+15+16+8+2+9+54+0+0+9+0+5+8+8+6 = 172; 172 mod 11 = 7 → 5.
- 22032219900119123X: 14+18+0+15+16+8+2+9+54+0+0+9+10+45+8+8+6 = 222; 222 mod 11 = 2 → X.
- 91350100M000100Y43: values 9 1 3 5 0 1 0 0 M=21 0 0 0 1 0 0 Y=30 4, weights 1 3 9 27 19 26 16
  17 20 29 25 13 8 24 10 30 28: 9+3+27+135+0+26+0+0+420+0+0+0+8+0+0+900+112 = 1640;
  1640 mod 31 = 28; 31 − 28 = 3 → "3".
- Y1220322MA17XKQ5RY: Y=30 1 2 2 0 3 2 2 M=21 A=10 1 7 X=29 K=19 Q=24 5 R=25:
  30+3+18+54+0+78+32+34+420+290+25+91+232+456+240+150+700 = 2853; 2853 mod 31 = 1;
  31 − 1 = 30 → Y.
(An independent implementation with weights 2^(17−i) mod 11 and 3^i mod 31 gave the same.)
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhifa.core.errors import ValidationFailed
from zhifa.core.identifiers import (
    CREDIT_CODE_CHARS,
    Gender,
    PhoneKind,
    age_on,
    birth_date,
    credit_code_check_char,
    gender,
    id_number_check_char,
    is_minor_on,
    mask_id_number,
    mask_name,
    mask_phone,
    surname_of,
    validate_credit_code,
    validate_id_number,
    validate_phone,
)

TODAY = date(2026, 11, 27)

# --- 居民身份证号码 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "normal", "born", "sex"),
    [
        ("11010519491231002X", "11010519491231002X", date(1949, 12, 31), Gender.FEMALE),
        ("11010519491231002x", "11010519491231002X", date(1949, 12, 31), Gender.FEMALE),
        (" 220322199001011235 ", "220322199001011235", date(1990, 1, 1), Gender.MALE),
        (
            "２２０３２２１９９００１１９１２３Ｘ",
            "22032219900119123X",
            date(1990, 1, 19),
            Gender.MALE,
        ),
        ("220322200810011249", "220322200810011249", date(2008, 10, 1), Gender.FEMALE),
    ],
)
def test_valid_id_numbers_are_accepted_and_normalised__GB11643(
    value: str, normal: str, born: date, sex: Gender
) -> None:
    id_number = validate_id_number(value, today=TODAY)
    assert id_number.value == normal
    assert (birth_date(id_number), gender(id_number)) == (born, sex)
    assert id_number.region == normal[:6]


@pytest.mark.parametrize(
    ("value", "reason", "message"),
    [
        ("", "length", "应为18位，这里是0位"),
        ("11010519491231002", "length", "应为18位，这里是17位"),
        ("11010519491231002X1", "length", "这里是19位"),
        ("110105491231002", "old_format", "15位的旧身份证号码"),
        ("1101051949123100X2", "characters", "前17位必须是数字"),
        ("11010519491231002Y", "characters", "最后一位是数字或X"),
        ("010105194912310028", "region", "不能以0开头"),
        ("110105194902300026", "birth_date", "19490230不是有效日期"),
        ("110105194913310023", "birth_date", "19491331不是有效日期"),
        ("440524188001010014", "birth_date", "早于1900年"),  # GB 11643's own 1880 example
        ("110105202611280028", "birth_date", "晚于今天"),
        ("110105194912310021", "check_character", "应为X，这里是1"),
        ("220322199001011234", "check_character", "应为5，这里是4"),
    ],
)
def test_invalid_id_numbers_say_exactly_what_is_wrong__GB11643(
    value: str, reason: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_id_number(value, today=TODAY)
    assert caught.value.code == "id_number_invalid"
    assert caught.value.detail == {"reason": reason}
    assert message in caught.value.message


def test_birth_date_today_is_accepted_tomorrow_is_not__GB11643() -> None:
    first17 = "11010520261127002"
    value = first17 + id_number_check_char(first17)
    assert validate_id_number(value, today=date(2026, 11, 27)).birth_date == date(2026, 11, 27)
    with pytest.raises(ValidationFailed):
        validate_id_number(value, today=date(2026, 11, 26))


@pytest.mark.parametrize(
    ("day", "minor", "age"),
    [
        (date(2026, 9, 30), True, 17),
        # On the 18th birthday itself still 17 (周岁 from the day after the birthday,
        # 法释〔2006〕1号第二条; 民法典第二百零一条: the start day is not counted).
        (date(2026, 10, 1), True, 17),
        (date(2026, 10, 2), False, 18),
        (date(2030, 1, 1), False, 21),
        (date(2008, 10, 1), True, 0),
    ],
)
def test_minor_until_the_day_after_the_18th_birthday__D13(day: date, minor: bool, age: int) -> None:
    person = "220322200810011249"  # born 2008-10-01
    assert is_minor_on(person, day) is minor
    assert age_on(date(2008, 10, 1), day) == age


def test_born_on_29_february_comes_of_age_after_28_february__D13() -> None:
    person = "220322200802291236"  # born 2008-02-29; 2026 has no 29 February
    assert is_minor_on(person, date(2026, 2, 28)) is True
    assert is_minor_on(person, date(2026, 3, 1)) is False
    assert age_on(date(2008, 2, 29), date(2012, 2, 29)) == 3
    assert age_on(date(2008, 2, 29), date(2012, 3, 1)) == 4


def test_is_minor_validates_a_string_id__D13() -> None:
    with pytest.raises(ValidationFailed):
        is_minor_on("220322200810011240", date(2026, 1, 1))


def _first17() -> st.SearchStrategy[str]:
    regions = st.from_regex(r"[1-9][0-9]{5}", fullmatch=True)
    births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
    sequences = st.from_regex(r"[0-9]{3}", fullmatch=True)
    return st.builds(lambda r, b, s: r + b.strftime("%Y%m%d") + s, regions, births, sequences)


@given(first17=_first17())
def test_every_generated_id_with_its_check_character_is_accepted__GB11643(first17: str) -> None:
    assert validate_id_number(first17 + id_number_check_char(first17), today=TODAY).value


@given(first17=_first17(), wrong=st.sampled_from("0123456789X"))
def test_every_generated_id_with_a_wrong_check_character_is_rejected__GB11643(
    first17: str, wrong: str
) -> None:
    if wrong == id_number_check_char(first17):
        return
    with pytest.raises(ValidationFailed) as caught:
        validate_id_number(first17 + wrong, today=TODAY)
    assert caught.value.detail == {"reason": "check_character"}


@given(first17=_first17(), position=st.integers(0, 16), digit=st.integers(0, 9))
def test_any_single_digit_error_changes_the_check_character__GB11643(
    first17: str, position: int, digit: int
) -> None:
    changed = first17[:position] + str(digit) + first17[position + 1 :]
    if changed != first17:
        assert id_number_check_char(changed) != id_number_check_char(first17)


# --- 统一社会信用代码 ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "91350100M000100Y43",
        "91350100m000100y43",  # lower case is normalised
        "Y1220322MA17XKQ5RY",  # registration authority Y (其他): a letter first is valid
    ],
)
def test_valid_credit_codes_are_accepted__GB32100(value: str) -> None:
    code = validate_credit_code(value)
    assert code.value == value.upper()
    assert len(code.subject_code) == 9


def test_credit_code_parts__GB32100() -> None:
    code = validate_credit_code("Y1220322MA17XKQ5RY")
    assert (code.registration_authority, code.organisation_kind, code.region) == (
        "Y",
        "1",
        "220322",
    )
    assert code.subject_code == "MA17XKQ5R"


@pytest.mark.parametrize(
    ("value", "reason", "message"),
    [
        ("91350100M000100Y4", "length", "应为18位，这里是17位"),
        ("91350100M000100Y433", "length", "这里是19位"),
        ("91350100M000100I43", "characters", "“I”"),
        ("91350100O000100Y43", "characters", "“O”"),
        ("9135010SZ000100V43", "characters", "“SZV”"),
        ("913501A0M000100Y43", "region", "行政区划码"),
        ("91350100M000100Y44", "check_character", "应为3，这里是4"),
        ("Y1220322MA17XKQ5R0", "check_character", "应为Y，这里是0"),
    ],
)
def test_invalid_credit_codes_say_exactly_what_is_wrong__GB32100(
    value: str, reason: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_credit_code(value)
    assert caught.value.code == "credit_code_invalid"
    assert caught.value.detail == {"reason": reason}
    assert message in caught.value.message


_code_char = st.sampled_from(CREDIT_CODE_CHARS)
_credit17 = st.builds(
    lambda a, b, region, body: a + b + region + "".join(body),
    _code_char,
    _code_char,
    st.from_regex(r"[0-9]{6}", fullmatch=True),
    st.lists(_code_char, min_size=9, max_size=9),
)


@given(first17=_credit17, wrong=_code_char)
def test_generated_credit_codes_pass_only_with_their_own_check__GB32100(
    first17: str, wrong: str
) -> None:
    right = credit_code_check_char(first17)
    assert validate_credit_code(first17 + right).value == first17 + right
    if wrong != right:
        with pytest.raises(ValidationFailed):
            validate_credit_code(first17 + wrong)


@given(first17=_credit17, position=st.integers(0, 16), char=_code_char)
def test_any_single_character_error_changes_the_credit_check__GB32100(
    first17: str, position: int, char: str
) -> None:
    changed = first17[:position] + char + first17[position + 1 :]
    if changed != first17:
        assert credit_code_check_char(changed) != credit_code_check_char(first17)


# --- phone numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "number"),
    [
        ("13812345678", PhoneKind.MOBILE, "13812345678"),
        ("+86 138 1234 5678", PhoneKind.MOBILE, "13812345678"),
        ("138-1234-5678", PhoneKind.MOBILE, "13812345678"),
        ("19912345678", PhoneKind.MOBILE, "19912345678"),
        ("0434-1234567", PhoneKind.LANDLINE, "0434-1234567"),
        ("0434-12345678", PhoneKind.LANDLINE, "0434-12345678"),
        ("(0434)5234567", PhoneKind.LANDLINE, "0434-5234567"),
        ("04345234567", PhoneKind.LANDLINE, "0434-5234567"),
        ("010-62345678", PhoneKind.LANDLINE, "010-62345678"),
        ("0434-1234567-801", PhoneKind.LANDLINE, "0434-1234567-801"),
        ("0434-1234567转801", PhoneKind.LANDLINE, "0434-1234567-801"),
        ("０４３４－１２３４５６７", PhoneKind.LANDLINE, "0434-1234567"),
    ],
)
def test_valid_phone_numbers(value: str, kind: PhoneKind, number: str) -> None:
    phone = validate_phone(value)
    assert (phone.kind, phone.number) == (kind, number)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "12812345678",  # 1 then 2: no such mobile prefix
        "23812345678",
        "0434-123456",  # 6-digit local number
        "0434-123456789",  # 9-digit local number
        "434-1234567",  # area code without 0
        "0434-0234567",  # local number starting with 0
        "0434-1234567-1234567",  # extension too long
        "电话13812345678",
    ],
)
def test_invalid_phone_numbers_are_refused(value: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_phone(value)
    assert caught.value.code == "phone_invalid"


def test_big_city_area_code_needs_eight_digits() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_phone("010-6234567")
    assert "应为8位" in caught.value.message


# --- masking for public pages -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张某"),
        ("张三丰", "张某"),
        ("王", "王某"),
        ("欧阳修", "欧阳某"),
        ("欧阳娜娜", "欧阳某"),
        ("司马相如", "司马某"),
        ("诸葛亮", "诸葛某"),
        ("上官婉儿", "上官某"),
        ("欧阳", "欧某"),  # two characters: surname 欧, given name 阳
        (" 李四 ", "李某"),
        ("买买提·艾力", "买某"),
        ("", ""),
    ],
)
def test_names_are_published_as_surname_and_mou__D12(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_surname_of_compound_and_single() -> None:
    assert surname_of("端木蕻良") == "端木"
    assert surname_of("单雄信") == "单"  # 单 alone is a single surname
    assert surname_of("单于") == "单"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("22032219900119123X", "220322********123X"),
        ("22032219900119123x", "220322********123X"),
        ("220322900119123", "220322******123"),
        ("12345", "*****"),
        ("", ""),
    ],
)
def test_id_numbers_keep_region_and_last_four__D12(value: str, masked: str) -> None:
    assert mask_id_number(value) == masked
    assert "19900119" not in mask_id_number(value)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("0434-1234567", "0434-***4567"),
        ("0434-12345678-801", "0434-****5678"),
        ("not a phone", "***********"),
    ],
)
def test_phone_numbers_are_masked__D12(value: str, masked: str) -> None:
    assert mask_phone(value) == masked
