"""Writes of accounts: the security log, accounts, passwords, 2FA devices, roles and API tokens.

Every function here is the only way its rows change. Administrative changes (accounts, roles,
tokens, 2FA resets) run in one transaction with a ledger event; the sign-in events (login, failure,
lock-out, logout, OTP failure, rejected token) go to the security log only — they can be caused by
anyone on the network, and letting strangers append to the ledger would let them flood it
(``docs/security.md``).

``actor`` is an :data:`~zhifa.accounts.actors.Actor`: the :class:`User` who acts, or
:data:`~zhifa.accounts.actors.SYSTEM` for the system itself (the demo loader and the bootstrap
command); nothing on the web passes :data:`~zhifa.accounts.actors.SYSTEM`. A machine (API token)
is refused by every administrative service here.
"""

from __future__ import annotations

import secrets
import string
from base64 import b32encode
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhifa.accounts import rules
from zhifa.accounts.access import has_role
from zhifa.accounts.actors import Actor, actor_label, is_system
from zhifa.accounts.errors import Code
from zhifa.accounts.models import (
    ApiToken,
    ApiTokenApproval,
    ApiTokenUse,
    CredentialReset,
    RoleAssignment,
    SecurityEvent,
    User,
)
from zhifa.core import clock
from zhifa.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from zhifa.core.numbers import parse_number
from zhifa.ledger.services import ledger_append

Kind = SecurityEvent.Kind
AdminRole = User.AdminRole

_PASSWORD_ALPHABET = string.ascii_letters + string.digits + "#%+-=@"
_GENERATED_PASSWORD_LENGTH = 16
_TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


# --- the security log ---------------------------------------------------------------------------


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as django-axes sees it (one rule for lock-out and for the log)."""
    if request is None:
        return None
    address = getattr(request, "axes_ip_address", None)
    if address is None:
        from axes.helpers import get_client_ip_address

        address = get_client_ip_address(request)
    return address or None


def security_event_record(
    *,
    kind: str,
    request: HttpRequest | None = None,
    user: User | None = None,
    username: str = "",
    detail: str = "",
) -> SecurityEvent:
    """Write one line of the security log at ``clock.now()`` for a sign-in event, which no actor
    performs and which stays out of the ledger (anyone on the network can cause one:
    ``docs/security.md`` S-7, and verify knows these kinds, ``SecurityEvent.LEDGER_UNRECORDED``).
    An admin change's line is written, and ledgered, by :func:`_logged_admin_change`."""
    return _security_event_create(
        kind=kind, request=request, user=user, username=username, acting_user=None, detail=detail
    )


# --- refused reads and writes (issue 10, defect 7) -----------------------------------------------


@dataclass(frozen=True)
class _Refusal:
    user: User | None
    username: str
    detail: str
    at: datetime
    ip: str | None


# The refusals of the request being answered, written when it has been answered
# (:func:`refusals_deferred`); ``None`` outside a request.
_pending_refusals: ContextVar[list[_Refusal] | None] = ContextVar(
    "zhifa_pending_refusals", default=None
)


def refusal_record(
    *,
    actor: Actor,
    action: Literal["read", "write"],
    obj_type: str,
    obj_id: object,
    refusal: DomainError,
    ip: str | None = None,
) -> None:
    """Log that ``actor`` was refused ``action`` on the object ``obj_type`` ``obj_id`` (a model's
    ``app.model`` label and key), with the code of the ``refusal`` about to be raised; ``ip``
    when the caller knows the address (during a request the request's is used).

    Call it where the refusal is decided, just before raising. The line must outlive the
    transaction the refusal rolls back: during a request it is written once the request has
    been answered (:func:`refusals_deferred`, run by ``RefusalLogMiddleware``); outside one (a
    command, a service called directly) at once. A ``access_denied`` line is not ledgered, and
    at most ``SECURITY_REFUSAL_LOG_LIMIT`` are written per actor and window; further refusals of
    the window only count up one ``access_denied_suppressed`` line (``docs/security.md`` S-7).
    An anonymous visitor and the system are not logged (no one to name)."""
    if isinstance(actor, ApiToken):
        user, username = None, actor_label(actor)
    elif isinstance(actor, User) and actor.is_authenticated:
        user, username = actor, actor.username
    else:
        return
    line = _Refusal(
        user=user,
        username=username,
        detail=f"{action} {obj_type}#{obj_id}: {refusal.code}",
        at=clock.now(),
        ip=ip,
    )
    pending = _pending_refusals.get()
    if pending is None:
        _refusal_write(line, ip=ip)
    elif all((p.username, p.detail) != (line.username, line.detail) for p in pending):
        pending.append(line)  # the same refusal twice in one request is one line


@contextmanager
def refusals_deferred(request: HttpRequest | None = None) -> Iterator[None]:
    """Collect the refusals of answering ``request`` and write them after it has been answered,
    outside every transaction its services opened and rolled back. Any caller that runs
    services inside its own transaction outside a request (a command) may use it the same way."""
    pending: list[_Refusal] = []
    token = _pending_refusals.set(pending)
    try:
        yield
    finally:
        _pending_refusals.reset(token)
        if pending:
            ip = client_ip(request)
            for line in pending:
                _refusal_write(line, ip=line.ip or ip)


def refusal_window_start(at: datetime) -> datetime:
    """The start of the rate-limit window ``at`` falls in (windows are aligned on the epoch:
    with 10 minutes, :00, :10, :20 … UTC)."""
    window = settings.SECURITY_REFUSAL_LOG_WINDOW.total_seconds()
    return at - timedelta(seconds=at.timestamp() % window)


