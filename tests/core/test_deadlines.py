"""Legal deadlines over the official calendar. Expected dates are counted by hand from the 2026
notice: 中秋节 09-25 (Fri) .. 09-27 off; 国庆节 10-01 .. 10-07 off; 09-20 (Sun) and 10-10 (Sat)
worked.

    September 2026                 October 2026
    Mo Tu We Th Fr Sa Su           Mo Tu We Th Fr Sa Su
    14 15 16 17 18 19 20*                   1h  2h  3h  4h
    21 22 23 24 25h 26h 27h         5h  6h  7h  8   9  10* 11
    28 29 30                       12 13 14 15 16 17 18
                                   19 20 21 22 23 24 25
    h = holiday (off), * = adjusted working day (on)
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhifa.core import calendar, deadlines
from zhifa.core.calendar import CalendarYearUnknown
from zhifa.core.clock import CHINA
from zhifa.core.deadlines import Deadline, Unit, add_months, deadline, deadline_before

BASIS = "行政处罚法第六十四条"


def _due(start: date, amount: int, unit: Unit) -> date:
    return deadline(start=start, amount=amount, unit=unit, basis=BASIS).due


def test_seven_working_days_from_monday_before_national_day__L15() -> None:
    # From 09-28 (not counted): 09-29 (1), 09-30 (2), [10-01..07 off], 10-08 (3), 10-09 (4),
    # 10-10 Sat worked (5), [10-11 Sun], 10-12 (6), 10-13 (7).
    d = deadlines.LEGAL_REVIEW.from_(date(2026, 9, 28))
    assert d.due == date(2026, 10, 13)
    assert (d.amount, d.unit, d.basis) == (
        7,
        Unit.WORKING_DAYS,
        "白山乡重大行政执法决定法制审核办法第十四条",
    )


def test_seven_working_days_from_the_last_day_before_national_day__D20() -> None:
    # From 09-30: 10-08 (1), 10-09 (2), 10-10 Sat (3), 10-12 (4), 10-13 (5), 10-14 (6), 10-15 (7).
    d = deadlines.DISCLOSURE_DECISION.from_(date(2026, 9, 30))
    assert d.due == date(2026, 10, 15)
    assert d.basis == "白山乡行政执法公示办法第二十七条"


def test_twenty_working_days_across_mid_autumn_and_national_day__D20() -> None:
    # From Fri 09-18: [09-19 Sat], 09-20 Sun worked (1), 09-21 (2), 09-22 (3), 09-23 (4),
    # 09-24 (5), [09-25..27 中秋], 09-28 (6), 09-29 (7), 09-30 (8), [10-01..07], 10-08 (9),
    # 10-09 (10), 10-10 Sat (11), 10-12 (12), 10-13 (13), 10-14 (14), 10-15 (15), 10-16 (16),
    # [10-17, 10-18], 10-19 (17), 10-20 (18), 10-21 (19), 10-22 (20).
    d = deadlines.DISCLOSURE_INSPECTION_RESULT.from_(date(2026, 9, 18))
    assert d.due == date(2026, 10, 22)
    # Monday–Friday arithmetic would have said 10-16: six days short of the law.
    assert d.due != date(2026, 10, 16)


def test_mid_autumn_friday_is_not_a_working_day__working_day() -> None:
    # 2 working days from Thu 09-24: [09-25 中秋, 09-26, 09-27], 09-28 (1), 09-29 (2).
    assert deadlines.PENALTY_ON_THE_SPOT_FINE_HANDOVER.from_(date(2026, 9, 24)).due == date(
        2026, 9, 29
    )


def test_start_day_is_not_counted_even_when_it_is_a_holiday__working_day() -> None:
    # Told on 10-03 (holiday): 5 working days are 10-08, 10-09, 10-10, 10-12, 10-13.
    assert deadlines.PENALTY_HEARING_REQUEST.from_(date(2026, 10, 3)).due == date(2026, 10, 13)
    # One working day from 10-09 (Fri) is the adjusted Saturday 10-10.
    assert _due(date(2026, 10, 9), 1, Unit.WORKING_DAYS) == date(2026, 10, 10)


@pytest.mark.parametrize(
    ("start", "expected", "why"),
    [
        (date(2026, 9, 18), date(2026, 10, 8), "09-18 + 15 = 10-03, 国庆节 → first working day"),
        (date(2026, 9, 16), date(2026, 10, 8), "09-16 + 15 = 10-01, 国庆节 → 10-08"),
        (date(2026, 9, 22), date(2026, 10, 8), "09-22 + 15 = 10-07, last holiday → 10-08"),
        (date(2026, 9, 23), date(2026, 10, 8), "09-23 + 15 = 10-08, a working day: stays"),
        (date(2026, 9, 25), date(2026, 10, 10), "09-25 + 15 = 10-10, adjusted Saturday: stays"),
        (date(2026, 9, 26), date(2026, 10, 12), "09-26 + 15 = 10-11, plain Sunday → Monday"),
        (date(2026, 9, 4), date(2026, 9, 20), "09-04 + 15 = 09-19 (Sat) → 09-20, worked Sunday"),
        (date(2026, 9, 5), date(2026, 9, 20), "09-05 + 15 = 09-20, adjusted Sunday: stays"),
        (date(2026, 9, 10), date(2026, 9, 28), "09-10 + 15 = 09-25, 中秋节 → 09-28"),
    ],
)
def test_fifteen_day_payment_period_ending_on_a_rest_day_moves_to_next_working_day__L67(
    start: date, expected: date, why: str
) -> None:
    d = deadlines.PENALTY_PAYMENT.from_(start)
    assert d.due == expected, why
    assert (d.amount, d.unit, d.basis) == (15, Unit.CALENDAR_DAYS, "行政处罚法第六十七条")


@pytest.mark.parametrize(
    ("start", "months", "expected", "why"),
    [
        (date(2026, 3, 31), 6, date(2026, 9, 30), "no 09-31: the month's last day, a Wednesday"),
        (date(2026, 4, 1), 6, date(2026, 10, 8), "10-01 is 国庆节 → 10-08"),
        (date(2026, 4, 15), 6, date(2026, 10, 15), "corresponding day, a Thursday"),
        (date(2025, 11, 30), 3, date(2026, 2, 28), "no 02-30: 02-28, an adjusted Saturday"),
        (date(2025, 8, 29), 6, date(2026, 2, 28), "no 2026-02-29: 02-28, an adjusted Saturday"),
        (date(2026, 1, 31), 1, date(2026, 2, 28), "no 02-31: 02-28, an adjusted Saturday"),
        (date(2026, 8, 27), 1, date(2026, 9, 28), "09-27 is 中秋节 (Sunday) → 09-28"),
    ],
)
def test_month_periods_end_on_the_corresponding_day__litigation_46(
    start: date, months: int, expected: date, why: str
) -> None:
    assert _due(start, months, Unit.MONTHS) == expected, why


def test_six_month_litigation_limit_carries_its_basis__litigation_46() -> None:
    d = deadlines.LITIGATION_FILING.from_(date(2026, 4, 1))
    assert (d.due, d.unit, d.amount, d.basis) == (
        date(2026, 10, 8),
        Unit.MONTHS,
        6,
        "行政诉讼法第四十六条",
    )


def test_sixty_day_reconsideration_limit__reconsideration_20() -> None:
    # 08-02 + 60 days = 10-01 (国庆节) → 10-08.
    assert deadlines.RECONSIDERATION_APPLICATION.from_(date(2026, 8, 2)).due == date(2026, 10, 8)


def test_year_periods__D21() -> None:
    # 2024-02-29 + 1 year: no 2025-02-29 → 2025-02-28 (Friday, a working day).
    assert _due(date(2024, 2, 29), 1, Unit.YEARS) == date(2025, 2, 28)
    # 2021-10-03 + 5 years = 2026-10-03, 国庆节 → 2026-10-08.
    assert _due(date(2021, 10, 3), 5, Unit.YEARS) == date(2026, 10, 8)


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 10), -13) == date(2024, 12, 10)


def test_twenty_four_hours_run_through_holidays__R30() -> None:
    uploaded = datetime(2026, 9, 30, 18, 0, tzinfo=CHINA)
    d = deadlines.RECORD_AV_UPLOAD.from_(uploaded)
    assert d.due == datetime(2026, 10, 1, 18, 0, tzinfo=CHINA)
    assert d.is_overdue(datetime(2026, 10, 1, 18, 0, tzinfo=CHINA)) is False
    assert d.is_overdue(datetime(2026, 10, 1, 18, 0, 1, tzinfo=CHINA)) is True
    with pytest.raises(TypeError):
        d.is_overdue(date(2026, 10, 2))
    with pytest.raises(TypeError):
        deadlines.RECORD_AV_UPLOAD.from_(date(2026, 9, 30))
    with pytest.raises(TypeError):
        deadlines.RECORD_AV_UPLOAD.from_(datetime(2026, 9, 30, 18, 0))  # naive


def test_due_day_itself_is_in_time_and_the_next_day_is_overdue__D20() -> None:
    d = deadlines.DISCLOSURE_DECISION.from_(date(2026, 9, 30))  # due 10-15
    assert d.is_overdue(date(2026, 10, 15)) is False
    assert d.is_overdue(date(2026, 10, 16)) is True
    assert d.is_overdue(date(2026, 10, 1)) is False
    # 23:59 on the due day in Beijing is still in time; a UTC instant is read as a Chinese date.
    assert d.is_overdue(datetime(2026, 10, 15, 23, 59, tzinfo=CHINA)) is False
    assert d.is_overdue(datetime(2026, 10, 15, 15, 59, tzinfo=UTC)) is False  # 23:59 Beijing
    assert d.is_overdue(datetime(2026, 10, 15, 16, 0, tzinfo=UTC)) is True  # 10-16 00:00 Beijing
    assert d.is_overdue(datetime(2026, 10, 16, 0, 0, tzinfo=CHINA)) is True


def test_a_datetime_start_counts_from_its_date_in_china__working_day() -> None:
    # 2026-09-29 17:00 UTC is 2026-09-30 01:00 in Beijing: the start day is 09-30.
    start = datetime(2026, 9, 29, 17, 0, tzinfo=UTC)
    assert deadlines.DISCLOSURE_DECISION.from_(start).due == date(2026, 10, 15)


def test_hearing_notice_seven_working_days_before__L64() -> None:
    # Hearing on Tue 10-13: back 10-12 (1), 10-10 Sat worked (2), 10-09 (3), 10-08 (4),
    # [10-07..01], 09-30 (5), 09-29 (6), 09-28 (7): notify by 09-28.
    d = deadlines.PENALTY_HEARING_NOTICE.before(date(2026, 10, 13))
    assert (d.due, d.before, d.start) == (date(2026, 9, 28), True, date(2026, 10, 13))
    assert d.is_overdue(date(2026, 9, 28)) is False
    assert d.is_overdue(date(2026, 9, 29)) is True
    assert "提前7个工作日" in d.describe()


@pytest.mark.parametrize(
    ("event", "amount", "unit", "expected", "why"),
    [
        (date(2026, 10, 15), 7, Unit.CALENDAR_DAYS, date(2026, 10, 8), "10-08, a working day"),
        (date(2026, 10, 18), 7, Unit.CALENDAR_DAYS, date(2026, 10, 10), "10-11 Sun → Sat 10-10"),
        (date(2026, 10, 12), 7, Unit.CALENDAR_DAYS, date(2026, 9, 30), "10-05 国庆节 → 09-30"),
        (date(2026, 11, 30), 1, Unit.MONTHS, date(2026, 10, 30), "10-30, a Friday"),
        (date(2026, 10, 13), 3, Unit.WORKING_DAYS, date(2026, 10, 9), "10-12, 10-10, 10-09"),
    ],
)
def test_limits_before_an_event_move_earlier_to_a_working_day__L64(
    event: date, amount: int, unit: Unit, expected: date, why: str
) -> None:
    due = deadline_before(event=event, amount=amount, unit=unit, basis=BASIS).due
    assert due == expected, why


def test_counting_into_2027_before_it_is_loaded_refuses__working_day() -> None:
    with pytest.raises(CalendarYearUnknown) as caught:
        deadlines.PERMIT_DECISION.from_(date(2026, 12, 15))
    assert caught.value.code == "calendar_year_unknown"
    assert "2027" in caught.value.message


@pytest.mark.parametrize(
    ("amount", "basis", "error"),
    [
        (0, BASIS, ValueError),
        (-3, BASIS, ValueError),
        (True, BASIS, ValueError),
        (5, " ", ValueError),
    ],
)
def test_a_deadline_needs_a_positive_amount_and_a_basis(
    amount: int, basis: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        deadline(start=date(2026, 5, 6), amount=amount, unit=Unit.WORKING_DAYS, basis=basis)


def test_stored_form_round_trips_with_basis_and_unit() -> None:
    d = deadlines.PENALTY_HEARING_REQUEST.from_(date(2026, 9, 28))  # due 10-10, see below
    stored = d.as_dict()
    assert stored == {
        "start": "2026-09-28",
        "amount": 5,
        "unit": "working_days",
        "due": "2026-10-10",
        "basis": "行政处罚法第六十四条",
        "before": False,
    }
    assert Deadline.from_dict(stored) == d
    hours = deadlines.COERCION_EMERGENCY_REPORT.from_(datetime(2026, 10, 1, 9, 30, tzinfo=CHINA))
    assert Deadline.from_dict(hours.as_dict()) == hours


def test_describe_names_amount_unit_basis_and_date() -> None:
    # 5 working days from 09-28: 09-29 (1), 09-30 (2), 10-08 (3), 10-09 (4), 10-10 Sat (5).
    d = deadlines.PENALTY_HEARING_REQUEST.from_(date(2026, 9, 28))
    assert d.describe() == "5个工作日（行政处罚法第六十四条），至2026年10月10日"
    hours = deadlines.COERCION_EMERGENCY_REPORT.from_(datetime(2026, 10, 1, 9, 30, tzinfo=CHINA))
    assert hours.describe() == "24小时（行政强制法第十九条），至2026年10月2日 09:30"


def test_every_named_limit_carries_a_basis_and_computes() -> None:
    limits = {
        name: value
        for name, value in vars(deadlines).items()
        if isinstance(value, deadlines.LegalLimit)
    }
    assert len(limits) >= 25
    for name, limit in limits.items():
        assert limit.basis.endswith("条"), name
        start: date = date(2026, 3, 2)
        if limit.unit is Unit.HOURS:
            start = datetime(2026, 3, 2, 9, 0, tzinfo=CHINA)
        due = limit.from_(start).due
        assert due > start, name


# --- properties over the years the package knows -------------------------------------------------

_days = st.dates(min_value=date(2005, 1, 1), max_value=date(2025, 10, 31))
_slow_ok = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_slow_ok
@given(start=_days, amount=st.integers(min_value=1, max_value=30))
def test_working_day_due_is_the_amount_th_working_day_after_start(start: date, amount: int) -> None:
    due = _due(start, amount, Unit.WORKING_DAYS)
    assert calendar.is_workday(due)
    assert calendar.workdays_between(start, due) == amount
    assert calendar.workdays_between(start, due - timedelta(days=1)) == amount - 1


@_slow_ok
@given(start=_days, amount=st.integers(min_value=1, max_value=90))
def test_calendar_day_due_is_the_first_working_day_on_or_after_start_plus_amount(
    start: date, amount: int
) -> None:
    plain = start + timedelta(days=amount)
    due = _due(start, amount, Unit.CALENDAR_DAYS)
    assert due >= plain
    assert calendar.is_workday(due)
    day = plain
    while day < due:
        assert not calendar.is_workday(day)
        day += timedelta(days=1)


@_slow_ok
@given(event=_days, amount=st.integers(min_value=1, max_value=20))
def test_counting_back_then_forward_returns_to_a_working_event(event: date, amount: int) -> None:
    if not calendar.is_workday(event):
        event = calendar.next_workday(event)
    latest = deadline_before(event=event, amount=amount, unit=Unit.WORKING_DAYS, basis=BASIS).due
    assert _due(latest, amount, Unit.WORKING_DAYS) == event
