"""The system admin's pages in the Django admin: accounts and API tokens (no case content).

Nothing here writes a row itself: creating, disabling, resetting and revoking all call the
services, which check the actor and write the security log and the ledger. The TOTP devices of
django-otp and Django's groups are not shown at all (a TOTP secret must never be readable by an
administrator; the project does not use groups).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.models import Group
from django.db.models import Model, QuerySet
from django.db.models.fields.related import ForeignKey
from django.forms import ModelChoiceField
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhifa.accounts import rules, services
from zhifa.accounts.access import is_admin
from zhifa.accounts.decorators import is_verified, request_user
from zhifa.accounts.models import (
    SCOPE_LABELS,
    ApiToken,
    ApiTokenApproval,
    CredentialReset,
    RoleAssignment,
    User,
)
from zhifa.core.errors import DomainError

_SHOWN_ONCE_ATTR = "_zhifa_secret_once"

for _model in (Group, TOTPDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


def _is_system_admin(request: HttpRequest) -> bool:
    return is_verified(request.user) and is_admin(request.user, User.AdminRole.SYSTEM)


class SystemAdminOnly(admin.ModelAdmin):
    """Visible to the system admin only; read-only unless a subclass says otherwise."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_system_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_system_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _changelist_url(self) -> str:
        meta = self.model._meta
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")

    def _secret_page(
        self, request: HttpRequest, title: str, intro: str, secrets: list[tuple[str, str]]
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "secrets": secrets,
            "back_url": self._changelist_url(),
        }
        response = TemplateResponse(request, "accounts/admin/secret_once.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def _confirm_with_reason(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any],
        *,
        action: str,
        title: str,
        apply: Callable[[Any, str], None],
        reason_required: bool = False,
    ) -> HttpResponse | None:
        """An action with a confirmation page that asks for the reason, then calls a service.

        No action shows a secret: a reset is a request the security admin approves."""
        reason = request.POST.get("reason", "").strip()
        if request.POST.get("apply") == "1" and (reason or not reason_required):
            done = 0
            for obj in queryset:
                try:
                    apply(obj, reason)
                except DomainError as exc:
                    self.message_user(request, f"{obj}：{exc.message}", messages.ERROR)
                    continue
                done += 1
            if done:
                self.message_user(request, _("已完成：%(n)d 项。") % {"n": done}, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "queryset": queryset,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "reason_required": reason_required,
            "back_url": self._changelist_url(),
        }
        return TemplateResponse(request, "accounts/admin/confirm_action.html", context)


class UserCreateForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["username", "first_name", "admin_role", "person"]
        labels = {"first_name": gettext_lazy("姓名")}


