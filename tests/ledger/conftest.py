"""Fixtures of the ledger tests: a small write service on a real org table, the test vectors, and
an attacker who can drop the append-only triggers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from zhifa.ledger import dbguard, merkle
from zhifa.ledger.models import LedgerEvent, LedgerHead
from zhifa.ledger.services import leaf_data, ledger_append
from zhifa.org.models import Government

REPO_ROOT = Path(__file__).resolve().parents[2]
VECTORS = REPO_ROOT.parent / "shared" / "testdata" / "merkle"


def government_create(*, actor: str = "system", name: str, **fields: Any) -> Government:
    """A write service in the project's shape: one transaction, the write, the ledger event."""
    with transaction.atomic():
        government = Government.objects.create(name=name, level="township", **fields)
        ledger_append(actor=actor, action="org.government.create", obj=government)
    return government


def government_update(
    *, actor: str = "system", government: Government, reason: str = "更正", **changes: Any
) -> Government:
    with transaction.atomic():
        locked = Government.objects.select_for_update().get(pk=government.pk)
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(changes))
        ledger_append(actor=actor, action="org.government.update", obj=locked, reason=reason)
    return locked


def government_delete(*, actor: str = "system", government: Government, reason: str) -> None:
    """A deletion is recorded first (action ``….delete``), then the row goes."""
    with transaction.atomic():
        locked = Government.objects.select_for_update().get(pk=government.pk)
        ledger_append(actor=actor, action="org.government.delete", obj=locked, reason=reason)
        locked.delete()


def make_log(count: int, prefix: str = "乡") -> list[Government]:
    return [government_create(name=f"{prefix}{i}") for i in range(count)]


@pytest.fixture
def vectors() -> Path:
    """The shared RFC 6962 test vectors. Missing vectors fail the suite; they never skip it."""
    assert (VECTORS / "inclusion").is_dir(), f"test vectors missing: {VECTORS}/inclusion"
    assert (VECTORS / "consistency").is_dir(), f"test vectors missing: {VECTORS}/consistency"
    return VECTORS


@pytest.fixture
def attacker() -> Iterator[None]:
    """Someone with the database's password who drops the append-only triggers first (inside the
    test's transaction: the triggers come back when it rolls back)."""
    dbguard.uninstall(connection)
    yield


def raw(sql: str, params: list[Any] | None = None) -> None:
    """What an attacker does: SQL straight at the tables, past every service."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def event_count() -> int:
    return LedgerEvent.objects.count()


def rewrite_history(seq: int, actor: str) -> bytes:
    """The thorough attacker: change event ``seq``, then recompute its leaf hash, every stored
    node and the head's frontier so that the database agrees with itself. Returns the new root."""
    raw("UPDATE ledger_ledgerevent SET actor = %s WHERE seq = %s", [actor, seq])
    leaves = [merkle.leaf_hash(leaf_data(event)) for event in LedgerEvent.objects.order_by("seq")]
    raw("UPDATE ledger_ledgerevent SET leaf_hash = %s WHERE seq = %s", [leaves[seq].hex(), seq])
    raw("DELETE FROM ledger_ledgernode")
    frontier: list[bytes] = []
    for size, leaf in enumerate(leaves):
        first = merkle.node_count(size)
        frontier, completed = merkle.append_leaf(frontier, size, leaf)
        for offset, value in enumerate(completed):
            raw("INSERT INTO ledger_ledgernode (id, hash) VALUES (%s, %s)", [first + offset, value])
    LedgerHead.objects.filter(pk=1).update(frontier=b"".join(frontier))
    return merkle.frontier_root(frontier)
