"""Pure rules of the organisation domain: names, contact formats, certificate validity (O-1, D-3,
D-10).

No database, no clock: the caller passes the day. Every refusal is a
:class:`~zhifa.core.errors.ValidationFailed` with a Chinese message and the field in ``detail``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhifa.core.errors import ValidationFailed
from zhifa.core.identifiers import validate_credit_code, validate_phone
from zhifa.org.errors import Code

# Blanks that Chinese documents put inside two-character names ("郑　伟", "王  海"): ASCII spaces,
# the ideographic space U+3000, no-break spaces and tabs.
_BLANKS = re.compile(r"[\s\u3000\u00a0]+")

_POST_CODE = re.compile(r"^\d{6}$")
_DIVISION_CODE = re.compile(r"^(?:\d{6}|\d{9}|\d{12})$")

CERTIFICATE_NUMBER_MAX_LENGTH = 40

# An API token acts for its agency (any agency when it names none) with these scopes: read the
# organisation, and change what an agency head may change. It never acts as an admin.
SCOPE_READ: Final = "org:read"
SCOPE_WRITE: Final = "org:write"


class CertificateStatus(models.TextChoices):
    """What "is this a valid officer today?" answers (公示办法第七条、第十四条)."""

    VALID = "valid", gettext_lazy("有效")
    EXPIRED = "expired", gettext_lazy("已过期")
    NOT_YET_VALID = "not_yet_valid", gettext_lazy("尚未生效")
    REVOKED = "revoked", gettext_lazy("已注销")
    UNKNOWN = "unknown", gettext_lazy("未查到")


def certificate_status_on(
    *, valid_from: date, valid_to: date, revoked_on: date | None, day: date
) -> CertificateStatus:
    """The status of a certificate on ``day``: valid from ``valid_from`` to ``valid_to`` with both
    days included; a revocation takes effect on its own date and outranks the dates."""
    if revoked_on is not None and revoked_on <= day:
        return CertificateStatus.REVOKED
    if day < valid_from:
        return CertificateStatus.NOT_YET_VALID
    if day > valid_to:
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID


def normalise_person_name(raw: str) -> str:
    """A person's name without the blanks a document used to pad it: "郑  伟" is "郑伟"."""
    return _BLANKS.sub("", raw)


def normalise_text(raw: str) -> str:
    """Single-line text with surrounding blanks (also full-width ones) removed."""
    return raw.strip().strip("\u3000").strip()


def normalise_certificate_number(raw: str) -> str:
    """The stored form of a certificate number: no blanks anywhere, Latin letters in upper case."""
    return _BLANKS.sub("", raw).upper()


def require_reason(reason: str) -> str:
    """An update or deactivation must say why (“Everything is versioned: who, when and why”)."""
    cleaned = normalise_text(reason)
    if not cleaned:
        raise ValidationFailed(
            _("请填写变更原因。"), code=Code.REASON_REQUIRED, detail={"field": "reason"}
        )
    return cleaned


def require_text(value: str, *, field: str, label: str) -> str:
    cleaned = normalise_text(value)
    if not cleaned:
        raise ValidationFailed(
            _("“%(label)s”不能为空。") % {"label": label},
            code=Code.REQUIRED,
            detail={"field": field},
        )
    return cleaned


def clean_phone(value: str, *, field: str = "phone") -> str:
    """Empty, or one mainland landline (with area code) or mobile number in its normal form
    (``0434-1234567``, ``13812345678``), by :func:`zhifa.core.identifiers.validate_phone`."""
    value = normalise_text(value)
    if not value:
        return ""
    try:
        return validate_phone(value).number
    except ValidationFailed as error:
        raise _with_field(error, field, value) from None


def check_post_code(value: str, *, field: str = "post_code") -> None:
    if value and not _POST_CODE.match(value):
        raise ValidationFailed(
            _("邮政编码应为 6 位数字。"),
            code=Code.INVALID_POST_CODE,
            detail={"field": field, "value": value},
        )


