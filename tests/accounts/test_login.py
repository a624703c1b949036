"""Sign-in: password, then TOTP; staff pages and the admin need both (security model S-1)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.support import (
    PASSWORD,
    device_of,
    fresh_code,
    make_user,
    post_code,
    post_password,
    totp_code,
    wrong_code,
)
from zhifa.accounts import services
from zhifa.accounts.actors import SYSTEM
from zhifa.accounts.models import SecurityEvent
from zhifa.core import clock

Kind = SecurityEvent.Kind


def test_password_alone_opens_no_staff_page_and_no_session__S1() -> None:
    user = make_user("li.wei")
    client = Client()

    response = post_password(client, "li.wei")

    assert response.status_code == 302
    assert response["Location"] == "/staff/login/otp/"
    assert "_auth_user_id" not in client.session  # not logged in after the password step
    home = client.get("/staff/")
    assert home.status_code == 302
    assert home["Location"].startswith("/staff/login/?next=/staff/")
    admin = client.get("/admin/", follow=True)
    assert admin.redirect_chain[-1][0] == "/staff/login/?next=/admin/"
    assert not SecurityEvent.objects.filter(kind=Kind.LOGIN, user=user).exists()


def test_password_then_right_totp_opens_the_staff_home__S1() -> None:
    user = make_user("li.wei")
    client = Client()
    post_password(client, "li.wei")

    response = post_code(client, fresh_code(device_of(user)))

    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    home = client.get("/staff/")
    assert home.status_code == 200
    assert "工作台" in home.content.decode()
    assert SecurityEvent.objects.filter(kind=Kind.LOGIN, user=user).count() == 1


def test_wrong_totp_is_refused_logged_and_opens_nothing__S1() -> None:
    user = make_user("li.wei")
    client = Client()
    post_password(client, "li.wei")

    response = post_code(client, wrong_code(device_of(user)))

    assert response.status_code == 200
    assert "动态口令不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/staff/").status_code == 302
    failed = SecurityEvent.objects.get(kind=Kind.OTP_FAILED)
    assert failed.user == user
    assert failed.ip_address == "127.0.0.1"
    assert not SecurityEvent.objects.filter(kind=Kind.LOGIN).exists()


def test_a_totp_code_works_only_once__S1() -> None:
    user = make_user("li.wei")
    first = Client()
    post_password(first, "li.wei")
    code = fresh_code(device_of(user))
    assert post_code(first, code).status_code == 302

    second = Client()
    post_password(second, "li.wei")
    response = post_code(second, code)

    assert response.status_code == 200
    assert second.get("/staff/").status_code == 302


def test_first_login_enrols_a_totp_device_with_an_inline_qr_code__S1() -> None:
    user = make_user("new.officer", with_device=False)
    client = Client()

    response = post_password(client, "new.officer")
    assert response["Location"] == "/staff/login/enrol/"
    page = client.get("/staff/login/enrol/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "<path" in html  # QR drawn server-side, inline
    assert "<img" not in html and "chart.googleapis" not in html  # no outside service
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    secret = services.otp_base32_secret(device)
    shown = re.search(r'<code class="otp-secret">([A-Z2-7 ]+)</code>', html)
    assert shown is not None and shown.group(1).replace(" ", "") == secret
    assert page["Cache-Control"].startswith("max-age=0")  # never cached

    again = client.get("/staff/login/enrol/")  # reload: the same secret, no second device
    assert secret.encode() in again.content.replace(b" ", b"")
    assert TOTPDevice.objects.filter(user=user).count() == 1

    done = client.post("/staff/login/enrol/", {"token": totp_code(device)})

    assert done.status_code == 302
    assert done["Location"] == "/staff/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/staff/").status_code == 200
    kinds = list(SecurityEvent.objects.filter(user=user).values_list("kind", flat=True))
    assert Kind.OTP_ENROLLED in kinds and Kind.LOGIN in kinds


def test_enrolment_with_a_wrong_code_confirms_nothing__S1() -> None:
    user = make_user("new.officer", with_device=False)
    client = Client()
    post_password(client, "new.officer")
    client.get("/staff/login/enrol/")
    device = TOTPDevice.objects.get(user=user)

    response = client.post("/staff/login/enrol/", {"token": wrong_code(device)})

    assert response.status_code == 200
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/staff/").status_code == 302
    assert SecurityEvent.objects.filter(kind=Kind.OTP_FAILED, user=user).count() == 1
    assert not SecurityEvent.objects.filter(kind=Kind.OTP_ENROLLED).exists()


def test_enrolled_user_cannot_reach_the_enrolment_page_again__S1() -> None:
    make_user("li.wei")
    client = Client()
    post_password(client, "li.wei")

    response = client.get("/staff/login/enrol/")

    assert response.status_code == 302
    assert response["Location"] == "/staff/login/otp/"


def test_the_password_step_is_forgotten_after_five_minutes__S1() -> None:
    user = make_user("li.wei")
    client = Client()
    post_password(client, "li.wei")

    with clock.frozen(clock.now() + timedelta(minutes=5)):
        response = post_code(client, fresh_code(device_of(user)))

    assert response.status_code == 302
    assert response["Location"] == "/staff/login/"
    assert client.get("/staff/").status_code == 302


def test_after_sign_in_the_user_returns_to_the_page_asked_for__S1() -> None:
    user = make_user("li.wei")
    client = Client()
    client.post("/staff/login/?next=/staff/password/", {"username": "li.wei", "password": PASSWORD})

    response = post_code(client, fresh_code(device_of(user)))

    assert response["Location"] == "/staff/password/"


def test_an_outside_next_address_is_ignored__S1() -> None:
    user = make_user("li.wei")
    client = Client()
    post_password(client, "li.wei", next="https://evil.example.com/")

    response = post_code(client, fresh_code(device_of(user)))

    assert response["Location"] == "/staff/"


def test_login_form_needs_the_csrf_token__S1() -> None:
    make_user("li.wei")
    client = Client(enforce_csrf_checks=True)
    events_before = SecurityEvent.objects.count()

    response = post_password(client, "li.wei")

    assert response.status_code == 403
    assert SecurityEvent.objects.count() == events_before
    assert "_auth_user_id" not in client.session


def test_disabled_account_cannot_sign_in__S1() -> None:
    user = make_user("li.wei")
    services.user_disable(actor=SYSTEM, user=user, reason="调离")
    client = Client()

    response = post_password(client, "li.wei")

    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert SecurityEvent.objects.filter(kind=Kind.LOGIN_FAILED, user=user).count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_logout_is_post_only_and_logged__S1(method: str) -> None:
    user = make_user("li.wei")
    client = Client()
    post_password(client, "li.wei")
    post_code(client, fresh_code(device_of(user)))

    response = getattr(client, method)("/staff/logout/")

    if method == "get":
        assert response.status_code == 405
        assert client.get("/staff/").status_code == 200
        assert not SecurityEvent.objects.filter(kind=Kind.LOGOUT).exists()
    else:
        assert response.status_code == 302
        assert client.get("/staff/").status_code == 302
        assert SecurityEvent.objects.filter(kind=Kind.LOGOUT, user=user).count() == 1
