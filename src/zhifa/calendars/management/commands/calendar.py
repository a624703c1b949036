"""``zhifa calendar``: load, show, list, seed and check the working-day calendar.

    zhifa calendar load 2027.toml [--replace] [--reason TEXT] [--user USERNAME]
    zhifa calendar show 2026
    zhifa calendar list
    zhifa calendar seed [--reason TEXT] [--user USERNAME]
    zhifa calendar check

Thin: every write goes through :mod:`zhifa.calendars.services`; refusals print the Chinese message
(and each error of a bad file) and exit with status 1, nothing written.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any, cast

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhifa.accounts.actors import SYSTEM, Actor
from zhifa.accounts.models import User
from zhifa.calendars.services import calendar_year_load, calendar_years_seed
from zhifa.core import calendar
from zhifa.core.calendar_data import weekday_name
from zhifa.core.errors import DomainError
from zhifa.core.models import CalendarYear

MAX_FILE_BYTES = 256 * 1024


class Command(BaseCommand):
    help = cast(
        str,
        gettext_lazy("工作日历：载入年度日历文件、查看某年、列出已知年份、从软件包补充、校验。"),
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help=_("载入一个年度日历文件（TOML）。"))
        load.add_argument("file", help=_("日历文件路径，如 2027.toml"))
        load.add_argument("--replace", action="store_true", help=_("替换已有的同一年度"))
        load.add_argument("--reason", default="", help=_("载入或替换的原因，记入账本"))
        load.add_argument("--user", default="", help=_("以哪位系统管理员的身份载入"))
        show = sub.add_parser("show", help=_("显示某年的节假日和调休上班日。"))
        show.add_argument("year", type=int)
        sub.add_parser("list", help=_("列出系统已知的年份。"))
        seed = sub.add_parser("seed", help=_("从已安装的 chinese-calendar 补充系统还没有的年份。"))
        seed.add_argument("--reason", default="")
        seed.add_argument("--user", default="")
        sub.add_parser("check", help=_("校验日历表未被改动、与软件包一致。"))

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "load":
                self._load(options)
            elif action == "show":
                self._show(options["year"])
            elif action == "list":
                self._list()
            elif action == "seed":
                self._seed(options)
            elif action == "check":
                self._check()
        except DomainError as exc:
            errors = exc.detail.get("errors") if isinstance(exc.detail, dict) else None
            if errors:
                for error in errors:
                    self.stderr.write(f"  - {error}")
            raise CommandError(exc.message) from None

    def _actor(self, username: str) -> Actor:
        """The operator at the shell is the system; ``--user`` names the administrator."""
        if not username:
            return SYSTEM
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("没有用户名为“%(name)s”的用户。") % {"name": username})
        return user

    def _load(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("找不到文件 %(path)s。") % {"path": path})
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(_("文件太大，日历文件不会超过 256 KB。"))
        row = calendar_year_load(
            actor=self._actor(options["user"]),
            content=path.read_bytes(),
            file_name=path.name,
            reason=options["reason"],
            replace=options["replace"],
        )
        self.stdout.write(
            _("已载入 %(year)s 年工作日历：%(days)s 个具名日期，文件摘要 %(sha)s。")
            % {"year": row.year, "days": row.days.count(), "sha": row.file_sha256}
        )
        self._show(row.year)

    def _show(self, year: int) -> None:
        summary = calendar.year_summary(year)
        row = summary.row
        source = row.get_source_display()
        if row.package_version:
            source = f"{source} {row.package_version}"
        if row.file_name:
            source = f"{source}（{row.file_name}）"
        out = self.stdout
        out.write(_("%(year)s 年工作日历") % {"year": year})
        out.write(_("  来源：%(source)s") % {"source": source})
        if row.notice:
            out.write(_("  依据：%(notice)s") % {"notice": row.notice})
        out.write(_("  载入时间：%(at)s") % {"at": row.loaded_at.isoformat()})
        out.write(_("  内容摘要：%(sha)s") % {"sha": row.content_sha256})
        out.write(
            _("  工作日 %(work)s 天，休息日 %(rest)s 天")
            % {"work": summary.workdays, "rest": summary.rest_days}
        )
        out.write(_("  法定节假日："))
        for period in summary.holidays:
            out.write(
                _("    %(name)s  %(first)s 至 %(last)s（%(days)s 天）")
                % {
                    "name": period.name,
                    "first": period.first.isoformat(),
                    "last": period.last.isoformat(),
                    "days": period.days,
                }
            )
        out.write(_("  调休上班："))
        if not summary.adjusted_workdays:
            out.write(_("    无"))
        for day, name in summary.adjusted_workdays:
            out.write(
                _("    %(day)s（%(weekday)s）  %(name)s")
                % {"day": day.isoformat(), "weekday": weekday_name(day), "name": name}
            )

    def _list(self) -> None:
        for row in CalendarYear.objects.order_by("year"):
            self.stdout.write(
                f"{row.year}  {row.get_source_display()}  {row.loaded_at.isoformat()}  "
                f"{row.content_sha256[:16]}"
            )

    def _seed(self, options: dict[str, Any]) -> None:
        rows = calendar_years_seed(actor=self._actor(options["user"]), reason=options["reason"])
        if not rows:
            self.stdout.write(_("没有需要补充的年份。"))
        for row in rows:
            self.stdout.write(_("已从软件包载入 %(year)s 年。") % {"year": row.year})

    def _check(self) -> None:
        problems = calendar.stored_year_problems()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(
                _("工作日历校验未通过：%(count)s 处问题。") % {"count": len(problems)}
            )
        self.stdout.write(
            _("工作日历完好：%(count)s 个年份。") % {"count": CalendarYear.objects.count()}
        )