def _refusal_write(line: _Refusal, *, ip: str | None) -> None:
    limit: int = settings.SECURITY_REFUSAL_LOG_LIMIT
    window: timedelta = settings.SECURITY_REFUSAL_LOG_WINDOW
    start = refusal_window_start(line.at)
    with transaction.atomic():
        this_window = SecurityEvent.objects.filter(
            username=line.username, at__gte=start, at__lt=start + window
        )
        if this_window.filter(kind=Kind.ACCESS_DENIED).count() < limit:
            SecurityEvent.objects.create(
                kind=Kind.ACCESS_DENIED,
                at=line.at,
                username=line.username,
                user=line.user,
                ip_address=ip,
                detail=line.detail[:300],
            )
            return
        summary = (
            this_window.filter(kind=Kind.ACCESS_DENIED_SUPPRESSED)
            .select_for_update(of=("self",))
            .first()
        )
        minutes = int(window.total_seconds() // 60)
        if summary is None:
            SecurityEvent.objects.create(
                kind=Kind.ACCESS_DENIED_SUPPRESSED,
                at=line.at,
                username=line.username,
                user=line.user,
                ip_address=ip,
                detail=_suppressed_detail(1, limit, minutes, line.detail),
            )
            return
        count = suppressed_count(summary) + 1
        summary.detail = _suppressed_detail(count, limit, minutes, line.detail)
        summary.save(update_fields=["detail"])


def _suppressed_detail(count: int, limit: int, minutes: int, last: str) -> str:
    return f"{count} more after {limit} in {minutes} min; last: {last}"[:300]


def suppressed_count(event: SecurityEvent) -> int:
    """How many refusals an ``access_denied_suppressed`` line stands for."""
    return parse_number(event.detail.partition(" ")[0], name="count")


def _security_event_create(
    *,
    kind: str,
    request: HttpRequest | None,
    user: User | None,
    username: str,
    acting_user: User | None,
    detail: str,
) -> SecurityEvent:
    return SecurityEvent.objects.create(
        kind=kind,
        at=clock.now(),
        # What an outsider sent (a name, a path) is kept without NUL, which PostgreSQL's text
        # columns refuse: a refusal's log line must never fail the request that was refused.
        username=(username or (user.username if user is not None else "")).replace("\x00", "")[
            :150
        ],
        user=user,
        actor=acting_user,
        ip_address=client_ip(request),
        detail=detail.replace("\x00", "\\x00")[:300],
    )


def _logged_admin_change(
    *,
    kind: str,
    actor: Actor,
    user: User | None,
    action: str,
    detail: str = "",
    reason: str = "",
    request: HttpRequest | None = None,
) -> SecurityEvent:
    """The security-log line of an administrative change and its ledger event (same transaction).

    The ledger records the security-log row, not the user row: a user row carries the password
    hash, which must never be copied into the append-only ledger.
    """
    event = _security_event_create(
        kind=kind,
        request=request,
        user=user,
        username="",
        acting_user=actor if isinstance(actor, User) else None,
        detail=detail,
    )
    ledger_append(actor=actor_label(actor), action=action, obj=event, reason=reason)
    return event


# --- permission checks ----------------------------------------------------------------------------


def _require_admin(actor: Actor, admin_role: str) -> None:
    if is_system(actor):
        return
    if (
        isinstance(actor, User)
        and actor.is_authenticated
        and actor.is_active
        and actor.admin_role == admin_role
    ):
        return
    raise PermissionDenied(
        _("只有%(role)s可以执行此操作。") % {"role": AdminRole(admin_role).label},
        detail={"required_admin_role": admin_role},
        code=Code.PERMISSION_DENIED,
    )


def _refuse_self(actor: Actor, user: User, message: str) -> None:
    if isinstance(actor, User) and actor.pk == user.pk:
        raise PermissionDenied(message, code=Code.SEPARATION_OF_DUTIES)


def _locked_user(user: User) -> User:
    try:
        return User.objects.select_for_update(of=("self",)).get(pk=user.pk)
    except User.DoesNotExist as exc:
        raise NotFound(_("用户不存在。"), code=Code.NOT_FOUND) from exc


# --- passwords ------------------------------------------------------------------------------------


def generate_password() -> str:
    """A random password of 16 characters holding all four character classes."""
    from zhifa.accounts.passwords import character_classes

    while True:
        candidate = "".join(
            secrets.choice(_PASSWORD_ALPHABET) for _ in range(_GENERATED_PASSWORD_LENGTH)
        )
        if character_classes(candidate) == 4:
            return candidate


def _check_password_policy(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            " ".join(str(message) for message in exc.messages),
            code=Code.PASSWORD_POLICY,
            detail={"password": list(exc.messages)},
        ) from exc


def password_change(
    *, actor: User, old_password: str, new_password: str, request: HttpRequest | None = None
) -> User:
    """The user changes their own password (policy of ``AUTH_PASSWORD_VALIDATORS``)."""
    with transaction.atomic():
        user = _locked_user(actor)
        if not user.check_password(old_password):
            raise ValidationFailed(_("原密码不正确。"), code=Code.WRONG_PASSWORD)
        if old_password == new_password:
            raise ValidationFailed(_("新密码不能与原密码相同。"), code=Code.PASSWORD_UNCHANGED)
        _check_password_policy(new_password, user)
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        _logged_admin_change(
            kind=Kind.PASSWORD_CHANGED,
            actor=user,
            user=user,
            action="accounts.user.password_change",
            request=request,
        )
    return user


# --- accounts (system admin) ----------------------------------------------------------------------


def user_create(
    *,
    actor: Actor,
    username: str,
    full_name: str = "",
    admin_role: str = "",
    person: Any = None,
    password: str | None = None,
    reason: str = "",
) -> tuple[User, str]:
    """Create an account; returns it and its initial password (shown once).

    Without ``password`` a random one is generated and the user must change it at first login.
    """
    _require_admin(actor, AdminRole.SYSTEM)
    username = username.strip()
    if not username:
        raise ValidationFailed(_("用户名不能为空。"), code=Code.USERNAME_REQUIRED)
    if admin_role not in AdminRole.values:
        raise ValidationFailed(_("管理角色无效。"), code=Code.INVALID_ADMIN_ROLE)
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise Conflict(
                _("用户名“%(username)s”已被使用。") % {"username": username}, code=Code.CONFLICT
            )
        if person is not None and User.objects.filter(person=person).exists():
            raise Conflict(_("该人员已有登录账户。"), code=Code.PERSON_HAS_ACCOUNT)
        user = User(
            username=username,
            first_name=full_name.strip()[:150],
            admin_role=admin_role,
            person=person,
            must_change_password=password is None,
        )
        initial = password if password is not None else generate_password()
        _check_password_policy(initial, user)
        user.set_password(initial)
        try:
            with transaction.atomic():
                user.save(force_insert=True)
        except IntegrityError as exc:
            raise Conflict(
                _("用户名“%(username)s”已被使用。") % {"username": username}, code=Code.CONFLICT
            ) from exc
        detail = (
            _("管理角色：%(role)s") % {"role": user.get_admin_role_display()} if admin_role else ""
        )
        _logged_admin_change(
            kind=Kind.USER_CREATED,
            actor=actor,
            user=user,
            action="accounts.user.create",
            detail=str(detail),
            reason=reason,
        )
    return user, initial


def user_link_person(*, actor: Actor, user: User, person: Any, reason: str = "") -> User:
    """Tie a login to the ``org.Person`` it belongs to (one login per person)."""
    _require_admin(actor, AdminRole.SYSTEM)
    with transaction.atomic():
        user = _locked_user(user)
        if User.objects.filter(person=person).exclude(pk=user.pk).exists():
            raise Conflict(_("该人员已有登录账户。"), code=Code.PERSON_HAS_ACCOUNT)
        user.person = person
        user.save(update_fields=["person"])
        _logged_admin_change(
            kind=Kind.USER_LINKED,
            actor=actor,
            user=user,
            action="accounts.user.link_person",
            detail=_("关联人员：%(name)s") % {"name": person.name},
            reason=reason,
        )
    return user


def user_disable(*, actor: Actor, user: User, reason: str) -> User:
    """Disable an account: it can no longer sign in, its open sessions end at the next request."""
    _require_admin(actor, AdminRole.SYSTEM)
    _refuse_self(actor, user, _("不能停用自己的账户。"))
    if not reason.strip():
        raise ValidationFailed(_("停用账户须说明原因。"), code=Code.REASON_REQUIRED)
    return _set_active(actor=actor, user=user, active=False, reason=reason)


def user_enable(*, actor: Actor, user: User, reason: str = "") -> User:
    _require_admin(actor, AdminRole.SYSTEM)
    _refuse_self(actor, user, _("不能启用自己的账户。"))
    return _set_active(actor=actor, user=user, active=True, reason=reason)


def _set_active(*, actor: Actor, user: User, active: bool, reason: str) -> User:
    """The one write of ``is_active`` (permission already checked): row, security log, ledger."""
    with transaction.atomic():
        user = _locked_user(user)
        if user.is_active == active:
            if active:
                raise Conflict(_("该账户已是启用状态。"), code=Code.ALREADY_ENABLED)
            raise Conflict(_("该账户已停用。"), code=Code.ALREADY_DISABLED)
        user.is_active = active
        user.save(update_fields=["is_active"])
        _logged_admin_change(
            kind=Kind.USER_ENABLED if active else Kind.USER_DISABLED,
            actor=actor,
            user=user,
            action="accounts.user.enable" if active else "accounts.user.disable",
            detail=reason,
            reason=reason,
        )
    return user


def user_unlock(*, actor: Actor, user: User, reason: str = "") -> int:
    """Lift a lock-out before its 30 minutes are over; returns the attempts cleared."""
    from axes.handlers.proxy import AxesProxyHandler

    _require_admin(actor, AdminRole.SYSTEM)
    with transaction.atomic():
        user = _locked_user(user)
        cleared = AxesProxyHandler.reset_attempts(username=user.username)
        _logged_admin_change(
            kind=Kind.USER_UNLOCKED,
            actor=actor,
            user=user,
            action="accounts.user.unlock",
            detail=_("清除了%(n)d条失败记录。") % {"n": cleared} + (f" {reason}" if reason else ""),
            reason=reason,
        )
    return int(cleared)


# --- credential resets (system admin asks, security admin approves, the user redeems) ----------

ResetKind = CredentialReset.Kind
ResetState = CredentialReset.State
_RESET_ACTIONS = {ResetKind.PASSWORD: "password", ResetKind.OTP: "otp"}


def generate_reset_code() -> str:
    """A one-time code of 16 characters (80 bits) in groups of 4, easy to read out."""
    code = "".join(
        secrets.choice(rules.RESET_CODE_ALPHABET) for _ in range(rules.RESET_CODE_LENGTH)
    )
    return rules.group_secret(code).replace(" ", "-")


def _code_digest(code: str) -> str:
    return rules.secret_digest(_clean_reset_code(code))


def _clean_reset_code(code: str) -> str:
    return "".join(char for char in code.upper() if char.isascii() and char.isalnum())


def _locked_reset(reset: CredentialReset) -> CredentialReset:
    try:
        return (
            CredentialReset.objects.select_for_update(of=("self",))
            .select_related("user", "requested_by")
            .get(pk=reset.pk)
        )
    except CredentialReset.DoesNotExist as exc:
        raise NotFound(_("没有找到该重置申请。"), code=Code.RESET_NOT_FOUND) from exc


def credential_reset_request(
    *, actor: Actor, user: User, kind: str, reason: str
) -> CredentialReset:
    """The system admin asks to reset the user's password or TOTP device. Nothing changes yet:
    the security admin approves, and only the user receives the one-time code (S-6)."""
    _require_admin(actor, AdminRole.SYSTEM)
    _refuse_self(actor, user, _("不能重置自己的凭据，请使用“修改密码”。"))
    if kind not in ResetKind.values:
        raise ValidationFailed(_("重置类型无效。"), code=Code.INVALID_RESET_KIND)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("重置须说明原因。"), code=Code.REASON_REQUIRED)
    with transaction.atomic():
        user = _locked_user(user)
        open_states = (ResetState.REQUESTED, ResetState.APPROVED)
        if (
            CredentialReset.objects.filter(user=user, kind=kind, state__in=open_states)
            .filter(Q(code_expires_at__isnull=True) | Q(code_expires_at__gt=clock.now()))
            .exists()
        ):
            raise Conflict(_("该账户已有尚未完成的同类重置。"), code=Code.RESET_OPEN)
        reset = CredentialReset.objects.create(
            user=user,
            kind=kind,
            reason=reason[:200],
            requested_by=actor if isinstance(actor, User) else None,
            requested_at=clock.now(),
        )
        _logged_admin_change(
            kind=Kind.RESET_REQUESTED,
            actor=actor,
            user=user,
            action=f"accounts.security.reset_{_RESET_ACTIONS[ResetKind(kind)]}_requested",
            detail=f"{reset.get_kind_display()} {reason}",
            reason=reason,
        )
        ledger_append(
            actor=actor_label(actor), action="accounts.reset.request", obj=reset, reason=reason
        )
    return reset


