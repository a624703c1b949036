"""Staff sign-in (password, then TOTP), the staff home, password change, the auditor's security
log and the security admin's role page.

Sign-in is two steps. The password step does not log the user in: it only remembers, for five
minutes, who passed it. The session is logged in (``django.contrib.auth.login``) only when the
TOTP code is right too, so a password alone never yields an authenticated session — no view
anywhere that checks only ``is_authenticated`` can be reached with a stolen password.

Lock-out is django-axes, by user name: 5 failures within 30 minutes lock the name for 30 minutes.
A wrong TOTP code is a failure like a wrong password (it is reported to axes through Django's
``user_login_failed`` signal), so the 5 tries are shared by both factors.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.signals import user_login_failed
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhifa.accounts import rules, selectors, services
from zhifa.accounts.access import has_role
from zhifa.accounts.decorators import (
    admin_role_required,
    is_verified,
    request_user,
    staff_required,
    staff_required_allow_password_change,
)
from zhifa.accounts.errors import Code
from zhifa.accounts.forms import (
    DecisionForm,
    LoginForm,
    OtpForm,
    PasswordChangeForm,
    PasswordResetRedeemForm,
    ResetCodeForm,
    RoleGrantForm,
    RoleRevokeForm,
    SecurityLogFilterForm,
)
from zhifa.accounts.selectors import (
    SCOPE_LABELS,
    ApiToken,
    CredentialReset,
    RoleAssignment,
    SecurityEvent,
    User,
)
from zhifa.core import clock
from zhifa.core.errors import DomainError, ValidationFailed

Kind = SecurityEvent.Kind

PENDING_USER = "zhifa_pending_user_id"
PENDING_UNTIL = "zhifa_pending_until"
PENDING_NEXT = "zhifa_pending_next"
PENDING_RESET = "zhifa_pending_reset_id"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


# --- helpers -----------------------------------------------------------------------------------


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    """Where to go after signing in: a path of this site, else the staff home. Only a path
    (``/…``): ``redirect()`` reads anything else as a URL name first, and ``next=1`` was a 500."""
    if (
        candidate
        and candidate.startswith("/")
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _user_named(username: str) -> User | None:
    return selectors.user_named(username)


def _start_pending(request: HttpRequest, user: User, next_url: str) -> None:
    request.session.cycle_key()
    until = clock.now() + timedelta(seconds=rules.PENDING_LOGIN_SECONDS)
    request.session[PENDING_USER] = user.pk
    request.session[PENDING_UNTIL] = until.isoformat()
    request.session[PENDING_NEXT] = next_url


def _clear_pending(request: HttpRequest) -> None:
    for key in (PENDING_USER, PENDING_UNTIL, PENDING_NEXT, PENDING_RESET):
        request.session.pop(key, None)


def _pending_user(request: HttpRequest) -> User | None:
    """The user who passed the password step in this session less than five minutes ago."""
    user_id = request.session.get(PENDING_USER)
    until = request.session.get(PENDING_UNTIL)
    if not user_id or not until:
        return None
    if clock.now() >= datetime.fromisoformat(until):
        _clear_pending(request)
        return None
    return selectors.active_user(user_id)


def _lockout_page(request: HttpRequest) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "accounts/locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes},
        status=429,
    )


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The lock-out page (``AXES_LOCKOUT_CALLABLE``): HTTP 429, in Chinese."""
    return _lockout_page(request)


def _refuse_if_locked(
    request: HttpRequest, username: str, user: User | None
) -> HttpResponse | None:
    if AxesProxyHandler.is_allowed(request, {"username": username}):
        return None
    services.security_event_record(
        kind=Kind.LOCKED_OUT,
        request=request,
        user=user,
        username=username,
        detail=_("锁定期间尝试登录，已拒绝"),
    )
    _clear_pending(request)
    return _lockout_page(request)


