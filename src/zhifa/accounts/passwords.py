"""Password policy (S-3): at least 10 characters, at least three of the four character classes —
lower case, upper case, digits, other characters — and none of the user's last five passwords.
Every message is Chinese (Django's own too-short message has no Chinese translation)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from zhifa.accounts.errors import Code
from zhifa.core import clock


def character_classes(password: str) -> int:
    classes = [
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


class CharacterClassValidator:
    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _("密码须包含小写字母、大写字母、数字、其他符号四类中的至少%(n)d类。")
                % {"n": self.min_classes},
                code=Code.PASSWORD_TOO_SIMPLE,
            )

    def get_help_text(self) -> str:
        return _("密码须包含小写字母、大写字母、数字、其他符号四类中的至少%(n)d类。") % {
            "n": self.min_classes
        }


class ChineseMinimumLengthValidator(MinimumLengthValidator):
    """Django's length rule with a Chinese message (``password_too_short``)."""

    def get_error_message(self) -> str:
        return _("密码太短，至少需要 %(n)d 个字符。") % {"n": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要 %(n)d 个字符。") % {"n": self.min_length}


class PasswordHistoryValidator:
    """None of the user's last ``remember`` passwords (the current one included) may be chosen
    again. Their hashes are kept in ``PasswordHistory`` by :meth:`password_changed`, which Django
    calls whenever a new password is saved; the current password is also read from the user row,
    so that accounts from before the history count too."""

    def __init__(self, remember: int = 5) -> None:
        self.remember = remember

    def _recent_hashes(self, user: Any) -> list[str]:
        from zhifa.accounts.models import PasswordHistory

        if user is None or getattr(user, "pk", None) is None:
            return []
        stored = list(
            PasswordHistory.objects.filter(user_id=user.pk)
            .order_by("-set_at", "-id")
            .values_list("password", flat=True)[: self.remember]
        )
        return [user.password, *stored] if user.password else stored

    def validate(self, password: str, user: Any = None) -> None:
        if any(check_password(password, encoded) for encoded in self._recent_hashes(user)):
            raise ValidationError(
                _("新密码不能与最近 %(n)d 次使用过的密码相同。") % {"n": self.remember},
                code=Code.PASSWORD_REUSED,
            )

    def password_changed(self, password: str, user: Any = None) -> None:
        from zhifa.accounts.models import PasswordHistory

        if user is None or getattr(user, "pk", None) is None or not user.password:
            return
        PasswordHistory.objects.create(user_id=user.pk, password=user.password, set_at=clock.now())
        keep = PasswordHistory.objects.filter(user_id=user.pk).order_by("-set_at", "-id")
        stale = list(keep.values_list("id", flat=True)[self.remember :])
        if stale:
            PasswordHistory.objects.filter(pk__in=stale).delete()

    def get_help_text(self) -> str:
        return _("不能与最近 %(n)d 次使用过的密码相同。") % {"n": self.remember}
