"""``zhifa demo load``: load the Baishan demo (idempotent): every app's demo step
(:mod:`zhifa.core.demo`), in order, printing what each reports."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext_lazy

from zhifa.core.demo import discover


class Command(BaseCommand):
    help = "演示数据。load：载入白山乡演示数据（可重复执行，已有的数据不会重复创建或被覆盖）。"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("load", help=str(gettext_lazy("载入白山乡演示数据和演示账户")))

    def handle(self, *args: Any, **options: Any) -> None:
        for step in discover():
            for line in step.run():
                self.stdout.write(line)
