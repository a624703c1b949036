"""The outbox: each e-mail to deliver is a row, written in the same transaction as the notice it
carries, so a notice is never lost to a mail server that is down. ``zhifa tick`` delivers the rows
that are due, retries a failure with exponential back-off and, after the last attempt, marks the
row dead — shown to the security admin, who may send it again. Only ``notices.services`` writes
these rows, each write with its ledger event."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Email(models.Model):
    """One e-mail to one person, and how its delivery went."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        DEAD = "dead", _("发送失败")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("收件人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.EmailField(_("收件地址"))
    subject = models.CharField(_("主题"), max_length=200)
    body = models.TextField(_("正文"))
    # What the e-mail carries ("cases.notification", its id): told when it is sent.
    source_type = models.CharField(_("来源"), max_length=64)
    source_id = models.CharField(_("来源编号"), max_length=64)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("已尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次发送时间"))
    last_error = models.TextField(_("最近一次错误"), blank=True)
    created_at = models.DateTimeField(_("生成时间"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待发邮件")
        verbose_name_plural = _("待发邮件")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notices_email_due")]

    def __str__(self) -> str:
        return f"{self.subject} → {self.address}"
