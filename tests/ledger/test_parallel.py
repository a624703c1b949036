"""Concurrent writers still produce one gap-free order (R-34): real threads, each with its own
database connection, appending at the same time."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from zhifa.ledger import merkle
from zhifa.ledger.models import LedgerEvent, LedgerNode
from zhifa.ledger.services import checkpoint_sign, stored_root
from zhifa.ledger.verify import verify_ledger

from .conftest import government_create

WRITERS = 4
EACH = 15


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_get_one_gap_free_order__R34() -> None:
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            start.wait()
            for i in range(EACH):
                government_create(name=f"并发{number}-{i}")
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

    total = WRITERS * EACH
    assert list(LedgerEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(total)
    )
    assert LedgerNode.objects.count() == merkle.node_count(total)
    leaves = [
        bytes.fromhex(value)
        for value in LedgerEvent.objects.order_by("seq").values_list("leaf_hash", flat=True)
    ]
    assert stored_root(total) == merkle.root(leaves)
    # Each writer's own events keep the order in which it wrote them.
    for number in range(WRITERS):
        names = [f"并发{number}-{i}" for i in range(EACH)]
        ids = list(
            LedgerEvent.objects.filter(seq__gte=0)
            .order_by("seq")
            .values_list("object_id", flat=True)
        )
        from zhifa.org.models import Government

        wanted = [
            str(pk)
            for pk in Government.objects.filter(name__in=names)
            .order_by("id")
            .values_list("pk", flat=True)
        ]
        assert [pk for pk in ids if pk in set(wanted)] == wanted
    assert checkpoint_sign() is not None
    report = verify_ledger()
    assert report.problems == [] and report.events == total