def _require_security_decider(actor: Actor, reset: CredentialReset) -> None:
    _require_admin(actor, AdminRole.SECURITY)
    _refuse_self(actor, reset.user, _("不能批准重置自己的凭据。"))
    if isinstance(actor, User) and reset.requested_by_id == actor.pk:
        raise PermissionDenied(_("申请人不能批准自己的申请。"), code=Code.SEPARATION_OF_DUTIES)


def credential_reset_approve(
    *, actor: Actor, reset: CredentialReset, reason: str = ""
) -> tuple[CredentialReset, str]:
    """The security admin approves a reset: the old credential stops working at once, and the
    one-time code for the user is returned (shown once, to this security admin only).

    A password reset makes the password unusable (the user sets a new one with the code on
    ``/staff/login/reset/``); a TOTP reset removes the devices (the user, after their password,
    enters the code before enrolling a new one)."""
    with transaction.atomic():
        reset = _locked_reset(reset)
        _require_security_decider(actor, reset)
        if reset.state != ResetState.REQUESTED:
            raise Conflict(_("该申请已处理。"), code=Code.ALREADY_DECIDED)
        user = _locked_user(reset.user)
        code = generate_reset_code()
        now = clock.now()
        reset.state = ResetState.APPROVED
        reset.decided_by = actor if isinstance(actor, User) else None
        reset.decided_at = now
        reset.decision_reason = reason.strip()[:200]
        reset.code_sha256 = _code_digest(code)
        reset.code_expires_at = now + timedelta(hours=rules.RESET_CODE_VALID_HOURS)
        reset.save(
            update_fields=[
                "state",
                "decided_by",
                "decided_at",
                "decision_reason",
                "code_sha256",
                "code_expires_at",
            ]
        )
        if reset.kind == ResetKind.PASSWORD:
            user.set_unusable_password()
            user.must_change_password = False
            user.save(update_fields=["password", "must_change_password"])
            effect = _("原密码已失效。")
        else:
            removed, _by_model = TOTPDevice.objects.filter(user=user).delete()
            effect = _("已删除%(n)d个动态口令设备。") % {"n": removed}
        _logged_admin_change(
            kind=Kind.RESET_APPROVED,
            actor=actor,
            user=user,
            action=f"accounts.security.reset_{_RESET_ACTIONS[ResetKind(reset.kind)]}_approved",
            detail=f"{reset.get_kind_display()} {effect}" + (f" {reason}" if reason else ""),
            reason=reason,
        )
        ledger_append(
            actor=actor_label(actor), action="accounts.reset.approve", obj=reset, reason=reason
        )
    return reset, code


