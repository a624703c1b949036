"""One migrated test database per run, cloned for each pytest process.

pytest-django migrates a fresh database in every xdist worker. Here the first process to get
there migrates a *template* under a file lock; every process (the first one too) then works on a
clone of it: a copy of the file on SQLite, ``CREATE DATABASE … TEMPLATE …`` on PostgreSQL (both
through Django's own ``clone_test_db``, the way ``manage.py test --parallel`` clones). The
template's name carries an id drawn by the controlling process for this run only, so a run never
reuses what another run (or a run killed half-way) left behind; the controlling process drops the
template at the end.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

RUN_ID = "ZHIFA_TEST_RUN_ID"


def new_run_id() -> None:
    """Called once by the controlling process, before any worker starts (workers inherit it)."""
    os.environ[RUN_ID] = uuid.uuid4().hex[:12]


def _run_id() -> str:
    return os.environ[RUN_ID]


def _is_sqlite(settings_dict: dict[str, Any]) -> bool:
    return bool(settings_dict["ENGINE"] == "django.db.backends.sqlite3")


def template_name(settings_dict: dict[str, Any]) -> str:
    """The template's database name (SQLite: a file beside the test database)."""
    if _is_sqlite(settings_dict):
        test_name = settings_dict.get("TEST", {}).get("NAME") or ""
        folder = Path(test_name).parent if test_name else Path(tempfile.gettempdir())
        return str(folder / f"test-template-{_run_id()}.sqlite3")
    return f"test_{settings_dict['NAME']}_tpl_{_run_id()}"


@contextmanager
def _locked() -> Iterator[Path]:
    """One process at a time in the block, across the run's processes."""
    marker = Path(tempfile.gettempdir()) / f"zhifa-test-template-{_run_id()}"
    with open(f"{marker}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield Path(f"{marker}.ready")
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def setup(suffix: str, verbosity: int) -> tuple[str, str]:
    """Make (once per run) the migrated template and give the default connection a clone of it
    named with ``suffix``. Returns (the clone's name, the connection's original name)."""
    from django.conf import settings
    from django.db import connections

    connection = connections["default"]
    creation = connection.creation
    original = connection.settings_dict["NAME"]
    template = template_name(connection.settings_dict)
    with _locked() as ready:
        if not ready.exists():
            connection.settings_dict.setdefault("TEST", {})["NAME"] = template
            creation.create_test_db(
                verbosity=verbosity, autoclobber=True, serialize=False, keepdb=False
            )
            if _is_sqlite(connection.settings_dict):
                # Into the main file, so that a copy of that file alone is the whole database.
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.close()
            ready.write_text(template)
        # Django clones from the connection's current database.
        connection.settings_dict["NAME"] = template
        creation.clone_test_db(suffix=suffix, verbosity=verbosity, keepdb=False)
    clone = creation.get_test_db_clone_settings(suffix)["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = clone
    settings.DATABASES["default"]["NAME"] = clone
    return clone, original


def teardown(clone: str, original: str, verbosity: int) -> None:
    from django.conf import settings
    from django.db import connections

    connection = connections["default"]
    connection.close()
    connection.creation._destroy_test_db(clone, verbosity)
    connection.settings_dict["NAME"] = original
    settings.DATABASES["default"]["NAME"] = original


def drop_template() -> None:
    """Called by the controlling process at the end of the run."""
    from django.db import connections

    connection = connections["default"]
    with _locked() as ready:
        if not ready.exists():
            return
        template = ready.read_text()
        ready.unlink()
    if _is_sqlite(connection.settings_dict):
        for path in (template, f"{template}-wal", f"{template}-shm"):
            Path(path).unlink(missing_ok=True)
    else:
        connection.creation._destroy_test_db(template, 0)
    Path(tempfile.gettempdir(), f"zhifa-test-template-{_run_id()}.lock").unlink(missing_ok=True)
