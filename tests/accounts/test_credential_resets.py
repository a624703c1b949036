"""Password and TOTP resets hand no administrator a usable credential (issue 10, defect 2; S-6).

The system admin asks; the security admin approves and alone sees the one-time code, which the
user redeems to set the new credential themselves; the first sign-in after a reset tells the
user and the head of their agency. Every step is in the security log and the ledger; a refused
step changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.support import (
    PASSWORD,
    device_of,
    fresh_code,
    grant,
    make_user,
    post_code,
    post_password,
    signed_in_client,
    totp_code,
)
from zhifa.accounts import services
from zhifa.accounts.models import CredentialReset, SecurityEvent, User
from zhifa.core import clock
from zhifa.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhifa.ledger.models import LedgerEvent, Version
from zhifa.org.models import Agency

Kind = SecurityEvent.Kind
Role = User.AdminRole
NEW_PASSWORD = "Fresh#Start2027"


@pytest.fixture
def system_admin() -> User:
    return make_user("sys.admin", admin_role=Role.SYSTEM)


@pytest.fixture
def security_admin() -> User:
    return make_user("sec.admin", admin_role=Role.SECURITY)


@pytest.fixture
def officer(land_agency: Agency) -> User:
    user = make_user("li.wei")
    grant(user, land_agency, "officer")
    return user


@pytest.fixture
def land_head(land_agency: Agency) -> User:
    head = make_user("land.head")
    grant(head, land_agency, "agency_head")
    return head


def _state() -> tuple[int, int, int]:
    return (
        LedgerEvent.objects.count(),
        CredentialReset.objects.count(),
        TOTPDevice.objects.count(),
    )


def _admin_action(client: Client, action: str, user: User, reason: str) -> object:
    return client.post(
        "/admin/accounts/user/",
        {"action": action, ACTION_CHECKBOX_NAME: [user.pk], "apply": "1", "reason": reason},
    )


def _approve_on_the_page(security_admin: User, reset: CredentialReset) -> tuple[str, object]:
    """The security admin approves on /staff/resets/; returns the code shown and the answer."""
    response = signed_in_client(security_admin).post(
        f"/staff/resets/{reset.pk}/decide/", {"decision": "approve", "reason": "核实本人"}
    )
    shown = re.search(r'<code class="secret-once">([^<]+)</code>', response.content.decode())
    assert shown is not None, response.content.decode()
    return shown.group(1), response


def test_the_system_admins_resets_give_him_no_credential_of_the_officer__S6(
    system_admin: User, officer: User
) -> None:
    """The reproduction: reset_otp then reset_password in the admin. Neither shows a secret,
    neither changes the officer's credentials: they are requests for the security admin."""
    admin_client = signed_in_client(system_admin)

    pages = [
        _admin_action(admin_client, "reset_otp", officer, "手机丢失"),
        _admin_action(admin_client, "reset_password", officer, "忘记密码"),
    ]

    for response in pages:
        assert response.status_code == 302
        assert "secret-once" not in admin_client.get(response["Location"]).content.decode()
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)
    assert TOTPDevice.objects.filter(user=officer, confirmed=True).exists()
    assert set(CredentialReset.objects.values_list("kind", "state")) == {
        ("otp", "requested"),
        ("password", "requested"),
    }
    listing = admin_client.get("/admin/accounts/credentialreset/").content.decode()
    assert "待安全管理员批准" in listing and "code_sha256" not in listing