def credential_reset_refuse(
    *, actor: Actor, reset: CredentialReset, reason: str
) -> CredentialReset:
    """The security admin refuses a reset: nothing about the user's credentials changes."""
    if not reason.strip():
        raise ValidationFailed(_("拒绝须说明原因。"), code=Code.REASON_REQUIRED)
    with transaction.atomic():
        reset = _locked_reset(reset)
        _require_security_decider(actor, reset)
        if reset.state != ResetState.REQUESTED:
            raise Conflict(_("该申请已处理。"), code=Code.ALREADY_DECIDED)
        reset.state = ResetState.REFUSED
        reset.decided_by = actor if isinstance(actor, User) else None
        reset.decided_at = clock.now()
        reset.decision_reason = reason.strip()[:200]
        reset.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
        _logged_admin_change(
            kind=Kind.RESET_REFUSED,
            actor=actor,
            user=reset.user,
            action=f"accounts.security.reset_{_RESET_ACTIONS[ResetKind(reset.kind)]}_refused",
            detail=f"{reset.get_kind_display()} {reason}",
            reason=reason,
        )
        ledger_append(
            actor=actor_label(actor), action="accounts.reset.refuse", obj=reset, reason=reason
        )
    return reset


def credential_reset_awaiting_code(user: User, kind: str) -> CredentialReset | None:
    """The user's latest approved reset of ``kind`` whose code is not used yet (expired or not):
    while there is one, the credential can be set only with the code."""
    return (
        CredentialReset.objects.filter(user=user, kind=kind, state=ResetState.APPROVED)
        .order_by("-decided_at", "-id")
        .first()
    )


