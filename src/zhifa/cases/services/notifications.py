"""In-app notices (and their e-mail) to the people responsible for a case."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from zhifa.accounts.actors import SYSTEM, Actor, actor_label
from zhifa.accounts.models import RoleAssignment, User
from zhifa.cases.access import HEAD_ROLES, may_read, user_of
from zhifa.cases.errors import Code
from zhifa.cases.models import Case, CaseDeadline, Notification
from zhifa.core import clock
from zhifa.core.errors import NotFound
from zhifa.ledger.services import ledger_append
from zhifa.notices.services import email_queue


def responsible_users(case: Case) -> list[User]:
    """Who is told of an overdue limit: the officers on the case and the heads of its agency
    (of a confidential case, only those of them who may read it)."""
    person_ids = case.officers.filter(removed_at__isnull=True).values_list(
        "officer__person_id", flat=True
    )
    heads = RoleAssignment.objects.filter(
        agency=case.agency, role__in=HEAD_ROLES, revoked_at__isnull=True
    ).values_list("user_id", flat=True)
    users = list(
        User.objects.filter(is_active=True)
        .filter(Q(person_id__in=person_ids) | Q(pk__in=heads))
        .distinct()
        .order_by("pk")
    )
    if case.confidentiality:  # the notice names the case; only those who may read it
        users = [user for user in users if may_read(user, case)]
    return users


EMAIL_SOURCE = "cases.notification"


def notice_overdue(deadline: CaseDeadline, *, message: str, now: datetime) -> None:
    """Tell each person responsible for the case of ``deadline`` that it ran out, in the caller's
    transaction: the in-app notice and, where e-mail is configured, its e-mail in the outbox
    (delivered by ``zhifa tick``, retried until it goes)."""
    for user in responsible_users(deadline.case):
        notice = Notification.objects.create(
            user=user, case=deadline.case, deadline=deadline, message=message, created_at=now
        )
        ledger_append(actor=actor_label(SYSTEM), action="cases.notice.create", obj=notice)
        email_queue(
            actor=SYSTEM,
            user=user,
            subject=_("执法案件期限提醒"),
            body=message,
            source_type=EMAIL_SOURCE,
            source_id=str(notice.pk),
            now=now,
        )


def notice_emailed(notice_id: str, now: datetime) -> None:
    """The outbox sent the notice's e-mail (registered in ``apps.py``; in its transaction)."""
    notice = Notification.objects.select_for_update().filter(pk=int(notice_id)).first()
    if notice is None or notice.emailed_at is not None:
        return
    notice.emailed_at = now
    notice.save(update_fields=["emailed_at"])
    ledger_append(actor=actor_label(SYSTEM), action="cases.notice.email", obj=notice)


def notification_read(*, actor: Actor, notification: Notification) -> Notification:
    with transaction.atomic():
        user = user_of(actor)
        locked = Notification.objects.select_for_update().get(pk=notification.pk)
        if user is None or locked.user_id != user.pk:
            raise NotFound(_("没有找到该提醒。"), code=Code.NOTICE_NOT_FOUND)
        if locked.read_at is None:
            locked.read_at = clock.now()
            locked.save(update_fields=["read_at"])
            ledger_append(actor=actor_label(user), action="cases.notice.read", obj=locked)
    return locked
