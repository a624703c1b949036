"""Staff accounts, their roles per agency, and machine API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhifa.accounts import rules


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
    must_change_password = models.BooleanField(
        _("须修改密码"),
        default=False,
        help_text=_("由管理员设置或重置的初始密码，用户登录后须先修改"),
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        full_name = self.get_full_name()
        return f"{full_name}（{self.username}）" if full_name else self.username


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
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.user.username} {self.get_role_display()}"


class ApiToken(models.Model):
    """A machine's API token. Only the SHA-256 of the secret is stored."""

    # The last use is bookkeeping written on each authenticated request, not a change the ledger
    # records (the ledger keeps creation and revocation).
    LEDGER_EXCLUDE = frozenset({"last_used_at"})

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

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}）"

    def has_scope(self, scope: str) -> bool:
        """Does the token hold ``scope``? A content scope counts only on a token bound to an
        agency (a row written around ``token_create`` gives an agency-less token no content)."""
        if scope in rules.CONTENT_SCOPES and self.agency_id is None:
            return False
        return scope in (self.scopes or [])

    @property
    def needs_approval(self) -> bool:
        """Holds a content scope: works only after its agency head approved it."""
        return bool(rules.content_scopes(list(self.scopes or [])))


SCOPE_LABELS = {
    "cases:read": _("读取本主体的案件（证件号码、手机号码、银行卡号部分隐藏）"),
    "cases:read-personal": _("读取案件中完整的证件号码、手机号码、银行卡号"),
    "cases:write": _("办理本主体的案件"),
    "evidence:upload": _("上传证据（执法记录仪等）"),
    "ledger:read": _("读取账本"),
    "org:read": _("读取组织机构"),
    "org:write": _("维护组织机构"),
}


