"""The working-day calendar: the official calendar, never Monday–Friday arithmetic (requirements,
"工作日"; D-20, L-15 count in working days)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhifa.core import calendar
from zhifa.core.calendar import CalendarYearUnknown, DayKind
from zhifa.core.calendar_data import package_year, package_years
from zhifa.core.models import CalendarDay, CalendarYear


@pytest.mark.parametrize(
    ("day", "is_workday", "kind", "name"),
    [
        # 2026: 中秋节 09-25..27 and 国庆节 10-01..07 off; Sun 09-20 and Sat 10-10 worked.
        (date(2026, 9, 19), False, DayKind.WEEKEND, ""),
        (date(2026, 9, 20), True, DayKind.ADJUSTED_WORKDAY, "国庆节"),  # Sunday, worked
        (date(2026, 9, 24), True, DayKind.WORKDAY, ""),
        (date(2026, 9, 25), False, DayKind.HOLIDAY, "中秋节"),  # Friday, off
        (date(2026, 9, 26), False, DayKind.HOLIDAY, "中秋节"),
        (date(2026, 9, 30), True, DayKind.WORKDAY, ""),
        (date(2026, 10, 1), False, DayKind.HOLIDAY, "国庆节"),
        (date(2026, 10, 5), False, DayKind.HOLIDAY, "国庆节"),  # Monday, off
        (date(2026, 10, 7), False, DayKind.HOLIDAY, "国庆节"),  # Wednesday, off
        (date(2026, 10, 8), True, DayKind.WORKDAY, ""),
        (date(2026, 10, 10), True, DayKind.ADJUSTED_WORKDAY, "国庆节"),  # Saturday, worked
        (date(2026, 10, 11), False, DayKind.WEEKEND, ""),
        (date(2026, 2, 28), True, DayKind.ADJUSTED_WORKDAY, "春节"),
        (date(2026, 1, 1), False, DayKind.HOLIDAY, "元旦"),
    ],
)
def test_day_follows_the_official_calendar_not_the_weekday__working_day(
    day: date, is_workday: bool, kind: DayKind, name: str
) -> None:
    info = calendar.day_info(day)
    assert calendar.is_workday(day) is is_workday
    assert (info.is_workday, info.kind, info.name) == (is_workday, kind, name)


def test_a_fresh_database_knows_every_year_of_the_package_2004_to_2026__working_day() -> None:
    assert package_years() == list(range(2004, 2027))
    assert calendar.known_years() == list(range(2004, 2027))
    assert calendar.stored_year_problems() == []


def test_seeded_years_equal_the_package_day_by_day__working_day() -> None:
    import chinese_calendar

    for year in (2004, 2015, 2020, 2026):
        start = date(year, 1, 1)
        for offset in range(366 if year % 4 == 0 else 365):
            day = start + timedelta(days=offset)
            assert calendar.is_workday(day) is chinese_calendar.is_workday(day), day
    assert len(package_year(2026).days) == CalendarDay.objects.filter(year__year=2026).count()


@pytest.mark.parametrize("day", [date(2027, 1, 4), date(2003, 12, 31), date(2100, 6, 1)])
def test_a_date_in_an_unknown_year_is_an_error_naming_the_year__working_day(day: date) -> None:
    with pytest.raises(CalendarYearUnknown) as caught:
        calendar.is_workday(day)
    error = caught.value
    assert error.code == "calendar_year_unknown"
    assert error.status == 422
    assert error.detail == {"year": day.year}
    assert f"{day.year} 年" in error.message
    assert f"zhifa calendar load {day.year}.toml" in error.message


def test_a_warm_year_is_answered_without_any_query__working_day() -> None:
    calendar.is_workday(date(2026, 1, 5))  # warm 2026
    with CaptureQueriesContext(connection) as queries:
        for offset in range(365):
            calendar.is_workday(date(2026, 1, 1) + timedelta(days=offset))
        calendar.add_workdays(date(2026, 9, 1), 60)
    assert len(queries) == 0


def test_a_cold_year_costs_two_queries_not_one_per_day__working_day() -> None:
    with CaptureQueriesContext(connection) as queries:
        calendar.add_workdays(date(2025, 1, 1), 200)
    assert len(queries) == 2  # the year's row, then its named days


def test_a_cached_year_is_rechecked_after_the_interval__working_day(settings: Any) -> None:
    settings.CALENDAR_CACHE_SECONDS = 0
    calendar.is_workday(date(2026, 3, 2))
    # Someone changes the row behind this process's back (another process's load):
    row = CalendarYear.objects.get(year=2026)
    CalendarDay.objects.filter(year=row, date=date(2026, 10, 10)).delete()
    row.content_sha256 = "0" * 64
    row.save(update_fields=["content_sha256"])
    assert calendar.is_workday(date(2026, 10, 10)) is False  # plain Saturday now


def test_workdays_between_counts_after_start_up_to_end__working_day() -> None:
    # 2026-09-28 (Mon) .. 2026-10-13: 09-29, 09-30, 10-08, 10-09, 10-10 (Sat, 调休), 10-12, 10-13.
    assert calendar.workdays_between(date(2026, 9, 28), date(2026, 10, 13)) == 7
    assert calendar.workdays_between(date(2026, 10, 1), date(2026, 10, 7)) == 0
    assert calendar.workdays_between(date(2026, 10, 13), date(2026, 9, 28)) == 0


def test_next_and_previous_workday__working_day() -> None:
    assert calendar.next_workday(date(2026, 10, 1)) == date(2026, 10, 8)
    assert calendar.next_workday(date(2026, 10, 8)) == date(2026, 10, 8)
    assert calendar.next_workday(date(2026, 9, 19)) == date(2026, 9, 20)  # Sat → 调休 Sunday
    assert calendar.previous_workday(date(2026, 10, 7)) == date(2026, 9, 30)
    assert calendar.previous_workday(date(2026, 10, 11)) == date(2026, 10, 10)


def test_counting_into_an_unknown_year_refuses_rather_than_guesses__working_day() -> None:
    # From 2026-12-15, 2026 has 12 more working days (12-16 … 12-31); the 13th lies in 2027.
    assert calendar.add_workdays(date(2026, 12, 15), 12) == date(2026, 12, 31)
    with pytest.raises(CalendarYearUnknown) as caught:
        calendar.add_workdays(date(2026, 12, 15), 13)
    assert caught.value.year == 2027


def test_year_summary_counts_2026__working_day() -> None:
    summary = calendar.year_summary(2026)
    # 261 weekdays − 19 weekday holidays + 6 调休 weekend days = 248 working days.
    assert (summary.workdays, summary.rest_days) == (248, 117)
    national_day = [p for p in summary.holidays if p.name == "国庆节"]
    assert [(p.first, p.last, p.days) for p in national_day] == [
        (date(2026, 10, 1), date(2026, 10, 7), 7)
    ]
    assert [d for d, _ in summary.adjusted_workdays] == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]


def test_tampering_with_a_stored_day_is_detected__R34() -> None:
    CalendarDay.objects.filter(date=date(2026, 10, 10)).update(is_workday=False)
    problems = calendar.stored_year_problems()
    assert len(problems) == 2
    assert all(p.startswith("2026 年") for p in problems)
