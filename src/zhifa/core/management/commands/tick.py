"""``zhifa tick [--as-of DATETIME]``: the one background command, run every minute by cron.

    * * * * *  zhifa tick

Each installed app may add work to it: a module ``<app>/tick.py`` with a list ``TASKS`` of
:class:`TickTask`. Every task must be idempotent (running it twice for the same moment changes
nothing the second time); tasks run in ``order`` (then by app), "now" frozen at ``--as-of``.

A database lock keeps two ticks from running at once (a PostgreSQL advisory lock; on SQLite, an
exclusive lock on a file beside the database file): a tick that finds the lock taken does nothing
and exits 0. A task that fails is reported and the others still run; the exit status is then 1.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import importlib.util
import threading
from argparse import ArgumentParser
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhifa.core import clock

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
    for position, config in enumerate(apps.get_app_configs()):
        module_name = f"{config.name}.tick"
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
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


def parse_as_of(value: str) -> datetime:
    """``2026-12-01T08:00``, ``2026-12-01 08:00:00+08:00`` or a date (midnight); naive values are
    Beijing time."""
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(_("--as-of 的时间格式无效：%(value)s") % {"value": value})
        parsed = datetime(day.year, day.month, day.day)
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=clock.CHINA)
    return parsed


class Command(BaseCommand):
    help = cast(str, gettext_lazy("定时任务：每分钟运行一次，各项任务均可重复执行而不重复生效。"))

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--as-of", default="", help=_("以此时间作为“现在”运行（默认当前时间）"))

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = parse_as_of(options["as_of"]) if options["as_of"] else clock.now()
        failures = 0
        with tick_lock() as held:
            if not held:
                self.stdout.write(_("另一个 tick 正在运行，本次跳过。"))
                return
            with clock.frozen(as_of) as now:
                for task in discover():
                    try:
                        line = task.run(now)
                    except Exception as exc:  # one failing task must not stop the others
                        failures += 1
                        self.stderr.write(f"{task.name}: {type(exc).__name__}: {exc}")
                        continue
                    if line:
                        self.stdout.write(f"{task.name}: {line}")
        if failures:
            raise CommandError(
                _("有 %(count)d 项定时任务失败。") % {"count": failures}, returncode=1
            )
