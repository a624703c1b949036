"""The log's Ed25519 signing key: generated on first use into ``LEDGER_KEY_PATH`` (mode 0600,
PKCS#8 PEM, never committed); its name is the log's origin ``LEDGER_ORIGIN``."""

from __future__ import annotations

import contextlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from django.conf import settings

from zhifa.ledger import note


def origin() -> str:
    name = str(settings.LEDGER_ORIGIN)
    note.check_key_name(name)
    return name


def _generate(path: Path) -> None:
    """Write a new key to ``path`` unless one is there; a racing process keeps the first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )
    fd, tmp_name = tempfile.mkstemp(prefix=".ledger-key-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp_name, path)
    finally:
        os.unlink(tmp_name)


@lru_cache(maxsize=4)
def _load(path: str) -> Ed25519PrivateKey:
    key = load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 key")
    return key


def signing_key() -> Ed25519PrivateKey:
    path = Path(settings.LEDGER_KEY_PATH)
    if not path.exists():
        _generate(path)
    return _load(str(path))


def public_key() -> bytes:
    return note.public_key_bytes(signing_key().public_key())


def verifier_key() -> str:
    """The published verifier key: ``<origin>+<key ID>+<base64(0x01 ‖ public key)>``."""
    return note.verifier_key(origin(), public_key())


def verifier() -> note.Verifier:
    return note.Verifier.parse(verifier_key())
