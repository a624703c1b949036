"""The working-day calendar: is a date a working day (工作日) on the official Chinese calendar?

Statutory holidays are off, adjusted weekend days (调休上班) are on, every other day follows
Monday–Friday. The days come from the project's own table (:mod:`zhifa.core.models`); a date in a
year the table does not know raises :class:`CalendarYearUnknown`, never a guess.

Speed: each year's named days (about 30) are kept in memory per process. A cached year is
re-checked against the database (one query for that year's row) at most every
``CALENDAR_CACHE_SECONDS`` (setting, default 60), and dropped at once in the process that loads
it (:func:`invalidate`). A computation over a warm year runs no query at all; a year replaced in
another process is seen within that interval.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhifa.core.errors import Code, ValidationFailed
from zhifa.core.models import CalendarDay, CalendarYear

ONE_DAY = timedelta(days=1)


class CalendarYearUnknown(ValidationFailed):
    """The calendar table has no data for the year asked about."""

    default_code = "calendar_year_unknown"

    def __init__(self, year: int) -> None:
        super().__init__(
            _(
                "系统没有 %(year)s 年的工作日历，无法计算工作日和期限。"
                "请系统管理员按国务院办公厅公布的 %(year)s 年节假日安排编写日历文件，"
                "用“zhifa calendar load %(year)s.toml”载入。"
            )
            % {"year": year},
            code=Code.CALENDAR_YEAR_UNKNOWN,
            detail={"year": year},
        )
        self.year = year


class DayKind(enum.StrEnum):
    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    ADJUSTED_WORKDAY = "adjusted_workday"

    @property
    def label(self) -> str:
        return str(_DAY_KIND_LABELS[self])


_DAY_KIND_LABELS = {
    DayKind.WORKDAY: gettext_lazy("工作日"),
    DayKind.WEEKEND: gettext_lazy("周末休息日"),
    DayKind.HOLIDAY: gettext_lazy("法定节假日"),
    DayKind.ADJUSTED_WORKDAY: gettext_lazy("调休上班日"),
}


@dataclass(frozen=True)
class DayInfo:
    date: date
    is_workday: bool
    kind: DayKind
    name: str = ""


@dataclass(frozen=True)
class YearDays:
    """One year's named days, as kept in memory."""

    year: int
    named: Mapping[date, tuple[bool, str]]
    token: tuple[int, str, str]

    def is_workday(self, day: date) -> bool:
        hit = self.named.get(day)
        if hit is not None:
            return hit[0]
        return day.weekday() < 5


@dataclass
class _Entry:
    days: YearDays
    checked_at: float = field(default=0.0)


_cache: dict[int, _Entry] = {}
_lock = threading.Lock()


def _cache_seconds() -> float:
    return float(getattr(settings, "CALENDAR_CACHE_SECONDS", 60))


def invalidate(year: int | None = None) -> None:
    """Forget ``year`` (every year when None) in this process; the next ask reads the table."""
    with _lock:
        if year is None:
            _cache.clear()
        else:
            _cache.pop(year, None)


def year_days(year: int) -> YearDays:
    """The named days of ``year``; raises :class:`CalendarYearUnknown` for an unknown year."""
    entry = _cache.get(year)
    now = time.monotonic()
    if entry is not None and now - entry.checked_at < _cache_seconds():
        return entry.days
    row = (
        CalendarYear.objects.filter(year=year)
        .values_list("pk", "content_sha256", "loaded_at")
        .first()
    )
    if row is None:
        invalidate(year)
        raise CalendarYearUnknown(year)
    token = (row[0], row[1], row[2].isoformat())
    if entry is not None and entry.days.token == token:
        entry.checked_at = now
        return entry.days
    named = {
        day: (is_workday, name)
        for day, is_workday, name in CalendarDay.objects.filter(year_id=row[0]).values_list(
            "date", "is_workday", "name"
        )
    }
    days = YearDays(year=year, named=named, token=token)
    with _lock:
        _cache[year] = _Entry(days=days, checked_at=now)
    return days


def known_years() -> list[int]:
    return list(CalendarYear.objects.order_by("year").values_list("year", flat=True))


def is_workday(day: date) -> bool:
    """Is ``day`` a working day (工作日) on the official calendar?"""
    return year_days(day.year).is_workday(day)


