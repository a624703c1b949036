"""Every legal time limit, computed by one function over the working-day calendar.

How Chinese law counts a period (民法典第二百零一条至第二百零四条, and the procedure laws that say
the same):

- The start day is not counted: a period "within N days of X" starts the day after X.
- 工作日 periods count working days only (statutory holidays off, 调休 weekend days on):
  行政处罚法第八十五条 (its 2, 3, 5 and 7 日 limits), 行政强制法第六十九条 (limits of up to 10 日),
  行政许可法第八十二条 (all its limits), and the township rules that say 工作日.
- A calendar-day, month or year period whose last day is not a working day (a statutory holiday or
  a weekend) ends on the next working day (民法典第二百零三条).
- Months and years end on the corresponding day of the last month; without one (31 March + 6
  months), on that month's last day (民法典第二百零二条).
- Hours run from the moment itself, with no holiday extension (民法典第二百零一条第二款).
- The last day runs to 24:00 (民法典第二百零三条第二款): a deadline is overdue only the day after.

A :class:`Deadline` always carries its basis (the article) and its unit, so that a stored deadline
says why it is what it is. Limits "N days before an event" (听证七日前通知) use
:func:`deadline_before`: the latest day to act, moved earlier to a working day.
"""

from __future__ import annotations

import calendar as gregorian
import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhifa.core import calendar, clock
from zhifa.core.clock import CHINA


