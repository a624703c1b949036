"""The Django admin, for the system admin only, after the same two-factor sign-in as every staff
page (``settings.INSTALLED_APPS`` names ``zhifa.accounts.admin_config.StaffAdminConfig`` instead of
Django's admin, so ``django.contrib.admin.site`` is this site and apps register on it as usual)."""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhifa.accounts.access import is_admin
from zhifa.accounts.decorators import is_verified
from zhifa.accounts.models import User


class StaffAdminSite(AdminSite):
    site_header = _("zhifa 系统管理")
    site_title = _("zhifa 系统管理")
    index_title = _("账户与接口令牌")

    def has_permission(self, request: HttpRequest) -> bool:
        """Only a system admin, signed in with password and a verified TOTP code."""
        return is_verified(request.user) and is_admin(request.user, User.AdminRole.SYSTEM)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """No password form of its own: the staff sign-in (password + TOTP) is the only one."""
        if is_verified(request.user):
            if self.has_permission(request):
                return super().login(request, extra_context)
            return render(request, "accounts/forbidden.html", status=403)
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect_to_login(next_url, reverse("accounts:login"))

    def logout(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        from zhifa.accounts.views import logout

        response: HttpResponse = logout(request)
        return response
