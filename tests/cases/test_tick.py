"""``zhifa tick`` marks a limit that ran out as overdue, once, and tells the officers on the case
and the heads of its agency, once each; by e-mail too where e-mail is configured (through the
outbox, ``zhifa.notices``)."""

from __future__ import annotations

from typing import Any

from django.core import mail
from django.core.management import call_command

from tests.cases.conftest import Desk, china, grant, start, walk
from zhifa.accounts.models import RoleAssignment
from zhifa.cases import services
from zhifa.cases.models import CaseDeadline, Notification
from zhifa.ledger.models import LedgerEvent
from zhifa.notices.models import Email

Role = RoleAssignment.Role


def _emergency(desk: Desk) -> CaseDeadline:
    case = start(desk, "penalty_general", start_mode="emergency")
    return case.deadlines.get(key="emergency_start_form")


def test_tick_marks_overdue_once_and_notifies_each_responsible_person_once__R9(
    desk: Desk,
) -> None:
    row = _emergency(desk)
    # officer (on the case) is also made a unit head: still one notice
    grant(desk.officer, desk.org.land, Role.UNIT_HEAD)
    call_command("tick", as_of=china(2026, 6, 16, 10, 0).isoformat())
    row.refresh_from_db()
    assert row.overdue_at is None and not Notification.objects.exists()

    call_command("tick", as_of=china(2026, 6, 16, 10, 1).isoformat())
    row.refresh_from_db()
    assert row.overdue_at == china(2026, 6, 16, 10, 1)
    told = sorted(Notification.objects.values_list("user__username", flat=True))
    # officers on the case (甲, 丙), the unit head and the agency head; not the legal reviewer,
    # not the other agency's head
    assert told == sorted(
        [desk.officer.username, desk.officer2.username, desk.unit_head.username, desk.head.username]
    )
    notice = Notification.objects.filter(user=desk.head).get()
    assert notice.deadline == row and "紧急情况立案补办审批期限" in notice.message
    events = LedgerEvent.objects.count()

    call_command("tick", as_of=china(2026, 6, 17, 10, 0).isoformat())
    assert Notification.objects.count() == 4
    assert LedgerEvent.objects.count() == events


def test_tick_leaves_waits_met_limits_and_archived_cases_alone(desk: Desk) -> None:
    case = walk(desk, start(desk, "penalty_simple"), ["notify_on_spot", "decide_on_spot"])
    case = walk(desk, case, ["file_with_agency", "archive", ""])
    assert case.state == "archived"
    events = LedgerEvent.objects.count()
    assert services.mark_overdue(china(2027, 1, 1)) == 0
    assert LedgerEvent.objects.count() == events


def test_a_removed_officer_is_not_told(desk: Desk) -> None:
    case = start(desk, "penalty_general", start_mode="emergency")
    services.officer_remove(actor=desk.head, case=case, officer=desk.officer_b, reason="回避")
    services.mark_overdue(china(2026, 6, 16, 11))
    assert not Notification.objects.filter(user=desk.officer2).exists()
    assert Notification.objects.filter(user=desk.officer).exists()


def test_overdue_notices_are_emailed_when_configured(desk: Desk, settings: Any) -> None:
    """The e-mail is queued with the notice and delivered by the same tick (the outbox runs
    after the overdue task; its retries: ``tests/notices``)."""
    settings.ZHIFA_EMAIL_NOTICES = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    desk.head.email = "head@example.org"
    desk.head.save()
    _emergency(desk)
    call_command("tick", as_of=china(2026, 6, 16, 11).isoformat())
    assert [m.to for m in mail.outbox] == [["head@example.org"]]
    assert "紧急情况立案补办审批期限" in mail.outbox[0].body
    notice = Notification.objects.get(user=desk.head)
    assert notice.emailed_at is not None
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 1
    assert Email.objects.get().status == Email.Status.SENT


def test_no_email_when_not_configured(desk: Desk, settings: Any) -> None:
    settings.ZHIFA_EMAIL_NOTICES = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    desk.head.email = "head@example.org"
    desk.head.save()
    _emergency(desk)
    call_command("tick", as_of=china(2026, 6, 16, 11).isoformat())
    assert mail.outbox == [] and not Email.objects.exists()
    assert Notification.objects.filter(user=desk.head).exists()
