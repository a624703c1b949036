"""Cases: every enforcement act recorded from start to archive (全过程记录办法, R-1 – R-36).

The headline row (:class:`Case`) carries where the case stands; everything that happened is an
append: a :class:`StepRun` per step taken, a :class:`Record` per document (a correction is a new
version naming the old one), an :class:`Approval` per signature of the chain, a
:class:`StepEvidence` per linked AV item. Only ``cases.services`` writes these rows, each write
with its ledger event; an archived case changes no more (R-29, R-34).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhifa.evidence.models import Confidentiality


class ProcedureVersion(models.Model):
    """A procedure definition as it was shipped, kept by its SHA-256 (ADR 0005): the canonical
    JSON of the TOML file (``ProcedureDefinition.canonical``). A case runs under the version it
    was opened under, even after a new one ships. Written once, never changed."""

    digest = models.CharField(_("摘要（SHA-256）"), max_length=64, unique=True)
    slug = models.CharField(_("办理程序"), max_length=50)
    text = models.TextField(_("定义"))
    stored_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("办理程序版本")
        verbose_name_plural = _("办理程序版本")
        ordering = ["slug", "stored_at"]

    def __str__(self) -> str:
        return f"{self.slug} {self.digest[:12]}"


class Case(models.Model):
    class StartMode(models.TextChoices):
        APPLICATION = "application", _("依申请")
        EX_OFFICIO = "ex_officio", _("依职权")
        EMERGENCY = "emergency", _("紧急情况先行启动")
        COMPLAINT = "complaint", _("投诉举报")
        ON_THE_SPOT = "on_the_spot", _("当场处罚（简易程序）")
        TRANSFER = "transfer", _("移送或者交办")

    class State(models.TextChoices):
        OPEN = "open", _("办理中")
        ARCHIVED = "archived", _("已归档")

    agency = models.ForeignKey(
        "org.Agency", verbose_name=_("执法主体"), on_delete=models.PROTECT, related_name="cases"
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("承办机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    power = models.ForeignKey(
        "catalogue.Power",
        verbose_name=_("执法事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    procedure = models.CharField(_("办理程序"), max_length=50)
    # the definition the case was opened under; empty only for cases opened before versions were
    # kept, which follow the shipped definition
    procedure_version = models.ForeignKey(
        ProcedureVersion,
        verbose_name=_("办理程序版本"),
        to_field="digest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    number = models.CharField(_("案号"), max_length=64, unique=True)
    sequence = models.PositiveIntegerField(_("年度序号"))
    year = models.PositiveIntegerField(_("年度"))
    title = models.CharField(_("案由"), max_length=200)
    summary = models.TextField(_("基本情况"), blank=True)
    start_mode = models.CharField(_("启动方式"), max_length=16, choices=StartMode.choices)
    confidentiality = models.CharField(
        _("保密级别"), max_length=16, choices=Confidentiality.choices, blank=True, default=""
    )
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.OPEN)
    current_step = models.CharField(_("当前步骤"), max_length=50, blank=True)
    opened_at = models.DateTimeField(_("启动时间"))
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "year", "sequence"], name="case_sequence_per_agency_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_archived(self) -> bool:
        return self.state == self.State.ARCHIVED


class CaseOfficer(models.Model):
    """An officer assigned to handle the case (承办人员)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="officers")
    officer = models.ForeignKey(
        "org.Officer", verbose_name=_("执法人员"), on_delete=models.PROTECT, related_name="+"
    )
    is_lead = models.BooleanField(_("主办人"), default=False)
    assigned_at = models.DateTimeField(_("指派时间"))
    removed_at = models.DateTimeField(_("撤出时间"), null=True, blank=True)
    removed_reason = models.CharField(_("撤出原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("承办人员")
        verbose_name_plural = _("承办人员")
        ordering = ["-is_lead", "id"]


class Party(models.Model):
    """A party (当事人). A correction is a new row that ``replaces`` the old, with a reason."""

    class Kind(models.TextChoices):
        NATURAL_PERSON = "natural_person", _("自然人")
        LEGAL_PERSON = "legal_person", _("法人")
        OTHER_ORGANISATION = "other_organisation", _("其他组织")

    class IdKind(models.TextChoices):
        RESIDENT_ID = "resident_id", _("居民身份证")
        CREDIT_CODE = "credit_code", _("统一社会信用代码")
        OTHER = "other", _("其他证件")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="parties")
    kind = models.CharField(_("当事人类型"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("姓名或者名称"), max_length=200)
    id_kind = models.CharField(_("证件类型"), max_length=16, choices=IdKind.choices)
    id_number = models.CharField(_("证件号码"), max_length=40)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    is_minor = models.BooleanField(_("未成年人"), default=False)
    guardian = models.CharField(_("监护人"), max_length=100, blank=True)
    legal_representative = models.CharField(_("法定代表人或者负责人"), max_length=100, blank=True)
    address = models.CharField(_("住所或者地址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("更正的记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    correction_reason = models.CharField(_("更正理由"), max_length=300, blank=True)
    added_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class StepRun(models.Model):
    """One step of the procedure as taken in this case: opened, its records gathered, closed."""

    class State(models.TextChoices):
        OPEN = "open", _("办理中")
        CLOSED = "closed", _("已完成")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="steps")
    step_id = models.CharField(_("步骤"), max_length=50)
    seq = models.PositiveIntegerField(_("顺序"))
    variant = models.CharField(_("办理方式"), max_length=50, blank=True)
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.OPEN)
    officers = models.JSONField(_("在场执法人员"), default=list)
    disputed = models.BooleanField(_("可能引起争议"), default=False)
    av_reason = models.TextField(_("不宜音像记录的理由"), blank=True)
    deferred = models.BooleanField(_("紧急情况下先行办理、事后补办"), default=False)
    opened_at = models.DateTimeField(_("开始时间"))
    closed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("办理步骤")
        verbose_name_plural = _("办理步骤")
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="step_run_seq")]


