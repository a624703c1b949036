"""Reading the outbox: what the security admin sees of e-mails that failed."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from zhifa.accounts.access import is_admin
from zhifa.accounts.models import User
from zhifa.notices.models import Email


def emails_failing_for_security_admin(user: Any) -> QuerySet[Email]:
    """The dead e-mails and those waiting to be tried again, newest first; none for anyone but
    the security admin."""
    if not is_admin(user, User.AdminRole.SECURITY):
        return Email.objects.none()
    failing = Q(status=Email.Status.DEAD) | Q(status=Email.Status.PENDING, attempts__gt=0)
    return (
        Email.objects.filter(failing)
        .select_related("user")
        .order_by("status", "-created_at", "-id")  # dead first
    )
