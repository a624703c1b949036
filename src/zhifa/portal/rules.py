"""Pure rules of the public portal: the status of an enforcement certificate on a day (D-3, D-10).

No database and no clock: the caller passes the day (``clock.today()`` in the views).
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

# A certificate number as it may be typed or carried in a QR code: at most this long (the column's
# length), never containing NUL (PostgreSQL rejects it in text).
CERTIFICATE_NUMBER_MAX_LENGTH = 40


class CertificateStatus(models.TextChoices):
    """What the public is told about a certificate on a given day (公示办法第十四条)."""

    VALID = "valid", _("有效")
    EXPIRED = "expired", _("已过期")
    NOT_YET_VALID = "not_yet_valid", _("尚未生效")
    REVOKED = "revoked", _("已注销")
    UNKNOWN = "unknown", _("未查到")


def certificate_status_on(
    *, valid_from: date, valid_to: date, revoked_on: date | None, day: date
) -> CertificateStatus:
    """The status of a certificate on ``day``.

    The same rule as ``org.Certificate.is_valid_on``: valid from ``valid_from`` to ``valid_to``,
    both days included; a revocation takes effect on its own date and outranks the dates.
    """
    if revoked_on is not None and revoked_on <= day:
        return CertificateStatus.REVOKED
    if day < valid_from:
        return CertificateStatus.NOT_YET_VALID
    if day > valid_to:
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID


def normalise_certificate_number(raw: str) -> str | None:
    """The number to look up, or None when it cannot be a certificate number at all.

    Surrounding blanks (also full-width ones from Chinese input methods) are dropped; a number
    that is empty, too long or contains control characters is not looked up.
    """
    number = raw.strip().strip("\u3000").strip()
    if not number or len(number) > CERTIFICATE_NUMBER_MAX_LENGTH:
        return None
    if any(ord(char) < 32 or ord(char) == 127 for char in number):
        return None
    return number


def clean_search_text(raw: str, *, max_length: int = 50) -> str:
    """Free-text search input with control characters removed and the length bounded."""
    kept = "".join(char for char in raw if ord(char) >= 32 and ord(char) != 127)
    return kept.strip()[:max_length]


def web_link(value: str) -> str | None:
    """``value`` if it is an http(s) address that may be shown as a link, otherwise None (rows
    written past form validation could hold ``javascript:`` or worse)."""
    candidate = value.strip()
    if candidate.lower().startswith(("https://", "http://")) and not any(
        ord(char) < 33 or char in "\"'<>`" for char in candidate
    ):
        return candidate
    return None
