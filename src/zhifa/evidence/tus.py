"""tus 1.0.0 header handling (core + creation + checksum + expiration): pure functions.

The protocol: https://tus.io/protocols/resumable-upload (version 1.0.0). Headers are parsed here,
the upload itself is done by ``evidence.services``; ``evidence.api`` wires the two.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from email.utils import format_datetime

from zhifa.core.numbers import NumberInvalid, parse_number

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,checksum,expiration"
CHECKSUM_ALGORITHMS = "sha1,sha256"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
_DIGEST_SIZES = {"sha1": 20, "sha256": 32}


class HeaderError(ValueError):
    """A tus header is missing or malformed (400)."""


def parse_metadata(value: str) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64value`` pairs (value may be absent)."""
    result: dict[str, str] = {}
    for pair in value.split(","):
        pair = pair.strip()
        if not pair:
            continue
        parts = pair.split(" ")
        key = parts[0]
        if not key or len(parts) > 2 or key in result:
            raise HeaderError("Upload-Metadata")
        raw = parts[1] if len(parts) == 2 else ""
        try:
            result[key] = base64.b64decode(raw, validate=True).decode("utf-8")
        except ValueError:  # binascii.Error, UnicodeDecodeError, and a non-ASCII value ("²")
            raise HeaderError("Upload-Metadata") from None
    return result


def encode_metadata(values: dict[str, str]) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode('utf-8')).decode('ascii')}"
        for key, value in values.items()
    )


def parse_non_negative(value: str | None, name: str) -> int:
    """A length or offset header: ASCII digits within the database's range
    (:func:`zhifa.core.numbers.parse_number`); ``²`` or a 30-digit number is a malformed header."""
    try:
        return parse_number(value, name=name)
    except NumberInvalid:
        raise HeaderError(name) from None


def parse_checksum(value: str | None) -> tuple[str, bytes] | None:
    """``Upload-Checksum: <algorithm> <base64 digest>``; ``None`` when absent.
    Raises :class:`HeaderError` for an unsupported algorithm or a malformed digest."""
    if value is None or value == "":
        return None
    parts = value.strip().split(" ")
    if len(parts) != 2 or parts[0] not in _DIGEST_SIZES:
        raise HeaderError("Upload-Checksum")
    try:
        digest = base64.b64decode(parts[1], validate=True)
    except ValueError:  # binascii.Error, and a non-ASCII value ("²")
        raise HeaderError("Upload-Checksum") from None
    if len(digest) != _DIGEST_SIZES[parts[0]]:
        raise HeaderError("Upload-Checksum")
    return parts[0], digest


def http_date(moment: datetime) -> str:
    """RFC 7231 date for ``Upload-Expires``."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)
