from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import databases

if not hasattr(pytest.Function, "_nodeid"):
    # schemathesis 4.32's lazy schemas (``tests/test_api_schema.py``) read and set
    # ``item._nodeid``, which pytest 9.2 no longer has (it keeps ``item.nodeid``): read it from
    # ``nodeid``, and ignore the renaming (each operation is still a subtest with its label).
    pytest.Function._nodeid = property(  # type: ignore[attr-defined]
        lambda item: item.nodeid, lambda item, value: None
    )


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controlling process (or the only one)
        databases.new_run_id()


def pytest_unconfigure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    from pytest_django.plugin import blocking_manager_key

    with config.stash[blocking_manager_key].unblock():
        databases.drop_template()


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_modify_db_settings: None,
) -> Iterator[None]:
    """The test database is a clone of one template migrated once per run (``tests/databases``),
    not a database migrated again in every xdist worker."""
    suffix = getattr(request.config, "workerinput", {}).get("workerid", "main")
    verbosity = request.config.option.verbose
    with django_db_blocker.unblock():
        clone, original = databases.setup(suffix, verbosity)
    yield
    with django_db_blocker.unblock():
        databases.teardown(clone, original, verbosity)


@pytest.fixture(scope="session")
def whole_api_schema() -> Any:
    """The API's OpenAPI document read by schemathesis through the WSGI application, once per
    process, when the first fuzz test needs it (not when the fuzz modules are collected). Django's
    per-request check of old connections is held back meanwhile: outside a test it would touch the
    database, and reading the document needs none."""
    import schemathesis
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _enable_db_for_all(db: None) -> None:
    """Every test may use the database (the project has no logic worth testing without one)."""


@pytest.fixture(autouse=True)
def _ledger_mirror_per_test(settings: Any, tmp_path: Path) -> None:
    """Each test mirrors ledger checkpoints into its own folder: the database starts empty in every
    test, so a folder shared between tests would hold checkpoints of another test's log."""
    settings.LEDGER_MIRROR_DIR = str(tmp_path / "ledger-checkpoints")
