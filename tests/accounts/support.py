"""Helpers for tests that need staff users: create them, compute TOTP codes, sign in over HTTP.

Other apps' tests may use :func:`signed_in_client` to get a client whose session passed both
factors (``staff_required`` views then answer normally).
"""

from __future__ import annotations

import time
from typing import Any

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhifa.accounts import services
from zhifa.accounts.actors import SYSTEM
from zhifa.accounts.models import ApiToken, RoleAssignment, User
from zhifa.core import clock

PASSWORD = "Correct#Horse9"


def make_user(
    username: str,
    *,
    admin_role: str = "",
    password: str = PASSWORD,
    with_device: bool = True,
    must_change_password: bool = False,
) -> User:
    """A user with a known password and, unless told otherwise, a confirmed TOTP device."""
    user, _initial = services.user_create(
        actor=SYSTEM, username=username, admin_role=admin_role, password=password
    )
    if must_change_password:
        User.objects.filter(pk=user.pk).update(must_change_password=True)
        user.refresh_from_db()
    if with_device:
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return user


def grant(user: User, agency: Any, role: str, unit: Any = None) -> RoleAssignment:
    return services.role_grant(actor=SYSTEM, user=user, agency=agency, role=role, unit=unit)


def agency_head_of(agency: Any) -> User:
    """The agency's head (a user with the role in force), made when the agency has none."""
    assignment = (
        RoleAssignment.objects.filter(
            agency=agency, role=RoleAssignment.Role.AGENCY_HEAD, revoked_at__isnull=True
        )
        .select_related("user")
        .order_by("id")
        .first()
    )
    if assignment is not None:
        return assignment.user
    head = make_user(f"head-of-agency-{agency.pk}")
    grant(head, agency, RoleAssignment.Role.AGENCY_HEAD)
    return head


def approved_token(
    *, admin: User, agency: Any, scopes: list[str], name: str = "测试令牌", **extra: Any
) -> tuple[ApiToken, str]:
    """A token issued by the system admin and, when it holds a content scope, approved by the
    head of its agency (S-5): it works at once. Returns the row and the plaintext."""
    token, plaintext = services.token_create(
        actor=admin, name=name, agency=agency, scopes=scopes, **extra
    )
    if token.needs_approval:
        services.token_approve(actor=agency_head_of(agency), token=token, reason="测试")
    return token, plaintext


def device_of(user: User) -> TOTPDevice:
    return TOTPDevice.objects.filter(user=user).order_by("id").get()


def totp_code(device: TOTPDevice, steps: int = 0) -> str:
    """The code the user's app shows now (``steps`` time steps later or earlier)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps * device.step
    return f"{totp.token():0{device.digits}d}"


def fresh_code(device: TOTPDevice) -> str:
    """A code that has not been used yet (forgets the last used step: each code works once)."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    return totp_code(device)


def wrong_code(device: TOTPDevice) -> str:
    """A six-digit code that is none of the codes accepted now (tolerance ±1 step)."""
    accepted = {totp_code(device, steps) for steps in (-1, 0, 1)}
    for candidate in ("000000", "111111", "222222", "333333"):
        if candidate not in accepted:
            return candidate
    raise AssertionError("unreachable: four candidates cannot all be accepted")


def post_password(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/staff/login/", {"username": username, "password": password, **extra})


def post_code(client: Client, code: str) -> Any:
    return client.post("/staff/login/otp/", {"token": code})


def sign_in(client: Client, user: User, password: str = PASSWORD) -> Any:
    """Both factors over HTTP; returns the response of the TOTP step."""
    response = post_password(client, user.username, password)
    assert response.status_code == 302, response.status_code
    assert response["Location"] == "/staff/login/otp/", response["Location"]
    return post_code(client, fresh_code(device_of(user)))


def signed_in_client(user: User, password: str = PASSWORD) -> Client:
    client = Client()
    response = sign_in(client, user, password)
    assert response.status_code == 302, response.status_code
    return client


def now() -> Any:
    return clock.now()
