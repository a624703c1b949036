"""The outbox's share of ``zhifa tick``: deliver the e-mails that are due (after the tasks that
queue them)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from zhifa.core.tick import TickTask
from zhifa.notices.services import email_deliver_due


def deliver(now: datetime) -> str:
    done = email_deliver_due(now)
    parts = []
    if done.sent:
        parts.append(_("已发送 %(count)d 封邮件") % {"count": done.sent})
    if done.retrying:
        parts.append(_("%(count)d 封发送未成功，稍后重试") % {"count": done.retrying})
    if done.dead:
        parts.append(_("%(count)d 封多次发送失败，已交安全管理员处理") % {"count": done.dead})
    return "；".join(parts)


# after the tasks that queue e-mail (cases: 100), before the ledger signs its checkpoint (1000)
TASKS = [TickTask(name="notices.email", run=deliver, order=500)]
