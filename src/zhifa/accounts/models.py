"""Staff accounts, their roles per agency, and machine API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    class AdminRole(models.TextChoices):
        NONE = "", _("无")
        SYSTEM = "system_admin", _("系统管理员")
        SECURITY = "security_admin", _("安全管理员")
        AUDITOR = "auditor", _("安全审计员")

    person = models.OneToOneField(
        "org.Person",
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="user",
    )
    admin_role = models.CharField(
        _("管理角色"), max_length=20, choices=AdminRole.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")


class RoleAssignment(models.Model):
    """A staff role in one agency. The supervisor role (justice office) reads every agency."""

    class Role(models.TextChoices):
        OFFICER = "officer", _("执法人员")
        UNIT_HEAD = "unit_head", _("承办机构负责人")
        AGENCY_HEAD = "agency_head", _("执法机关负责人")
        LEGAL_REVIEWER = "legal_reviewer", _("法制审核人员")
        PUBLICATION_REVIEWER = "publication_reviewer", _("公示审核人员")
        RECORDS_KEEPER = "records_keeper", _("档案管理人员")
        SUPERVISOR = "supervisor", _("监督人员（司法所）")

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.PROTECT, related_name="role_assignments"
    )
    agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("执法主体"),
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("内设机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(_("授予时间"))
    granted_by = models.ForeignKey(
        User,
        verbose_name=_("授予人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")


class ApiToken(models.Model):
    """A machine's API token. Only the SHA-256 of the secret is stored."""

    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=16, unique=True)
    secret_sha256 = models.CharField(_("密钥摘要"), max_length=64)
    agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("执法主体"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_tokens",
    )
    scopes = models.JSONField(_("权限范围"), default=list)
    created_by = models.ForeignKey(
        User, verbose_name=_("创建人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")


class SecurityEvent(models.Model):
    """Login, failure, lock-out, 2FA enrolment, token use: the security log the auditor reads."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("登录成功")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOCKED_OUT = "locked_out", _("账户锁定")
        LOGOUT = "logout", _("退出登录")
        OTP_ENROLLED = "otp_enrolled", _("绑定动态口令")
        OTP_FAILED = "otp_failed", _("动态口令错误")
        SESSION_EXPIRED = "session_expired", _("会话超时")
        TOKEN_CREATED = "token_created", _("创建接口令牌")
        TOKEN_REVOKED = "token_revoked", _("撤销接口令牌")
        TOKEN_REJECTED = "token_rejected", _("接口令牌被拒绝")

    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices)
    at = models.DateTimeField(_("时间"))
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    user = models.ForeignKey(
        User,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="security_events",
    )
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    detail = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("安全日志")
        verbose_name_plural = _("安全日志")
        ordering = ["-at", "-id"]