def credential_reset_check_code(*, user: User, kind: str, code: str) -> CredentialReset:
    """The user's approved reset of ``kind`` if ``code`` is its one-time code and still valid;
    :class:`ValidationFailed` otherwise (nothing written: the caller counts the failure)."""
    reset = credential_reset_awaiting_code(user, kind)
    if reset is None or not rules.secret_matches(_clean_reset_code(code), reset.code_sha256):
        raise ValidationFailed(_("一次性代码不正确。"), code=Code.WRONG_RESET_CODE)
    if reset.code_expires_at is None or clock.now() >= reset.code_expires_at:
        raise ValidationFailed(
            _("一次性代码已过期，请联系系统管理员重新申请重置。"), code=Code.RESET_CODE_EXPIRED
        )
    return reset


def _mark_reset_used(
    reset: CredentialReset, *, user: User, request: HttpRequest | None
) -> CredentialReset:
    reset = _locked_reset(reset)
    if (
        reset.user_id != user.pk
        or reset.state != ResetState.APPROVED
        or reset.code_expires_at is None
        or clock.now() >= reset.code_expires_at
    ):
        raise ValidationFailed(
            _("一次性代码已失效，请联系系统管理员重新申请重置。"), code=Code.RESET_CODE_EXPIRED
        )
    reset.state = ResetState.USED
    reset.used_at = clock.now()
    reset.save(update_fields=["state", "used_at"])
    _logged_admin_change(
        kind=Kind.RESET_USED,
        actor=user,
        user=user,
        action=f"accounts.user.reset_{_RESET_ACTIONS[ResetKind(reset.kind)]}_used",
        detail=str(reset.get_kind_display()),
        request=request,
    )
    ledger_append(actor=actor_label(user), action="accounts.reset.use", obj=reset)
    return reset


def password_reset_redeem(
    *, user: User, code: str, new_password: str, request: HttpRequest | None = None
) -> User:
    """The user sets a new password with the one-time code of an approved password reset."""
    reset = credential_reset_check_code(user=user, kind=ResetKind.PASSWORD, code=code)
    with transaction.atomic():
        user = _locked_user(user)
        _check_password_policy(new_password, user)
        _mark_reset_used(reset, user=user, request=request)
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        _logged_admin_change(
            kind=Kind.PASSWORD_CHANGED,
            actor=user,
            user=user,
            action="accounts.user.password_change",
            detail=_("以一次性代码设置新密码"),
            request=request,
        )
    return user


def credential_reset_sign_in(
    *, user: User, request: HttpRequest | None = None
) -> list[CredentialReset]:
    """At a complete sign-in: the resets used since the last one are announced — a line in the
    security log that the user and the heads of their agencies see as a notice (S-6)."""
    announced: list[CredentialReset] = []
    with transaction.atomic():
        pending = CredentialReset.objects.select_for_update(of=("self",)).filter(
            user=user, state=ResetState.USED, signed_in_at__isnull=True
        )
        for reset in pending:
            reset.signed_in_at = clock.now()
            reset.save(update_fields=["signed_in_at"])
            _logged_admin_change(
                kind=Kind.RESET_SIGN_IN,
                actor=user,
                user=user,
                action="accounts.user.reset_sign_in",
                detail=_("%(kind)s后首次登录（重置于%(at)s）")
                % {
                    "kind": reset.get_kind_display(),
                    "at": (reset.decided_at or reset.requested_at)
                    .astimezone(clock.CHINA)
                    .strftime("%Y-%m-%d %H:%M"),
                },
                request=request,
            )
            ledger_append(actor=actor_label(user), action="accounts.reset.sign_in", obj=reset)
            announced.append(reset)
    return announced


# --- two-factor devices ---------------------------------------------------------------------------


def otp_confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def otp_enrolment_device(*, user: User, fresh: bool = False) -> TOTPDevice:
    """The unconfirmed device the user is enrolling (created on first call, kept on reload).

    ``fresh``: throw away unconfirmed devices and make a new secret (after the one-time code of
    a reset, so that no secret shown before the code was entered can be confirmed)."""
    if otp_confirmed_device(user) is not None:
        raise Conflict(_("您已绑定动态口令，如需更换请联系系统管理员。"), code=Code.OTP_ENROLLED)
    with transaction.atomic():
        _locked_user(user)
        if fresh:
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="default", confirmed=False)
    return device


