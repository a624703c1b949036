"""``zhifa ledger``: sign, mirror and verify the tamper-evident log.

zhifa ledger checkpoint          sign the current tree head (if it grew) and mirror it
zhifa ledger verify [--blobs]    recompute everything; exit 1 with a line per problem (2 when
                                 the check itself could not finish)
zhifa ledger mirror [--to DIR|URL]
zhifa ledger key                 print the verifier key
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any, cast

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhifa.core.errors import DomainError
from zhifa.ledger import keys, selectors
from zhifa.ledger.services import checkpoint_sign, mirror_checkpoints
from zhifa.ledger.verify import verify_ledger


class Command(BaseCommand):
    help = cast(str, gettext_lazy("防篡改账本：签署检查点、镜像检查点、全面核验、显示验证公钥。"))

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("checkpoint", help=_("签署当前树头（树增长时）并镜像。"))
        verify = sub.add_parser("verify", help=_("由数据重新计算并核验整个账本。"))
        verify.add_argument("--blobs", action="store_true", help=_("同时核验每个存储文件的哈希"))
        verify.add_argument("--mirror", default=None, help=_("检查点镜像文件夹（默认按设置）"))
        mirror = sub.add_parser("mirror", help=_("把尚未镜像的检查点复制到镜像位置。"))
        mirror.add_argument("--to", default=None, help=_("文件夹或 URL（默认按设置）"))
        sub.add_parser("key", help=_("显示检查点的验证公钥（signed-note 格式）。"))

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "checkpoint":
                self._checkpoint()
            elif action == "verify":
                self._verify(blobs=options["blobs"], mirror=options["mirror"])
            elif action == "mirror":
                copied = mirror_checkpoints(options["to"])
                self.stdout.write(_("已镜像 %(count)d 个检查点。") % {"count": copied})
            elif action == "key":
                self.stdout.write(keys.verifier_key())
        except DomainError as exc:
            raise CommandError(f"{exc.message} {exc.detail or ''}".strip(), returncode=1) from exc

    def _checkpoint(self) -> None:
        checkpoint = checkpoint_sign()
        if checkpoint is None:
            latest = selectors.latest_checkpoint()
            if latest is None:
                self.stdout.write(_("账本为空，没有可签署的树头。"))
                return
            self.stdout.write(_("树没有增长，当前检查点仍是："))
            self.stdout.write(latest.note, ending="")
        else:
            self.stdout.write(checkpoint.note, ending="")
        mirror_checkpoints()

    def _verify(self, *, blobs: bool, mirror: str | None) -> None:
        started = time.perf_counter()
        try:
            report = verify_ledger(blobs=blobs, mirror=mirror)
        except DomainError:
            raise
        except Exception as exc:  # the check itself broke: say so plainly (--traceback shows it)
            raise CommandError(
                _("账本核验未能完成：%(error)s（用 --traceback 查看详情）。")
                % {"error": f"{type(exc).__name__}: {exc}"},
                returncode=2,
            ) from exc
        elapsed = time.perf_counter() - started
        for line in report.lines():
            self.stdout.write(line)
        summary = _(
            "核验了 %(events)d 个事件、%(versions)d 个版本、%(nodes)d 个树节点、"
            "%(checkpoints)d 个检查点（镜像 %(mirrored)d 个）、%(objects)d 个对象、"
            "%(blobs)d 个文件，用时 %(seconds).2f 秒。"
        ) % {
            "events": report.events,
            "versions": report.versions,
            "nodes": report.nodes,
            "checkpoints": report.checkpoints,
            "mirrored": report.mirrored,
            "objects": report.objects,
            "blobs": report.blobs,
            "seconds": elapsed,
        }
        self.stdout.write(summary)
        if not report.ok:
            count = len(report.problems) + sum(report.suppressed.values())
            raise CommandError(
                _("账本核验失败：发现 %(count)d 处问题。") % {"count": count}, returncode=1
            )
        self.stdout.write(_("账本完整：所有记录、检查点和签名均核验无误。"))
