"""The ledger: an append-only log of every write (R-34, O-6).

``LedgerEvent`` rows are the leaves of an RFC 6962 Merkle tree, in ``seq`` order (gap-free, from 0).
``Version`` keeps the full snapshot of the object after each event (who changed what and why) —
it is not part of the public leaf, which carries only hashes and ids. ``LedgerHead`` is the single
row that hands out sequence numbers under a row lock. ``LedgerNode`` keeps every perfect subtree
hash (level ≥ 1) so that proofs read O(log n) rows; ``Checkpoint`` keeps every signed tree head.

Events, versions, nodes and checkpoints are append-only: triggers installed by the migrations make
the database refuse UPDATE and DELETE on them (``zhifa.ledger.dbguard``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LedgerHead(models.Model):
    """One row (id 1): the number of events so far and the tree's frontier (the hashes of its
    perfect subtrees, one per set bit of ``size``, largest first, concatenated). Locked by every
    append and every checkpoint; the only ledger row ever updated, and never deleted."""

    size = models.BigIntegerField(default=0)
    frontier = models.BinaryField(default=b"")

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


class LedgerNode(models.Model):
    """The hash of the perfect subtree ``(level, index)``, level ≥ 1, at position
    ``merkle.node_id(level, index)``: nodes are numbered in the order appends complete them."""

    id = models.BigIntegerField(primary_key=True)
    hash = models.BinaryField(_("哈希"), max_length=32)

    class Meta:
        verbose_name = _("账本树节点")
        verbose_name_plural = _("账本树节点")


class Checkpoint(models.Model):
    """A signed tree head: C2SP tlog-checkpoint inside a C2SP signed note (Ed25519)."""

    size = models.BigIntegerField(_("树大小"), primary_key=True)
    root_hash = models.CharField(_("根哈希"), max_length=64)
    note = models.TextField(_("签名检查点"))
    signed_at = models.DateTimeField(_("签名时间"))

    class Meta:
        verbose_name = _("检查点")
        verbose_name_plural = _("检查点")
        ordering = ["size"]


class MirrorCursor(models.Model):
    """How far the checkpoints were copied to a mirror (a folder or a URL)."""

    target = models.CharField(_("镜像位置"), max_length=500, unique=True)
    size = models.BigIntegerField(_("已镜像到的树大小"), default=-1)

    class Meta:
        verbose_name = _("检查点镜像进度")
        verbose_name_plural = _("检查点镜像进度")
