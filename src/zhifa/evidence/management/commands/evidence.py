"""``zhifa evidence sweep [--older-than SECONDS]``: remove staging files that belong to no live
upload (crash leftovers, refused or expired uploads). Blobs are never touched.

``zhifa evidence verify``: re-hash every stored blob and name each one that is missing or
altered (exit status 1)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhifa.evidence import blobs, services
from zhifa.evidence.models import Blob


class Command(BaseCommand):
    help = "证据存储维护：sweep 清理暂存文件，verify 核验全部文件"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sweep = sub.add_parser("sweep", help="清理不属于任何进行中上传的暂存文件")
        sweep.add_argument("--older-than", type=float, default=3600.0, help="秒（默认 3600）")
        sub.add_parser("verify", help="重新计算每个文件的 SHA-256")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "sweep":
            removed = services.sweep_staging(older_than_seconds=options["older_than"])
            self.stdout.write(f"已清理 {len(removed)} 个暂存文件。")
            return
        problems = 0
        checked = 0
        for sha256, size in Blob.objects.order_by("sha256").values_list("sha256", "size"):
            checked += 1
            problem = blobs.verify_blob(sha256, size)
            if problem is not None:
                problems += 1
                self.stdout.write(f"文件 {sha256}：{problem}")
        if problems:
            raise CommandError(f"{checked} 个文件中有 {problems} 个缺失或被改动。")
        self.stdout.write(f"已核验 {checked} 个文件，全部完好。")