def test_a_password_reset_is_approved_by_the_security_admin_and_redeemed_by_the_officer__S6(
    system_admin: User, security_admin: User, officer: User, land_head: User
) -> None:
    reset = services.credential_reset_request(
        actor=system_admin, user=officer, kind="password", reason="忘记密码"
    )

    code, answer = _approve_on_the_page(security_admin, reset)

    assert "no-store" in answer["Cache-Control"]  # type: ignore[index]
    officer.refresh_from_db()
    assert not officer.has_usable_password()  # the old password stops working at once
    reset.refresh_from_db()
    assert reset.state == "approved" and reset.code_sha256 and code not in reset.code_sha256
    # The code is nowhere to be read again: not in the ledger, the security log, the admin.
    assert not any(code in str(v.content) for v in Version.objects.all())
    assert not SecurityEvent.objects.filter(detail__contains=code).exists()
    admin_pages = signed_in_client(system_admin)
    for path in ("/admin/accounts/credentialreset/", f"/admin/accounts/user/{officer.pk}/change/"):
        assert code not in admin_pages.get(path).content.decode()
    assert code not in signed_in_client(security_admin).get("/staff/resets/").content.decode()

    # The officer sets his own password with the code, then signs in with it and his device.
    redeemed = Client().post(
        "/staff/login/reset/",
        {
            "username": officer.username,
            "code": code.lower().replace("-", " "),  # as read out on the phone
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert redeemed.status_code == 302 and redeemed["Location"] == "/staff/login/"
    client = Client()
    assert post_password(client, officer.username, NEW_PASSWORD)["Location"] == "/staff/login/otp/"
    signed_in = post_code(client, fresh_code(device_of(officer)))
    assert signed_in.status_code == 302

    home = client.get("/staff/").content.decode()
    assert "重置密码" in home and "账户安全提醒" in home
    head_home = signed_in_client(land_head).get("/staff/").content.decode()
    assert "账户安全提醒" in head_home and officer.username in head_home
    assert SecurityEvent.objects.filter(kind=Kind.RESET_SIGN_IN, user=officer).count() == 1
    actions = list(
        LedgerEvent.objects.filter(object_type="accounts.credentialreset")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "accounts.reset.request",
        "accounts.reset.approve",
        "accounts.reset.use",
        "accounts.reset.sign_in",
    ]
    # A second sign-in tells nobody again; the code does not work twice.
    signed_in_client(officer, NEW_PASSWORD)
    assert SecurityEvent.objects.filter(kind=Kind.RESET_SIGN_IN, user=officer).count() == 1
    with pytest.raises(ValidationFailed):
        services.password_reset_redeem(user=officer, code=code, new_password="Other#Pass2027")


def test_an_otp_reset_asks_for_the_code_before_any_new_secret_is_shown__S6(
    system_admin: User, security_admin: User, officer: User
) -> None:
    reset = services.credential_reset_request(
        actor=system_admin, user=officer, kind="otp", reason="手机丢失"
    )
    code, _answer = _approve_on_the_page(security_admin, reset)
    assert not TOTPDevice.objects.filter(user=officer).exists()
    client = Client()

    assert post_password(client, officer.username)["Location"] == "/staff/login/enrol/"
    asks = client.get("/staff/login/enrol/").content.decode()
    assert "一次性代码" in asks and "otp-secret" not in asks and "<svg" not in asks
    wrong = client.post("/staff/login/enrol/", {"code": "AAAA-AAAA-AAAA-AAAA"})
    assert "otp-secret" not in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=officer).exists()
    # Enrolment straight away, without the code, confirms nothing.
    with pytest.raises(PermissionDenied):
        services.otp_confirm(
            user=officer,
            device=services.otp_enrolment_device(user=officer),
            token="000000",
        )

    shown = client.post("/staff/login/enrol/", {"code": code})
    assert shown["Location"] == "/staff/login/enrol/"
    page = client.get("/staff/login/enrol/").content.decode()
    assert "otp-secret" in page
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    done = client.post("/staff/login/enrol/", {"token": totp_code(device)})

    assert done.status_code == 302
    reset.refresh_from_db()
    assert reset.state == "used" and reset.signed_in_at is not None
    assert client.get("/staff/").status_code == 200
    assert SecurityEvent.objects.filter(kind=Kind.LOGIN_FAILED, user=officer).count() == 1


def test_wrong_one_time_codes_count_towards_the_lock_out__S2_S6(
    system_admin: User, security_admin: User, officer: User
) -> None:
    reset = services.credential_reset_request(
        actor=system_admin, user=officer, kind="password", reason="忘记密码"
    )
    code, _answer = services.credential_reset_approve(actor=security_admin, reset=reset)
    client = Client()
    attempt = {
        "username": officer.username,
        "code": "AAAA-AAAA-AAAA-AAAA",
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    }

    statuses = [client.post("/staff/login/reset/", attempt).status_code for _ in range(5)]
    right = client.post("/staff/login/reset/", {**attempt, "code": code})

    assert statuses == [200, 200, 200, 200, 429]
    assert right.status_code == 429
    officer.refresh_from_db()
    assert not officer.has_usable_password()
    unknown = Client().post("/staff/login/reset/", {**attempt, "username": "nobody"})
    assert "用户名或一次性代码不正确" in unknown.content.decode()


def test_an_expired_code_sets_nothing__S6(
    system_admin: User, security_admin: User, officer: User
) -> None:
    reset = services.credential_reset_request(
        actor=system_admin, user=officer, kind="password", reason="忘记密码"
    )
    code, reset = services.credential_reset_approve(actor=security_admin, reset=reset)[::-1]
    assert reset.code_expires_at is not None
    before = _state()

    with clock.frozen(reset.code_expires_at), pytest.raises(ValidationFailed) as expired:
        services.password_reset_redeem(user=officer, code=code, new_password=NEW_PASSWORD)

    assert expired.value.code == "reset_code_expired"
    assert _state() == before
    # A new reset may be asked for once the old code has expired.
    with clock.frozen(reset.code_expires_at + timedelta(seconds=1)):
        services.credential_reset_request(
            actor=system_admin, user=officer, kind="password", reason="代码过期"
        )


def test_who_may_ask_approve_and_refuse__S6(
    system_admin: User, security_admin: User, officer: User, land_head: User
) -> None:
    auditor = make_user("auditor", admin_role=Role.AUDITOR)
    reset = services.credential_reset_request(
        actor=system_admin, user=officer, kind="otp", reason="手机丢失"
    )
    own = services.credential_reset_request(
        actor=system_admin, user=security_admin, kind="password", reason="忘记密码"
    )
    before = _state()

    for actor in (security_admin, auditor, land_head, officer):
        with pytest.raises(PermissionDenied):
            services.credential_reset_request(
                actor=actor, user=officer, kind="password", reason="x"
            )
    for actor in (system_admin, auditor, land_head, officer):
        with pytest.raises(PermissionDenied):
            services.credential_reset_approve(actor=actor, reset=reset)
    with pytest.raises(PermissionDenied):
        services.credential_reset_approve(actor=security_admin, reset=own)  # not for oneself
    with pytest.raises(ValidationFailed):
        services.credential_reset_refuse(actor=security_admin, reset=reset, reason="")
    with pytest.raises(Conflict):
        services.credential_reset_request(
            actor=system_admin, user=officer, kind="otp", reason="再次申请"
        )
    with pytest.raises(ValidationFailed):
        services.credential_reset_request(
            actor=system_admin, user=officer, kind="password", reason=" "
        )
    assert _state() == before

    services.credential_reset_refuse(actor=security_admin, reset=reset, reason="未核实本人")

    reset.refresh_from_db()
    assert reset.state == "refused" and not reset.code_sha256
    assert TOTPDevice.objects.filter(user=officer, confirmed=True).exists()
    assert LedgerEvent.objects.filter(action="accounts.reset.refuse").count() == 1
    with pytest.raises(Conflict):
        services.credential_reset_approve(actor=security_admin, reset=reset)


@pytest.mark.parametrize("role", [Role.SYSTEM, Role.AUDITOR, Role.NONE])
def test_the_reset_page_is_the_security_admins_only__S6(role: str) -> None:
    client = signed_in_client(make_user("someone", admin_role=role))

    assert client.get("/staff/resets/").status_code == 403
