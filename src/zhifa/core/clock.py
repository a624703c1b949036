"""The one source of "now".

Every piece of code asks this module for the time; nothing calls ``datetime.now()`` or
``timezone.now()`` directly. Tests and ``zhifa tick --as-of`` freeze it with :func:`frozen`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

CHINA = ZoneInfo("Asia/Shanghai")

_state = threading.local()


def now() -> datetime:
    """The current instant, timezone-aware (UTC inside, shown in Asia/Shanghai)."""
    frozen_at: datetime | None = getattr(_state, "frozen_at", None)
    if frozen_at is not None:
        return frozen_at
    return timezone.now()


def today() -> date:
    """Today's date in China (the calendar the law counts in)."""
    return china_date(now())


def china_date(value: date) -> date:
    """The day ``value`` falls on in China: an aware datetime converted, a naive one read as
    China time, a date as it is."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.date()
        return value.astimezone(CHINA).date()
    return value


@contextlib.contextmanager
def frozen(at: datetime) -> Iterator[datetime]:
    """Freeze "now" at ``at`` (aware) inside the block, for this thread."""
    if timezone.is_naive(at):
        at = at.replace(tzinfo=CHINA)
    previous = getattr(_state, "frozen_at", None)
    _state.frozen_at = at
    try:
        yield at
    finally:
        _state.frozen_at = previous
