"""Writes of the working-day calendar (the kernel's ``CalendarYear``/``CalendarDay`` tables):
loading a year.

Each service runs in one transaction, checks permission, writes, and appends a ledger event
(``core.calendar.load`` / ``core.calendar.seed``) for the :class:`CalendarYear` row; the event's
snapshot carries ``content_sha256``, the hash of every named day, so the ledger pins the content.
"""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from zhifa.accounts.access import require_admin
from zhifa.accounts.actors import Actor, actor_label, is_system
from zhifa.accounts.models import User
from zhifa.calendars.errors import Code
from zhifa.core import calendar, clock
from zhifa.core.calendar_data import (
    YearData,
    days_sha256,
    package_version,
    package_year,
    package_years,
    parse_year_file,
)
from zhifa.core.errors import Conflict
from zhifa.core.models import CalendarDay, CalendarYear
from zhifa.ledger.services import ledger_append


def _require_calendar_admin(actor: Actor) -> None:
    """A person must be a system administrator; :data:`SYSTEM` is the operator at the server's
    shell (``zhifa calendar …`` without ``--user``), recorded in the ledger as ``system``."""
    if is_system(actor):
        return
    require_admin(actor, User.AdminRole.SYSTEM)


def _forget_after_commit(year: int) -> None:
    calendar.invalidate(year)
    transaction.on_commit(lambda: calendar.invalidate(year))


def calendar_year_load(
    *,
    actor: Actor,
    content: bytes,
    file_name: str = "",
    reason: str = "",
    replace: bool = False,
) -> CalendarYear:
    """Load one year from a TOML year file (format in ``docs/calendar.md``).

    Nothing is written when the file has any error (:class:`CalendarFileInvalid`, every problem
    listed in ``detail["errors"]``), or when the year is already known and ``replace`` is false
    (:class:`Conflict` ``calendar_year_exists``). With ``replace`` the year's days are swapped for
    the file's, in the same transaction.
    """
    _require_calendar_admin(actor)
    data = parse_year_file(content, file_name=file_name)
    reason = reason.strip() or _("载入 %(year)s 年工作日历（%(notice)s）") % {
        "year": data.year,
        "notice": data.notice,
    }
    with transaction.atomic():
        row = CalendarYear.objects.select_for_update().filter(year=data.year).first()
        if row is not None and not replace:
            raise Conflict(
                _(
                    "系统已有 %(year)s 年的工作日历（来源：%(source)s）。"
                    "如确需按新文件替换，请加 --replace 并写明原因。"
                )
                % {"year": data.year, "source": row.get_source_display()},
                code=Code.CALENDAR_YEAR_EXISTS,
                detail={"year": data.year},
            )
        row = _write_year(
            row,
            data,
            source=CalendarYear.Source.FILE,
            file_name=file_name.rsplit("/", 1)[-1],
            file_sha256=hashlib.sha256(content).hexdigest(),
            version="",
        )
        ledger_append(actor=actor_label(actor), action="core.calendar.load", obj=row, reason=reason)
        _forget_after_commit(data.year)
    return row


def calendar_years_seed(*, actor: Actor, reason: str = "") -> list[CalendarYear]:
    """Add every year the installed ``chinese-calendar`` knows and the table does not.

    The first migration seeds the years of the package installed then; run this (``zhifa calendar
    seed``) after upgrading the package. Years already in the table are left as they are.
    """
    _require_calendar_admin(actor)
    version = package_version()
    reason = reason.strip() or _("从 chinese-calendar %(version)s 载入工作日历") % {
        "version": version
    }
    created: list[CalendarYear] = []
    with transaction.atomic():
        known = set(
            CalendarYear.objects.select_for_update().values_list("year", flat=True).order_by()
        )
        for year in package_years():
            if year in known:
                continue
            row = _write_year(
                None,
                package_year(year),
                source=CalendarYear.Source.PACKAGE,
                file_name="",
                file_sha256="",
                version=version,
            )
            ledger_append(
                actor=actor_label(actor), action="core.calendar.seed", obj=row, reason=reason
            )
            _forget_after_commit(year)
            created.append(row)
    return created


def _write_year(
    row: CalendarYear | None,
    data: YearData,
    *,
    source: str,
    file_name: str,
    file_sha256: str,
    version: str,
) -> CalendarYear:
    fields = {
        "source": source,
        "notice": data.notice,
        "file_name": file_name,
        "file_sha256": file_sha256,
        "package_version": version,
        "content_sha256": days_sha256(data.days),
        "loaded_at": clock.now(),
    }
    if row is None:
        try:
            with transaction.atomic():
                row = CalendarYear.objects.create(year=data.year, **fields)
        except IntegrityError:
            raise Conflict(
                _("另一个操作正在载入 %(year)s 年的工作日历，请稍后查看。") % {"year": data.year},
                code=Code.CALENDAR_YEAR_EXISTS,
                detail={"year": data.year},
            ) from None
    else:
        for name, value in fields.items():
            setattr(row, name, value)
        row.save(update_fields=list(fields))
        CalendarDay.objects.filter(year=row).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(year=row, date=day.date, is_workday=day.is_workday, name=day.name)
        for day in data.days
    )
    return row
