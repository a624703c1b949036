"""S-3, issue 10 defect 10: none of the last five passwords may be chosen again (their hashes are
kept, never the passwords), and every password message is Chinese — Django's too-short message
was English."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError

from tests.accounts.support import PASSWORD, make_user
from zhifa.accounts import services
from zhifa.accounts.models import PasswordHistory, User
from zhifa.core.errors import ValidationFailed

CHINESE = re.compile(r"[\u4e00-\u9fff]")
PASSWORDS = [f"Neu-Passwort-{n}x" for n in range(1, 8)]


def _change(user: User, old: str, new: str) -> None:
    services.password_change(actor=user, old_password=old, new_password=new)


def _refused_and_unchanged(user: User, old: str, new: str) -> ValidationFailed:
    before = (User.objects.get(pk=user.pk).password, PasswordHistory.objects.count())
    with pytest.raises(ValidationFailed) as caught:
        _change(user, old, new)
    assert (User.objects.get(pk=user.pk).password, PasswordHistory.objects.count()) == before
    return caught.value


def test_none_of_the_last_five_passwords_may_be_chosen_again__S3() -> None:
    user = make_user("wang.wu")
    current = PASSWORD
    for new in PASSWORDS[:5]:
        _change(user, current, new)
        current = new
    # The last five are PASSWORDS[0..4]; PASSWORD itself is the sixth back.
    for reused in PASSWORDS[:4]:
        error = _refused_and_unchanged(user, current, reused)
        assert error.code == "password_policy"
        assert "最近 5 次" in " ".join(error.detail["password"])
    _change(user, current, PASSWORD)  # six back: allowed again
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


def test_only_hashes_of_the_last_five_are_kept__S3() -> None:
    user = make_user("zhao.liu")
    current = PASSWORD
    for new in PASSWORDS:
        _change(user, current, new)
        current = new
    rows = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True))
    assert len(rows) == 5
    assert all(not any(p in row for p in [PASSWORD, *PASSWORDS]) for row in rows)
    assert User.objects.get(pk=user.pk).password in rows


def test_an_account_from_before_the_history_cannot_keep_its_current_password__S3() -> None:
    user = make_user("li.si")
    PasswordHistory.objects.filter(user=user).delete()  # as after the migration
    with pytest.raises(ValidationError) as caught:
        validate_password(PASSWORD, user)
    assert [e.code for e in caught.value.error_list] == ["password_reused"]


@pytest.mark.parametrize(
    "password",
    ["Ab1!", "password123", "1234567890123", "wang.wu.2026", "abcdefghijk", PASSWORD],
)
def test_every_password_message_is_chinese__S3(password: str) -> None:
    user = make_user("wang.wu")
    with pytest.raises(ValidationError) as caught:
        validate_password(password, user)
    for message in caught.value.messages:
        assert CHINESE.search(message), message  # "This password is too short…" was English


def test_the_too_short_message_names_the_minimum__S3() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_password("Ab1!xyz", None)
    assert caught.value.messages == ["密码太短，至少需要 10 个字符。"]


def test_every_help_text_is_chinese__S3() -> None:
    texts = password_validators_help_texts()
    assert len(texts) >= 6
    for text in texts:
        assert CHINESE.search(text), text