class Unit(enum.StrEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    MONTHS = "months"
    YEARS = "years"
    HOURS = "hours"

    @property
    def label(self) -> str:
        return str(_UNIT_LABELS[self])


_UNIT_LABELS = {
    Unit.WORKING_DAYS: gettext_lazy("个工作日"),
    Unit.CALENDAR_DAYS: gettext_lazy("日"),
    Unit.MONTHS: gettext_lazy("个月"),
    Unit.YEARS: gettext_lazy("年"),
    Unit.HOURS: gettext_lazy("小时"),
}


@dataclass(frozen=True)
class Deadline:
    """A computed time limit: ``due`` is the last day (or, for hours, the last instant) to act.

    ``before`` is true for a limit counted back from an event (``start`` is then the event).
    """

    start: date
    amount: int
    unit: Unit
    due: date
    basis: str
    before: bool = False

    def is_overdue(self, on: date) -> bool:
        """Has the limit passed on ``on``? The due day itself is still in time (to 24:00).

        Day-based limits take a date (a datetime is read as its date in China); hour-based limits
        need an aware datetime.
        """
        if self.unit is Unit.HOURS:
            if not isinstance(on, datetime) or on.tzinfo is None:
                raise TypeError("an hour-based deadline needs an aware datetime")
            return on > self.due
        return clock.china_date(on) > self.due

    def as_dict(self) -> dict[str, Any]:
        """The stored form (JSON types only): start, amount, unit, due, basis, before."""
        return {
            "start": self.start.isoformat(),
            "amount": self.amount,
            "unit": self.unit.value,
            "due": self.due.isoformat(),
            "basis": self.basis,
            "before": self.before,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Deadline:
        unit = Unit(data["unit"])
        parse = datetime.fromisoformat if unit is Unit.HOURS else date.fromisoformat
        return cls(
            start=parse(data["start"]),
            amount=int(data["amount"]),
            unit=unit,
            due=parse(data["due"]),
            basis=str(data["basis"]),
            before=bool(data.get("before", False)),
        )

    def describe(self) -> str:
        """``5个工作日（行政处罚法第六十四条），至2026年10月13日`` and the like."""
        due = _("%(year)s年%(month)s月%(day)s日") % {
            "year": self.due.year,
            "month": self.due.month,
            "day": self.due.day,
        }
        if isinstance(self.due, datetime):
            local = self.due.astimezone(CHINA)
            due = _("%(year)s年%(month)s月%(day)s日 %(time)s") % {
                "year": local.year,
                "month": local.month,
                "day": local.day,
                "time": local.strftime("%H:%M"),
            }
        values = {"amount": self.amount, "unit": self.unit.label, "basis": self.basis, "due": due}
        if self.before:
            return _("提前%(amount)s%(unit)s（%(basis)s），最迟%(due)s") % values
        return _("%(amount)s%(unit)s（%(basis)s），至%(due)s") % values


def deadline(*, start: date, amount: int, unit: Unit, basis: str) -> Deadline:
    """The limit of ``amount`` ``unit`` counted from ``start`` (not counted), with its basis.

    ``start`` is a date for day, month and year limits (a datetime is read as its date in China)
    and an aware datetime for hour limits. Raises :class:`~zhifa.core.calendar.CalendarYearUnknown`
    when the count reaches a year the calendar does not know.
    """
    _check(amount, unit, basis)
    if unit is Unit.HOURS:
        moment = _aware(start)
        return Deadline(moment, amount, unit, moment + timedelta(hours=amount), basis)
    day = clock.china_date(start)
    if unit is Unit.WORKING_DAYS:
        due = calendar.add_workdays(day, amount)
    elif unit is Unit.CALENDAR_DAYS:
        due = calendar.next_workday(day + timedelta(days=amount))
    elif unit is Unit.MONTHS:
        due = calendar.next_workday(add_months(day, amount))
    else:
        due = calendar.next_workday(add_months(day, 12 * amount))
    return Deadline(day, amount, unit, due, basis)


def deadline_before(*, event: date, amount: int, unit: Unit, basis: str) -> Deadline:
    """The latest day to act for a limit of ``amount`` ``unit`` before ``event`` (not counted).

    Working days count back over working days; a calendar-day, month or year count that lands on
    a rest day moves earlier, to the last working day before it (the office must be open to act).
    """
    _check(amount, unit, basis)
    if unit is Unit.HOURS:
        moment = _aware(event)
        return Deadline(moment, amount, unit, moment - timedelta(hours=amount), basis, True)
    day = clock.china_date(event)
    if unit is Unit.WORKING_DAYS:
        due = calendar.add_workdays(day, -amount)
    elif unit is Unit.CALENDAR_DAYS:
        due = calendar.previous_workday(day - timedelta(days=amount))
    elif unit is Unit.MONTHS:
        due = calendar.previous_workday(add_months(day, -amount))
    else:
        due = calendar.previous_workday(add_months(day, -12 * amount))
    return Deadline(day, amount, unit, due, basis, True)


def add_months(day: date, months: int) -> date:
    """The corresponding day ``months`` later (earlier when negative); the month's last day when
    that month has no such day (民法典第二百零二条)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = gregorian.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def _check(amount: int, unit: Unit, basis: str) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise ValueError("amount must be a positive integer")
    if not isinstance(unit, Unit):
        raise TypeError("unit must be a deadlines.Unit")
    if not basis.strip():
        raise ValueError("every legal deadline needs its basis (law and article)")


def _aware(moment: date) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise TypeError("an hour-based limit starts at an aware datetime")
    return moment


@dataclass(frozen=True)
class PendingDeadline:
    """A limit whose last day cannot be known yet: the count reaches ``year``, whose official
    holiday arrangement the calendar does not have. It is never guessed: the record keeps the
    start, the amount and the basis, and is computed once the year is loaded
    (``zhifa calendar load``)."""

    start: date
    amount: int
    unit: Unit
    basis: str
    year: int
    due: None = None
    before: bool = False

    def is_overdue(self, on: date) -> bool:
        return False

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "amount": self.amount,
            "unit": self.unit.value,
            "due": None,
            "basis": self.basis,
            "before": False,
            "pending_year": self.year,
        }

    def describe(self) -> str:
        return _("%(amount)s%(unit)s（%(basis)s），届满日待载入%(year)s年工作日历后计算") % {
            "amount": self.amount,
            "unit": self.unit.label,
            "basis": self.basis,
            "year": self.year,
        }


def computed_from_dict(data: dict[str, Any]) -> Deadline | PendingDeadline:
    """A stored deadline (``as_dict`` of either kind) read back."""
    if data.get("pending_year"):
        return PendingDeadline(
            start=date.fromisoformat(data["start"]),
            amount=int(data["amount"]),
            unit=Unit(data["unit"]),
            basis=str(data["basis"]),
            year=int(data["pending_year"]),
        )
    return Deadline.from_dict(data)


@dataclass(frozen=True)
class LegalLimit:
    """A limit as the law states it; :meth:`from_` and :meth:`before` compute the deadline."""

    amount: int
    unit: Unit
    basis: str

    def from_(self, start: date) -> Deadline:
        return deadline(start=start, amount=self.amount, unit=self.unit, basis=self.basis)

    def before(self, event: date) -> Deadline:
        return deadline_before(event=event, amount=self.amount, unit=self.unit, basis=self.basis)

    def from_or_pending(self, start: date) -> Deadline | PendingDeadline:
        """:meth:`from_`, or — when the count reaches a year the calendar does not know yet — a
        :class:`PendingDeadline` to compute once that year is loaded (the act itself must not
        wait for the State Council's holiday notice)."""
        try:
            return self.from_(start)
        except calendar.CalendarYearUnknown as exc:
            year = int(exc.detail["year"]) if isinstance(exc.detail, dict) else start.year + 1
            return PendingDeadline(
                clock.china_date(start), self.amount, self.unit, self.basis, year
            )


WD, DAYS, MONTHS, HOURS = Unit.WORKING_DAYS, Unit.CALENDAR_DAYS, Unit.MONTHS, Unit.HOURS

# 行政处罚法 (2021); art. 85: its 2, 3, 5 and 7 日 are working days.
PENALTY_PUBLICATION_WITHDRAWAL = LegalLimit(3, WD, "行政处罚法第四十八条")
PENALTY_PRESERVED_EVIDENCE_DECISION = LegalLimit(7, WD, "行政处罚法第五十六条")
PENALTY_DECISION = LegalLimit(90, DAYS, "行政处罚法第六十条")
PENALTY_DECISION_SERVICE = LegalLimit(7, WD, "行政处罚法第六十一条")
PENALTY_HEARING_REQUEST = LegalLimit(5, WD, "行政处罚法第六十四条")
PENALTY_HEARING_NOTICE = LegalLimit(7, WD, "行政处罚法第六十四条")  # before the hearing
PENALTY_PAYMENT = LegalLimit(15, DAYS, "行政处罚法第六十七条")
PENALTY_ON_THE_SPOT_FINE_HANDOVER = LegalLimit(2, WD, "行政处罚法第七十一条")

# 行政强制法; art. 69: limits of up to 10 日 are working days.
COERCION_EMERGENCY_REPORT = LegalLimit(24, HOURS, "行政强制法第十九条")
COERCION_SEIZURE = LegalLimit(30, DAYS, "行政强制法第二十五条")
COERCION_SUBSTITUTE_PERFORMANCE_REMINDER = LegalLimit(3, WD, "行政强制法第五十一条")  # before
COERCION_COURT_APPLICATION = LegalLimit(3, MONTHS, "行政强制法第五十三条")
COERCION_COURT_WAIT_AFTER_REMINDER = LegalLimit(10, WD, "行政强制法第五十四条")

# 行政许可法; art. 82: its limits are working days.
PERMIT_MISSING_MATERIALS_NOTICE = LegalLimit(5, WD, "行政许可法第三十二条")
PERMIT_DECISION = LegalLimit(20, WD, "行政许可法第四十二条")
PERMIT_DECISION_EXTENSION = LegalLimit(10, WD, "行政许可法第四十二条")
PERMIT_CERTIFICATE = LegalLimit(10, WD, "行政许可法第四十四条")
PERMIT_HEARING_REQUEST = LegalLimit(5, WD, "行政许可法第四十七条")
PERMIT_HEARING_HELD = LegalLimit(20, WD, "行政许可法第四十七条")
PERMIT_HEARING_NOTICE = LegalLimit(7, WD, "行政许可法第四十八条")  # before the hearing

# Remedies the party is told of.
RECONSIDERATION_APPLICATION = LegalLimit(60, DAYS, "行政复议法第二十条")
LITIGATION_FILING = LegalLimit(6, MONTHS, "行政诉讼法第四十六条")

# The township's own rules (founding document, 附件3–5).
DISCLOSURE_DECISION = LegalLimit(7, WD, "白山乡行政执法公示办法第二十七条")  # D-20
DISCLOSURE_INSPECTION_RESULT = LegalLimit(20, WD, "白山乡行政执法公示办法第二十七条")  # D-20
DISCLOSURE_UPDATE_AFTER_CHANGE = LegalLimit(20, WD, "白山乡行政执法公示办法第二十五条")  # D-19
RECORD_EMERGENCY_START_FORM = LegalLimit(24, HOURS, "白山乡行政执法全过程记录办法第九条")
RECORD_CASE_FILE_ARCHIVE = LegalLimit(30, DAYS, "白山乡行政执法全过程记录办法第三十三条")
RECORD_AV_UPLOAD = LegalLimit(24, HOURS, "白山乡行政执法全过程记录办法第三十三条")
LEGAL_REVIEW = LegalLimit(7, WD, "白山乡重大行政执法决定法制审核办法第十四条")  # L-15
LEGAL_REVIEW_EXTENSION = LegalLimit(5, WD, "白山乡重大行政执法决定法制审核办法第十四条")  # L-15
