from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _enable_db_for_all(db: None) -> None:
    """Every test may use the database (the project has no logic worth testing without one)."""
