"""The powers catalogue (D-4, D-5, D-7, D-18, O-2): legal bases, powers (执法事项) with their
bases, discretion standards and fees, and the random-inspection list (随机抽查事项清单).

Data only; every row is written by :mod:`zhifa.catalogue.services` with a ledger event. A power's
procedure is named by the slug of a procedure definition (``catalogue/procedures/<slug>.toml``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhifa.core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS


class LegalDocument(models.Model):
    """A law, regulation, rule or normative document (执法依据, D-4)."""

    class Level(models.TextChoices):
        LAW = "law", _("法律")
        ADMINISTRATIVE_REGULATION = "administrative_regulation", _("行政法规")
        LOCAL_REGULATION = "local_regulation", _("地方性法规")
        DEPARTMENT_RULE = "department_rule", _("部门规章")
        LOCAL_GOVERNMENT_RULE = "local_government_rule", _("地方政府规章")
        NORMATIVE_DOCUMENT = "normative_document", _("规范性文件")

    title = models.CharField(_("名称"), max_length=200, unique=True)
    short_title = models.CharField(_("简称"), max_length=100, blank=True)
    level = models.CharField(_("效力层级"), max_length=32, choices=Level.choices)
    issuing_body = models.CharField(_("制定机关"), max_length=200)
    document_number = models.CharField(_("文号"), max_length=100, blank=True)
    effective_on = models.DateField(_("施行日期"))
    repealed_on = models.DateField(_("废止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("执法依据")
        verbose_name_plural = _("执法依据")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def cited_title(self) -> str:
        """The name used in citations: the short title when there is one."""
        return self.short_title or self.title


class LegalArticle(models.Model):
    """One article of a legal document (第六十四条) with its text or a marked summary."""

    document = models.ForeignKey(
        LegalDocument, on_delete=models.PROTECT, related_name="articles", verbose_name=_("文件")
    )
    number = models.PositiveIntegerField(_("条号"))
    label = models.CharField(_("条"), max_length=20)
    text = models.TextField(_("条文"))
    text_is_summary = models.BooleanField(_("条文为摘要"), default=False)

    class Meta:
        verbose_name = _("条文")
        verbose_name_plural = _("条文")
        ordering = ["document_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="catalogue_article_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document.cited_title}{self.label}"

    @property
    def citation(self) -> str:
        """``行政处罚法第六十四条``: the form a time limit's basis takes."""
        return f"{self.document.cited_title}{self.label}"


class Power(models.Model):
    """An enforcement power (执法事项, D-5, D-18) of one agency: current version.

    Earlier versions live in the ledger (every change is an event with the full snapshot);
    ``version`` counts them. A repealed power stays (``repealed_on``) and is not listed as current.
    """

    class ActType(models.TextChoices):
        PERMIT = "permit", _("行政许可")
        PENALTY = "penalty", _("行政处罚")
        COERCION = "coercion", _("行政强制")
        LEVY = "levy", _("行政征收")
        REQUISITION = "requisition", _("行政征用")
        FEE = "fee", _("行政收费")
        INSPECTION = "inspection", _("行政检查")
        BENEFIT = "benefit", _("行政给付")
        CONFIRMATION = "confirmation", _("行政确认")

    class LimitUnit(models.TextChoices):
        WORKING_DAYS = "working_days", _("工作日")
        CALENDAR_DAYS = "calendar_days", _("日")
        MONTHS = "months", _("月")
        YEARS = "years", _("年")
        HOURS = "hours", _("小时")

    agency = models.ForeignKey(
        "org.Agency", on_delete=models.PROTECT, related_name="powers", verbose_name=_("执法主体")
    )
    act_type = models.CharField(_("执法类别"), max_length=20, choices=ActType.choices)
    code = models.CharField(_("事项编码"), max_length=50)
    name = models.CharField(_("事项名称"), max_length=200)
    subject = models.CharField(_("实施对象"), max_length=200, blank=True)
    procedure = models.CharField(_("办理程序"), max_length=50)
    time_limit_amount = models.PositiveIntegerField(_("办理时限"), null=True, blank=True)
    time_limit_unit = models.CharField(
        _("时限单位"), max_length=20, choices=LimitUnit.choices, blank=True
    )
    time_limit_basis = models.CharField(_("时限依据"), max_length=200, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    repealed_on = models.DateField(_("废止日期"), null=True, blank=True)
    repeal_reason = models.CharField(_("废止原因"), max_length=200, blank=True)
    articles: models.ManyToManyField[LegalArticle, PowerBasis] = models.ManyToManyField(
        LegalArticle, through="PowerBasis", related_name="powers", verbose_name=_("执法依据")
    )

    class Meta:
        verbose_name = _("执法事项")
        verbose_name_plural = _("执法事项")
        ordering = ["agency_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="catalogue_power_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PowerBasis(models.Model):
    """A power's legal basis: the article it rests on (D-4)."""

    power = models.ForeignKey(Power, on_delete=models.CASCADE, related_name="bases")
    article = models.ForeignKey(LegalArticle, on_delete=models.PROTECT, related_name="+")
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("事项依据")
        verbose_name_plural = _("事项依据")
        ordering = ["power_id", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["power", "article"], name="catalogue_basis_unique")
        ]


class DiscretionStandard(models.Model):
    """One row of a power's discretion standard (裁量基准): a circumstance and its range."""

    power = models.ForeignKey(Power, on_delete=models.CASCADE, related_name="standards")
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    circumstance = models.CharField(_("违法情形"), max_length=500)
    measure = models.CharField(_("处理措施"), max_length=500)
    fine_from = models.DecimalField(
        _("罚款下限（元）"),
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        null=True,
        blank=True,
    )
    fine_to = models.DecimalField(
        _("罚款上限（元）"),
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("裁量基准")
        verbose_name_plural = _("裁量基准")
        ordering = ["power_id", "sort_order", "id"]


class PowerFee(models.Model):
    """A fee charged for a power (收费): item, amount and the basis that allows it."""

    power = models.ForeignKey(Power, on_delete=models.CASCADE, related_name="fees")
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    item = models.CharField(_("收费项目"), max_length=200)
    amount = models.DecimalField(
        _("收费标准（元）"), max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES
    )
    basis = models.CharField(_("收费依据"), max_length=200)

    class Meta:
        verbose_name = _("收费")
        verbose_name_plural = _("收费")
        ordering = ["power_id", "sort_order", "id"]


class InspectionItem(models.Model):
    """One entry of an agency's random-inspection list (随机抽查事项清单, D-7, D-18)."""

    agency = models.ForeignKey(
        "org.Agency",
        on_delete=models.PROTECT,
        related_name="inspection_items",
        verbose_name=_("执法主体"),
    )
    code = models.CharField(_("事项编码"), max_length=50)
    name = models.CharField(_("抽查事项"), max_length=200)
    basis = models.CharField(_("抽查依据"), max_length=500)
    subject = models.CharField(_("抽查对象"), max_length=200)
    content = models.CharField(_("抽查内容"), max_length=500)
    method = models.CharField(_("抽查方式"), max_length=200)
    ratio_percent = models.DecimalField(_("抽查比例（%）"), max_digits=5, decimal_places=2)
    frequency = models.CharField(_("抽查频次"), max_length=100)
    version = models.PositiveIntegerField(_("版本"), default=1)
    repealed_on = models.DateField(_("废止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("随机抽查事项")
        verbose_name_plural = _("随机抽查事项")
        ordering = ["agency_id", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "code"], name="catalogue_inspection_unique_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
