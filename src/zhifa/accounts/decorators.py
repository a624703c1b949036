"""View decorators for staff pages: signed in with password AND a verified TOTP code.

``staff_required`` is what every staff view of every app uses::

    from zhifa.accounts.decorators import staff_required

    @staff_required
    def case_list(request): ...

A user who is not signed in (or whose 30 idle minutes ran out) is sent to the login page and
comes back afterwards; a user who must change an administrator-set password is sent to the
password page first. Permissions beyond that (roles) are checked by the services through
``zhifa.accounts.access``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url

from zhifa.accounts.access import is_admin
from zhifa.accounts.models import User

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


def is_verified(user: Any) -> bool:
    """Signed in, active, and verified by a TOTP device in this session (django-otp)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def request_user(request: HttpRequest) -> User:
    """The signed-in user of a page behind :func:`staff_required` (or the admin site's login),
    as the actor its services take. The guard let only a signed-in user through; should an
    anonymous one ever reach a service, the service's own permission check refuses it."""
    return cast(User, request.user)


def _guard(request: HttpRequest, allow_password_change: bool) -> HttpResponse | None:
    if not is_verified(request.user):
        return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
    if not allow_password_change and getattr(request.user, "must_change_password", False):
        return redirect("accounts:password_change")
    return None


def staff_required(view_func: ViewFunc) -> ViewFunc:
    """Login + verified second factor (+ no pending forced password change)."""

    @wraps(view_func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = _guard(request, allow_password_change=False)
        if refusal is not None:
            return refusal
        return view_func(request, *args, **kwargs)

    return cast(ViewFunc, wrapper)


def staff_required_allow_password_change(view_func: ViewFunc) -> ViewFunc:
    """Like :func:`staff_required`, for the pages a user with a forced password change may see."""

    @wraps(view_func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = _guard(request, allow_password_change=True)
        if refusal is not None:
            return refusal
        return view_func(request, *args, **kwargs)

    return cast(ViewFunc, wrapper)


def admin_role_required(*admin_roles: str) -> Callable[[ViewFunc], ViewFunc]:
    """:func:`staff_required` and one of the admin roles; anyone else gets a 403 page."""

    def decorator(view_func: ViewFunc) -> ViewFunc:
        @wraps(view_func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            refusal = _guard(request, allow_password_change=False)
            if refusal is not None:
                return refusal
            if not is_admin(request.user, *admin_roles):
                return render(request, "accounts/forbidden.html", status=403)
            return view_func(request, *args, **kwargs)

        return cast(ViewFunc, wrapper)

    return decorator
