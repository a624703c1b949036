"""``zhifa create_system_admin USERNAME``: the first system admin of a new installation.

Prints a one-time initial password. At first sign-in the admin enrols a TOTP device and must change
the password; from then on the system admin creates every other account in ``/admin/``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhifa.accounts import services
from zhifa.accounts.actors import SYSTEM
from zhifa.accounts.models import User
from zhifa.core.errors import DomainError


class Command(BaseCommand):
    help = "创建系统管理员账户（新安装时的第一个账户），打印一次性初始密码。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="用户名")
        parser.add_argument("--name", default="", help="姓名")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user, password = services.user_create(
                actor=SYSTEM,
                username=options["username"],
                full_name=options["name"],
                admin_role=User.AdminRole.SYSTEM,
                reason="create_system_admin",
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已创建系统管理员 {user.username}。初始密码（只显示这一次）：{password}")
        self.stdout.write("首次登录 /staff/login/ 时须绑定动态口令并修改密码。")
