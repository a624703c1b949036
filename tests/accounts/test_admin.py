"""The system admin's work in /admin/: create accounts, disable, reset password and 2FA, tokens
(security model S-6). Every change goes through a service: security log + ledger."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.support import PASSWORD, make_user, post_password, signed_in_client
from zhifa.accounts import rules, services
from zhifa.accounts.models import ApiToken, CredentialReset, SecurityEvent, User
from zhifa.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhifa.ledger.models import LedgerEvent, Version
from zhifa.org.models import Agency

Kind = SecurityEvent.Kind
AdminRole = User.AdminRole


@pytest.fixture
def system_admin() -> User:
    return make_user("sys.admin", admin_role=AdminRole.SYSTEM)


@pytest.fixture
def admin_client(system_admin: User) -> Client:
    return signed_in_client(system_admin)


def test_creating_an_account_shows_its_initial_password_once__S6(
    admin_client: Client, system_admin: User
) -> None:
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {"username": "wang.fang", "first_name": "王芳", "admin_role": ""},
    )

    assert response.status_code == 200
    html = response.content.decode()
    password = re.search(r'<code class="secret-once">([^<]+)</code>', html)
    assert password is not None
    user = User.objects.get(username="wang.fang")
    assert user.check_password(password.group(1))
    assert user.must_change_password
    assert "no-store" in response["Cache-Control"]
    created = SecurityEvent.objects.get(kind=Kind.USER_CREATED, user=user)
    assert created.actor == system_admin
    event = LedgerEvent.objects.get(action="accounts.user.create", actor=f"user:{system_admin.pk}")
    assert event.object_id == str(created.pk)
    # The ledger keeps the security-log row, never the user row with its password hash.
    assert event.object_type == "accounts.securityevent"
    assert not any("password" in version.content for version in Version.objects.all())


def test_admin_pages_show_no_totp_secrets_and_no_groups__S6(admin_client: Client) -> None:
    index = admin_client.get("/admin/")

    html = index.content.decode()
    assert index.status_code == 200
    assert "/admin/accounts/user/" in html and "/admin/accounts/apitoken/" in html
    assert "otp_totp" not in html and "/admin/auth/group/" not in html
    assert admin_client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert admin_client.get("/admin/accounts/securityevent/").status_code == 404


def _action(client: Client, model: str, action: str, ids: list[int], reason: str = "") -> object:
    return client.post(
        f"/admin/accounts/{model}/",
        {"action": action, ACTION_CHECKBOX_NAME: ids, "apply": "1", "reason": reason},
    )


def test_disable_asks_for_a_reason_and_ends_sign_in__S6(
    admin_client: Client, system_admin: User
) -> None:
    user = make_user("li.wei")
    user_client = signed_in_client(user)

    confirm = admin_client.post(
        "/admin/accounts/user/", {"action": "disable", ACTION_CHECKBOX_NAME: [user.pk]}
    )
    no_reason = _action(admin_client, "user", "disable", [user.pk], reason="")
    done = _action(admin_client, "user", "disable", [user.pk], reason="调离本单位")

    assert confirm.status_code == 200 and "原因（必填）" in confirm.content.decode()
    assert no_reason.status_code == 200  # asked again, nothing done
    assert done.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    assert user_client.get("/staff/").status_code == 302  # the open session ends too
    assert post_password(Client(), "li.wei").status_code == 200  # and no new sign-in
    assert SecurityEvent.objects.filter(kind=Kind.USER_DISABLED, detail="调离本单位").count() == 1


def test_enable_restores_sign_in_and_a_repeated_switch_is_a_conflict_that_writes_nothing__S6(
    system_admin: User,
) -> None:
    user = make_user("li.wei")
    services.user_disable(actor=system_admin, user=user, reason="借调")

    before = (LedgerEvent.objects.count(), SecurityEvent.objects.count())
    with pytest.raises(Conflict) as twice_disabled:
        services.user_disable(actor=system_admin, user=user, reason="再次停用")
    assert twice_disabled.value.code == "already_disabled"
    assert (LedgerEvent.objects.count(), SecurityEvent.objects.count()) == before

    services.user_enable(actor=system_admin, user=user, reason="借调结束")
    user.refresh_from_db()
    assert user.is_active
    assert post_password(Client(), "li.wei")["Location"] == "/staff/login/otp/"
    enabled = LedgerEvent.objects.filter(action="accounts.user.enable")
    assert enabled.count() == 1
    assert SecurityEvent.objects.filter(kind=Kind.USER_ENABLED, detail="借调结束").count() == 1

    before = (LedgerEvent.objects.count(), SecurityEvent.objects.count())
    with pytest.raises(Conflict) as twice_enabled:
        services.user_enable(actor=system_admin, user=user)
    assert twice_enabled.value.code == "already_enabled"
    assert (LedgerEvent.objects.count(), SecurityEvent.objects.count()) == before


@pytest.mark.parametrize("action", ["reset_otp", "reset_password"])
def test_a_reset_in_the_admin_is_a_request_that_shows_no_secret_and_changes_no_credential__S6(
    admin_client: Client, system_admin: User, action: str
) -> None:
    user = make_user("li.wei")

    no_reason = _action(admin_client, "user", action, [user.pk], reason="")
    response = _action(admin_client, "user", action, [user.pk], reason="手机丢失")

    assert no_reason.status_code == 200  # asked again for the reason, nothing done
    assert response.status_code == 302  # back to the list: no page with a secret
    assert "secret-once" not in admin_client.get(response["Location"]).content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and TOTPDevice.objects.filter(user=user).exists()
    reset = CredentialReset.objects.get(user=user)
    assert (reset.state, reset.requested_by, reset.code_sha256) == ("requested", system_admin, "")
    assert LedgerEvent.objects.filter(action="accounts.reset.request").count() == 1


def test_admins_cannot_act_on_their_own_account__S6(system_admin: User) -> None:
    before = (LedgerEvent.objects.count(), TOTPDevice.objects.count())

    with pytest.raises(PermissionDenied):
        services.user_disable(actor=system_admin, user=system_admin, reason="x")
    for kind in CredentialReset.Kind.values:
        with pytest.raises(PermissionDenied):
            services.credential_reset_request(
                actor=system_admin, user=system_admin, kind=kind, reason="x"
            )

    system_admin.refresh_from_db()
    assert system_admin.is_active
    assert (LedgerEvent.objects.count(), TOTPDevice.objects.count()) == before


@pytest.mark.parametrize("admin_role", [AdminRole.SECURITY, AdminRole.AUDITOR, AdminRole.NONE])
def test_only_the_system_admin_manages_accounts__S6(admin_role: str) -> None:
    actor = make_user("someone", admin_role=admin_role)
    target = make_user("li.wei")
    before = (User.objects.count(), LedgerEvent.objects.count())

    with pytest.raises(PermissionDenied):
        services.user_create(actor=actor, username="new.user")
    with pytest.raises(PermissionDenied):
        services.user_disable(actor=actor, user=target, reason="x")
    with pytest.raises(PermissionDenied):
        services.credential_reset_request(actor=actor, user=target, kind="otp", reason="x")

    assert (User.objects.count(), LedgerEvent.objects.count()) == before
    assert TOTPDevice.objects.filter(user=target).exists()


def test_user_names_are_unique_and_given_passwords_follow_the_policy__S3(
    system_admin: User,
) -> None:
    make_user("li.wei")
    before = User.objects.count()

    with pytest.raises(Conflict):
        services.user_create(actor=system_admin, username="li.wei")
    with pytest.raises(ValidationFailed):
        services.user_create(actor=system_admin, username="new.user", password="abcdefghij")

    assert User.objects.count() == before


def test_token_created_in_the_admin_is_shown_once__S5(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/accounts/apitoken/add/",
        {"name": "上级平台", "scopes": ["org:read", "ledger:read"], "expires_at": ""},
    )

    html = response.content.decode()
    shown = re.search(r'<code class="secret-once">([^<]+)</code>', html)
    assert shown is not None
    parsed = rules.parse_token(shown.group(1))
    token = ApiToken.objects.get()
    assert parsed is not None and parsed.prefix == token.prefix
    assert token.scopes == ["ledger:read", "org:read"]
    listing = admin_client.get("/admin/accounts/apitoken/").content.decode()
    assert parsed.secret not in listing and token.secret_sha256 not in listing

    revoked = _action(admin_client, "apitoken", "revoke", [token.pk], reason="停用")
    assert revoked.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_admin_pages_render_read_only_views_and_add_forms__S6(
    admin_client: Client, land_agency: Agency
) -> None:
    user = make_user("li.wei")
    token, _plaintext = services.token_create(
        actor=User.objects.get(username="sys.admin"),
        name="记录仪",
        agency=land_agency,
        scopes=["evidence:upload"],
    )

    pages = {
        path: admin_client.get(path)
        for path in (
            "/admin/accounts/user/",
            "/admin/accounts/user/add/",
            f"/admin/accounts/user/{user.pk}/change/",
            "/admin/accounts/apitoken/",
            "/admin/accounts/apitoken/add/",
            f"/admin/accounts/apitoken/{token.pk}/change/",
            "/admin/accounts/roleassignment/",
        )
    }

    assert {path: response.status_code for path, response in pages.items()} == dict.fromkeys(
        pages, 200
    )
    change = pages[f"/admin/accounts/user/{user.pk}/change/"].content.decode()
    assert 'name="_save"' not in change  # read-only: nothing is saved from the admin form
    assert "argon2" not in change and "md5$" not in change  # no password hash shown
    assert (
        token.secret_sha256
        not in pages[f"/admin/accounts/apitoken/{token.pk}/change/"].content.decode()
    )