def otp_base32_secret(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode("ascii").rstrip("=")


def otp_confirm(
    *,
    user: User,
    device: TOTPDevice,
    token: str,
    request: HttpRequest | None = None,
    reset: CredentialReset | None = None,
) -> bool:
    """Confirm an enrolment with the first code from the app; ``False`` when the code is wrong.

    After an approved TOTP reset the enrolment needs that reset, whose one-time code the user
    entered (``credential_reset_check_code``); it is marked used in the same transaction."""
    with transaction.atomic():
        _locked_user(user)
        device = TOTPDevice.objects.select_for_update(of=("self",)).get(pk=device.pk)
        if device.user_id != user.pk or device.confirmed:
            raise Conflict(_("该动态口令设备不能再次绑定。"), code=Code.OTP_DEVICE_INVALID)
        awaiting = credential_reset_awaiting_code(user, ResetKind.OTP)
        if awaiting is not None and (reset is None or reset.pk != awaiting.pk):
            raise PermissionDenied(
                _("须先输入安全管理员交给您的一次性代码。"), code=Code.RESET_CODE_REQUIRED
            )
        if not device.verify_token(_clean_code(token)):
            return False
        if awaiting is not None:
            _mark_reset_used(awaiting, user=user, request=request)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        _logged_admin_change(
            kind=Kind.OTP_ENROLLED,
            actor=user,
            user=user,
            action="accounts.user.otp_enrol",
            request=request,
        )
    return True


def otp_verify(*, user: User, token: str) -> TOTPDevice | None:
    """The user's confirmed device when ``token`` is its current code (each code works once)."""
    from django_otp import verify_token

    device = otp_confirmed_device(user)
    if device is None:
        return None
    verified = verify_token(user, device.persistent_id, _clean_code(token))
    return verified if isinstance(verified, TOTPDevice) else None


def otp_install_fixed_key(*, actor: Actor, user: User, key_hex: str) -> TOTPDevice:
    """Give a demo account a known, already confirmed TOTP secret (system only: demo data)."""
    if not is_system(actor):
        raise PermissionDenied(
            _("只有系统本身可以设置固定的动态口令密钥。"), code=Code.PERMISSION_DENIED
        )
    with transaction.atomic():
        _locked_user(user)
        device = TOTPDevice.objects.filter(user=user, key=key_hex).first()
        if device is not None and device.confirmed:
            return device
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name="demo", key=key_hex, confirmed=True)
        _logged_admin_change(
            kind=Kind.OTP_ENROLLED,
            actor=actor,
            user=user,
            action="accounts.user.otp_enrol",
            detail=_("演示账户的固定动态口令密钥"),
        )
    return device


def _clean_code(token: str) -> str:
    return "".join(token.split())


# --- roles (security admin) -----------------------------------------------------------------------


def _check_role_target(*, user: User, agency: Any, role: str, unit: Any) -> None:
    if role not in RoleAssignment.Role.values:
        raise ValidationFailed(_("角色无效。"), code=Code.INVALID_ROLE)
    if not rules.admin_may_hold_agency_role(user.admin_role):
        raise PermissionDenied(
            _("%(role)s不能同时担任执法主体的角色。") % {"role": user.get_admin_role_display()},
            code=Code.SEPARATION_OF_DUTIES,
        )
    if not rules.role_fits_agency(role, agency.kind):
        raise ValidationFailed(
            _("监督人员角色只能授予司法所的人员。"), code=Code.SUPERVISOR_OUTSIDE_JUSTICE_OFFICE
        )
    if unit is not None and unit.agency_id != agency.pk:
        raise ValidationFailed(_("内设机构不属于该执法主体。"), code=Code.UNIT_OUTSIDE_AGENCY)


def role_grant(
    *,
    actor: Actor,
    user: User,
    agency: Any,
    role: str,
    unit: Any = None,
    reason: str = "",
) -> RoleAssignment:
    """The security admin grants ``role`` in ``agency`` (optionally in ``unit``) to ``user``."""
    _require_admin(actor, AdminRole.SECURITY)
    _refuse_self(actor, user, _("管理员不能给自己授予角色。"))
    with transaction.atomic():
        user = _locked_user(user)
        if not user.is_active:
            raise ValidationFailed(_("不能给已停用的账户授予角色。"), code=Code.USER_DISABLED)
        _check_role_target(user=user, agency=agency, role=role, unit=unit)
        if RoleAssignment.objects.filter(
            user=user, agency=agency, role=role, unit=unit, revoked_at__isnull=True
        ).exists():
            raise Conflict(_("该用户已拥有此角色。"), code=Code.ROLE_ALREADY_GRANTED)
        assignment = RoleAssignment.objects.create(
            user=user,
            agency=agency,
            unit=unit,
            role=role,
            granted_at=clock.now(),
            granted_by=actor if isinstance(actor, User) else None,
        )
        _logged_admin_change(
            action="accounts.security.role_granted",
            kind=Kind.ROLE_GRANTED,
            user=user,
            actor=actor,
            detail=f"{agency.name} {assignment.get_role_display()}"
            + (f" {unit.name}" if unit is not None else ""),
        )
        ledger_append(
            actor=actor_label(actor), action="accounts.role.grant", obj=assignment, reason=reason
        )
    return assignment