class Record(models.Model):
    """A written record (文书、笔录、审批表…). Never changed: a correction is a new version."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="records")
    step_run = models.ForeignKey(StepRun, on_delete=models.PROTECT, related_name="records")
    kind = models.CharField(_("文书种类"), max_length=40)
    version = models.PositiveIntegerField(_("版本"), default=1)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("更正的记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    correction_reason = models.TextField(_("更正理由"), blank=True)
    fields = models.JSONField(_("内容"), default=dict)
    signatures = models.JSONField(_("签名"), default=dict)
    created_at = models.DateTimeField(_("记录时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("文书记录")
        verbose_name_plural = _("文书记录")
        ordering = ["id"]


class StepEvidence(models.Model):
    """An evidence item (photo, audio, video, scan) linked to a step of the case."""

    step_run = models.ForeignKey(StepRun, on_delete=models.PROTECT, related_name="evidence_links")
    evidence = models.ForeignKey(
        "evidence.Evidence", on_delete=models.PROTECT, related_name="case_links"
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    linked_at = models.DateTimeField(_("关联时间"))

    class Meta:
        verbose_name = _("关联证据")
        verbose_name_plural = _("关联证据")
        constraints = [
            models.UniqueConstraint(fields=["step_run", "evidence"], name="step_evidence_once")
        ]


class Approval(models.Model):
    """One signature of the internal approval chain (R-35): 承办人 → 审核人 → 批准人."""

    class Role(models.TextChoices):
        HANDLER = "handler", _("承办人")
        CHECKER = "checker", _("审核人")
        APPROVER = "approver", _("批准人")

    class Decision(models.TextChoices):
        AGREE = "agree", _("同意")
        RETURN = "return", _("退回")

    step_run = models.ForeignKey(StepRun, on_delete=models.PROTECT, related_name="approvals")
    role = models.CharField(_("审批角色"), max_length=16, choices=Role.choices)
    decision = models.CharField(_("意见"), max_length=8, choices=Decision.choices)
    opinion = models.TextField(_("审批意见"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签批人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("签批时间"))

    class Meta:
        verbose_name = _("审批")
        verbose_name_plural = _("审批")
        ordering = ["id"]


class CaseDeadline(models.Model):
    """A legal time limit running for the case, with its due date and basis."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="deadlines")
    step_run = models.ForeignKey(StepRun, on_delete=models.PROTECT, related_name="deadlines")
    key = models.CharField(_("期限标识"), max_length=50)
    name = models.CharField(_("期限"), max_length=100)
    basis = models.CharField(_("法律依据"), max_length=200)
    computed = models.JSONField(_("计算"), default=dict)  # core.deadlines.Deadline.as_dict()
    # None while the count reaches a year the working-day calendar does not know yet
    # (``computed["pending_year"]``); ``zhifa tick`` computes it once that year is loaded.
    due_date = models.DateField(_("届满日"), null=True, blank=True)
    is_wait = models.BooleanField(_("等待期"), default=False)
    until = models.JSONField(_("完成步骤"), default=list)
    blocks = models.JSONField(_("等待期内不得办理的步骤"), default=list)
    unless = models.CharField(_("放弃等待的记录项"), max_length=50, blank=True)
    extended_times = models.PositiveIntegerField(_("延长次数"), default=0)
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("标记逾期时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("办理期限")
        verbose_name_plural = _("办理期限")
        ordering = ["due_date", "id"]


class Notification(models.Model):
    """An in-app notice to a responsible person (overdue limits …); e-mailed where configured."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_notifications"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notifications")
    deadline = models.ForeignKey(
        CaseDeadline, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "deadline"],
                condition=models.Q(deadline__isnull=False),
                name="one_overdue_notice_per_user",
            )
        ]


class Complaint(models.Model):
    """A complaint or report (投诉、举报, R-10) and what came of it."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("电话")
        LETTER = "letter", _("信件")
        VISIT = "visit", _("来访")
        ONLINE = "online", _("网络")
        REFERRAL = "referral", _("上级交办或者移送")

    class State(models.TextChoices):
        PENDING = "pending", _("待处理")
        CASE = "case", _("已立案")
        NO_CASE = "no_case", _("不予立案")

    agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("执法主体"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    channel = models.CharField(_("来源"), max_length=16, choices=Channel.choices)
    received_at = models.DateTimeField(_("接收时间"))
    is_real_name = models.BooleanField(_("实名"), default=False)
    complainant_name = models.CharField(_("投诉举报人"), max_length=100, blank=True)
    complainant_phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    subject = models.CharField(_("被投诉举报对象"), max_length=200)
    content = models.TextField(_("投诉举报内容"))
    state = models.CharField(
        _("处理状态"), max_length=16, choices=State.choices, default=State.PENDING
    )
    case = models.OneToOneField(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="complaint"
    )
    no_case_reason = models.TextField(_("不予立案理由"), blank=True)
    reply_text = models.TextField(_("告知内容"), blank=True)
    reply_method = models.CharField(_("告知方式"), max_length=50, blank=True)
    replied_on = models.DateField(_("告知日期"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("投诉举报")
        verbose_name_plural = _("投诉举报")
        ordering = ["-received_at", "-id"]
