"""Defence in depth: the database itself refuses to alter the ledger (记录办法 第三十八条).

Triggers on SQLite and PostgreSQL refuse UPDATE and DELETE (and on PostgreSQL TRUNCATE) of ledger
events, versions, tree nodes and checkpoints, and DELETE of the head row. They are installed by the
migrations. Whoever owns the database can still drop them; ``zhifa ledger verify`` does not rely
on them. The project's ``flush`` command (tests, resetting a demo) lifts them around its own work.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

APPEND_ONLY_TABLES = (
    "ledger_ledgerevent",
    "ledger_version",
    "ledger_ledgernode",
    "ledger_checkpoint",
)
NO_DELETE_TABLES = ("ledger_ledgerhead",)
_FUNCTION = "zhifa_ledger_refuse"


def _existing(connection: BaseDatabaseWrapper, tables: tuple[str, ...]) -> list[str]:
    with connection.cursor() as cursor:
        present = set(connection.introspection.table_names(cursor))
    return [table for table in tables if table in present]


def _statements(connection: BaseDatabaseWrapper) -> list[str]:
    append_only = _existing(connection, APPEND_ONLY_TABLES)
    no_delete = _existing(connection, NO_DELETE_TABLES)
    statements: list[str] = []
    if connection.vendor == "sqlite":
        for table in append_only:
            for op in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'zhifa ledger: {op} on {table} refused'); END"
                )
        for table in no_delete:
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'zhifa ledger: DELETE on {table} refused'); END"
            )
    elif connection.vendor == "postgresql":
        statements.append(
            f"CREATE OR REPLACE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'zhifa ledger: % on % refused', TG_OP, TG_TABLE_NAME "
            "USING ERRCODE = 'restrict_violation'; END $$"
        )
        for table in append_only:
            statements.append(
                f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {_FUNCTION}()"
            )
        for table in no_delete:
            statements.append(
                f"CREATE OR REPLACE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {_FUNCTION}()"
            )
        for table in (*append_only, *no_delete):
            statements.append(
                f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()"
            )
    return statements


def _drop_statements(connection: BaseDatabaseWrapper) -> list[str]:
    append_only = _existing(connection, APPEND_ONLY_TABLES)
    no_delete = _existing(connection, NO_DELETE_TABLES)
    statements: list[str] = []
    if connection.vendor == "sqlite":
        for table in append_only:
            statements.append(f"DROP TRIGGER IF EXISTS {table}_no_update")
            statements.append(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        for table in no_delete:
            statements.append(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    elif connection.vendor == "postgresql":
        for table in append_only:
            statements.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        for table in no_delete:
            statements.append(f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table}")
        for table in (*append_only, *no_delete):
            statements.append(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    return statements


def install(connection: BaseDatabaseWrapper) -> None:
    """Install the triggers (idempotent). Other database vendors get none."""
    with connection.cursor() as cursor:
        for statement in _statements(connection):
            cursor.execute(statement)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    """Drop the triggers: only the ``flush`` command and the tests that play an attacker do."""
    with connection.cursor() as cursor:
        for statement in _drop_statements(connection):
            cursor.execute(statement)


def installed(connection: BaseDatabaseWrapper) -> int:
    """How many ledger guard triggers the database holds."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'ledger_%'"
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal "
                "AND tgname LIKE 'ledger\\_%%'"
            )
        else:
            return 0
        row = cursor.fetchone()
    return int(row[0]) if row else 0
