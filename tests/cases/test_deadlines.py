"""The limits a case runs on: counted on the official calendar, moved off holidays, extended only
as the law allows, waited out before the next step (行政强制法第二十五条、第五十四条; R-9, R-29).

The desk's clock stands at 2026-06-15 10:00 (Beijing time); a test moves it with
``clock.frozen``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction

from tests.cases.conftest import Desk, china, fill_step, start, unchanged, walk
from zhifa.cases import services
from zhifa.cases.models import Case, CaseDeadline
from zhifa.core import calendar, clock
from zhifa.core.errors import Conflict, PermissionDenied, ValidationFailed

TO_COURT = [
    "investigate",
    "investigation_report",
    "notify_rights",
    "draft_decision",
    "legal_review",
    "decide",
    "serve",
    "compliance",
    "remind",
]
# Before a court application the party's periods must have run out: 15 days to pay (行政处罚法
# 第六十七条) before the 催告, and six months to sue (行政诉讼法第四十六条) before applying
# (行政强制法第五十三条). The walks decide and serve this long before the 催告.
BEFORE_REMINDER = timedelta(days=200)


def _served_long_before(desk: Desk, reminder: date) -> Case:
    """A case decided and served 200 days before ``reminder``, waiting at 履行情况."""
    early = reminder - BEFORE_REMINDER
    with clock.frozen(china(early.year, early.month, early.day, 9)):
        return walk(desk, start(desk, "penalty_general"), TO_COURT[:-1])


def _refused(desk: Desk, case: Case, to: str) -> list[str]:
    with unchanged(), pytest.raises(ValidationFailed) as err:
        services.step_advance(actor=desk.officer, case=case, to=to)
    detail = err.value.detail
    return [g["code"] for g in detail] if isinstance(detail, list) else [str(err.value.code)]


# --- the seizure: 30 days, extended once by 30 (行政强制法第二十五条) ---


def _seized(desk: Desk) -> Case:
    case = walk(desk, start(desk, "coercive_measure"), ["implement"])
    return walk(desk, case, ["extend"], implement="seize")


def test_seizure_runs_30_days__QZ25(desk: Desk) -> None:
    case = _seized(desk)
    row = case.deadlines.get(key="seizure")
    assert row.due_date == date(2026, 7, 15)  # 2026-06-15 + 30 days, a Wednesday


@pytest.mark.parametrize(
    ("day", "ok"),
    [(date(2026, 7, 14), True), (date(2026, 7, 15), True), (date(2026, 7, 16), False)],
)
def test_the_extension_is_decided_before_the_seizure_runs_out__QZ25(
    desk: Desk, day: date, ok: bool
) -> None:
    case = _seized(desk)
    with clock.frozen(china(day.year, day.month, day.day, 16)):
        fill_step(desk, case)
        if not ok:
            assert "extension_late" in _refused(desk, case, "release")
            assert case.deadlines.get(key="seizure").extended_times == 0
            return
        services.step_advance(actor=desk.officer, case=case, to="release")
    row = case.deadlines.get(key="seizure")
    assert row.extended_times == 1
    assert row.due_date == date(2026, 8, 14)  # 30 more days from the first expiry
    assert row.computed["extended_from"] == "2026-07-15"


def test_a_second_extension_is_impossible__QZ25(desk: Desk) -> None:
    case = _seized(desk)
    fill_step(desk, case)
    case = services.step_advance(actor=desk.officer, case=case, to="release")
    row = case.deadlines.get(key="seizure")
    # the procedure has no way back to the extension step …
    with unchanged(), pytest.raises(ValidationFailed):
        services.step_advance(actor=desk.officer, case=case, to="extend")
    # … and the head's extension of a limit does not apply to the seizure
    with unchanged(), pytest.raises(Conflict):
        services.deadline_extend(actor=desk.head, deadline=row, reason="再延长三十日")


# --- the court application waits 10 working days after the 催告 is served (行政强制法第五十四条)


def _at_court_application(desk: Desk, served: date) -> Case:
    case = _served_long_before(desk, served)
    with clock.frozen(china(served.year, served.month, served.day, 9)):
        case = walk(desk, case, ["remind", "remind_statement", "court_application"])
    return case


@pytest.mark.parametrize(
    ("served", "last_day_of_wait"),
    [
        # 国庆、中秋 2026: 10-01 … 10-07 off, Saturday 10-10 a working day
        (date(2026, 9, 28), date(2026, 10, 16)),
    ],
)
def test_court_application_waits_ten_working_days_after_service__QZ54(
    desk: Desk, served: date, last_day_of_wait: date
) -> None:
    case = _at_court_application(desk, served)
    row = case.deadlines.get(key="court_wait")
    assert row.is_wait
    assert row.computed["start"] == served.isoformat()
    assert row.due_date == last_day_of_wait == calendar.add_workdays(served, 10)
    with clock.frozen(
        china(last_day_of_wait.year, last_day_of_wait.month, last_day_of_wait.day, 9)
    ):
        fill_step(desk, case)
    with clock.frozen(
        china(last_day_of_wait.year, last_day_of_wait.month, last_day_of_wait.day, 23, 59)
    ):
        assert "wait:court_wait" in _refused(desk, case, "court_result")
    after = last_day_of_wait + timedelta(days=1)
    with clock.frozen(china(after.year, after.month, after.day, 0, 1)):
        case = services.step_advance(actor=desk.officer, case=case, to="court_result")
    assert case.current_step == "court_result"
    row.refresh_from_db()
    assert row.met_at is not None


def test_court_wait_across_spring_festival__QZ54(desk: Desk) -> None:
    """春节 2026: 02-15 … 02-23 off, Saturdays 02-14 and 02-28 working days."""
    case = _served_long_before(desk, date(2026, 2, 10))
    with clock.frozen(china(2026, 2, 10)):
        case = walk(desk, case, ["remind", "remind_statement", "court_application"])
    row = case.deadlines.get(key="court_wait")
    # 02-11, 12, 13, 14 (Sat, working), 24, 25, 26, 27, 28 (Sat, working), 03-02
    assert row.due_date == date(2026, 3, 2) == calendar.add_workdays(date(2026, 2, 10), 10)
    with clock.frozen(china(2026, 3, 2, 17)):
        fill_step(desk, case)
        assert "wait:court_wait" in _refused(desk, case, "court_result")
    with clock.frozen(china(2026, 3, 3, 8)):
        services.step_advance(actor=desk.officer, case=case, to="court_result")


def test_court_wait_counts_from_the_service_date_not_the_filing__QZ54(desk: Desk) -> None:
    """The 催告书 was served on 09-28 but recorded only on 09-30: the ten days run from 09-28."""
    from tests.cases.conftest import all_signed, sample_fields

    case = _served_long_before(desk, date(2026, 9, 28))
    with clock.frozen(china(2026, 9, 28, 9)):
        case = walk(desk, case, ["remind"])
    with clock.frozen(china(2026, 9, 30, 9)):
        for kind in ("reminder", "service_receipt"):
            services.record_add(
                actor=desk.officer,
                case=case,
                kind=kind,
                fields=sample_fields(kind, served_on="2026-09-28"),
                signatures=all_signed(kind),
            )
        fill_step(desk, case, skip=("records",))
        case = services.step_advance(actor=desk.officer, case=case, to="remind_statement")
        case = walk(desk, case, ["court_application"])
    row = case.deadlines.get(key="court_wait")
    assert row.due_date == date(2026, 10, 16)


# --- deadlines that end on a holiday move to the next working day ---


def test_a_calendar_day_limit_ending_on_a_holiday_moves_to_the_next_working_day__R29(
    desk: Desk,
) -> None:
    path = ["notify_on_spot", "decide_on_spot", "file_with_agency"]
    with clock.frozen(china(2026, 9, 1)):
        case = walk(desk, start(desk, "penalty_simple"), path)
        case = walk(desk, case, ["archive"])
    row = case.deadlines.get(key="archive")
    assert row.computed["start"] == "2026-09-01"
    # 2026-09-01 + 30 days = 10-01 (国庆): the limit ends on the next working day
    assert row.due_date == date(2026, 10, 8) == calendar.next_workday(date(2026, 10, 1))


def test_the_archive_limit_is_30_days_from_the_close__R29(desk: Desk) -> None:
    case = walk(
        desk,
        start(desk, "penalty_general"),
        [
            "investigate",
            "investigation_report",
            "notify_rights",
            "draft_decision",
            "legal_review",
            "decide",
            "serve",
            "compliance",
            "close",
        ],
    )
    with clock.frozen(china(2026, 6, 20)):
        case = walk(desk, case, ["archive"])
    row = case.deadlines.get(key="archive")
    assert row.due_date == date(2026, 7, 20)
    with clock.frozen(china(2026, 7, 20, 23, 59)):
        case = walk(desk, case, [""])
    row.refresh_from_db()
    assert case.state == "archived"
    assert row.met_at is not None and row.overdue_at is None


def test_an_archive_after_the_limit_is_recorded_as_late__R29(desk: Desk) -> None:
    """Archiving on day 31 is not refused (the file must still be archived) but the limit is
    marked overdue, even when no tick ran between the expiry and the archive."""
    case = walk(desk, start(desk, "penalty_simple"), ["notify_on_spot", "decide_on_spot"])
    case = walk(desk, case, ["file_with_agency", "archive"])
    row = case.deadlines.get(key="archive")
    assert row.due_date == date(2026, 7, 15)
    with clock.frozen(china(2026, 7, 16, 9)):
        case = walk(desk, case, [""])
    row.refresh_from_db()
    assert case.state == "archived"
    assert row.met_at is not None and row.overdue_at is not None


# --- the emergency start form, 24 hours (R-9) ---


def _emergency(desk: Desk) -> tuple[Case, CaseDeadline]:
    case = start(desk, "penalty_general", start_mode="emergency")
    return case, case.deadlines.get(key="emergency_start_form")


def _file_form(desk: Desk, case: Case) -> None:
    from tests.cases.conftest import all_signed, sample_fields

    services.record_add(
        actor=desk.officer,
        case=case,
        kind="start_approval",
        fields=sample_fields("start_approval"),
        signatures=all_signed("start_approval"),
        step_run=case.steps.get(step_id="register"),
    )


def test_the_emergency_form_is_due_24_hours_after_the_start__R9(desk: Desk) -> None:
    _case, row = _emergency(desk)
    assert row.computed["due"] == china(2026, 6, 16, 10).isoformat()
    assert row.due_date == date(2026, 6, 16)


@pytest.mark.parametrize(
    ("filed", "late"),
    [((16, 9, 59), False), ((16, 10, 0), False), ((16, 10, 1), True), ((17, 9, 0), True)],
)
def test_the_emergency_form_filed_in_time_or_late__R9(
    desk: Desk, filed: tuple[int, int, int], late: bool
) -> None:
    case, row = _emergency(desk)
    case = services.step_advance(actor=desk.officer, case=case, to="investigate")
    day, hour, minute = filed
    with clock.frozen(china(2026, 6, day, hour, minute)):
        _file_form(desk, case)
    services.mark_overdue(china(2026, 6, 17, 12))
    row.refresh_from_db()
    assert row.met_at is not None
    assert (row.overdue_at is not None) is late


def test_an_emergency_form_not_filed_is_flagged_by_tick__R9(desk: Desk) -> None:
    _case, row = _emergency(desk)
    assert services.mark_overdue(china(2026, 6, 16, 10, 0)) == 0
    row.refresh_from_db()
    assert row.overdue_at is None
    assert services.mark_overdue(china(2026, 6, 16, 10, 1)) == 1
    row.refresh_from_db()
    assert row.overdue_at == china(2026, 6, 16, 10, 1)


# --- the head's extension of a limit the law lets be extended once (法制审核 +5 working days) ---


def _at_review(desk: Desk) -> Case:
    return walk(
        desk,
        start(desk, "penalty_general"),
        ["investigate", "investigation_report", "notify_rights", "draft_decision", "legal_review"],
    )


@pytest.mark.parametrize(("day", "ok"), [(date(2026, 6, 25), True), (date(2026, 6, 26), False)])
def test_the_legal_review_limit_is_extended_once_before_it_runs_out__L15(
    desk: Desk, day: date, ok: bool
) -> None:
    case = _at_review(desk)
    row = case.deadlines.get(key="legal_review")
    # 7 working days from 06-15 over 端午 (06-19): 06-25
    assert row.due_date == date(2026, 6, 25) == calendar.add_workdays(date(2026, 6, 15), 7)
    with clock.frozen(china(day.year, day.month, day.day, 17)):
        if not ok:
            with unchanged(), pytest.raises(Conflict):
                services.deadline_extend(actor=desk.head, deadline=row, reason="案情复杂")
            return
        services.deadline_extend(actor=desk.head, deadline=row, reason="案情复杂")
        row.refresh_from_db()
        assert row.due_date == calendar.add_workdays(date(2026, 6, 25), 5) == date(2026, 7, 2)
        with unchanged(), pytest.raises(Conflict):
            services.deadline_extend(actor=desk.head, deadline=row, reason="再次延长")


@pytest.mark.parametrize("who", ["officer", "unit_head"])
def test_only_the_agency_head_extends__L15(desk: Desk, who: str) -> None:
    case = _at_review(desk)
    row = case.deadlines.get(key="legal_review")
    with unchanged(), pytest.raises(PermissionDenied):
        services.deadline_extend(actor=getattr(desk, who), deadline=row, reason="案情复杂")


def test_the_decision_limit_is_met_by_the_decision(desk: Desk, **_: Any) -> None:
    case = _at_review(desk)
    case = walk(desk, case, ["decide", "serve"])
    row = case.deadlines.get(key="decision")
    assert row.met_at is not None
    assert case.deadlines.get(key="legal_review").met_at is not None
    assert case.deadlines.get(key="decision_service").met_at is None


def test_the_emergency_form_filed_before_the_first_step_closes_meets_the_limit__R9(
    desk: Desk,
) -> None:
    case, row = _emergency(desk)
    with clock.frozen(china(2026, 6, 15, 12)):
        _file_form(desk, case)
    row.refresh_from_db()
    assert row.met_at == china(2026, 6, 15, 12)
    services.step_advance(actor=desk.officer, case=case, to="investigate")
    assert services.mark_overdue(china(2026, 6, 17, 12)) == 0
    row.refresh_from_db()
    assert row.overdue_at is None


@pytest.mark.parametrize(
    ("variant", "kind", "field", "payment_due"),
    [
        # served directly on 06-15: 15 days → 06-30
        ("direct", "service_receipt", "served_on", date(2026, 6, 30)),
        # by public notice published 06-15: deemed served 30 days later (07-15), 15 days → 07-30
        ("public_notice", "public_notice_record", "published_on", date(2026, 7, 30)),
    ],
)
def test_payment_runs_from_service__CF67_and_a_public_notice_is_served_after_30_days__MSS95(
    desk: Desk, variant: str, kind: str, field: str, payment_due: date
) -> None:
    from tests.cases.conftest import all_signed, sample_fields

    case = walk(desk, start(desk, "penalty_general"), TO_COURT[:7])
    assert case.current_step == "serve"
    services.step_choose_variant(actor=desk.officer, case=case, variant=variant)
    services.record_add(
        actor=desk.officer,
        case=case,
        kind=kind,
        fields=sample_fields(kind, **{field: "2026-06-15"}),
        signatures=all_signed(kind),
    )
    services.step_av_reason(actor=desk.officer, case=case, reason="测试")
    case = services.step_advance(actor=desk.officer, case=case, to="compliance")
    assert case.deadlines.get(key="payment").due_date == payment_due


# --- the party's periods hold the agency back (行政处罚法第六十四条) ---


def _at_rights_notice(desk: Desk, *, waived: bool, told_on: date) -> Case:
    from tests.cases.conftest import all_signed, sample_fields

    case = walk(desk, start(desk, "penalty_general"), TO_COURT[:3])
    with clock.frozen(china(told_on.year, told_on.month, told_on.day, 9)):
        services.record_add(
            actor=desk.officer,
            case=case,
            kind="rights_notice",
            fields=sample_fields("rights_notice", waived=waived, told_on=told_on.isoformat()),
            signatures=all_signed("rights_notice"),
        )
    return case


def test_no_decision_within_the_five_working_days_to_ask_for_a_hearing__L64(desk: Desk) -> None:
    """Told on Monday 06-15: the party may ask until 06-23 (端午 06-19 off); on 06-23 the agency
    may not go on to the decision without a hearing, on 06-24 it may."""
    case = _at_rights_notice(desk, waived=False, told_on=date(2026, 6, 15))
    assert calendar.add_workdays(date(2026, 6, 15), 5) == date(2026, 6, 23)
    with clock.frozen(china(2026, 6, 23, 17)), unchanged(), pytest.raises(ValidationFailed) as err:
        services.step_advance(actor=desk.officer, case=case, to="draft_decision")
    assert err.value.code == "party_period_running"
    # asking for a hearing (or stating a defence) is the party's right at any time in the period
    with clock.frozen(china(2026, 6, 23, 17)), transaction.atomic():
        services.step_advance(actor=desk.officer, case=case, to="hearing_request")
        transaction.set_rollback(True)
    with clock.frozen(china(2026, 6, 24, 9)):
        services.step_advance(actor=desk.officer, case=case, to="draft_decision")


def test_a_written_waiver_lets_the_decision_go_on_at_once__L64(desk: Desk) -> None:
    case = _at_rights_notice(desk, waived=True, told_on=date(2026, 6, 15))
    with clock.frozen(china(2026, 6, 15, 11)):
        services.step_advance(actor=desk.officer, case=case, to="draft_decision")


@pytest.mark.parametrize(
    ("notified_on", "ok"),
    # hearing on Thursday 07-02: seven working days before is 06-23
    [(date(2026, 6, 23), True), (date(2026, 6, 24), False)],
)
def test_the_hearing_notice_is_served_seven_working_days_before__L64(
    desk: Desk, notified_on: date, ok: bool
) -> None:
    from tests.cases.conftest import all_signed, sample_fields

    assert calendar.add_workdays(date(2026, 7, 2), -7) == date(2026, 6, 23)
    case = walk(desk, start(desk, "penalty_general"), TO_COURT[:3] + ["hearing_request"])
    with clock.frozen(china(notified_on.year, notified_on.month, notified_on.day, 16)):
        services.record_add(
            actor=desk.officer,
            case=case,
            kind="hearing_notice",
            fields=sample_fields(
                "hearing_notice", notified_on=notified_on.isoformat(), hearing_date="2026-07-02"
            ),
            signatures=all_signed("hearing_notice"),
        )
        if ok:
            services.step_advance(actor=desk.officer, case=case, to="hearing")
        else:
            assert "notice_before" in _refused(desk, case, "hearing")
