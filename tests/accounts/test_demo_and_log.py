"""Demo logins (known password, fixed TOTP secret) and the security log of every sign-in event
(security model S-7)."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.contrib.auth.password_validation import validate_password
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.support import (
    device_of,
    fresh_code,
    grant,
    make_user,
    post_code,
    post_password,
    sign_in,
    wrong_code,
)
from zhifa.accounts import access, services
from zhifa.accounts.actors import SYSTEM
from zhifa.accounts.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_totp_key_hex
from zhifa.accounts.models import RoleAssignment, SecurityEvent, User
from zhifa.core import clock
from zhifa.core.errors import NotFound
from zhifa.org.demo import load_demo_accounts
from zhifa.org.models import Agency, Government, Officer, Person

Kind = SecurityEvent.Kind
Role = RoleAssignment.Role


@pytest.fixture
def synthetic_officer(land_agency: Agency, government: Government) -> Officer:
    person = Person.objects.create(government=government, name="演示执法员甲", is_synthetic=True)
    return Officer.objects.create(person=person, agency=land_agency)


def test_demo_accounts_one_per_role_idempotent_and_marked_as_demo__S7(
    government: Government,
    land_agency: Agency,
    justice_office: Agency,
    synthetic_officer: Officer,
) -> None:
    lines = load_demo_accounts(government)
    counts = (User.objects.count(), RoleAssignment.objects.count(), TOTPDevice.objects.count())
    again = load_demo_accounts(government)

    assert again == lines
    assert counts == (
        User.objects.count(),
        RoleAssignment.objects.count(),
        TOTPDevice.objects.count(),
    )
    assert User.objects.count() == len(DEMO_ACCOUNTS) == 10
    assert "演示" in lines[0] and "切勿用于生产" in lines[0]
    for role in [r for r in Role.values if r != Role.SUPERVISOR]:
        holder = User.objects.get(role_assignments__role=role)
        assert access.has_role(holder, land_agency, role)
    supervisor = User.objects.get(username="demo_supervisor")
    assert access.has_role(supervisor, justice_office, Role.SUPERVISOR)
    admins = dict(User.objects.exclude(admin_role="").values_list("username", "admin_role"))
    assert admins == {
        "demo_system_admin": "system_admin",
        "demo_security_admin": "security_admin",
        "demo_auditor": "auditor",
    }
    officer = User.objects.get(username="demo_officer")
    assert officer.person == synthetic_officer.person
    for spec in DEMO_ACCOUNTS:
        user = User.objects.get(username=spec.username)
        validate_password(DEMO_PASSWORD, user)  # the demo password passes the real policy
        device = TOTPDevice.objects.get(user=user)
        assert device.confirmed and device.key == demo_totp_key_hex(spec.username)
        assert any(services.otp_base32_secret(device) in line for line in lines)
        assert not user.must_change_password


def test_demo_user_signs_in_with_the_code_from_the_printed_secret__S7(
    government: Government, land_agency: Agency, justice_office: Agency
) -> None:
    load_demo_accounts(government)
    user = User.objects.get(username="demo_officer")
    client = Client()

    assert sign_in(client, user, DEMO_PASSWORD)["Location"] == "/staff/"
    home = client.get("/staff/").content.decode()
    assert "国土资源所" in home and "执法人员" in home


def test_demo_needs_the_two_agencies__S7(government: Government) -> None:
    with pytest.raises(NotFound):
        load_demo_accounts(government)
    assert not User.objects.exists()


def test_every_sign_in_event_is_logged_at_the_clock_s_now__S7() -> None:
    user = make_user("li.wei")
    at = datetime(2026, 3, 2, 9, 30, tzinfo=clock.CHINA)
    client = Client()

    with clock.frozen(at):
        post_password(client, "li.wei", "Wrong#Password1")  # login failed
        post_password(client, "li.wei")
        post_code(client, wrong_code(device_of(user)))  # otp failed
        post_code(client, fresh_code(device_of(user)))  # login
        client.post("/staff/logout/")  # logout
        for _ in range(5):  # the sign-in cleared the earlier failures: 5 more lock the name
            post_password(client, "li.wei", "Wrong#Password1")

    events = list(
        SecurityEvent.objects.filter(user=user)
        .exclude(kind=Kind.USER_CREATED)
        .order_by("id")
        .values_list("kind", "at")
    )
    assert [kind for kind, _at in events] == [
        Kind.LOGIN_FAILED,
        Kind.OTP_FAILED,
        Kind.LOGIN,
        Kind.LOGOUT,
        *[Kind.LOGIN_FAILED] * 5,
        Kind.LOCKED_OUT,
    ]
    assert {when for _kind, when in events} == {at}


def test_the_security_log_is_for_the_auditor_only__S7() -> None:
    from zhifa.accounts.selectors import security_events_for_auditor
    from zhifa.core.errors import PermissionDenied

    auditor = make_user("shen.ji", admin_role=User.AdminRole.AUDITOR)
    for admin_role in ("", "system_admin", "security_admin"):
        other = make_user(f"x{admin_role}", admin_role=admin_role)
        with pytest.raises(PermissionDenied):
            security_events_for_auditor(other)

    assert security_events_for_auditor(auditor).count() == SecurityEvent.objects.count()


def test_the_ledger_verifies_after_sign_ins_and_admin_changes__S7_R34(land_agency: Agency) -> None:
    """Sign-in lines stay out of the ledger by design (anyone can cause them); every admin
    change's line is in it — and verify tells the two apart: a line of an admin kind written
    outside the services is still caught."""
    from zhifa.ledger.verify import verify_ledger

    user = make_user("zhao.min")
    grant(user, land_agency, RoleAssignment.Role.OFFICER)
    client = Client()
    post_password(client, "zhao.min", "Wrong#Password1")  # login failed: not ledgered
    sign_in(client, user)
    client.post("/staff/logout/")
    services.role_revoke(
        actor=SYSTEM,
        user=user,
        agency=land_agency,
        role=RoleAssignment.Role.OFFICER,
        reason="调岗",
    )
    assert SecurityEvent.objects.filter(kind=Kind.LOGIN_FAILED).exists()
    assert verify_ledger().problems == []

    SecurityEvent.objects.create(kind=Kind.ROLE_GRANTED, at=clock.now(), user=user)
    assert [p.code for p in verify_ledger().problems] == ["object_unrecorded"]
