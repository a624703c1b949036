"""C2SP signed-note (Ed25519) and tlog-checkpoint, and the canonical leaf encoding (R-34)."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from zhifa.ledger import canonical, note

# The reference vector of golang.org/x/mod/sumdb/note (the note format C2SP specifies).
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SIGNER_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvq"
    "fqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_go_reference_note_verifies_and_signing_reproduces_it__R34() -> None:
    verifier = note.Verifier.parse(GO_VERIFIER)
    assert note.open_note(GO_NOTE, verifier) == GO_TEXT
    key = Ed25519PrivateKey.from_private_bytes(GO_SIGNER_SEED)
    assert note.sign(GO_TEXT, "PeterNeumann", key) == GO_NOTE
    assert note.verifier_key("PeterNeumann", note.public_key_bytes(key.public_key())) == GO_VERIFIER


def test_key_id_is_first_four_bytes_of_sha256_of_name_newline_type_key__R34() -> None:
    key = Ed25519PrivateKey.from_private_bytes(GO_SIGNER_SEED)
    public = note.public_key_bytes(key.public_key())
    expected = hashlib.sha256(b"PeterNeumann\n\x01" + public).digest()[:4]
    assert note.key_id("PeterNeumann", public) == expected == bytes.fromhex("c74f20a3")


@pytest.mark.parametrize(
    "tampered",
    [
        GO_NOTE.replace("cryptography", "cryptograph"),  # text changed
        GO_NOTE.replace("x08go", "x08gp"),  # signature changed
        GO_NOTE.replace("— PeterNeumann", "— PeterNeuman"),  # unknown signer only
        GO_NOTE.replace("\n\n—", "\n—"),  # no blank line
        GO_NOTE.replace("—", "--"),  # not an em dash
    ],
)
def test_altered_note_is_rejected__R34(tampered: str) -> None:
    with pytest.raises(note.NoteError):
        note.open_note(tampered, note.Verifier.parse(GO_VERIFIER))


@pytest.mark.parametrize(
    "bad_key",
    [
        GO_VERIFIER.replace("c74f20a3", "c74f20a4"),  # wrong key ID
        GO_VERIFIER + "AAAA",  # not 0x01 and a 32-byte key
        "PeterNeumann+c74f20a3",  # missing part
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # space in name
    ],
)
def test_malformed_verifier_keys_are_rejected__R34(bad_key: str) -> None:
    with pytest.raises(note.NoteError):
        note.Verifier.parse(bad_key)


def test_checkpoint_text_round_trips_and_is_strict__R34() -> None:
    head = note.Checkpoint("example.com/log", 20852163, bytes(range(32)))
    text = head.text()
    assert text == f"example.com/log\n20852163\n{base64.b64encode(bytes(range(32))).decode()}\n"
    assert note.Checkpoint.parse(text) == head
    for bad in (
        "example.com/log\n020\n" + text.split("\n")[2] + "\n",  # leading zero
        "example.com/log\n20\n" + base64.b64encode(b"short").decode() + "\n",  # not 32 bytes
        "example.com/log\n20\n",  # two lines
        "example.com/log\n20\n" + text.split("\n")[2] + "\n\n",  # empty extension line
    ):
        with pytest.raises(note.NoteError):
            note.Checkpoint.parse(bad)


def test_checkpoint_of_another_origin_is_rejected__R34() -> None:
    key = Ed25519PrivateKey.generate()
    name = "zhifa.example/ledger"
    verifier = note.Verifier.parse(note.verifier_key(name, note.public_key_bytes(key.public_key())))
    body = note.Checkpoint("other.example/ledger", 3, b"\x00" * 32).text()
    signed = note.sign(body, name, key)
    with pytest.raises(note.NoteError):
        note.open_checkpoint(signed, verifier)
    good = note.sign(note.Checkpoint(name, 3, b"\x00" * 32).text(), name, key)
    assert note.open_checkpoint(good, verifier).size == 3


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=300, deadline=None)
@given(
    seq=st.integers(0, 2**62),
    at=st.datetimes(
        min_value=datetime(1000, 1, 1), max_value=datetime(9998, 12, 31), timezones=st.just(UTC)
    ),
    offset=st.integers(-14 * 60, 14 * 60),
    actor=texts,
    action=texts,
    object_type=texts,
    object_id=texts,
    sha256=texts,
    blob=texts,
)
def test_fast_leaf_encoding_is_the_documented_canonical_json__R34(
    seq: int,
    at: datetime,
    offset: int,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    sha256: str,
    blob: str,
) -> None:
    local = at.astimezone(timezone(timedelta(minutes=offset)))
    expected = canonical.dumps(
        {
            "v": 1,
            "seq": seq,
            "at": local,
            "actor": actor,
            "action": action,
            "type": object_type,
            "id": object_id,
            "sha256": sha256,
            "blob": blob or None,
        }
    )
    fast = canonical.encode_leaf(
        seq=seq,
        at=canonical.instant(local),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        sha256=sha256,
        blob=blob,
    )
    assert fast == expected
