"""The database itself refuses to alter the ledger (记录办法 第三十八条; R-34)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from zhifa.ledger import dbguard
from zhifa.ledger.models import Checkpoint, LedgerEvent, LedgerHead, LedgerNode, Version
from zhifa.ledger.services import checkpoint_sign

from .conftest import make_log


def _raw(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _refused(action: object) -> None:
    with pytest.raises(IntegrityError, match="zhifa ledger"), transaction.atomic():
        action()  # type: ignore[operator]


def test_migrations_install_the_triggers__R34() -> None:
    assert dbguard.installed(connection) >= 9


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (LedgerEvent, "actor", "user:999"),
        (Version, "reason", "改写"),
        (LedgerNode, "hash", b"\x00" * 32),
        (Checkpoint, "note", "伪造"),
    ],
)
def test_update_and_delete_of_ledger_rows_are_refused__R34(
    model: type, field: str, value: object
) -> None:
    make_log(4)
    checkpoint_sign()
    rows_before = list(model.objects.order_by("pk").values_list())
    assert rows_before
    table = model._meta.db_table
    _refused(lambda: model.objects.all().update(**{field: value}))
    _refused(lambda: _raw(f"UPDATE {table} SET {model._meta.get_field(field).column} = NULL"))
    _refused(lambda: _raw(f"DELETE FROM {table}"))
    assert list(model.objects.order_by("pk").values_list()) == rows_before


def test_head_row_cannot_be_deleted__R34() -> None:
    make_log(2)
    _refused(lambda: LedgerHead.objects.all().delete())
    assert LedgerHead.objects.get(pk=1).size == 2


def test_emptying_a_ledger_table_at_once_is_refused__R34() -> None:
    """TRUNCATE on PostgreSQL (which skips row triggers), DELETE without WHERE on SQLite."""
    make_log(2)
    if connection.vendor == "postgresql":
        _raw("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks in the way
        statement = "TRUNCATE ledger_ledgerevent, ledger_version"
    else:
        statement = "DELETE FROM ledger_ledgerevent"
    _refused(lambda: _raw(statement))
    assert LedgerEvent.objects.count() == 2
