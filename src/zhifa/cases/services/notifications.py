"""In-app notices (and their e-mail) to the people responsible for a case."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from zhifa.accounts.models import RoleAssignment, User
from zhifa.cases.access import HEAD_ROLES, may_read, user_of
from zhifa.cases.models import Case, CaseDeadline, Notification
from zhifa.core import clock
from zhifa.core.errors import NotFound
from zhifa.ledger.services import ledger_append

logger = logging.getLogger(__name__)


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


def notice_overdue(deadline: CaseDeadline, *, message: str, now: datetime) -> None:
    """Tell each person responsible for the case of ``deadline`` that it ran out (in the caller's
    transaction; e-mail after commit where configured)."""
    for user in responsible_users(deadline.case):
        notice = Notification.objects.create(
            user=user, case=deadline.case, deadline=deadline, message=message, created_at=now
        )
        ledger_append(actor="system", action="cases.notice.create", obj=notice)
        if settings.ZHIFA_EMAIL_NOTICES and user.email:
            transaction.on_commit(partial(_email, notice))


def _email(notice: Notification) -> None:
    try:
        send_mail(
            _("执法案件期限提醒"), notice.message, None, [notice.user.email], fail_silently=False
        )
    except OSError:
        logger.exception("overdue notice e-mail to user %s failed", notice.user_id)
        return
    with transaction.atomic():
        Notification.objects.filter(pk=notice.pk).update(emailed_at=clock.now())
        ledger_append(
            actor="system", action="cases.notice.email", obj=Notification.objects.get(pk=notice.pk)
        )


def notification_read(*, actor: Any, notification: Notification) -> Notification:
    with transaction.atomic():
        user = user_of(actor)
        locked = Notification.objects.select_for_update().get(pk=notification.pk)
        if user is None or locked.user_id != user.pk:
            raise NotFound(_("没有找到该提醒。"))
        if locked.read_at is None:
            locked.read_at = clock.now()
            locked.save(update_fields=["read_at"])
            ledger_append(actor=user, action="cases.notice.read", obj=locked)
    return locked
