"""Identifiers of people and organisations: validation and masking for public pages.

- 居民身份证号码 (GB 11643-1999): 6-digit region, 8-digit birth date, 3-digit sequence (odd for
  men, even for women), ISO 7064 MOD 11-2 check character (``X`` for 10).
- 统一社会信用代码 (GB 32100-2015): 18 characters from ``0123456789ABCDEFGHJKLMNPQRTUWXY``
  (no I, O, Z, S, V): registration authority, organisation kind, 6-digit region, 9-character
  subject code, check character (weights 3^(i-1) mod 31, check = 31 − sum mod 31).
- Phone numbers: mainland mobile and landline with area code.

Masking for public pages: names become surname + 某, id numbers keep the first 6 and last 4
characters, mobiles the first 3 and last 4 digits. Credit codes identify organisations and are
public (双公示 publishes them): they are never masked.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhifa.core import clock
from zhifa.core.errors import Code, ValidationFailed

# --- 居民身份证号码 ------------------------------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"  # indexed by (weighted sum mod 11)
ID_EARLIEST_BIRTH = date(1900, 1, 1)
ADULT_AGE = 18


class Gender(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"

    @property
    def label(self) -> str:
        return str(_GENDER_LABELS[self])


_GENDER_LABELS = {Gender.MALE: gettext_lazy("男"), Gender.FEMALE: gettext_lazy("女")}


@dataclass(frozen=True)
class IdNumber:
    """A validated 18-character citizen id number (upper-case ``X``)."""

    value: str

    @property
    def region(self) -> str:
        return self.value[:6]

    @property
    def birth_date(self) -> date:
        return date(int(self.value[6:10]), int(self.value[10:12]), int(self.value[12:14]))

    @property
    def gender(self) -> Gender:
        return Gender.MALE if int(self.value[16]) % 2 == 1 else Gender.FEMALE

    def __str__(self) -> str:
        return self.value


def id_number_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("the check character is computed over exactly 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def validate_id_number(value: str, *, today: date | None = None) -> IdNumber:
    """Validate a 居民身份证号码; raise :class:`ValidationFailed` saying exactly what is wrong.

    Full-width digits and a lower-case ``x`` are accepted and normalised. The birth date must be a
    real date, not before 1900 and not after ``today`` (``clock.today()`` when not given); the
    region code must be 6 digits not starting with 0 (the list of regions changes and is not
    checked).
    """
    text = _normalise(value).upper()
    if len(text) == 15 and text.isdigit():
        raise _id_invalid(_("这是15位的旧身份证号码，请填写18位的居民身份证号码。"), "old_format")
    if len(text) != 18:
        raise _id_invalid(
            _("身份证号码应为18位，这里是%(length)s位。") % {"length": len(text)}, "length"
        )
    if not re.fullmatch(r"[0-9]{17}[0-9X]", text):
        raise _id_invalid(_("身份证号码前17位必须是数字，最后一位是数字或X。"), "characters")
    if text[0] == "0":
        raise _id_invalid(_("身份证号码前6位是地区码，不能以0开头。"), "region")
    digits = text[6:14]
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise _id_invalid(
            _("身份证号码第7至14位的出生日期%(digits)s不是有效日期。") % {"digits": digits},
            "birth_date",
        ) from None
    if born < ID_EARLIEST_BIRTH:
        raise _id_invalid(
            _("身份证号码中的出生日期%(born)s早于1900年，不可能有效。")
            % {"born": born.isoformat()},
            "birth_date",
        )
    if born > (today or clock.today()):
        raise _id_invalid(
            _("身份证号码中的出生日期%(born)s晚于今天。") % {"born": born.isoformat()},
            "birth_date",
        )
    expected = id_number_check_char(text[:17])
    if text[17] != expected:
        raise _id_invalid(
            _(
                "身份证号码最后一位校验码不对：按前17位应为%(expected)s，这里是%(actual)s。请核对号码。"
            )
            % {"expected": expected, "actual": text[17]},
            "check_character",
        )
    return IdNumber(text)


def _id_invalid(message: str, reason: str) -> ValidationFailed:
    return ValidationFailed(message, code=Code.ID_NUMBER_INVALID, detail={"reason": reason})


def _as_id(value: IdNumber | str) -> IdNumber:
    return value if isinstance(value, IdNumber) else validate_id_number(value)


def birth_date(id_number: IdNumber | str) -> date:
    return _as_id(id_number).birth_date


def gender(id_number: IdNumber | str) -> Gender:
    return _as_id(id_number).gender


def anniversary(born: date, years: int) -> date:
    """The ``years``-th birthday; 28 February for 29 February in a common year (民法典第二百零二条:
    no corresponding day, the month's last day)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return born.replace(year=born.year + years, day=28)


def age_on(born: date, day: date) -> int:
    """Full years of age (周岁) on ``day``.

    A year of age is complete only at the end of the birthday: "周岁…从周岁生日的第二天起算"
    (最高人民法院法释〔2006〕1号第二条; 民法典第二百零一条, 第二百零三条: the start day is not
    counted and a period's last day runs to 24:00). So on the 18th birthday a person is still 17.
    """
    if day <= born:
        return 0
    years = day.year - born.year
    while years > 0 and anniversary(born, years) >= day:
        years -= 1
    return years


def is_minor_on(id_number: IdNumber | str, day: date) -> bool:
    """Is the person under 18 (未成年人) on ``day``? True on the 18th birthday itself (see
    :func:`age_on`); adult from the day after."""
    return age_on(_as_id(id_number).birth_date, day) < ADULT_AGE


# --- 统一社会信用代码 ----------------------------------------------------------------------------

CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_VALUE = {char: index for index, char in enumerate(CREDIT_CODE_CHARS)}


@dataclass(frozen=True)
class CreditCode:
    value: str

    @property
    def registration_authority(self) -> str:
        """登记管理部门代码: 1 机构编制, 5 民政, 9 市场监管 (工商), Y 其他 …"""
        return self.value[0]

    @property
    def organisation_kind(self) -> str:
        return self.value[1]

    @property
    def region(self) -> str:
        return self.value[2:8]

    @property
    def subject_code(self) -> str:
        """主体标识码 (the former 组织机构代码)."""
        return self.value[8:17]

    def __str__(self) -> str:
        return self.value


def credit_code_check_char(first17: str) -> str:
    if len(first17) != 17 or any(char not in _CREDIT_VALUE for char in first17):
        raise ValueError("the check character is computed over 17 code characters")
    total = sum(
        _CREDIT_VALUE[char] * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> CreditCode:
    """Validate a 统一社会信用代码; raise :class:`ValidationFailed` saying exactly what is wrong.

    Full-width characters and lower case are normalised. Any character of the code set is allowed
    first (``Y`` and other letters are real registration authorities).
    """
    text = _normalise(value).upper()
    if len(text) != 18:
        raise _credit_invalid(
            _("统一社会信用代码应为18位，这里是%(length)s位。") % {"length": len(text)}, "length"
        )
    bad = [char for char in text if char not in _CREDIT_VALUE]
    if bad:
        raise _credit_invalid(
            _(
                "统一社会信用代码含有不允许的字符“%(chars)s”："
                "只能使用数字和除I、O、Z、S、V以外的大写字母。"
            )
            % {"chars": "".join(dict.fromkeys(bad))},
            "characters",
        )
    if not text[2:8].isdigit():
        raise _credit_invalid(_("统一社会信用代码第3至8位是行政区划码，必须是数字。"), "region")
    expected = credit_code_check_char(text[:17])
    if text[17] != expected:
        raise _credit_invalid(
            _("统一社会信用代码最后一位校验码不对：按前17位应为%(expected)s，这里是%(actual)s。")
            % {"expected": expected, "actual": text[17]},
            "check_character",
        )
    return CreditCode(text)


def _credit_invalid(message: str, reason: str) -> ValidationFailed:
    return ValidationFailed(message, code=Code.CREDIT_CODE_INVALID, detail={"reason": reason})


# --- phone numbers ------------------------------------------------------------------------------


class PhoneKind(enum.StrEnum):
    MOBILE = "mobile"
    LANDLINE = "landline"


@dataclass(frozen=True)
class Phone:
    """``number`` is the normal form: ``13812345678`` or ``0434-1234567`` (``-123`` extension)."""

    kind: PhoneKind
    number: str
    area_code: str = ""
    local: str = ""
    extension: str = ""

    def __str__(self) -> str:
        return self.number


_MOBILE = re.compile(r"(?:\+?86|0086)?(1[3-9]\d{9})")
_LANDLINE = re.compile(
    r"\(?(0(?:[12]\d|[3-9]\d{2}))\)?[- ]?([1-9]\d{6,7})(?:(?:-|转|ext\.?|#)(\d{1,6}))?",
    re.IGNORECASE,
)


def validate_phone(value: str) -> Phone:
    """A mainland mobile (11 digits, ``1[3-9]…``, optional ``+86``) or a landline with its area
    code (``010``/``02x`` + 8 digits, or a 4-digit code + 7–8 digits), optional extension."""
    text = _normalise(value)
    compact = re.sub(r"[\s-]", "", text)
    mobile = _MOBILE.fullmatch(compact)
    if mobile:
        return Phone(PhoneKind.MOBILE, mobile.group(1))
    landline = _LANDLINE.fullmatch(text.replace(" ", "")) or _LANDLINE.fullmatch(text)
    if landline:
        area, local, extension = landline.group(1), landline.group(2), landline.group(3) or ""
        if len(area) == 3 and len(local) != 8:
            raise ValidationFailed(
                _("区号%(area)s的电话号码应为8位，这里是%(length)s位。")
                % {"area": area, "length": len(local)},
                code=Code.PHONE_INVALID,
                detail={"reason": "local_length"},
            )
        number = f"{area}-{local}" + (f"-{extension}" if extension else "")
        return Phone(PhoneKind.LANDLINE, number, area, local, extension)
    raise ValidationFailed(
        _(
            "电话号码格式不对：手机号是以13–19开头的11位数字（如13812345678），"
            "座机请带区号（如0434-1234567，分机写在后面，如0434-1234567-123）。"
        ),
        code=Code.PHONE_INVALID,
        detail={"reason": "format"},
    )


# --- masking for public pages ---------------------------------------------------------------------

# Two-character (复姓) surnames in use today; any other name keeps its first character.
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "钟离",
        "端木",
        "澹台",
        "公冶",
        "太史",
        "申屠",
        "西门",
        "南宫",
        "第五",
        "万俟",
        "闻人",
        "赫连",
        "独孤",
        "呼延",
        "拓跋",
        "百里",
        "东郭",
        "濮阳",
        "淳于",
        "单于",
        "仲孙",
        "叔孙",
        "宰父",
        "谷梁",
        "乐正",
        "漆雕",
        "壤驷",
        "公良",
        "段干",
        "左丘",
        "巫马",
        "公西",
        "颛孙",
        "亓官",
        "司寇",
        "子车",
        "东门",
        "梁丘",
        "羊舌",
        "微生",
        "公羊",
        "鲜于",
        "闾丘",
        "司空",
        "锺离",
        "呼衍",
        "南门",
        "即墨",
        "贺兰",
        "完颜",
        "纳兰",
    ]
)
MASK = "某"


