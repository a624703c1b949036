"""The ledger: an append-only log of every write (R-34, O-6).

``LedgerEvent`` rows are the leaves of an RFC 6962 Merkle tree, in ``seq`` order (gap-free, from 0).
``Version`` keeps the full snapshot of the object after each event (who changed what and why) —
it is not part of the public leaf, which carries only hashes and ids. ``LedgerHead`` is the single
row that hands out sequence numbers under a row lock.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LedgerHead(models.Model):
    """One row (id 1): the number of events so far. Locked by every append."""

    size = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("账本状态")
        verbose_name_plural = _("账本状态")


class LedgerEvent(models.Model):
    seq = models.BigIntegerField(_("序号"), primary_key=True)
    recorded_at = models.DateTimeField(_("记录时间"))
    actor = models.CharField(_("操作者"), max_length=64)
    action = models.CharField(_("操作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象标识"), max_length=64)
    content_sha256 = models.CharField(_("内容摘要"), max_length=64)
    blob_sha256 = models.CharField(_("文件摘要"), max_length=64, blank=True)
    leaf_hash = models.CharField(_("叶哈希"), max_length=64)

    class Meta:
        verbose_name = _("账本事件")
        verbose_name_plural = _("账本事件")
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id", "seq"])]


class Version(models.Model):
    """The object's content after ``event``, and the reason given for the change."""

    event = models.OneToOneField(
        LedgerEvent, primary_key=True, on_delete=models.PROTECT, related_name="version"
    )
    content = models.JSONField(_("内容"))
    reason = models.TextField(_("原因"), blank=True)

    class Meta:
        verbose_name = _("版本")
        verbose_name_plural = _("版本")