def check_division_code(value: str, *, field: str = "division_code") -> None:
    if value and not _DIVISION_CODE.match(value):
        raise ValidationFailed(
            _("行政区划代码应为 6 位、9 位或 12 位数字。"),
            code=Code.INVALID_DIVISION_CODE,
            detail={"field": field, "value": value},
        )


def clean_credit_code(value: str, *, field: str = "credit_code") -> str:
    """Empty, or a unified social credit code (GB 32100-2015) in its normal form, by
    :func:`zhifa.core.identifiers.validate_credit_code`."""
    value = normalise_text(value)
    if not value:
        return ""
    try:
        return validate_credit_code(value).value
    except ValidationFailed as error:
        raise _with_field(error, field, value) from None


def _with_field(error: ValidationFailed, field: str, value: str) -> ValidationFailed:
    detail = dict(error.detail) if isinstance(error.detail, dict) else {}
    detail.update(field=field, value=value)
    return ValidationFailed(error.message, code=error.code, detail=detail)


def check_email(value: str, *, field: str = "email") -> None:
    if not value:
        return
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ValidationFailed(
            _("电子邮箱格式不正确。"), code=Code.INVALID_EMAIL, detail={"field": field}
        ) from None


def check_website(value: str, *, field: str = "website") -> None:
    if not value:
        return
    try:
        URLValidator(schemes=["http", "https"])(value)
    except DjangoValidationError:
        raise ValidationFailed(
            _("网址格式不正确，应以 http:// 或 https:// 开头。"),
            code=Code.INVALID_WEBSITE,
            detail={"field": field},
        ) from None


def check_validity(valid_from: date, valid_to: date) -> None:
    """A certificate's validity must not end before it begins (one day is allowed)."""
    if valid_to < valid_from:
        raise ValidationFailed(
            _("有效期截止日期不能早于起始日期。"),
            code=Code.INVALID_VALIDITY,
            detail={"valid_from": valid_from.isoformat(), "valid_to": valid_to.isoformat()},
        )


def check_certificate_number(number: str) -> None:
    if not number:
        raise ValidationFailed(
            _("请填写执法证件编号。"), code=Code.REQUIRED, detail={"field": "number"}
        )
    if len(number) > CERTIFICATE_NUMBER_MAX_LENGTH:
        raise ValidationFailed(
            _("执法证件编号过长（最多 %(max)d 个字符）。") % {"max": CERTIFICATE_NUMBER_MAX_LENGTH},
            code=Code.INVALID_CERTIFICATE_NUMBER,
            detail={"field": "number"},
        )
    if any(ord(char) < 32 or ord(char) == 127 for char in number):
        raise ValidationFailed(
            _("执法证件编号含有不可见字符。"),
            code=Code.INVALID_CERTIFICATE_NUMBER,
            detail={"field": "number"},
        )


def check_entrustment(
    *, is_entrusted: bool, entrusting_agency_id: int | None, agency_id: int | None
) -> None:
    """An entrusted organisation (受委托组织) must name the agency that entrusted it, and only an
    entrusted organisation names one; no agency entrusts itself."""
    if is_entrusted and entrusting_agency_id is None:
        raise ValidationFailed(
            _("受委托组织必须写明委托机关。"),
            code=Code.ENTRUSTING_AGENCY_REQUIRED,
            detail={"field": "entrusted_by"},
        )
    if not is_entrusted and entrusting_agency_id is not None:
        raise ValidationFailed(
            _("只有受委托组织才填写委托机关。"),
            code=Code.ENTRUSTING_AGENCY_NOT_ALLOWED,
            detail={"field": "entrusted_by"},
        )
    if agency_id is not None and entrusting_agency_id == agency_id:
        raise ValidationFailed(
            _("执法主体不能委托自己。"),
            code=Code.ENTRUSTING_AGENCY_IS_SELF,
            detail={"field": "entrusted_by"},
        )


def is_head_title(title: str) -> bool:
    """Does a post's title name the head of its department (所长, 站长, 主任, 负责人)?"""
    return title.endswith(("负责人", "所长", "站长", "主任"))
