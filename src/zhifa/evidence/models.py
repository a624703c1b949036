"""Evidence: devices (R-3), blobs (content-addressed files), upload sessions, evidence items,
confidentiality grants (R-33), access log, and a party's copy requests (R-32).

Data only. Every change goes through ``evidence.services``, which writes a ledger event with the
blob's SHA-256 in the same transaction. Nothing here is ever updated in place except the upload
session's progress (which is not evidence) and the decision fields of a copy request.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Device(models.Model):
    """A registered audio-visual device (R-3), used for duty only."""

    class Kind(models.TextChoices):
        CAMERA = "camera", _("照相机")
        RECORDER = "recorder", _("录音机")
        BODY_CAMERA = "body_camera", _("执法记录仪")
        HANDHELD_TERMINAL = "handheld_terminal", _("移动执法终端")
        SURVEILLANCE = "surveillance", _("视频监控")

    agency = models.ForeignKey(
        "org.Agency", verbose_name=_("执法主体"), on_delete=models.PROTECT, related_name="devices"
    )
    kind = models.CharField(_("设备类型"), max_length=24, choices=Kind.choices)
    serial = models.CharField(_("设备编号"), max_length=64)
    model_name = models.CharField(_("型号"), max_length=100, blank=True)
    holder = models.ForeignKey(
        "org.Officer",
        verbose_name=_("使用人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="devices",
    )
    registered_at = models.DateTimeField(_("登记时间"))
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("执法音像设备")
        verbose_name_plural = _("执法音像设备")
        constraints = [
            models.UniqueConstraint(fields=["kind", "serial"], name="evidence_device_unique_serial")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.serial}"


class Blob(models.Model):
    """One stored file, named by the SHA-256 of its bytes. Never deleted, never overwritten."""

    sha256 = models.CharField(_("SHA-256"), max_length=64, primary_key=True)
    size = models.BigIntegerField(_("字节数"))
    media_type = models.CharField(_("内容类型"), max_length=16)
    stored_at = models.DateTimeField(_("存储时间"))

    class Meta:
        verbose_name = _("文件")
        verbose_name_plural = _("文件")

    def __str__(self) -> str:
        return self.sha256


class Confidentiality(models.TextChoices):
    NONE = "", _("不涉密")
    STATE_SECRET = "state_secret", _("国家秘密")
    TRADE_SECRET = "trade_secret", _("商业秘密")
    PRIVACY = "privacy", _("个人隐私")


class Evidence(models.Model):
    """An audio-visual or scanned record (R-2). The case link is added by the case issue."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("照片")
        AUDIO = "audio", _("录音")
        VIDEO = "video", _("录像")
        DOCUMENT = "document", _("扫描文书")

    agency = models.ForeignKey(
        "org.Agency", verbose_name=_("执法主体"), on_delete=models.PROTECT, related_name="evidence"
    )
    blob = models.ForeignKey(
        Blob, verbose_name=_("文件"), on_delete=models.PROTECT, related_name="evidence"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    device = models.ForeignKey(
        Device,
        verbose_name=_("记录设备"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    officer = models.ForeignKey(
        "org.Officer",
        verbose_name=_("执法人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_via = models.CharField(_("上传方式"), max_length=64)
    captured_at = models.DateTimeField(_("拍摄（录制）时间"))
    uploaded_at = models.DateTimeField(_("上传时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True)
    is_late = models.BooleanField(_("超过24小时上传"), default=False)
    late_reason = models.TextField(_("逾期上传原因"), blank=True)
    confidentiality = models.CharField(
        _("保密类别"), max_length=16, choices=Confidentiality.choices, blank=True, default=""
    )
    retention = models.CharField(_("保存期限"), max_length=16)

    class Meta:
        verbose_name = _("音像记录")
        verbose_name_plural = _("音像记录")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"


class Derivative(models.Model):
    """A file made from an evidence item: its preview, or the published copy without GPS/camera
    metadata. The original is never touched."""

    class Kind(models.TextChoices):
        PREVIEW = "preview", _("预览图")
        PUBLISHED = "published", _("公开版本")

    evidence = models.ForeignKey(
        Evidence, verbose_name=_("音像记录"), on_delete=models.PROTECT, related_name="derivatives"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    blob = models.ForeignKey(
        Blob, verbose_name=_("文件"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("生成时间"))

    class Meta:
        verbose_name = _("派生文件")
        verbose_name_plural = _("派生文件")
        constraints = [
            models.UniqueConstraint(
                fields=["evidence", "kind"], name="evidence_derivative_one_per_kind"
            )
        ]


class Upload(models.Model):
    """A resumable upload in progress (tus 1.0). Not evidence until it is complete, verified and
    registered; the bytes live in the staging folder until then."""

    # The byte count moves with every PATCH; the ledger records the creation, the refusal and the
    # completion (with the blob's SHA-256), not each chunk.
    LEDGER_EXCLUDE = ("offset",)

    class State(models.TextChoices):
        RECEIVING = "receiving", _("接收中")
        REGISTERED = "registered", _("已登记")
        REFUSED = "refused", _("已拒收")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(
        "org.Agency", verbose_name=_("执法主体"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_via = models.CharField(_("上传方式"), max_length=64)
    length = models.BigIntegerField(_("总字节数"))
    offset = models.BigIntegerField(_("已接收字节数"), default=0)
    metadata = models.JSONField(_("记录信息"), default=dict)
    state = models.CharField(
        _("状态"), max_length=16, choices=State.choices, default=State.RECEIVING
    )
    refused_reason = models.CharField(_("拒收原因"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    expires_at = models.DateTimeField(_("过期时间"))
    evidence = models.OneToOneField(
        Evidence,
        verbose_name=_("音像记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="upload",
    )

    class Meta:
        verbose_name = _("上传任务")
        verbose_name_plural = _("上传任务")


class EvidenceGrant(models.Model):
    """Permission for one user to read one confidential item (R-33)."""

    evidence = models.ForeignKey(
        Evidence, verbose_name=_("音像记录"), on_delete=models.PROTECT, related_name="grants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("被授权人"),
        on_delete=models.PROTECT,
        related_name="evidence_grants",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("授权人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("授权时间"))
    reason = models.TextField(_("授权理由"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("涉密记录授权")
        verbose_name_plural = _("涉密记录授权")


class EvidenceAccess(models.Model):
    """Every view, download and refused attempt: who, when, what."""

    class Action(models.TextChoices):
        VIEW = "view", _("查看")
        DOWNLOAD = "download", _("下载")
        DENIED = "denied", _("被拒绝的访问")

    evidence = models.ForeignKey(
        Evidence, verbose_name=_("音像记录"), on_delete=models.PROTECT, related_name="accesses"
    )
    actor = models.CharField(_("访问者"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    at = models.DateTimeField(_("时间"))
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("访问记录")
        verbose_name_plural = _("访问记录")
        ordering = ["-at", "-id"]


class CopyRequest(models.Model):
    """A party's request for copies (R-32): the head decides, then the package is built."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("不予批准")
        EXPORTED = "exported", _("已制作")

    agency = models.ForeignKey(
        "org.Agency", verbose_name=_("执法主体"), on_delete=models.PROTECT, related_name="+"
    )
    party_name = models.CharField(_("申请人"), max_length=100)
    party_reason = models.TextField(_("申请事由"))
    items = models.ManyToManyField(Evidence, verbose_name=_("申请复制的记录"), related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"))
    state = models.CharField(
        _("状态"), max_length=16, choices=State.choices, default=State.REQUESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审批意见"), blank=True)
    package = models.ForeignKey(
        Blob,
        verbose_name=_("复制件包"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("复制申请")
        verbose_name_plural = _("复制申请")
