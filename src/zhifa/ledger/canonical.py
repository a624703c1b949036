"""Canonical JSON: the one byte form that the ledger hashes.

Rules (documented in ``docs/ledger.md``):
- UTF-8, no byte-order mark; object keys sorted by code point; no insignificant white space
  (separators ``,`` and ``:``); non-ASCII characters written as themselves, not ``\\u`` escapes.
- Values are ``null``, ``true``/``false``, integers, strings, arrays and objects only. No floats:
  ``Decimal`` is written as its string (``"2000.00"``), dates as ``YYYY-MM-DD``, instants in UTC
  as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, UUIDs as their canonical string, bytes as lower-case hex.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, cast


def normalise(value: Any) -> Any:
    """Turn ``value`` into plain JSON types following the rules above."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        raise TypeError("canonical JSON carries no floats: use Decimal")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TypeError("canonical JSON needs aware datetimes")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError("canonical JSON object keys are strings")
            out[key] = normalise(item)
        return out
    if isinstance(value, list | tuple):
        return [normalise(item) for item in value]
    raise TypeError(f"canonical JSON cannot carry {type(value).__name__}")


def dumps(value: Any) -> bytes:
    """The canonical bytes of ``value``."""
    return json.dumps(
        normalise(value),
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        allow_nan=False,
    ).encode("utf-8")


def sha256_hex(value: Any) -> str:
    return hashlib.sha256(dumps(value)).hexdigest()


encode_string = cast(Any, json.encoder).encode_basestring  # the C encoder json.dumps uses

LEAF_VERSION = 1
LEAF_TEMPLATE = (
    '{"action":%s,"actor":%s,"at":"%s","blob":%s,"id":%s,"seq":%d,"sha256":%s,"type":%s,"v":%d}'
)


def instant(value: datetime) -> str:
    """An aware instant as canonical JSON writes it: ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC."""
    if value.tzinfo is None:
        raise TypeError("canonical JSON needs aware datetimes")
    utc = value.astimezone(UTC)
    if utc.year < 1000:
        return cast(str, normalise(utc))
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def encode_leaf(
    *,
    seq: int,
    at: str,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    sha256: str,
    blob: str,
) -> bytes:
    """The canonical JSON of a ledger event, written directly (the verifier runs it once per
    event). ``at`` is already :func:`instant`; an empty ``blob`` is ``null``.

    Byte for byte the same as ``dumps({"v": 1, "seq": …, "at": …, "actor": …, "action": …,
    "type": …, "id": …, "sha256": …, "blob": … or None})`` (a property test holds it to that).
    """
    return (
        LEAF_TEMPLATE
        % (
            encode_string(action),
            encode_string(actor),
            at,
            encode_string(blob) if blob else "null",
            encode_string(object_id),
            seq,
            encode_string(sha256),
            encode_string(object_type),
            LEAF_VERSION,
        )
    ).encode("utf-8")
