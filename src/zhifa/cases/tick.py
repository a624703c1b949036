"""The cases' share of ``zhifa tick``: mark limits that ran out and tell who is responsible."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from zhifa.cases.services import compute_pending, mark_overdue, pending_years
from zhifa.core.tick import TickTask


def overdue(now: datetime) -> str:
    count = mark_overdue(now)
    return _("已标记 %(count)d 项逾期期限") % {"count": count} if count else ""


def pending(now: datetime) -> str:
    """Compute limits that waited for a year's calendar; say which years are still awaited."""
    count = compute_pending(now)
    parts = [_("已计算 %(count)d 项待日历的期限") % {"count": count}] if count else []
    waiting = pending_years()
    if waiting:
        parts.append(
            _("有期限待载入 %(years)s 年工作日历（zhifa calendar load）")
            % {"years": "、".join(str(y) for y in waiting)}
        )
    return "；".join(parts)


TASKS = [
    TickTask(name="cases.pending_calendar", run=pending, order=90),
    TickTask(name="cases.overdue", run=overdue, order=100),
]
