from __future__ import annotations

from collections.abc import Iterator

import pytest

from zhifa.core import calendar


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    """Each test reads the calendar table of its own transaction, not a year cached by another."""
    calendar.invalidate()
    yield
    calendar.invalidate()
