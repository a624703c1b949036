"""The ledger's share of ``zhifa tick``: sign a checkpoint when the tree grew, then mirror.

Runs last (``order`` 1000) so that the events other tasks write in the same tick are covered.
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from zhifa.core.tick import TickTask
from zhifa.ledger.services import checkpoint_sign, mirror_checkpoints


def sign_and_mirror(now: datetime) -> str:
    checkpoint = checkpoint_sign()
    copied = mirror_checkpoints()
    if checkpoint is None and not copied:
        return ""
    parts = []
    if checkpoint is not None:
        parts.append(_("已签署大小为 %(size)d 的检查点") % {"size": checkpoint.size})
    if copied:
        parts.append(_("已镜像 %(count)d 个检查点") % {"count": copied})
    return "；".join(parts)


TASKS = [TickTask(name="ledger.checkpoint", run=sign_and_mirror, order=1000)]
