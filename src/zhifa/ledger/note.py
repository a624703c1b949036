"""C2SP ``signed-note`` with Ed25519 and the C2SP ``tlog-checkpoint`` body. No Django: the
standalone auditor uses this module with nothing but the standard library and ``cryptography``.

- A signed note is its text (ending in a newline), a blank line, then signature lines
  ``— <key name> base64(key ID ‖ signature)``; the signature covers the text with its final newline.
- Ed25519 key ID: the first 4 bytes of ``SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key)``.
- Verifier key: ``<name>+<hex key ID>+base64(0x01 ‖ public key)``.
- A checkpoint's text: the origin, the tree size in decimal, the base64 root hash, one per line.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = 0x01
EM_DASH = "\u2014"
MAX_SIGNATURES = 100
_SIZE = re.compile(r"0|[1-9][0-9]*")


class NoteError(ValueError):
    """A malformed note or checkpoint, or a signature that does not verify."""


def check_key_name(name: str) -> None:
    if not name or any(ch.isspace() or ch == "+" for ch in name):
        raise NoteError("a key name is non-empty, without spaces or '+'")


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    """The verifier key string a log publishes: ``name+hex(key ID)+base64(0x01 ‖ key)``."""
    check_key_name(name)
    encoded = base64.b64encode(bytes([ED25519]) + public_key).decode("ascii")
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


@dataclass(frozen=True)
class Verifier:
    name: str
    key_id: bytes
    public_key: Ed25519PublicKey

    @classmethod
    def parse(cls, text: str) -> Verifier:
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteError("a verifier key has three parts separated by '+'")
        name, hex_id, encoded = parts
        check_key_name(name)
        try:
            raw = base64.b64decode(encoded, validate=True)
            wanted_id = bytes.fromhex(hex_id)
        except (binascii.Error, ValueError) as exc:
            raise NoteError("the verifier key is not well encoded") from exc
        if len(raw) != 33 or raw[0] != ED25519:
            raise NoteError("only Ed25519 verifier keys are accepted")
        if len(wanted_id) != 4 or key_id(name, raw[1:]) != wanted_id:
            raise NoteError("the verifier key's ID does not match its name and key")
        return cls(name, wanted_id, Ed25519PublicKey.from_public_bytes(raw[1:]))


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes


def sign(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """The signed note of ``text`` under ``name``."""
    check_text(text)
    check_key_name(name)
    public = public_key_bytes(private_key.public_key())
    signature = private_key.sign(text.encode("utf-8"))
    encoded = base64.b64encode(key_id(name, public) + signature).decode("ascii")
    return f"{text}\n{EM_DASH} {name} {encoded}\n"


def check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text ends with a newline")
    if any(ord(ch) < 0x20 and ch != "\n" for ch in text):
        raise NoteError("note text carries no control characters")


def parse(note: str) -> tuple[str, list[Signature]]:
    """Split a signed note into its text and its (unverified) signature lines."""
    if any(ord(ch) < 0x20 and ch != "\n" for ch in note):
        raise NoteError("a note carries no control characters")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise NoteError("a signed note is text, a blank line and signature lines")
    text, block = note[: split + 1], note[split + 2 :]
    signatures: list[Signature] = []
    for line in block[:-1].split("\n"):
        if not line.startswith(EM_DASH + " "):
            raise NoteError("a signature line starts with an em dash and a space")
        fields = line[2:].split(" ")
        if len(fields) != 2:
            raise NoteError("a signature line is the key name and the signature")
        name, encoded = fields
        check_key_name(name)
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise NoteError("the signature is not base64") from exc
        if len(raw) < 5:
            raise NoteError("the signature is too short")
        signatures.append(Signature(name, raw[:4], raw[4:]))
    if not signatures or len(signatures) > MAX_SIGNATURES:
        raise NoteError("a signed note carries 1 to 100 signatures")
    return text, signatures


def open_note(note: str, verifier: Verifier) -> str:
    """The text of ``note`` once the signature of ``verifier`` is found and verifies."""
    text, signatures = parse(note)
    for item in signatures:
        if item.name == verifier.name and item.key_id == verifier.key_id:
            try:
                verifier.public_key.verify(item.signature, text.encode("utf-8"))
            except InvalidSignature as exc:
                raise NoteError("the signature does not verify") from exc
            return text
    raise NoteError("the note carries no signature of the trusted key")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        root = base64.b64encode(self.root).decode("ascii")
        return f"{self.origin}\n{self.size}\n{root}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or any(line == "" for line in lines[:-1]):
            raise NoteError("a checkpoint is at least three non-empty lines")
        origin, size, encoded = lines[0], lines[1], lines[2]
        if not _SIZE.fullmatch(size):
            raise NoteError("the tree size is a decimal number without leading zeroes")
        try:
            root = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise NoteError("the root hash is not base64") from exc
        if len(root) != 32:
            raise NoteError("the root hash is not a SHA-256 hash")
        return cls(origin, int(size), root)


def open_checkpoint(note: str, verifier: Verifier, origin: str | None = None) -> Checkpoint:
    """Verify the signed checkpoint and return its tree head (origin checked when given)."""
    checkpoint = Checkpoint.parse(open_note(note, verifier))
    if checkpoint.origin != (origin if origin is not None else verifier.name):
        raise NoteError("the checkpoint's origin is not the log's name")
    return checkpoint
