"""Appending: one event per write, in the write's transaction, gap-free, with its tree nodes
(R-34, O-6)."""

from __future__ import annotations

import hashlib

import pytest
from django.db import transaction

from zhifa.accounts.actors import actor_label
from zhifa.ledger import canonical, merkle
from zhifa.ledger.models import LedgerEvent, LedgerHead, LedgerNode, Version
from zhifa.ledger.services import (
    leaf_data,
    ledger_append,
    snapshot,
    split_frontier,
    stored_proof,
    stored_root,
)
from zhifa.org.models import Government

from .conftest import government_create, government_update, make_log


def test_every_write_appends_one_event_with_gap_free_sequence__R34() -> None:
    make_log(9)
    seqs = list(LedgerEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(9))
    assert Version.objects.count() == 9
    assert LedgerHead.objects.get(pk=1).size == 9


def test_event_carries_ids_and_hashes_only__R34() -> None:
    government = government_create(name="白山乡", phone="0439-1234567", address="白山路1号")
    event = LedgerEvent.objects.get(seq=0)
    data = leaf_data(event)
    assert b"0439-1234567" not in data and "白山乡".encode() not in data
    assert event.object_type == "org.government" and event.object_id == str(government.pk)
    content = Version.objects.get(event=event).content
    assert content["name"] == "白山乡"
    assert event.content_sha256 == hashlib.sha256(canonical.dumps(content)).hexdigest()
    assert event.leaf_hash == hashlib.sha256(b"\x00" + data).hexdigest()


def test_event_records_the_row_as_the_database_holds_it__R34() -> None:
    government = government_create(name="乡")
    event = LedgerEvent.objects.get(seq=0)
    reloaded = Government.objects.get(pk=government.pk)
    assert event.content_sha256 == canonical.sha256_hex(snapshot(reloaded))


def test_failed_write_leaves_no_event_and_no_node__R34() -> None:
    make_log(3)
    before = (LedgerEvent.objects.count(), LedgerNode.objects.count(), Version.objects.count())
    head_before = LedgerHead.objects.get(pk=1)
    with pytest.raises(RuntimeError), transaction.atomic():
        government = Government.objects.create(name="回滚乡", level="township")
        ledger_append(actor="system", action="org.government.create", obj=government)
        raise RuntimeError("the service fails after the append")
    after = (LedgerEvent.objects.count(), LedgerNode.objects.count(), Version.objects.count())
    assert after == before
    head_after = LedgerHead.objects.get(pk=1)
    assert (head_after.size, bytes(head_after.frontier)) == (
        head_before.size,
        bytes(head_before.frontier),
    )
    assert not Government.objects.filter(name="回滚乡").exists()
    government_create(name="下一个")
    assert list(LedgerEvent.objects.values_list("seq", flat=True).order_by("seq")) == [0, 1, 2, 3]


@pytest.mark.django_db(transaction=True)
def test_append_outside_a_transaction_is_refused__R34() -> None:
    government = Government.objects.create(name="无事务", level="township")
    with pytest.raises(RuntimeError):
        ledger_append(actor="system", action="org.government.create", obj=government)
    assert LedgerEvent.objects.count() == 0


def test_nodes_and_frontier_are_written_with_each_leaf__R34() -> None:
    make_log(11)
    leaves = [
        bytes.fromhex(h)
        for h in LedgerEvent.objects.order_by("seq").values_list("leaf_hash", flat=True)
    ]
    assert LedgerNode.objects.count() == merkle.node_count(11)
    head = LedgerHead.objects.get(pk=1)
    assert merkle.frontier_root(split_frontier(head.frontier, head.size)) == merkle.root(leaves)
    assert stored_root(11) == merkle.root(leaves)
    for size in range(1, 12):
        assert stored_root(size) == merkle.root(leaves[:size])
        for index in range(size):
            proof = stored_proof(merkle.inclusion_ranges(index, size))
            assert proof == merkle.inclusion_proof(index, leaves[:size])


def test_actor_is_recorded_by_label__O6(django_user_model: type) -> None:
    user = django_user_model.objects.create(username="officer1")
    government = government_create(actor=actor_label(user), name="乡")
    government_update(actor="token:abcd1234", government=government, phone="1", reason="补录")
    assert list(LedgerEvent.objects.order_by("seq").values_list("actor", flat=True)) == [
        f"user:{user.pk}",
        "token:abcd1234",
    ]
    assert Version.objects.get(event_id=1).reason == "补录"


def test_the_ledger_takes_only_a_label_never_an_actor_object_or_none__O6(
    django_user_model: type,
) -> None:
    user = django_user_model.objects.create(username="officer1")
    for wrong in (user, None, ""):
        with pytest.raises(TypeError), transaction.atomic():
            government = Government.objects.create(name="乡", level="township")
            ledger_append(actor=wrong, action="org.government.create", obj=government)
    assert not LedgerEvent.objects.exists()
