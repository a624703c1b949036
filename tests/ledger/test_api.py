"""The public ledger API: anonymous, read-only, and every answer checkable against the signed
checkpoint (R-34, O-6)."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from zhifa.ledger import keys, merkle, note
from zhifa.ledger.models import Checkpoint, LedgerEvent
from zhifa.ledger.services import checkpoint_sign, leaf_data

from .conftest import government_create, government_update, make_log

BASE = "/api/v1/ledger"


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


@pytest.fixture
def client() -> Client:
    return Client()


def test_checkpoint_and_key_are_plain_text_for_anyone__R34(client: Client) -> None:
    response = client.get(f"{BASE}/checkpoint")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    make_log(3)
    checkpoint = checkpoint_sign()
    assert checkpoint is not None
    response = client.get(f"{BASE}/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == checkpoint.note
    key = client.get(f"{BASE}/key")
    assert key["Content-Type"] == "text/plain; charset=utf-8"
    assert key.content.decode().strip() == keys.verifier_key()
    verifier = note.Verifier.parse(key.content.decode())
    assert note.open_checkpoint(response.content.decode(), verifier).size == 3


def test_entries_are_the_leaf_data_and_reveal_no_content__R34(client: Client) -> None:
    government = government_create(name="保密乡", phone="0439-7654321", address="秘密路")
    government_update(government=government, email="chief@example.cn")
    response = client.get(f"{BASE}/entries", {"start": 0, "end": 10})
    assert response.status_code == 200
    body = response.json()
    assert (body["start"], body["end"], body["tree_size"]) == (0, 2, 2)
    events = list(LedgerEvent.objects.order_by("seq"))
    data = [_b64(item) for item in body["entries"]]
    assert data == [leaf_data(event) for event in events]
    for item in data:
        text = item.decode()
        for secret in ("保密乡", "0439-7654321", "秘密路", "chief@example.cn"):
            assert secret not in text
        assert set(json.loads(text)) == {
            "v", "seq", "at", "actor", "action", "type", "id", "sha256", "blob"
        }  # fmt: skip


def test_entries_are_paged_at_1000__R34(client: Client) -> None:
    make_log(3)
    body = client.get(f"{BASE}/entries", {"start": 1, "end": 5000}).json()
    assert (body["start"], body["end"], len(body["entries"])) == (1, 3, 2)


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"start": 5, "end": 9}, 404),  # beyond the log
        ({"start": 2, "end": 1}, 422),  # end before start
        ({"start": -1, "end": 1}, 422),
        ({"start": 0, "end": 2**70}, 422),  # no overflow in the database
        ({"start": "x", "end": 1}, 422),
    ],
)
def test_bad_entry_ranges_are_refused__R34(
    client: Client, params: dict[str, object], status: int
) -> None:
    make_log(3)
    response = client.get(f"{BASE}/entries", params)
    assert response.status_code == status
    assert set(response.json()) == {"code", "message", "detail"}


def test_inclusion_proofs_verify_against_the_signed_root__R34(client: Client) -> None:
    make_log(7)
    checkpoint = checkpoint_sign()
    assert checkpoint is not None
    root = bytes.fromhex(checkpoint.root_hash)
    entries = client.get(f"{BASE}/entries", {"start": 0, "end": 7}).json()["entries"]
    for index in range(7):
        body = client.get(f"{BASE}/proof/inclusion", {"index": index, "size": 7}).json()
        leaf = merkle.leaf_hash(_b64(entries[index]))
        assert _b64(body["leaf_hash"]) == leaf and _b64(body["root_hash"]) == root
        merkle.verify_inclusion(index, 7, leaf, [_b64(p) for p in body["proof"]], root)


def test_consistency_proofs_verify_between_checkpoints__R34(client: Client) -> None:
    make_log(3)
    first = checkpoint_sign()
    make_log(6, prefix="后")
    second = checkpoint_sign()
    assert first is not None and second is not None
    body = client.get(f"{BASE}/proof/consistency", {"first": 3, "second": 9}).json()
    merkle.verify_consistency(
        3,
        9,
        [_b64(p) for p in body["proof"]],
        bytes.fromhex(first.root_hash),
        bytes.fromhex(second.root_hash),
    )
    same = client.get(f"{BASE}/proof/consistency", {"first": 9, "second": 9}).json()
    assert same["proof"] == [] and same["first_root"] == same["second_root"]


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("proof/inclusion", {"index": 3, "size": 3}, 422),
        ("proof/inclusion", {"index": 0, "size": 4}, 404),
        ("proof/inclusion", {"index": 0, "size": 0}, 422),
        ("proof/consistency", {"first": 3, "second": 2}, 422),
        ("proof/consistency", {"first": 0, "second": 2}, 422),
        ("proof/consistency", {"first": 1, "second": 9}, 404),
    ],
)
def test_impossible_proofs_are_refused__R34(
    client: Client, path: str, params: dict[str, int], status: int
) -> None:
    make_log(3)
    response = client.get(f"{BASE}/{path}", params)
    assert response.status_code == status
    assert response.json()["code"] in {"validation_failed", "not_found"}


def test_events_of_an_object_give_its_indexes__R34(client: Client) -> None:
    make_log(2)
    government = government_create(name="查询乡")
    government_update(government=government, phone="1")
    body = client.get(f"{BASE}/events", {"type": "org.government", "id": str(government.pk)})
    assert [item["index"] for item in body.json()] == [2, 3]
    assert [item["action"] for item in body.json()] == [
        "org.government.create",
        "org.government.update",
    ]


def test_the_api_writes_nothing__R34(client: Client) -> None:
    make_log(2)
    checkpoint_sign()
    before = (LedgerEvent.objects.count(), Checkpoint.objects.count())
    for path in ("checkpoint", "key", "entries?start=0&end=2", "proof/inclusion?index=0&size=2"):
        assert client.get(f"{BASE}/{path}").status_code == 200
        assert client.post(f"{BASE}/{path}").status_code == 405
    assert (LedgerEvent.objects.count(), Checkpoint.objects.count()) == before