def day_info(day: date) -> DayInfo:
    named = year_days(day.year).named.get(day)
    if named is not None:
        is_work, name = named
        kind = DayKind.ADJUSTED_WORKDAY if is_work else DayKind.HOLIDAY
        return DayInfo(date=day, is_workday=is_work, kind=kind, name=name)
    if day.weekday() < 5:
        return DayInfo(date=day, is_workday=True, kind=DayKind.WORKDAY)
    return DayInfo(date=day, is_workday=False, kind=DayKind.WEEKEND)


def _days(start: date, step: timedelta) -> Iterator[tuple[date, bool]]:
    """Each day after ``start`` (start excluded) in direction ``step``, with its workday flag."""
    day = start
    current: YearDays | None = None
    while True:
        day = day + step
        if current is None or current.year != day.year:
            current = year_days(day.year)
        yield day, current.is_workday(day)


def add_workdays(start: date, count: int) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself not counted); ``count`` ≥ 1.

    A negative ``count`` counts back: the ``-count``-th working day before ``start``.
    """
    if count == 0:
        raise ValueError("count must not be 0")
    step = ONE_DAY if count > 0 else -ONE_DAY
    remaining = abs(count)
    for day, working in _days(start, step):
        if working:
            remaining -= 1
            if remaining == 0:
                return day
    raise AssertionError("unreachable")  # pragma: no cover


def next_workday(day: date) -> date:
    """``day`` itself when it is a working day, otherwise the first working day after it."""
    if is_workday(day):
        return day
    return add_workdays(day, 1)


def previous_workday(day: date) -> date:
    """``day`` itself when it is a working day, otherwise the last working day before it."""
    if is_workday(day):
        return day
    return add_workdays(day, -1)


def workdays_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` ≤ ``start``)."""
    count = 0
    if end <= start:
        return 0
    for day, working in _days(start, ONE_DAY):
        if working:
            count += 1
        if day >= end:
            return count
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class HolidayPeriod:
    name: str
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class YearSummary:
    row: CalendarYear
    workdays: int
    rest_days: int
    holidays: tuple[HolidayPeriod, ...]
    adjusted_workdays: tuple[tuple[date, str], ...]


def year_summary(year: int) -> YearSummary:
    """What ``zhifa calendar show YEAR`` prints: the row, the counts, the periods, the 调休 days."""
    row = CalendarYear.objects.filter(year=year).first()
    if row is None:
        raise CalendarYearUnknown(year)
    days = year_days(year)
    first, last = date(year, 1, 1), date(year, 12, 31)
    total = (last - first).days + 1
    workdays = sum(1 for offset in range(total) if days.is_workday(first + timedelta(offset)))
    periods: list[HolidayPeriod] = []
    adjusted: list[tuple[date, str]] = []
    for day in sorted(days.named):
        is_work, name = days.named[day]
        if is_work:
            adjusted.append((day, name))
        elif periods and periods[-1].name == name and periods[-1].last + ONE_DAY == day:
            periods[-1] = HolidayPeriod(name, periods[-1].first, day)
        else:
            periods.append(HolidayPeriod(name, day, day))
    return YearSummary(
        row=row,
        workdays=workdays,
        rest_days=total - workdays,
        holidays=tuple(periods),
        adjusted_workdays=tuple(adjusted),
    )


def stored_year_problems() -> list[str]:
    """Every difference between the table and what it should hold (``zhifa calendar check``).

    Each year's days must hash to its ``content_sha256``; each year seeded from the package must
    still equal the installed package. An empty list means the calendar is intact.
    """
    from zhifa.core.calendar_data import NamedDay, days_sha256, package_year, package_years

    problems: list[str] = []
    available = set(package_years())
    stored: dict[int, list[NamedDay]] = {}
    for year, day, is_work, name in CalendarDay.objects.values_list(
        "year__year", "date", "is_workday", "name"
    ):
        stored.setdefault(year, []).append(NamedDay(day, is_work, name))
    for row in CalendarYear.objects.order_by("year"):
        days = stored.get(row.year, [])
        if days_sha256(days) != row.content_sha256:
            problems.append(
                _("%(year)s 年：日期内容与载入时记录的摘要不符（被改动过）。") % {"year": row.year}
            )
        if row.source == CalendarYear.Source.PACKAGE:
            if row.year not in available:
                problems.append(
                    _("%(year)s 年：已安装的 chinese-calendar 不再包含这一年。")
                    % {"year": row.year}
                )
            elif days_sha256(package_year(row.year).days) != days_sha256(days):
                problems.append(
                    _("%(year)s 年：与已安装的 chinese-calendar 数据不一致。") % {"year": row.year}
                )
    return problems
