"""Notices that are not lost (issue 9): an overdue notice's e-mail is a row of the outbox, written
with the notice; ``zhifa tick`` delivers it, retries a failure with exponential back-off and, after
the last attempt, marks it dead for the security admin, who may send it again (ledgered).

Delivered to a real SMTP server on 127.0.0.1 (aiosmtpd), started and stopped inside the test.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from tests.cases.conftest import Desk, china, start, unchanged
from tests.cases.test_pages import html, staff_client
from tests.org.conftest import make_user
from zhifa.accounts.models import User
from zhifa.cases.models import Notification
from zhifa.core.errors import Conflict
from zhifa.ledger.models import LedgerEvent
from zhifa.notices import services
from zhifa.notices.models import Email

OVERDUE = china(2026, 6, 16, 10, 1)  # the emergency start's 24 hours ran out at 10:00


class Sink:
    """What the SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(port: int) -> Iterator[Sink]:
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def port(settings: Any) -> int:
    """E-mail configured to a port on 127.0.0.1 where, until a test starts one, no server runs;
    three attempts, one minute first."""
    chosen = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = chosen
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_TIMEOUT = 5
    settings.ZHIFA_EMAIL_NOTICES = True
    settings.ZHIFA_EMAIL_RETRY_BASE_SECONDS = 60
    settings.ZHIFA_EMAIL_RETRY_CAP_SECONDS = 600
    settings.ZHIFA_EMAIL_MAX_ATTEMPTS = 3
    return chosen


def tick(at: Any) -> None:
    call_command("tick", as_of=at.isoformat())


def overdue_email(desk: Desk) -> Email:
    """An emergency start whose form is late, its head with an e-mail address: the first tick
    writes the notice and its e-mail, and tries to send it."""
    desk.head.email = "head@example.org"
    desk.head.save()
    start(desk, "penalty_general", start_mode="emergency")
    tick(OVERDUE)
    return Email.objects.get()


def test_a_failed_email_is_retried_after_back_off_and_delivered_once(desk: Desk, port: int) -> None:
    email = overdue_email(desk)  # the server is down
    notice = Notification.objects.get(user=desk.head)
    assert email.status == Email.Status.PENDING and email.attempts == 1
    assert email.next_attempt_at == OVERDUE + timedelta(seconds=60)
    assert "Connection" in email.last_error and notice.emailed_at is None
    assert (email.address, email.source_id) == ("head@example.org", str(notice.pk))

    with smtp_server(port) as sink:
        tick(OVERDUE + timedelta(seconds=30))  # not yet due: the back-off holds
        assert sink.messages == []
        tick(OVERDUE + timedelta(seconds=60))
        assert [m.rcpt_tos for m in sink.messages] == [["head@example.org"]]
        assert "紧急情况立案补办审批期限" in sink.messages[0].content.decode()
        tick(OVERDUE + timedelta(minutes=10))
        tick(OVERDUE + timedelta(days=1))
        assert len(sink.messages) == 1  # exactly once

    email.refresh_from_db()
    notice.refresh_from_db()
    assert email.status == Email.Status.SENT and email.attempts == 2
    assert email.sent_at == notice.emailed_at == OVERDUE + timedelta(seconds=60)
    actions = list(
        LedgerEvent.objects.filter(action__startswith="notices.email").values_list(
            "action", flat=True
        )
    )
    assert actions == ["notices.email.queue", "notices.email.fail", "notices.email.send"]
    assert LedgerEvent.objects.filter(action="cases.notice.email").count() == 1


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 60), (2, 120), (3, 240), (4, 480), (5, 600), (20, 600)]
)
def test_back_off_doubles_up_to_the_cap(settings: Any, attempts: int, seconds: int) -> None:
    settings.ZHIFA_EMAIL_RETRY_BASE_SECONDS = 60
    settings.ZHIFA_EMAIL_RETRY_CAP_SECONDS = 600
    assert services.backoff(attempts) == timedelta(seconds=seconds)


def test_after_the_last_attempt_it_is_dead_and_the_security_admin_sends_it_again(
    desk: Desk, port: int
) -> None:
    email = overdue_email(desk)
    tick(OVERDUE + timedelta(seconds=60))  # second attempt, next after 120 s
    email.refresh_from_db()
    assert email.attempts == 2 and email.status == Email.Status.PENDING
    assert email.next_attempt_at == OVERDUE + timedelta(seconds=180)
    tick(OVERDUE + timedelta(seconds=180))  # the third and last
    email.refresh_from_db()
    assert email.status == Email.Status.DEAD and email.attempts == 3
    tick(OVERDUE + timedelta(days=1))  # a dead e-mail is not tried again
    email.refresh_from_db()
    assert email.attempts == 3

    security = make_user("security_admin", admin_role=User.AdminRole.SECURITY)
    page = html(staff_client(security).get("/staff/notices/"))
    assert "head@example.org" in page and "发送失败" in page and "重新发送" in page
    assert "测试案件" not in page  # not the body: the admin roles read no case contents
    assert staff_client(desk.head).get("/staff/notices/").status_code == 403
    with unchanged():
        refused = staff_client(desk.head).post(f"/staff/notices/{email.pk}/retry/")
    assert refused.status_code == 403

    response = staff_client(security).post(f"/staff/notices/{email.pk}/retry/")
    assert response.status_code == 302
    email.refresh_from_db()
    assert email.status == Email.Status.PENDING and email.attempts == 0
    retried = LedgerEvent.objects.filter(action="notices.email.retry").get()
    assert retried.actor == f"user:{security.pk}" and retried.object_id == str(email.pk)
    with pytest.raises(Conflict):  # only a dead one is sent again
        services.email_retry(actor=security, email=email)

    with smtp_server(port) as sink:
        tick(OVERDUE + timedelta(days=1, minutes=1))
        tick(OVERDUE + timedelta(days=2))
        assert [m.rcpt_tos for m in sink.messages] == [["head@example.org"]]
    email.refresh_from_db()
    assert email.status == Email.Status.SENT
    assert Notification.objects.get(user=desk.head).emailed_at is not None
