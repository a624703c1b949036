"""Organisation: governments, enforcement agencies, units, people, posts, officers, certificates and
the supervising groups (O-1, O-3; D-2, D-3).

Data only: every change goes through ``org.services`` which writes a ledger event (with a full
snapshot of the new version, who, when and why) in the same transaction.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _


class Government(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("县")
        TOWNSHIP = "township", _("乡镇")

    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级政府"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    division_code = models.CharField(_("行政区划代码"), max_length=12, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    post_code = models.CharField(_("邮政编码"), max_length=6, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    website = models.URLField(_("网址"), blank=True)

    class Meta:
        verbose_name = _("政府")
        verbose_name_plural = _("政府")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="org_government_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Agency(models.Model):
    """行政执法主体 (or another department that takes part in the three systems)."""

    class Kind(models.TextChoices):
        JUSTICE_OFFICE = "justice_office", _("司法所")
        POLICE_STATION = "police_station", _("派出所")
        INSTITUTE = "institute", _("所")
        STATION = "station", _("站")
        OFFICE = "office", _("办公室")
        HALL = "hall", _("政务大厅")
        OTHER = "other", _("其他")

    government = models.ForeignKey(
        Government, verbose_name=_("所属政府"), on_delete=models.PROTECT, related_name="agencies"
    )
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    is_enforcement_body = models.BooleanField(_("行政执法主体"), default=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    duties = models.TextField(_("主要职责"), blank=True)
    division_of_work = models.TextField(_("职责分工"), blank=True)
    jurisdiction = models.TextField(_("管辖范围"), blank=True)
    enforcement_area = models.TextField(_("执法区域"), blank=True)
    address = models.CharField(_("通信地址"), max_length=200, blank=True)
    post_code = models.CharField(_("邮政编码"), max_length=6, blank=True)
    phone = models.CharField(_("办公电话"), max_length=40, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    website = models.URLField(_("网址"), blank=True)
    office_hours = models.CharField(_("办公时间"), max_length=100, blank=True)
    is_entrusted = models.BooleanField(_("受委托组织"), default=False)
    entrusted_by = models.ForeignKey(
        "self",
        verbose_name=_("委托机关"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entrusted_agencies",
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("执法主体")
        verbose_name_plural = _("执法主体")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["government", "name"], name="org_agency_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """内设机构: a unit inside an agency. The legal unit (法制机构) does legal review."""

    class Kind(models.TextChoices):
        HANDLING = "handling", _("承办机构")
        LEGAL = "legal", _("法制机构")
        OTHER = "other", _("其他内设机构")

    agency = models.ForeignKey(
        Agency, verbose_name=_("执法主体"), on_delete=models.PROTECT, related_name="units"
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    duties = models.TextField(_("职责"), blank=True)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("内设机构")
        verbose_name_plural = _("内设机构")
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="org_unit_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.agency.name} {self.name}"


class Person(models.Model):
    """A person who works for a government: a group member, an officer, a staff user."""

    government = models.ForeignKey(
        Government, verbose_name=_("所属政府"), on_delete=models.PROTECT, related_name="people"
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    is_synthetic = models.BooleanField(
        _("演示虚构人员"),
        default=False,
        help_text=_("演示数据中虚构的人员（非红头文件所列人员）"),
    )

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    """A post (职务) in a government or agency; ``holder`` empty means the post is vacant."""

    government = models.ForeignKey(
        Government, verbose_name=_("所属政府"), on_delete=models.PROTECT, related_name="posts"
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("所在部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posts",
    )
    title = models.CharField(_("职务"), max_length=100)
    holder = models.ForeignKey(
        Person,
        verbose_name=_("任职人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posts",
    )
    is_head = models.BooleanField(_("部门负责人"), default=False)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("职务")
        verbose_name_plural = _("职务")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.title}（{self.holder.name if self.holder else '空缺'}）"


class Officer(models.Model):
    """执法人员: a person who holds (or held) an enforcement certificate for an agency."""

    person = models.OneToOneField(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="officer"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("执法主体"), on_delete=models.PROTECT, related_name="officers"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("内设机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officers",
    )
    is_active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("执法人员")
        verbose_name_plural = _("执法人员")

    def __str__(self) -> str:
        return self.person.name


class Certificate(models.Model):
    """执法证: the enforcement certificate (D-3, D-10)."""

    officer = models.ForeignKey(
        Officer, verbose_name=_("执法人员"), on_delete=models.PROTECT, related_name="certificates"
    )
    number = models.CharField(_("执法证件编号"), max_length=40, unique=True)
    issuing_body = models.CharField(_("发证机关"), max_length=100)
    area = models.CharField(_("执法区域"), max_length=200)
    scope = models.CharField(_("执法类别"), max_length=200, blank=True)
    valid_from = models.DateField(_("有效期自"))
    valid_to = models.DateField(_("有效期至"))
    revoked_on = models.DateField(_("注销日期"), null=True, blank=True)
    revoked_reason = models.CharField(_("注销原因"), max_length=200, blank=True)
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("换发自"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        help_text=_("换发新证时，记录被换下的旧证"),
    )

    class Meta:
        verbose_name = _("执法证")
        verbose_name_plural = _("执法证")

    def __str__(self) -> str:
        return self.number

    def is_valid_on(self, day: date) -> bool:
        """Valid on ``day``: inside its validity (both ends included) and not revoked by then."""
        if self.revoked_on is not None and self.revoked_on <= day:
            return False
        return self.valid_from <= day <= self.valid_to


class Group(models.Model):
    """领导小组 / 协调小组 (O-3): they supervise the three systems across the government."""

    class Kind(models.TextChoices):
        LEADING = "leading", _("领导小组")
        COORDINATION = "coordination", _("协调小组")

    government = models.ForeignKey(
        Government, verbose_name=_("所属政府"), on_delete=models.PROTECT, related_name="groups"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=200)
    office_agency = models.ForeignKey(
        Agency,
        verbose_name=_("办公室所在部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_groups",
    )
    office_duties = models.TextField(_("办公室职责"), blank=True)

    class Meta:
        verbose_name = _("工作小组")
        verbose_name_plural = _("工作小组")

    def __str__(self) -> str:
        return self.name


class GroupMembership(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("组长")
        DEPUTY_LEADER = "deputy_leader", _("副组长")
        MEMBER = "member", _("成员")
        OFFICE_DIRECTOR = "office_director", _("办公室主任")
        OFFICE_DEPUTY_DIRECTOR = "office_deputy_director", _("办公室副主任")

    group = models.ForeignKey(
        Group, verbose_name=_("工作小组"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("小组职务"), max_length=32, choices=Role.choices)
    person = models.ForeignKey(
        Person,
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="group_memberships",
    )
    post = models.ForeignKey(
        Post,
        verbose_name=_("所任职务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="group_memberships",
        help_text=_("成员以职务身份加入小组时（如空缺职务）填写"),
    )
    title = models.CharField(_("职务说明"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    ended_on = models.DateField(
        _("退出日期"),
        null=True,
        blank=True,
        help_text=_("成员退出小组的日期；成员记录从不删除"),
    )

    class Meta:
        verbose_name = _("小组成员")
        verbose_name_plural = _("小组成员")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        if self.person is not None:
            who = self.person.name
        elif self.post is not None:
            who = str(self.post)
        else:
            who = ""
        return f"{self.get_role_display()} {who}".strip()
