"""The cases' share of ``zhifa tick``: mark limits that ran out and tell who is responsible."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from zhifa.cases.services import mark_overdue
from zhifa.core.management.commands.tick import TickTask


def overdue(now: datetime) -> str:
    count = mark_overdue(now)
    return _("已标记 %(count)d 项逾期期限") % {"count": count} if count else ""


TASKS = [TickTask(name="cases.overdue", run=overdue, order=100)]