@admin.register(User)
class UserAdmin(SystemAdminOnly):
    list_display = [
        "username",
        "first_name",
        "admin_role",
        "is_active",
        "must_change_password",
        "last_login",
    ]
    list_filter = ["admin_role", "is_active"]
    search_fields = ["username", "first_name"]
    ordering = ["username"]
    actions = ["disable", "enable", "reset_password", "reset_otp", "unlock"]
    view_fields = [
        "username",
        "first_name",
        "admin_role",
        "person",
        "is_active",
        "must_change_password",
        "last_login",
        "date_joined",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_system_admin(request)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = UserCreateForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return UserCreateForm.Meta.fields if obj is None else self.view_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else self.view_fields

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        if db_field.name == "person":
            # org.Person through the foreign key: accounts imports no org module.
            person = db_field.related_model
            assert isinstance(person, type) and issubclass(person, Model)
            kwargs["queryset"] = person._default_manager.filter(user__isnull=True).order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Creation goes through ``user_create``; the admin only keeps the new id for its log."""
        created, password = services.user_create(
            actor=request_user(request),
            username=form.cleaned_data["username"],
            full_name=form.cleaned_data.get("first_name") or "",
            admin_role=form.cleaned_data.get("admin_role") or "",
            person=form.cleaned_data.get("person"),
        )
        obj.pk = created.pk
        obj._state.adding = False
        setattr(request, _SHOWN_ONCE_ATTR, password)

    def response_add(
        self, request: HttpRequest, obj: Any, post_url_continue: str | None = None
    ) -> HttpResponse:
        password = getattr(request, _SHOWN_ONCE_ATTR, "")
        return self._secret_page(
            request,
            _("账户已创建"),
            _("初始密码如下。用户首次登录时须绑定动态口令，并修改此密码。"),
            [(str(obj.username), password)],
        )

    @admin.action(description=gettext_lazy("停用所选账户"))
    def disable(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        return self._confirm_with_reason(
            request,
            queryset,
            action="disable",
            title=_("停用账户"),
            reason_required=True,
            apply=lambda user, reason: _none(
                services.user_disable(actor=request_user(request), user=user, reason=reason)
            ),
        )

    @admin.action(description=gettext_lazy("启用所选账户"))
    def enable(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        return self._confirm_with_reason(
            request,
            queryset,
            action="enable",
            title=_("启用账户"),
            apply=lambda user, reason: _none(
                services.user_enable(actor=request_user(request), user=user, reason=reason)
            ),
        )

    # A reset hands no credential to the system admin: it is a request that the security admin
    # approves, who alone sees the one-time code for the user (docs/security.md S-6).
    @admin.action(description=gettext_lazy("申请重置所选账户的密码"))
    def reset_password(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        return self._confirm_with_reason(
            request,
            queryset,
            action="reset_password",
            title=_("申请重置密码（须安全管理员批准）"),
            reason_required=True,
            apply=lambda user, reason: _none(
                services.credential_reset_request(
                    actor=request_user(request),
                    user=user,
                    kind=CredentialReset.Kind.PASSWORD,
                    reason=reason,
                )
            ),
        )

    @admin.action(description=gettext_lazy("申请重置所选账户的动态口令"))
    def reset_otp(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        return self._confirm_with_reason(
            request,
            queryset,
            action="reset_otp",
            title=_("申请重置动态口令（须安全管理员批准）"),
            reason_required=True,
            apply=lambda user, reason: _none(
                services.credential_reset_request(
                    actor=request_user(request),
                    user=user,
                    kind=CredentialReset.Kind.OTP,
                    reason=reason,
                )
            ),
        )

    @admin.action(description=gettext_lazy("解除所选账户的登录锁定"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        return self._confirm_with_reason(
            request,
            queryset,
            action="unlock",
            title=_("解除登录锁定"),
            apply=lambda user, reason: _none(
                services.user_unlock(actor=request_user(request), user=user, reason=reason)
            ),
        )


def _none(_result: object) -> None:
    return None


class ApiTokenCreateForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("权限范围"),
        choices=[(scope, f"{scope} {SCOPE_LABELS[scope]}") for scope in rules.KNOWN_SCOPES],
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "读取或办理案件、证据的权限（cases:…、evidence:upload）须绑定一个执法主体，"
            "并经该执法主体负责人批准后令牌才能使用；不绑定执法主体的令牌只能使用公开和平台权限。"
        ),
    )

    class Meta:
        model = ApiToken
        fields = ["name", "agency", "expires_at"]

    def clean(self) -> dict[str, Any]:
        """Say in the form what ``token_create`` would refuse (it checks again)."""
        cleaned = super().clean() or {}
        scopes = list(cleaned.get("scopes") or [])
        problem = rules.scope_problem(scopes, bound_to_agency=cleaned.get("agency") is not None)
        if problem == "content_scope_needs_agency":
            self.add_error(
                "agency",
                _(
                    "读取或办理案件、证据的令牌必须绑定一个执法主体；"
                    "不绑定执法主体的令牌只能使用公开和平台权限。"
                ),
            )
        return cleaned


@admin.register(ApiToken)
class ApiTokenAdmin(SystemAdminOnly):
    list_display = [
        "name",
        "prefix",
        "agency",
        "scopes",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "approval_state",
    ]
    list_filter = ["agency"]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]
    view_fields = [
        "name",
        "prefix",
        "agency",
        "scopes",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_system_admin(request)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = ApiTokenCreateForm
            kwargs["fields"] = ["name", "agency", "expires_at", "scopes"]
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["name", "agency", "scopes", "expires_at"] if obj is None else self.view_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        return super().get_queryset(request).select_related("agency", "approval")

    @admin.display(description=gettext_lazy("审批"))
    def approval_state(self, obj: ApiToken) -> str:
        if not obj.needs_approval:
            return _("无须审批")
        try:
            approval = obj.approval
        except ApiTokenApproval.DoesNotExist:
            return _("待执法主体负责人批准")
        return _("已批准") if approval.approved else _("已拒绝")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else self.view_fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        token, plaintext = services.token_create(
            actor=request_user(request),
            name=form.cleaned_data["name"],
            agency=form.cleaned_data.get("agency"),
            scopes=list(form.cleaned_data["scopes"]),
            expires_at=form.cleaned_data.get("expires_at"),
        )
        obj.pk = token.pk
        obj._state.adding = False
        setattr(request, _SHOWN_ONCE_ATTR, plaintext)

    def response_add(
        self, request: HttpRequest, obj: Any, post_url_continue: str | None = None
    ) -> HttpResponse:
        intro = _("令牌明文如下，请配置到设备或对接平台。系统只保存其摘要，无法再次显示。")
        if ApiToken.objects.get(pk=obj.pk).needs_approval:
            intro += _(
                "该令牌可读取或办理案件、证据，须经其执法主体负责人在工作平台批准后才能使用。"
            )
        return self._secret_page(
            request,
            _("接口令牌已创建"),
            intro,
            [(str(obj.name), getattr(request, _SHOWN_ONCE_ATTR, ""))],
        )

    @admin.action(description=gettext_lazy("撤销所选令牌"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> HttpResponse | None:
        return self._confirm_with_reason(
            request,
            queryset,
            action="revoke",
            title=_("撤销接口令牌"),
            apply=lambda token, reason: _none(
                services.token_revoke(actor=request_user(request), token=token, reason=reason)
            ),
        )


@admin.register(CredentialReset)
class CredentialResetAdmin(SystemAdminOnly):
    """Read-only: the system admin follows his requests; the security admin decides them on
    ``/staff/resets/``. The code's digest is never shown."""

    shown = (
        "user",
        "kind",
        "state",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "code_expires_at",
        "used_at",
        "signed_in_at",
    )
    list_display = shown
    list_filter = ("kind", "state")
    search_fields = ("user__username", "user__first_name")
    fields = (*shown, "reason", "decision_reason")


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(SystemAdminOnly):
    """Read-only: roles are granted and revoked by the security admin on ``/staff/roles/``."""

    list_display = ["user", "agency", "role", "unit", "granted_at", "granted_by", "revoked_at"]
    list_filter = ["role", "agency"]
    search_fields = ["user__username", "user__first_name"]
