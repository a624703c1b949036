"""Lock-out: 5 failures (wrong password or wrong TOTP code) within 30 minutes lock the user name
for 30 minutes (security model S-2)."""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from tests.accounts.support import (
    device_of,
    fresh_code,
    make_user,
    post_code,
    post_password,
    wrong_code,
)
from zhifa.accounts import services
from zhifa.accounts.models import SecurityEvent

Kind = SecurityEvent.Kind
WRONG = "Wrong#Password1"


def _fail_passwords(client: Client, username: str, times: int) -> list[int]:
    return [post_password(client, username, WRONG).status_code for _ in range(times)]


def _age_attempts(username: str, minutes: float) -> None:
    """Pretend the failures happened ``minutes`` ago (django-axes keeps their time)."""
    AccessAttempt.objects.filter(username=username).update(
        attempt_time=timezone.now() - timedelta(minutes=minutes)
    )


def test_four_failures_do_not_lock__S2() -> None:
    make_user("li.wei")
    client = Client()

    statuses = _fail_passwords(client, "li.wei", 4)
    response = post_password(client, "li.wei")

    assert statuses == [200, 200, 200, 200]
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/otp/"
    assert not SecurityEvent.objects.filter(kind=Kind.LOCKED_OUT).exists()


def test_fifth_failure_locks_and_the_sixth_try_with_the_right_password_is_refused__S2() -> None:
    user = make_user("li.wei")
    client = Client()

    statuses = _fail_passwords(client, "li.wei", 5)
    sixth = post_password(client, "li.wei")

    assert statuses == [200, 200, 200, 200, 429]
    assert sixth.status_code == 429
    text = sixth.content.decode()
    assert "账户已锁定" in text and "30分钟" in text
    assert "zhifa_pending_user_id" not in client.session  # the right password opened nothing
    assert post_code(client, fresh_code(device_of(user))).status_code == 302
    assert client.get("/staff/").status_code == 302
    assert SecurityEvent.objects.filter(kind=Kind.LOGIN_FAILED, user=user).count() == 5
    locks = SecurityEvent.objects.filter(kind=Kind.LOCKED_OUT, user=user).order_by("id")
    assert [event.detail for event in locks] == [
        "连续失败5次，锁定30分钟",
        "锁定期间尝试登录，已拒绝",
    ]
    assert not SecurityEvent.objects.filter(kind=Kind.LOGIN).exists()


def test_tries_during_the_lock_do_not_extend_it__S2() -> None:
    make_user("li.wei")
    client = Client()
    _fail_passwords(client, "li.wei", 5)
    _age_attempts("li.wei", 20)

    during = post_password(client, "li.wei", WRONG)

    attempt = AccessAttempt.objects.get(username="li.wei")
    assert during.status_code == 429
    assert attempt.failures_since_start == 5  # the refused try was not counted…
    assert timezone.now() - attempt.attempt_time >= timedelta(minutes=20)  # …nor restarted the lock


def test_lock_holds_at_29_minutes_and_lifts_after_30__S2() -> None:
    make_user("li.wei")
    client = Client()
    _fail_passwords(client, "li.wei", 5)

    _age_attempts("li.wei", 29)
    still_locked = post_password(client, "li.wei")
    _age_attempts("li.wei", 30.05)
    unlocked = post_password(client, "li.wei")

    assert still_locked.status_code == 429
    assert unlocked.status_code == 302
    assert unlocked["Location"] == "/staff/login/otp/"


def test_wrong_totp_codes_count_towards_the_same_lock__S2() -> None:
    user = make_user("li.wei")
    client = Client()
    _fail_passwords(client, "li.wei", 3)
    post_password(client, "li.wei")  # right password: on to the TOTP step

    first = post_code(client, wrong_code(device_of(user)))
    second = post_code(client, wrong_code(device_of(user)))  # the 5th failure
    right_password_again = post_password(client, "li.wei")

    assert first.status_code == 200
    assert second.status_code == 429
    assert right_password_again.status_code == 429
    assert SecurityEvent.objects.filter(kind=Kind.OTP_FAILED, user=user).count() == 2
    assert SecurityEvent.objects.filter(kind=Kind.LOCKED_OUT, user=user).count() == 2


def test_a_right_totp_code_is_refused_while_locked__S2() -> None:
    user = make_user("li.wei")
    attacker = Client()
    holder = Client()
    post_password(holder, "li.wei")  # the user is at the TOTP step…
    _fail_passwords(attacker, "li.wei", 5)  # …when the name gets locked

    response = post_code(holder, fresh_code(device_of(user)))

    assert response.status_code == 429
    assert holder.get("/staff/").status_code == 302


def test_the_lock_is_per_user_name__S2() -> None:
    make_user("li.wei")
    other = make_user("wang.fang")
    client = Client()
    _fail_passwords(client, "li.wei", 5)

    response = post_password(client, "wang.fang")  # same address, other name

    assert response.status_code == 302
    assert other.username == "wang.fang"


def test_a_full_sign_in_clears_earlier_failures__S2() -> None:
    user = make_user("li.wei")
    client = Client()
    _fail_passwords(client, "li.wei", 4)
    post_password(client, "li.wei")
    post_code(client, fresh_code(device_of(user)))
    client.post("/staff/logout/")

    statuses = _fail_passwords(client, "li.wei", 4)

    assert statuses == [200, 200, 200, 200]


def test_system_admin_can_lift_a_lock_and_it_is_logged__S2() -> None:
    user = make_user("li.wei")
    admin = make_user("sys.admin", admin_role="system_admin")
    client = Client()
    _fail_passwords(client, "li.wei", 5)

    cleared = services.user_unlock(actor=admin, user=user, reason="本人电话确认")

    assert cleared == 1
    assert post_password(client, "li.wei").status_code == 302
    event = SecurityEvent.objects.get(kind=Kind.USER_UNLOCKED)
    assert event.actor == admin and event.user == user


def test_unknown_user_names_are_logged_and_locked_too__S2() -> None:
    client = Client()

    statuses = _fail_passwords(client, "nobody", 5)

    assert statuses[-1] == 429
    assert SecurityEvent.objects.filter(kind=Kind.LOGIN_FAILED, username="nobody").count() == 5
    assert SecurityEvent.objects.filter(kind=Kind.LOCKED_OUT, username="nobody").count() == 1
