"""Django's ``flush``, able to empty the append-only ledger tables.

The ledger's triggers refuse DELETE (SQLite) and TRUNCATE (PostgreSQL) on its tables, which is
what ``flush`` does; the tests' transactional cases and resetting a demo database both use it.
This command lifts the triggers around Django's own flush and puts them back afterwards.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import DEFAULT_DB_ALIAS, connections

from zhifa.ledger import dbguard


class Command(DjangoFlush):
    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        dbguard.uninstall(connection)
        try:
            super().handle(**options)
        finally:
            dbguard.install(connection)
