"""``zhifa demo load``: load the Baishan demo (idempotent) and the demo accounts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhifa.accounts.demo import load_demo_accounts
from zhifa.cases.demo import load_demo_cases
from zhifa.catalogue.demo import load_demo_catalogue
from zhifa.org.demo import load_baishan

KIND_LABELS = {
    "government": gettext_lazy("政府"),
    "agency": gettext_lazy("部门"),
    "unit": gettext_lazy("内设机构"),
    "person": gettext_lazy("人员"),
    "post": gettext_lazy("职务"),
    "group": gettext_lazy("工作小组"),
    "membership": gettext_lazy("小组成员"),
    "officer": gettext_lazy("执法人员"),
    "certificate": gettext_lazy("执法证"),
    "revocation": gettext_lazy("注销"),
}


class Command(BaseCommand):
    help = "演示数据。load：载入白山乡演示数据（可重复执行，已有的数据不会重复创建或被覆盖）。"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("load", help=str(gettext_lazy("载入白山乡演示数据和演示账户")))

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_baishan()
        if result.total_created:
            created = "，".join(
                f"{KIND_LABELS.get(kind, kind)} {count}" for kind, count in result.created.items()
            )
            self.stdout.write(_("白山乡演示数据已载入，新建：%(created)s。") % {"created": created})
        else:
            self.stdout.write(_("白山乡演示数据已经齐全，本次未作任何改动。"))
        load_demo_catalogue(result.township)
        for line in load_demo_accounts(result.township):
            self.stdout.write(line)
        self.stdout.write(load_demo_cases(result.township).summary)
