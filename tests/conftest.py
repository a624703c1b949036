from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _enable_db_for_all(db: None) -> None:
    """Every test may use the database (the project has no logic worth testing without one)."""


@pytest.fixture(autouse=True)
def _ledger_mirror_per_test(settings: Any, tmp_path: Path) -> None:
    """Each test mirrors ledger checkpoints into its own folder: the database starts empty in every
    test, so a folder shared between tests would hold checkpoints of another test's log."""
    settings.LEDGER_MIRROR_DIR = str(tmp_path / "ledger-checkpoints")
