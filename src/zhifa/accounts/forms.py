"""Forms of the staff pages (parse only: the services decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhifa.accounts.models import RoleAssignment, SecurityEvent


class ChineseForm(forms.Form):
    """Labels end with the full-width colon of Chinese text."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "：")
        super().__init__(*args, **kwargs)


class LoginForm(ChineseForm):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class OtpForm(ChineseForm):
    token = forms.CharField(
        label=_("动态口令"),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "size": 8,
            }
        ),
    )


class PasswordChangeForm(ChineseForm):
    old_password = forms.CharField(
        label=_("原密码"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label=_("新密码"),
        strip=False,
        max_length=4096,
        help_text=_(
            "至少10个字符，包含小写字母、大写字母、数字、其他符号中的至少3类，"
            "不能与最近5次使用过的密码相同。"
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("再次输入新密码"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return cleaned


def _org_model(field: str) -> type[models.Model]:
    """The org model that ``RoleAssignment.<field>`` points to: accounts reaches org's rows
    through its own foreign keys and imports no org module (org is above accounts)."""
    model = RoleAssignment._meta.get_field(field).related_model
    assert isinstance(model, type) and issubclass(model, models.Model)
    return model


class RoleGrantForm(ChineseForm):
    username = forms.CharField(label=_("用户名"), max_length=150)
    agency = forms.ModelChoiceField(
        label=_("执法主体"),
        queryset=_org_model("agency")
        ._default_manager.filter(is_active=True)
        .order_by("sort_order"),
    )
    role = forms.ChoiceField(label=_("角色"), choices=RoleAssignment.Role.choices)
    unit = forms.ModelChoiceField(
        label=_("内设机构"),
        queryset=_org_model("unit")
        ._default_manager.filter(is_active=True)
        .select_related("agency"),
        required=False,
    )
    reason = forms.CharField(label=_("依据或原因"), max_length=200, required=False)


class RoleRevokeForm(ChineseForm):
    reason = forms.CharField(label=_("撤销原因"), max_length=200, required=False)


class SecurityLogFilterForm(ChineseForm):
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=[("", _("全部"))] + list(SecurityEvent.Kind.choices),
        required=False,
    )
    username = forms.CharField(label=_("用户名"), max_length=150, required=False)


class DecisionForm(ChineseForm):
    """Approve or refuse (a token, a credential reset); a refusal needs a reason."""

    decision = forms.ChoiceField(
        label=_("决定"), choices=[("approve", _("批准")), ("refuse", _("拒绝"))]
    )
    reason = forms.CharField(label=_("意见或原因"), max_length=200, required=False)


class ResetCodeForm(ChineseForm):
    code = forms.CharField(
        label=_("一次性代码"),
        max_length=40,
        help_text=_("安全管理员交给您的16位代码，如 ABCD-EFGH-JKLM-NPQR。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class PasswordResetRedeemForm(ChineseForm):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    code = forms.CharField(
        label=_("一次性代码"),
        max_length=40,
        help_text=_("安全管理员交给您的16位代码，如 ABCD-EFGH-JKLM-NPQR。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )
    new_password1 = forms.CharField(
        label=_("新密码"),
        strip=False,
        max_length=4096,
        help_text=_("至少10个字符，包含小写字母、大写字母、数字、其他符号中的至少3类。"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("再次输入新密码"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return cleaned
