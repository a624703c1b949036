"""Password policy (≥ 10 characters, 3 of 4 classes, Argon2) and idle sessions (30 minutes):
security model S-3 and S-4."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.hashers import get_hasher
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.utils import timezone

import zhifa.settings as production
from tests.accounts.support import PASSWORD, make_user, sign_in, signed_in_client
from zhifa.accounts import services
from zhifa.accounts.models import SecurityEvent, User
from zhifa.core.errors import ValidationFailed

Kind = SecurityEvent.Kind


def test_argon2_is_the_production_password_hasher__S3() -> None:
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    # The tests hash with MD5 only for speed (tests/settings.py); production settings do not.
    assert "MD5" not in " ".join(production.PASSWORD_HASHERS)
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        assert get_hasher("default").algorithm == "argon2"
        user = make_user("li.wei")
        assert User.objects.get(pk=user.pk).password.startswith("argon2$argon2id$")


@pytest.mark.parametrize(
    ("new_password", "accepted"),
    [
        ("Abcdefg1x", False),  # 9 characters, 3 classes: too short
        ("Qwhzvbmk7T", True),  # 10 characters, 3 classes (lower, upper, digit)
        ("qwhzvbmk7t", False),  # 10 characters, 2 classes (lower, digit)
        ("qwhzvbmk#t", False),  # 10 characters, 2 classes (lower, other)
        ("qwhzv#mk7t", True),  # 10 characters, 3 classes (lower, digit, other)
    ],
)
def test_password_policy_boundaries_on_the_change_page__S3(
    new_password: str, accepted: bool
) -> None:
    user = make_user("li.wei")
    client = signed_in_client(user)
    old_hash = User.objects.get(pk=user.pk).password

    response = client.post(
        "/staff/password/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )

    user.refresh_from_db()
    if accepted:
        assert response.status_code == 302
        assert user.check_password(new_password)
        assert SecurityEvent.objects.filter(kind=Kind.PASSWORD_CHANGED, user=user).count() == 1
        assert client.get("/staff/").status_code == 200  # the session survives the change
    else:
        assert response.status_code == 200
        assert user.password == old_hash  # nothing changed
        assert not SecurityEvent.objects.filter(kind=Kind.PASSWORD_CHANGED).exists()


def test_password_change_needs_the_old_password__S3() -> None:
    user = make_user("li.wei")
    client = signed_in_client(user)

    response = client.post(
        "/staff/password/",
        {
            "old_password": "Not#The0ld1",
            "new_password1": "Qwhzvbmk7T",
            "new_password2": "Qwhzvbmk7T",
        },
    )

    assert response.status_code == 200
    assert "原密码不正确" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_service_refuses_a_weak_password_and_changes_nothing__S3() -> None:
    user = make_user("li.wei")
    before = User.objects.get(pk=user.pk).password

    with pytest.raises(ValidationFailed) as refused:
        services.password_change(actor=user, old_password=PASSWORD, new_password="short1A")

    assert refused.value.code == "password_policy"
    assert User.objects.get(pk=user.pk).password == before


def test_an_admin_set_password_must_be_changed_before_anything_else__S3() -> None:
    user = make_user("li.wei", must_change_password=True)
    client = Client()

    first = sign_in(client, user)
    blocked = client.get("/staff/")
    changed = client.post(
        "/staff/password/",
        {"old_password": PASSWORD, "new_password1": "Qwhzvbmk7T", "new_password2": "Qwhzvbmk7T"},
    )

    assert first["Location"] == "/staff/password/"
    assert blocked.status_code == 302 and blocked["Location"] == "/staff/password/"
    assert changed.status_code == 302
    assert client.get("/staff/").status_code == 200
    user.refresh_from_db()
    assert not user.must_change_password


def test_idle_expiry_is_30_minutes_pushed_on_every_request__S4() -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    client = signed_in_client(make_user("li.wei"))
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + timedelta(minutes=5)
    )

    client.get("/staff/")

    expiry = Session.objects.get(session_key=key).expire_date
    assert timedelta(minutes=29) < expiry - timezone.now() <= timedelta(minutes=30)


@pytest.mark.parametrize(("idle_minutes", "still_signed_in"), [(29, True), (31, False)])
def test_idle_session_ends_after_30_minutes__S4(idle_minutes: int, still_signed_in: bool) -> None:
    client = signed_in_client(make_user("li.wei"))
    key = client.session.session_key
    # The last request was ``idle_minutes`` ago: its expiry was set to that moment + 30 minutes.
    last_seen = timezone.now() - timedelta(minutes=idle_minutes)
    Session.objects.filter(session_key=key).update(
        expire_date=last_seen + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    )

    response = client.get("/staff/")

    if still_signed_in:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/login/")
