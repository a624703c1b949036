"""A limit whose count reaches a year without an official calendar yet (2027 on 2026-11-27) is
never guessed, and it never stops the act: the case starts, the limit waits with its start,
amount and basis, and ``zhifa tick`` computes it once the year is loaded.

The 2027 file loaded here is the invented test calendar of ``tests/core`` (not official data).
"""

from __future__ import annotations

from datetime import date, datetime

from tests.cases.conftest import Desk, start
from tests.core.calendar_files import TEST_2027, year_file
from zhifa.accounts.actors import SYSTEM
from zhifa.calendars.services import calendar_year_load
from zhifa.cases import services
from zhifa.cases.models import CaseDeadline
from zhifa.cases.tick import pending
from zhifa.core import clock
from zhifa.ledger.models import LedgerEvent


def test_a_case_starts_while_its_decision_limit_waits_for_the_2027_calendar__R7(
    desk: Desk,
) -> None:
    # 2026-11-08 + 90 days (行政处罚法第六十条) = 2027-02-06, inside the (test) 春节 holiday.
    with clock.frozen(datetime(2026, 11, 8, 9, 0, tzinfo=clock.CHINA)):
        case = start(desk, "penalty_general")
    limit = CaseDeadline.objects.get(case=case, key="decision")
    assert limit.due_date is None
    assert limit.computed["pending_year"] == 2027
    assert limit.computed["start"] == "2026-11-08"
    assert limit.computed["basis"] == "行政处罚法第六十条"
    assert services.pending_years() == [2027]

    # Months later, still no calendar: nothing is flagged overdue on a guess.
    later = datetime(2027, 3, 1, 9, 0, tzinfo=clock.CHINA)
    assert services.mark_overdue(later) == 0
    assert services.compute_pending(later) == 0
    assert "2027" in pending(later)

    calendar_year_load(actor=SYSTEM, content=year_file(TEST_2027), file_name="2027.toml")
    before = LedgerEvent.objects.count()
    assert services.compute_pending(later) == 1
    limit.refresh_from_db()
    # 02-06 is a holiday: the period ends on the next working day, the adjusted Sunday 02-14.
    assert limit.due_date == date(2027, 2, 14)
    assert limit.computed["due"] == "2027-02-14"
    assert "pending_year" not in limit.computed
    assert LedgerEvent.objects.count() == before + 1
    assert LedgerEvent.objects.order_by("-seq").first().action == "cases.deadline.compute"
    assert services.pending_years() == []
    assert services.compute_pending(later) == 0  # once
    # Now it is a real limit, and 2027-03-01 is past it.
    assert services.mark_overdue(later) == 1