def surname_of(name: str) -> str:
    """The surname: a compound surname when the name starts with one and has a given name after
    it (``欧阳修`` → ``欧阳``; ``欧阳`` alone is 欧 + 阳), else the first character."""
    name = _normalise(name)
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    return name[:1]


def mask_name(name: str) -> str:
    """A natural person's name as published: surname + 某 (``张三`` → ``张某``, ``欧阳修`` →
    ``欧阳某``). Names with a middle dot (``买买提·艾力``) keep only their first character."""
    name = _normalise(name)
    if not name:
        return ""
    return surname_of(name) + MASK


def mask_id_number(value: str) -> str:
    """``220322199001011234`` → ``220322********1234``: the region and the last 4 characters stay,
    the birth date is hidden. Anything that is not 18 (or old 15) id characters is masked whole.
    Published decisions remove the id number altogether; this is for lists that must tell
    people apart."""
    text = _normalise(value).upper()
    if re.fullmatch(r"[0-9]{17}[0-9X]", text):
        return text[:6] + "*" * 8 + text[-4:]
    if re.fullmatch(r"[0-9]{15}", text):
        return text[:6] + "*" * 6 + text[-3:]
    return "*" * len(text)


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``; ``0434-1234567`` → ``0434-***4567`` (extension dropped).
    An unparseable number is masked whole."""
    try:
        phone = validate_phone(value)
    except ValidationFailed:
        return "*" * len(_normalise(value))
    if phone.kind is PhoneKind.MOBILE:
        return phone.number[:3] + "****" + phone.number[-4:]
    return f"{phone.area_code}-" + "*" * (len(phone.local) - 4) + phone.local[-4:]


def _normalise(value: str) -> str:
    """NFKC (full-width digits and letters to ASCII) and surrounding white space removed."""
    if not isinstance(value, str):
        raise TypeError("identifiers are strings")
    return unicodedata.normalize("NFKC", value).strip()


# --- personal identifiers inside free text (what a machine token reads) --------------------------

# Full-width digits and X count as their ASCII forms; one character for one, so that positions
# found in the translated copy are positions in the original text.
_FULL_WIDTH = str.maketrans(
    {chr(0xFF10 + digit): str(digit) for digit in range(10)} | {"Ｘ": "X", "ｘ": "x"}
)
# A number stands alone: no letter, digit or decimal point of a longer token right before or
# after it (hex digests, serial numbers such as DSJ-2026-0001, amounts such as 13800000000.00).
_BEFORE = r"(?<![0-9A-Za-z.])"
_AFTER = r"(?![0-9A-Za-z]|\.[0-9])"
_IDENTIFIER_IN_TEXT = re.compile(
    _BEFORE
    + r"(?:"
    + r"(?P<id18>[1-9][0-9]{16}[0-9Xx])"
    + r"|(?P<card>[0-9]{4}(?:[ -][0-9]{4}){3}(?:[ -]?[0-9]{1,3})?|[0-9]{16,19})"
    + r"|(?P<id15>[1-9][0-9]{14})"
    + r"|(?:\+?86[ -]?)?(?P<mobile>1[3-9][0-9](?:[0-9]{8}|[ -][0-9]{4}[ -][0-9]{4}))"
    + r")"
    + _AFTER
)


class IdentifierKind(enum.StrEnum):
    ID_NUMBER = "id_number"
    OLD_ID_NUMBER = "old_id_number"
    MOBILE = "mobile"
    BANK_CARD = "bank_card"


@dataclass(frozen=True)
class FoundIdentifier:
    """A personal identifier found in a text: its kind and where it stands (``text[start:end]``)."""

    kind: IdentifierKind
    start: int
    end: int


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def looks_like_id_number(digits: str) -> bool:
    """18 characters shaped like a 居民身份证号码: region not starting with 0, a real birth date
    from 1900 on, 17 digits and a digit or ``X`` last. The check character is not required: a
    mistyped number in a note identifies a person just the same."""
    text = digits.upper()
    if not re.fullmatch(r"[1-9][0-9]{16}[0-9X]", text):
        return False
    year, month, day = int(text[6:10]), int(text[10:12]), int(text[12:14])
    return year >= ID_EARLIEST_BIRTH.year and _real_date(year, month, day)


def looks_like_old_id_number(digits: str) -> bool:
    """15 digits shaped like the old (pre-1999) id number: region, ``YYMMDD`` of 19YY, sequence."""
    if not re.fullmatch(r"[1-9][0-9]{14}", digits):
        return False
    return _real_date(1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12]))


def luhn_valid(digits: str) -> bool:
    """The Luhn (ISO/IEC 7812) check of a bank card number's digits."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _kind_of(match: re.Match[str]) -> IdentifierKind | None:
    if match["id18"] is not None and looks_like_id_number(match["id18"]):
        return IdentifierKind.ID_NUMBER
    if match["id15"] is not None and looks_like_old_id_number(match["id15"]):
        return IdentifierKind.OLD_ID_NUMBER
    if match["mobile"] is not None:
        return IdentifierKind.MOBILE
    # An 18-digit number that is no id number may still be a card; any 16–19 digits with Luhn.
    candidate = match["card"] or match["id18"] or ""
    digits = re.sub(r"[ -]", "", candidate)
    if 16 <= len(digits) <= 19 and luhn_valid(digits):
        return IdentifierKind.BANK_CARD
    return None