class ApiTokenApproval(models.Model):
    """The agency head's decision on a token that reads or writes case or evidence content (a
    second person, not an administrator, with authority over the token's agency)."""

    token = models.OneToOneField(
        ApiToken, verbose_name=_("接口令牌"), on_delete=models.PROTECT, related_name="approval"
    )
    approved = models.BooleanField(_("批准"))
    decided_by = models.ForeignKey(
        User, verbose_name=_("决定人"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"))
    reason = models.CharField(_("意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("接口令牌审批")
        verbose_name_plural = _("接口令牌审批")

    def __str__(self) -> str:
        return f"{self.token} {'批准' if self.approved else '拒绝'}"


class ApiTokenUse(models.Model):
    """A token holding content scopes was used on a day (China time): one row, and one ledger
    event, per token and day — the first request of the day (docs/security.md S-5)."""

    token = models.ForeignKey(
        ApiToken, verbose_name=_("接口令牌"), on_delete=models.PROTECT, related_name="uses"
    )
    day = models.DateField(_("日期"))
    first_at = models.DateTimeField(_("当日首次使用"))
    scopes = models.JSONField(_("内容权限范围"), default=list)
    method = models.CharField(_("请求方法"), max_length=10, blank=True)
    path = models.CharField(_("请求路径"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("接口令牌使用")
        verbose_name_plural = _("接口令牌使用")
        constraints = [
            models.UniqueConstraint(fields=["token", "day"], name="one_token_use_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.token} {self.day}"


class CredentialReset(models.Model):
    """A reset of a user's password or TOTP device: asked by the system admin, approved (or
    refused) by the security admin, who alone sees the one-time code for the user; the user
    redeems the code and sets the new credential themselves (docs/security.md S-6)."""

    class Kind(models.TextChoices):
        PASSWORD = "password", _("重置密码")
        OTP = "otp", _("重置动态口令")

    class State(models.TextChoices):
        REQUESTED = "requested", _("待安全管理员批准")
        APPROVED = "approved", _("已批准，待本人使用")
        REFUSED = "refused", _("已拒绝")
        USED = "used", _("本人已使用")

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.PROTECT, related_name="credential_resets"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    state = models.CharField(
        _("状态"), max_length=16, choices=State.choices, default=State.REQUESTED
    )
    reason = models.CharField(_("原因"), max_length=200)
    requested_by = models.ForeignKey(
        User, verbose_name=_("申请人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("决定人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decision_reason = models.CharField(_("决定意见"), max_length=200, blank=True)
    # SHA-256 of an 80-bit random one-time code, as for API tokens: never the code itself.
    code_sha256 = models.CharField(_("一次性代码摘要"), max_length=64, blank=True)
    code_expires_at = models.DateTimeField(_("一次性代码有效期至"), null=True, blank=True)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    signed_in_at = models.DateTimeField(_("重置后首次登录"), null=True, blank=True)

    class Meta:
        verbose_name = _("凭据重置")
        verbose_name_plural = _("凭据重置")
        indexes = [models.Index(fields=["user", "kind", "state"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.user.username}"


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
        PASSWORD_CHANGED = "password_changed", _("修改密码")
        PASSWORD_RESET = "password_reset", _("重置密码")
        OTP_RESET = "otp_reset", _("重置动态口令")
        USER_CREATED = "user_created", _("创建账户")
        USER_DISABLED = "user_disabled", _("停用账户")
        USER_ENABLED = "user_enabled", _("启用账户")
        USER_UNLOCKED = "user_unlocked", _("解除锁定")
        USER_LINKED = "user_linked", _("关联人员")
        ROLE_GRANTED = "role_granted", _("授予角色")
        ROLE_REVOKED = "role_revoked", _("撤销角色")
        TOKEN_APPROVED = "token_approved", _("批准接口令牌")
        TOKEN_REFUSED = "token_refused", _("拒绝接口令牌")
        RESET_REQUESTED = "reset_requested", _("申请重置凭据")
        RESET_APPROVED = "reset_approved", _("批准重置凭据")
        RESET_REFUSED = "reset_refused", _("拒绝重置凭据")
        RESET_USED = "reset_used", _("使用一次性代码")
        RESET_SIGN_IN = "reset_sign_in", _("重置后首次登录")
        ACCESS_DENIED = "access_denied", _("访问被拒绝")
        ACCESS_DENIED_SUPPRESSED = "access_denied_suppressed", _("访问被拒绝（超出上限，仅计数）")

    # Sign-in events and refused reads and writes are logged but not ledgered (docs/security.md
    # S-7: anyone on the network can cause the first, any staff user or token the second, and
    # neither may append to the ledger); ``zhifa ledger verify`` expects no event for these kinds.
    LEDGER_UNRECORDED = (
        "kind",
        frozenset(
            {
                "login",
                "login_failed",
                "locked_out",
                "logout",
                "otp_enrolled",
                "otp_failed",
                "session_expired",
                "token_rejected",
                "access_denied",
                "access_denied_suppressed",
            }
        ),
    )

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
    actor = models.ForeignKey(
        User,
        verbose_name=_("操作者"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("管理操作的执行人；登录类事件为空"),
    )
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    detail = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("安全日志")
        verbose_name_plural = _("安全日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["at"]), models.Index(fields=["kind", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.username}"


class PasswordHistory(models.Model):
    """The hashes of a user's recent passwords, so that none of the last five is chosen again
    (``accounts.passwords.PasswordHistoryValidator``, security rule S-2).

    Written by that validator's ``password_changed`` hook, which Django calls whenever a new
    password is saved — by the services, the admin site or ``changepassword`` alike. Holds hashes
    only (the same form as ``User.password``); older rows are deleted. Like the user row, it is not
    versioned in the ledger: the ledger records the password change itself."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(_("密码摘要"), max_length=128)
    set_at = models.DateTimeField(_("设置时间"))

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        indexes = [models.Index(fields=["user", "-set_at"], name="password_history_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.set_at:%Y-%m-%d %H:%M}"
