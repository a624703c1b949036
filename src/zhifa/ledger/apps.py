from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _guard_after_migrate(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Put the append-only triggers back after any migration (on SQLite, altering a table
    rebuilds it without its triggers) and after ``flush``."""
    from zhifa.ledger import dbguard

    dbguard.install(connections[using])


class LedgerConfig(AppConfig):
    name = "zhifa.ledger"
    label = "ledger"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_guard_after_migrate, sender=self, dispatch_uid="zhifa.ledger.guard")