def find_identifiers(text: str) -> list[FoundIdentifier]:
    """Id numbers (18 and old 15 digits), mainland mobile numbers (optionally ``+86``, optionally
    written 3-4-4) and bank card numbers (16–19 digits passing Luhn, optionally in groups of 4)
    standing alone in ``text``. Dates, amounts, case numbers and codes glued to letters are not
    identifiers; full-width digits are read as digits."""
    found: list[FoundIdentifier] = []
    for match in _IDENTIFIER_IN_TEXT.finditer(text.translate(_FULL_WIDTH)):
        kind = _kind_of(match)
        if kind is not None:
            found.append(FoundIdentifier(kind, match.start(), match.end()))
    return found


def _masked(kind: IdentifierKind, original: str) -> str:
    digits = re.sub(r"[^0-9Xx]", "", original.translate(_FULL_WIDTH))
    if kind in (IdentifierKind.ID_NUMBER, IdentifierKind.OLD_ID_NUMBER):
        return mask_id_number(digits)
    if kind is IdentifierKind.MOBILE:
        number = digits[-11:]
        return number[:3] + "****" + number[-4:]
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_identifiers_in_text(text: str) -> str:
    """``text`` with every identifier of :func:`find_identifiers` masked: id numbers keep region
    and last 4 (:func:`mask_id_number`), mobiles the first 3 and last 4 digits, cards the last 4."""
    found = find_identifiers(text)
    if not found:
        return text
    parts: list[str] = []
    position = 0
    for item in found:
        parts.append(text[position : item.start])
        parts.append(_masked(item.kind, text[item.start : item.end]))
        position = item.end
    parts.append(text[position:])
    return "".join(parts)


def mask_identifiers(value: object) -> object:
    """Every string inside ``value`` (JSON-like: dicts, lists, tuples, strings, other scalars)
    with :func:`mask_identifiers_in_text` applied; dict keys and non-strings stay as they are.
    What an API answers to a machine that may not read personal identifiers."""
    if isinstance(value, str):
        return mask_identifiers_in_text(value)
    if isinstance(value, dict):
        return {key: mask_identifiers(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_identifiers(item) for item in value]
    return value
