"""The kernel's part of ``zhifa tick``, the one background command, run every minute by cron.

Each installed app may add work to it: a module ``<app>/tick.py`` with a list ``TASKS`` of
:class:`TickTask`. Every task must be idempotent (running it twice for the same moment changes
nothing the second time); tasks run in ``order`` (then by app).

A database lock keeps two ticks from running at once (a PostgreSQL advisory lock; on SQLite, an
exclusive lock on a file beside the database file).
"""

from __future__ import annotations

import contextlib
import fcntl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db import connection

from zhifa.core.plugins import app_modules

ADVISORY_LOCK_KEY = 0x7A68_6966_6174_6963  # "zhifatic"
_process_lock = threading.Lock()


@dataclass(frozen=True)
class TickTask:
    """One idempotent piece of background work. ``run`` gets "now" and returns a short report
    line (or ``""`` when there was nothing to do)."""

    name: str
    run: Callable[[datetime], str]
    order: int = 100


def discover() -> list[TickTask]:
    """Every ``TASKS`` of every installed app's ``tick`` module, in run order."""
    found: list[tuple[int, int, TickTask]] = []
    for position, module in app_modules("tick"):
        for task in getattr(module, "TASKS", []):
            found.append((task.order, position, task))
    found.sort(key=lambda item: (item[0], item[1]))
    return [task for _order, _position, task in found]


@contextlib.contextmanager
def tick_lock() -> Iterator[bool]:
    """Yield whether this process holds the tick lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
            row = cursor.fetchone()
        held = bool(row and row[0])
        try:
            yield held
        finally:
            if held:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
        return
    if connection.vendor != "sqlite" or getattr(connection, "is_in_memory_db", bool)():
        # A database private to this process (tests): a lock inside the process is the same.
        held = _process_lock.acquire(blocking=False)
        try:
            yield held
        finally:
            if held:
                _process_lock.release()
        return
    path = Path(f"{connection.settings_dict['NAME']}.tick-lock")
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