def _locked_now(request: HttpRequest, username: str, user: User | None) -> HttpResponse | None:
    """After a failure: if it was the one that reached the limit, log the lock-out and say so."""
    if not getattr(request, "axes_locked_out", False):
        return None
    services.security_event_record(
        kind=Kind.LOCKED_OUT,
        request=request,
        user=user,
        username=username,
        detail=_("连续失败%(n)d次，锁定%(m)d分钟")
        % {
            "n": settings.AXES_FAILURE_LIMIT,
            "m": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )
    _clear_pending(request)
    return _lockout_page(request)


def _otp_failed(request: HttpRequest, user: User, form: OtpForm) -> HttpResponse | None:
    """Log a wrong code and count it against the lock-out; a response when it locked the user."""
    services.security_event_record(kind=Kind.OTP_FAILED, request=request, user=user)
    user_login_failed.send(
        sender=__name__, credentials={"username": user.username}, request=request
    )
    locked = _locked_now(request, user.username, user)
    if locked is not None:
        return locked
    form.add_error("token", _("动态口令不正确，请输入验证器应用中当前显示的6位数字。"))
    return None


def _complete_login(request: HttpRequest, user: User, device: TOTPDevice) -> HttpResponse:
    next_url = _safe_next(request, request.session.get(PENDING_NEXT))
    _clear_pending(request)
    auth_login(request, user, backend=MODEL_BACKEND)
    otp_login(request, device)
    services.security_event_record(kind=Kind.LOGIN, request=request, user=user)
    for reset in services.credential_reset_sign_in(user=user, request=request):
        messages.warning(
            request,
            _(
                "您的账户已%(kind)s（%(at)s 由安全管理员批准）。您所在执法主体的负责人已收到提醒；"
                "如非本人申请，请立即联系安全管理员。"
            )
            % {
                "kind": reset.get_kind_display(),
                "at": (reset.decided_at or reset.requested_at)
                .astimezone(clock.CHINA)
                .strftime("%Y-%m-%d %H:%M"),
            },
        )
    if user.must_change_password:
        messages.info(request, _("您的密码由管理员设置，请先修改密码。"))
        return redirect("accounts:password_change")
    return redirect(next_url)


# --- sign-in ----------------------------------------------------------------------------------


@never_cache
def login(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if is_verified(request.user):
        return redirect(next_url)
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        known = _user_named(username)
        refused = _refuse_if_locked(request, username, known)
        if refused is not None:
            return refused
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if not isinstance(user, User):
            services.security_event_record(
                kind=Kind.LOGIN_FAILED,
                request=request,
                user=known,
                username=username,
                detail=_("用户名或密码错误"),
            )
            locked = _locked_now(request, username, known)
            if locked is not None:
                return locked
            form.add_error(None, _("用户名或密码错误。"))
        else:
            _start_pending(request, user, next_url)
            if services.otp_confirmed_device(user) is None:
                return redirect("accounts:otp_enrol")
            return redirect("accounts:otp_verify")
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


@never_cache
def otp_verify(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        messages.info(request, _("请先输入用户名和密码。"))
        return redirect("accounts:login")
    if services.otp_confirmed_device(user) is None:
        return redirect("accounts:otp_enrol")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refused = _refuse_if_locked(request, user.username, user)
        if refused is not None:
            return refused
        device = services.otp_verify(user=user, token=form.cleaned_data["token"])
        if device is not None:
            return _complete_login(request, user, device)
        locked = _otp_failed(request, user, form)
        if locked is not None:
            return locked
    return render(request, "accounts/otp_verify.html", {"form": form, "pending_user": user})


@never_cache
def otp_enrol(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        messages.info(request, _("请先输入用户名和密码。"))
        return redirect("accounts:login")
    if services.otp_confirmed_device(user) is not None:
        return redirect("accounts:otp_verify")
    reset = services.credential_reset_awaiting_code(user, CredentialReset.Kind.OTP)
    if reset is not None and request.session.get(PENDING_RESET) != reset.pk:
        return _otp_reset_code(request, user)
    device = services.otp_enrolment_device(user=user)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refused = _refuse_if_locked(request, user.username, user)
        if refused is not None:
            return refused
        if services.otp_confirm(
            user=user,
            device=device,
            token=form.cleaned_data["token"],
            request=request,
            reset=reset,
        ):
            device.refresh_from_db()
            return _complete_login(request, user, device)
        locked = _otp_failed(request, user, form)
        if locked is not None:
            return locked
    svg = segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#000", light="#fff")
    context = {
        "form": form,
        "pending_user": user,
        # segno writes only <svg> and <path> elements with numbers (no text of ours): safe.
        "qr_svg": mark_safe(svg),  # nosec B308 B703
        "secret": rules.group_secret(services.otp_base32_secret(device)),
        "issuer": settings.OTP_TOTP_ISSUER,
    }
    return render(request, "accounts/otp_enrol.html", context)


def _reset_code_failed(
    request: HttpRequest, username: str, user: User | None, message: str
) -> HttpResponse | None:
    """A wrong or expired one-time code counts as a sign-in failure (the same 5 tries)."""
    services.security_event_record(
        kind=Kind.LOGIN_FAILED,
        request=request,
        user=user,
        username=username,
        detail=_("一次性代码不正确或已过期"),
    )
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
    return _locked_now(request, username, user)


def _otp_reset_code(request: HttpRequest, user: User) -> HttpResponse:
    """After a TOTP reset: the one-time code first; only then is a new secret made and shown."""
    form = ResetCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refused = _refuse_if_locked(request, user.username, user)
        if refused is not None:
            return refused
        try:
            reset = services.credential_reset_check_code(
                user=user, kind=CredentialReset.Kind.OTP, code=form.cleaned_data["code"]
            )
        except DomainError as exc:
            locked = _reset_code_failed(request, user.username, user, exc.message)
            if locked is not None:
                return locked
            form.add_error("code", exc.message)
        else:
            request.session[PENDING_RESET] = reset.pk
            services.otp_enrolment_device(user=user, fresh=True)
            return redirect("accounts:otp_enrol")
    return render(request, "accounts/otp_reset_code.html", {"form": form, "pending_user": user})


@never_cache
def password_reset(request: HttpRequest) -> HttpResponse:
    """Set a new password with the one-time code of an approved password reset (S-6)."""
    form = PasswordResetRedeemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        known = _user_named(username)
        refused = _refuse_if_locked(request, username, known)
        if refused is not None:
            return refused
        wrong = _("用户名或一次性代码不正确。")
        try:
            if known is None or not known.is_active:
                raise ValidationFailed(wrong, code=Code.WRONG_RESET_CODE)
            services.password_reset_redeem(
                user=known,
                code=form.cleaned_data["code"],
                new_password=form.cleaned_data["new_password1"],
                request=request,
            )
        except DomainError as exc:
            if exc.code in (Code.WRONG_RESET_CODE, Code.RESET_CODE_EXPIRED):
                locked = _reset_code_failed(request, username, known, exc.message)
                if locked is not None:
                    return locked
                form.add_error(None, wrong if exc.code == Code.WRONG_RESET_CODE else exc.message)
            else:
                form.add_error("new_password1", exc.message)
        else:
            messages.success(request, _("新密码已设置，请用新密码和动态口令登录。"))
            return redirect("accounts:login")
    return render(request, "accounts/password_reset.html", {"form": form})


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    user = request.user
    if isinstance(user, User) and user.is_authenticated:
        services.security_event_record(kind=Kind.LOGOUT, request=request, user=user)
    auth_logout(request)
    return redirect(resolve_url(settings.LOGOUT_REDIRECT_URL))


# --- staff pages -------------------------------------------------------------------------------


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    headed = has_role(user, None, RoleAssignment.Role.AGENCY_HEAD)
    context = {
        "reset_notices": selectors.reset_notices_for(user),
        "is_agency_head": headed,
        "tokens_awaiting": len(selectors.tokens_awaiting_approval(user)) if headed else 0,
        "agency_roles": selectors.roles_by_agency(user),
        "admin_role": user.get_admin_role_display() if user.admin_role else "",
        "is_system_admin": user.admin_role == User.AdminRole.SYSTEM,
        "is_security_admin": user.admin_role == User.AdminRole.SECURITY,
        "is_auditor": user.admin_role == User.AdminRole.AUDITOR,
        "resets_awaiting": selectors.credential_resets_for_security_admin(user)
        .filter(state=CredentialReset.State.REQUESTED)
        .count()
        if user.admin_role == User.AdminRole.SECURITY
        else 0,
    }
    return render(request, "accounts/home.html", context)


@never_cache
@staff_required_allow_password_change
def password_change(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                actor=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
                request=request,
            )
        except DomainError as exc:
            field = "old_password" if exc.code == "wrong_password" else "new_password1"
            form.add_error(field, exc.message)
        else:
            user.refresh_from_db()
            update_session_auth_hash(request, user)
            messages.success(request, _("密码已修改。"))
            return redirect("accounts:home")
    return render(request, "accounts/password_change.html", {"form": form})


@admin_role_required(User.AdminRole.AUDITOR)
def security_log(request: HttpRequest) -> HttpResponse:
    form = SecurityLogFilterForm(request.GET or None)
    kind = username = ""
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        username = form.cleaned_data["username"].strip()
    events = selectors.security_events_for_auditor(
        request_user(request), kind=kind, username=username
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/security_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@admin_role_required(User.AdminRole.SECURITY)
def roles(request: HttpRequest) -> HttpResponse:
    form = RoleGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = _user_named(form.cleaned_data["username"].strip())
        if target is None:
            form.add_error("username", _("用户不存在。"))
        else:
            try:
                services.role_grant(
                    actor=request_user(request),
                    user=target,
                    agency=form.cleaned_data["agency"],
                    role=form.cleaned_data["role"],
                    unit=form.cleaned_data["unit"],
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("角色已授予。"))
                return redirect("accounts:roles")
    assignments = selectors.role_assignments_for_security_admin(request_user(request))
    return render(
        request,
        "accounts/roles.html",
        {"form": form, "assignments": assignments, "revoke_form": RoleRevokeForm()},
    )


@require_POST
@admin_role_required(User.AdminRole.SECURITY)
def role_revoke(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = get_object_or_404(
        selectors.role_assignments_for_security_admin(request_user(request)), pk=assignment_id
    )
    form = RoleRevokeForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.role_revoke(
            actor=request_user(request),
            user=assignment.user,
            agency=assignment.agency,
            role=assignment.role,
            unit=assignment.unit,
            reason=reason,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("角色已撤销。"))
    return redirect(reverse("accounts:roles"))


# --- API tokens: the agency head's approval -------------------------------------------------------


def _scope_rows(token: ApiToken) -> list[tuple[str, str]]:
    return [(scope, str(SCOPE_LABELS.get(scope, ""))) for scope in token.scopes or []]


@staff_required
def tokens(request: HttpRequest) -> HttpResponse:
    """The agency head approves or refuses the tokens that would read or write the agency's case
    and evidence content (S-5)."""
    user = request_user(request)
    if not has_role(user, None, RoleAssignment.Role.AGENCY_HEAD):
        return render(request, "accounts/forbidden.html", status=403)
    pending = [(token, _scope_rows(token)) for token in selectors.tokens_awaiting_approval(user)]
    return render(
        request,
        "accounts/tokens.html",
        {
            "pending": pending,
            "decisions": selectors.token_decisions_for(user),
            "form": DecisionForm(),
        },
    )


@require_POST
@staff_required
def token_decide(request: HttpRequest, token_id: int) -> HttpResponse:
    token = next(
        (t for t in selectors.tokens_awaiting_approval(request_user(request)) if t.pk == token_id),
        None,
    )
    form = DecisionForm(request.POST)
    if token is None:
        messages.error(request, _("没有找到待您审批的该令牌。"))
    elif not form.is_valid():
        messages.error(request, _("请选择批准或拒绝。"))
    else:
        try:
            if form.cleaned_data["decision"] == "approve":
                services.token_approve(
                    actor=request_user(request), token=token, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("已批准令牌“%(name)s”。") % {"name": token.name})
            else:
                services.token_refuse(
                    actor=request_user(request), token=token, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("已拒绝令牌“%(name)s”。") % {"name": token.name})
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("accounts:tokens")


# --- credential resets: the security admin's approval ---------------------------------------------


@admin_role_required(User.AdminRole.SECURITY)
def resets(request: HttpRequest) -> HttpResponse:
    rows = selectors.credential_resets_for_security_admin(request_user(request))
    return render(
        request,
        "accounts/resets.html",
        {
            "requested": rows.filter(state=CredentialReset.State.REQUESTED),
            "decided": rows.exclude(state=CredentialReset.State.REQUESTED)[:50],
            "form": DecisionForm(),
        },
    )


@never_cache
@require_POST
@admin_role_required(User.AdminRole.SECURITY)
def reset_decide(request: HttpRequest, reset_id: int) -> HttpResponse:
    """Approve (the one-time code is shown once, on this answer only) or refuse a reset."""
    reset = (
        selectors.credential_resets_for_security_admin(request_user(request))
        .filter(pk=reset_id, state=CredentialReset.State.REQUESTED)
        .first()
    )
    form = DecisionForm(request.POST)
    if reset is None:
        messages.error(request, _("没有找到待处理的该申请。"))
    elif not form.is_valid():
        messages.error(request, _("请选择批准或拒绝。"))
    else:
        try:
            if form.cleaned_data["decision"] == "approve":
                reset, code = services.credential_reset_approve(
                    actor=request_user(request), reset=reset, reason=form.cleaned_data["reason"]
                )
                response = render(
                    request, "accounts/reset_code_once.html", {"reset": reset, "code": code}
                )
                response["Cache-Control"] = "no-store"
                return response
            services.credential_reset_refuse(
                actor=request_user(request), reset=reset, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("已拒绝该重置申请。"))
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("accounts:resets")
