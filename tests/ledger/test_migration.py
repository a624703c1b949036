"""A database that recorded events before the tree was stored gets its nodes and frontier from
the migration, and verifies (R-34)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from zhifa.ledger import canonical, dbguard, merkle
from zhifa.ledger.verify import verify_ledger
from zhifa.org.models import Government

pytestmark = pytest.mark.django_db(transaction=True)


def test_migration_builds_the_tree_of_earlier_events__R34() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("ledger", "0001_initial")])
    old_apps = executor.loader.project_state([("ledger", "0001_initial")]).apps
    Event = old_apps.get_model("ledger", "LedgerEvent")
    Version = old_apps.get_model("ledger", "Version")
    Head = old_apps.get_model("ledger", "LedgerHead")
    at = datetime(2026, 11, 1, tzinfo=UTC)
    for seq in range(6):
        government = Government.objects.create(name=f"旧{seq}", level="township")
        content = {
            field.attname: canonical.normalise(getattr(government, field.attname))
            for field in Government._meta.concrete_fields
        }
        data = canonical.encode_leaf(
            seq=seq,
            at=canonical.instant(at),
            actor="system",
            action="org.government.create",
            object_type="org.government",
            object_id=str(government.pk),
            sha256=canonical.sha256_hex(content),
            blob="",
        )
        event = Event.objects.create(
            seq=seq,
            recorded_at=at,
            actor="system",
            action="org.government.create",
            object_type="org.government",
            object_id=str(government.pk),
            content_sha256=canonical.sha256_hex(content),
            blob_sha256="",
            leaf_hash=merkle.leaf_hash(data).hex(),
        )
        Version.objects.create(event=event, content=content, reason="")
    Head.objects.create(pk=1, size=6)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert dbguard.installed(connection) >= 9
    report = verify_ledger()
    assert report.problems == [] and report.events == 6 and report.nodes == merkle.node_count(6)