def role_revoke(
    *,
    actor: Actor,
    user: User,
    agency: Any,
    role: str,
    unit: Any = None,
    reason: str = "",
) -> RoleAssignment:
    """The security admin revokes the user's role in force (the row stays, with its end time)."""
    _require_admin(actor, AdminRole.SECURITY)
    _refuse_self(actor, user, _("管理员不能撤销自己的角色。"))
    with transaction.atomic():
        user = _locked_user(user)
        assignment = (
            RoleAssignment.objects.select_for_update(of=("self",))
            .filter(user=user, agency=agency, role=role, unit=unit, revoked_at__isnull=True)
            .first()
        )
        if assignment is None:
            raise NotFound(_("该用户没有此角色。"), code=Code.ROLE_NOT_FOUND)
        assignment.revoked_at = clock.now()
        assignment.save(update_fields=["revoked_at"])
        _logged_admin_change(
            action="accounts.security.role_revoked",
            kind=Kind.ROLE_REVOKED,
            user=user,
            actor=actor,
            detail=f"{agency.name} {assignment.get_role_display()}"
            + (f" {unit.name}" if unit is not None else "")
            + (f" {reason}" if reason else ""),
        )
        ledger_append(
            actor=actor_label(actor), action="accounts.role.revoke", obj=assignment, reason=reason
        )
    return assignment


# --- API tokens (system admin) --------------------------------------------------------------------


