"""Writing to the outbox and delivering it. Any app that tells people something by e-mail queues
it here (:func:`email_queue`, inside the transaction of its own notice); ``zhifa tick`` delivers
(:func:`email_deliver_due`); the security admin sends a dead one again (:func:`email_retry`).

Delivery is at least once: the mail is handed to the server first and the row marked sent after,
so a crash in between sends it again on the next tick, never loses it. One tick runs at a time
(``zhifa tick``'s lock), so two deliverers never take the same row.

The app that queued an e-mail may want to know it went (cases stamps its notice ``emailed_at``):
it registers a handler for its ``source_type`` with :func:`on_sent_register` — this app imports
none of the apps that use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _

from zhifa.accounts.access import require_admin
from zhifa.accounts.actors import SYSTEM, Actor, actor_label
from zhifa.accounts.models import User
from zhifa.core import clock
from zhifa.core.errors import Conflict
from zhifa.ledger.services import ledger_append
from zhifa.notices.errors import Code
from zhifa.notices.models import Email

SentHandler = Callable[[str, datetime], None]
"""Called with the source id and the moment, inside the transaction that marks the e-mail sent."""

_on_sent: dict[str, SentHandler] = {}

ERROR_LIMIT = 1000


def on_sent_register(source_type: str, handler: SentHandler) -> None:
    """Be told (in ``AppConfig.ready``) when an e-mail of ``source_type`` has been sent."""
    _on_sent[source_type] = handler


def email_enabled() -> bool:
    """Is e-mail configured (``ZHIFA_EMAIL_HOST``)? Without it nothing is queued or sent."""
    return bool(settings.ZHIFA_EMAIL_NOTICES)


def email_queue(
    *,
    actor: Actor,
    user: User,
    subject: str,
    body: str,
    source_type: str,
    source_id: str,
    now: datetime,
) -> Email | None:
    """Queue an e-mail to ``user`` in the caller's transaction, due at once. Nothing when e-mail
    is not configured or the user has no address."""
    if not email_enabled() or not user.email:
        return None
    row = Email.objects.create(
        user=user,
        address=user.email,
        subject=subject[:200],
        body=body,
        source_type=source_type,
        source_id=source_id,
        next_attempt_at=now,
        created_at=now,
    )
    ledger_append(actor=actor_label(actor), action="notices.email.queue", obj=row)
    return row


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: the base delay doubled each time,
    up to the cap (``ZHIFA_EMAIL_RETRY_BASE_SECONDS``, ``ZHIFA_EMAIL_RETRY_CAP_SECONDS``)."""
    base = int(settings.ZHIFA_EMAIL_RETRY_BASE_SECONDS)
    cap = int(settings.ZHIFA_EMAIL_RETRY_CAP_SECONDS)
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Delivery:
    """What one round of delivery did."""

    sent: int = 0
    retrying: int = 0
    dead: int = 0


def _send(row: Email) -> str:
    """Hand the e-mail to the server; the error, or "" when it was accepted."""
    try:
        send_mail(row.subject, row.body, None, [row.address], fail_silently=False)
    except Exception as exc:  # whatever the outside system does, record it and try again later
        return f"{type(exc).__name__}: {exc}"[:ERROR_LIMIT]
    return ""


def email_deliver_due(now: datetime) -> Delivery:
    """``zhifa tick``: send each pending e-mail that is due; a failure waits (back-off) and, at
    the ``ZHIFA_EMAIL_MAX_ATTEMPTS``-th, the e-mail is dead."""
    if not email_enabled():
        return Delivery()
    sent = retrying = dead = 0
    due = Email.objects.filter(status=Email.Status.PENDING, next_attempt_at__lte=now)
    for pk in list(due.order_by("next_attempt_at", "id").values_list("pk", flat=True)):
        row = Email.objects.get(pk=pk)
        error = _send(row)
        with transaction.atomic():
            locked = Email.objects.select_for_update().get(pk=pk)
            if locked.status != Email.Status.PENDING:
                continue
            locked.attempts += 1
            if not error:
                locked.status = Email.Status.SENT
                locked.sent_at = now
                locked.save(update_fields=["attempts", "status", "sent_at"])
                ledger_append(actor=actor_label(SYSTEM), action="notices.email.send", obj=locked)
                handler = _on_sent.get(locked.source_type)
                if handler is not None:
                    handler(locked.source_id, now)
                sent += 1
                continue
            locked.last_error = error
            if locked.attempts >= int(settings.ZHIFA_EMAIL_MAX_ATTEMPTS):
                locked.status = Email.Status.DEAD
                locked.save(update_fields=["attempts", "last_error", "status"])
                ledger_append(actor=actor_label(SYSTEM), action="notices.email.dead", obj=locked)
                dead += 1
            else:
                locked.next_attempt_at = now + backoff(locked.attempts)
                locked.save(update_fields=["attempts", "last_error", "next_attempt_at"])
                ledger_append(actor=actor_label(SYSTEM), action="notices.email.fail", obj=locked)
                retrying += 1
    return Delivery(sent=sent, retrying=retrying, dead=dead)


def email_retry(*, actor: User, email: Email) -> Email:
    """The security admin sends a dead e-mail again: pending, due at once, its attempts counted
    from zero (the last error stays until the next attempt)."""
    with transaction.atomic():
        require_admin(actor, User.AdminRole.SECURITY)
        locked = Email.objects.select_for_update().get(pk=email.pk)
        if locked.status != Email.Status.DEAD:
            raise Conflict(_("只有发送失败的邮件可以重新发送。"), code=Code.EMAIL_NOT_DEAD)
        locked.status = Email.Status.PENDING
        locked.attempts = 0
        locked.next_attempt_at = clock.now()
        locked.save(update_fields=["status", "attempts", "next_attempt_at"])
        ledger_append(actor=actor_label(actor), action="notices.email.retry", obj=locked)
    return locked
