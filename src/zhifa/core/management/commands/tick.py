"""``zhifa tick [--as-of DATETIME]``: the one background command, run every minute by cron.

    * * * * *  zhifa tick

Each installed app may add work to it: a module ``<app>/tick.py`` with a list ``TASKS`` of
:class:`zhifa.core.tick.TickTask` (see there), run in ``order`` with "now" frozen at ``--as-of``.
A tick that finds another one running does nothing and exits 0. A task that fails is reported and
the others still run; the exit status is then 1.
"""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import datetime
from typing import Any, cast

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhifa.core import clock
from zhifa.core.tick import discover, tick_lock


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