def token_create(
    *,
    actor: Actor,
    name: str,
    agency: Any,
    scopes: list[str],
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a machine token; returns it and its plaintext ``zf_<prefix>_<secret>`` (shown once).

    Only the SHA-256 of the secret is stored.
    """
    _require_admin(actor, AdminRole.SYSTEM)
    name = name.strip()
    if not name:
        raise ValidationFailed(_("令牌名称不能为空。"), code=Code.NAME_REQUIRED)
    scopes = sorted({scope.strip() for scope in scopes if scope.strip()})
    if not scopes:
        raise ValidationFailed(_("至少需要一个权限范围。"), code=Code.SCOPES_REQUIRED)
    invalid = [scope for scope in scopes if not rules.is_valid_scope(scope)]
    if invalid:
        raise ValidationFailed(
            _("权限范围格式应为“领域:操作”，如 evidence:upload。"),
            code=Code.INVALID_SCOPE,
            detail={"invalid": invalid},
        )
    problem = rules.scope_problem(scopes, bound_to_agency=agency is not None)
    if problem == "unknown_scope":
        raise ValidationFailed(
            _("权限范围只能从已知的列表中选择：%(known)s。")
            % {"known": "、".join(rules.KNOWN_SCOPES)},
            code=Code.UNKNOWN_SCOPE,
            detail={"unknown": [s for s in scopes if s not in rules.KNOWN_SCOPES]},
        )
    if problem == "content_scope_needs_agency":
        raise ValidationFailed(
            _(
                "读取或办理案件、证据的令牌必须绑定一个执法主体；不绑定执法主体的令牌只能使用公开和平台权限。"
            ),
            code=Code.CONTENT_SCOPE_NEEDS_AGENCY,
            detail={"content_scopes": rules.content_scopes(scopes)},
        )
    now = clock.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationFailed(_("过期时间必须晚于当前时间。"), code=Code.EXPIRY_IN_PAST)
    secret = secrets.token_hex(rules.TOKEN_SECRET_HEX_LENGTH // 2)
    with transaction.atomic():
        for _attempt in range(5):
            prefix = secrets.token_hex(rules.TOKEN_PREFIX_HEX_LENGTH // 2)
            if not ApiToken.objects.filter(prefix=prefix).exists():
                break
        else:  # pragma: no cover - 2^32 prefixes; five collisions in a row do not happen
            raise Conflict(_("无法生成唯一的令牌前缀，请重试。"), code=Code.CONFLICT)
        token = ApiToken.objects.create(
            name=name[:100],
            prefix=prefix,
            secret_sha256=rules.secret_digest(secret),
            agency=agency,
            scopes=scopes,
            created_by=actor if isinstance(actor, User) else None,
            created_at=now,
            expires_at=expires_at,
        )
        _logged_admin_change(
            action="accounts.security.token_created",
            kind=Kind.TOKEN_CREATED,
            actor=actor,
            user=None,
            detail=f"{token.name} {prefix} {' '.join(scopes)}"
            + (f" {_('待执法主体负责人批准')}" if token.needs_approval else ""),
        )
        ledger_append(actor=actor_label(actor), action="accounts.token.create", obj=token)
    return token, rules.format_token(prefix, secret)


def _decide_token(
    *, actor: Actor, token: ApiToken, approved: bool, reason: str
) -> ApiTokenApproval:
    """The one write of a token's approval: the head of its agency, once, while it can work."""
    with transaction.atomic():
        token = (
            ApiToken.objects.select_for_update(of=("self",))
            .select_related("agency")
            .get(pk=token.pk)
        )
        head = RoleAssignment.Role.AGENCY_HEAD
        if (
            not isinstance(actor, User)
            or token.agency is None
            or not has_role(actor, token.agency, head)
        ):
            raise PermissionDenied(
                _("只有令牌所属执法主体的负责人可以审批该令牌。"),
                code=Code.AGENCY_HEAD_REQUIRED,
                detail={"required_roles": [RoleAssignment.Role.AGENCY_HEAD]},
            )
        if not token.needs_approval:
            raise Conflict(
                _("该令牌不读取或办理案件、证据，无须审批。"), code=Code.APPROVAL_NOT_NEEDED
            )
        if ApiTokenApproval.objects.filter(token=token).exists():
            raise Conflict(_("该令牌已审批过。"), code=Code.ALREADY_DECIDED)
        if token.revoked_at is not None:
            raise Conflict(_("该令牌已撤销。"), code=Code.ALREADY_REVOKED)
        if token.expires_at is not None and clock.now() >= token.expires_at:
            raise Conflict(_("该令牌已过期。"), code=Code.TOKEN_EXPIRED)
        decision = ApiTokenApproval.objects.create(
            token=token,
            approved=approved,
            decided_by=actor,
            decided_at=clock.now(),
            reason=reason[:200],
        )
        _logged_admin_change(
            action="accounts.security.token_approved"
            if approved
            else "accounts.security.token_refused",
            kind=Kind.TOKEN_APPROVED if approved else Kind.TOKEN_REFUSED,
            actor=actor,
            user=None,
            detail=f"{token.name} {token.prefix} {token.agency.name}"
            + (f" {reason}" if reason else ""),
        )
        ledger_append(
            actor=actor_label(actor),
            action="accounts.token.approve" if approved else "accounts.token.refuse",
            obj=decision,
            reason=reason,
        )
    return decision


def token_approve(*, actor: Actor, token: ApiToken, reason: str = "") -> ApiTokenApproval:
    """The head of the token's agency lets a token with content scopes work (S-5)."""
    return _decide_token(actor=actor, token=token, approved=True, reason=reason.strip())


def token_refuse(*, actor: Actor, token: ApiToken, reason: str) -> ApiTokenApproval:
    """The head of the token's agency refuses it: it never works (a new one must be issued)."""
    if not reason.strip():
        raise ValidationFailed(_("拒绝须说明原因。"), code=Code.REASON_REQUIRED)
    return _decide_token(actor=actor, token=token, approved=False, reason=reason.strip())


def token_revoke(*, actor: Actor, token: ApiToken, reason: str = "") -> ApiToken:
    _require_admin(actor, AdminRole.SYSTEM)
    with transaction.atomic():
        token = ApiToken.objects.select_for_update(of=("self",)).get(pk=token.pk)
        if token.revoked_at is not None:
            raise Conflict(_("该令牌已撤销。"), code=Code.ALREADY_REVOKED)
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        _logged_admin_change(
            action="accounts.security.token_revoked",
            kind=Kind.TOKEN_REVOKED,
            actor=actor,
            user=None,
            detail=f"{token.name} {token.prefix}" + (f" {reason}" if reason else ""),
        )
        ledger_append(
            actor=actor_label(actor), action="accounts.token.revoke", obj=token, reason=reason
        )
    return token


_REFUSAL_TEXT = {
    "malformed": gettext_lazy("格式不正确"),
    "unknown": gettext_lazy("令牌不存在"),
    "secret": gettext_lazy("密钥不匹配"),
    "revoked": gettext_lazy("令牌已撤销"),
    "expired": gettext_lazy("令牌已过期"),
    "scope": gettext_lazy("缺少权限范围"),
    "pending": gettext_lazy("令牌待执法主体负责人批准"),
    "refused": gettext_lazy("令牌未获批准"),
}


def token_authenticate(
    *, plaintext: str, scope: str | None, request: HttpRequest | None = None
) -> ApiToken | None:
    """The token presented on a request, if it is valid for ``scope``; logs every refusal.

    Records the last use (at most once a minute per token, to spare the database a write per
    request).
    """
    parsed = rules.parse_token(plaintext)
    token: ApiToken | None = None
    refusal: str | None
    if parsed is None:
        refusal = "malformed"
    else:
        token = ApiToken.objects.filter(prefix=parsed.prefix).select_related("approval").first()
        if token is None:
            refusal = "unknown"
        elif not rules.secret_matches(parsed.secret, token.secret_sha256):
            refusal = "secret"
        else:
            refusal = rules.token_refusal(
                revoked_at=token.revoked_at,
                expires_at=token.expires_at,
                scopes=list(token.scopes or []),
                required_scope=scope,
                now=clock.now(),
                approved=_approval_of(token),
            )
    if refusal is not None:
        parts = [str(_REFUSAL_TEXT[refusal]) + (f" {scope}" if refusal == "scope" else "")]
        if parsed is not None:
            parts.append(_("令牌 %(prefix)s") % {"prefix": parsed.prefix})
        if request is not None:
            parts.append(request.path)
        security_event_record(kind=Kind.TOKEN_REJECTED, request=request, detail="；".join(parts))
        return None
    assert token is not None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at >= _TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    if token.needs_approval:
        _record_content_use(token, request, now)
    return token


def _approval_of(token: ApiToken) -> bool | None:
    try:
        return token.approval.approved
    except ApiTokenApproval.DoesNotExist:
        return None


def _record_content_use(token: ApiToken, request: HttpRequest | None, now: datetime) -> None:
    """The first use on a China day of a token with content scopes: a row and its ledger event.

    One per token and day (docs/security.md S-5): each write a token makes is ledgered anyway by
    the service it calls, under ``token:<prefix>``; this records that it read, without turning
    every read into a write on the ledger's head row.
    """
    day = clock.china_date(now)
    if ApiTokenUse.objects.filter(token=token, day=day).exists():
        return
    try:
        with transaction.atomic():
            use = ApiTokenUse.objects.create(
                token=token,
                day=day,
                first_at=now,
                scopes=rules.content_scopes(list(token.scopes or [])),
                method=(request.method or "")[:10] if request is not None else "",
                path=request.path[:300] if request is not None else "",
            )
            ledger_append(actor=actor_label(token), action="accounts.token.use", obj=use)
    except IntegrityError:
        return  # another request of the same token recorded this day first
