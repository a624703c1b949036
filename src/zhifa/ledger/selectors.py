"""Public reads of the ledger: tree size, checkpoints, leaf data and proofs.

Everything here is public by design: the leaf data carries only hashes and ids (never the content
of a record), so anonymous readers may fetch any of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from zhifa.core.errors import NotFound, ValidationFailed
from zhifa.ledger import merkle
from zhifa.ledger.errors import Code
from zhifa.ledger.models import Checkpoint, LedgerEvent, LedgerHead
from zhifa.ledger.services import leaf_data, stored_ranges

MAX_ENTRIES = 1000


def tree_size() -> int:
    head = LedgerHead.objects.filter(pk=1).values_list("size", flat=True).first()
    return int(head or 0)


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size").first()


def checkpoint_at(size: int) -> Checkpoint | None:
    return Checkpoint.objects.filter(size=size).first()


def entries(start: int, end: int) -> list[bytes]:
    """The leaf data of events ``[start, end)`` (at most :data:`MAX_ENTRIES`), recomputed from the
    event rows exactly as they are hashed into the tree."""
    size = tree_size()
    if start < 0 or end <= start:
        raise ValidationFailed(
            _("起止序号无效：要求 0 ≤ start < end。"), code=Code.VALIDATION_FAILED
        )
    if start >= size:
        raise NotFound(
            _("账本中还没有这么多条记录。"), detail={"tree_size": size}, code=Code.NOT_FOUND
        )
    end = min(end, size, start + MAX_ENTRIES)
    events = LedgerEvent.objects.filter(seq__gte=start, seq__lt=end).order_by("seq")
    return [leaf_data(event) for event in events]


@dataclass(frozen=True)
class InclusionProof:
    index: int
    size: int
    leaf_hash: bytes
    root: bytes
    proof: list[bytes]


def _check_size(size: int) -> None:
    current = tree_size()
    if size < 1 or size > current:
        raise NotFound(
            _("账本的树大小为 %(current)d，无法按大小 %(size)d 出具证明。")
            % {"current": current, "size": size},
            detail={"tree_size": current},
            code=Code.NOT_FOUND,
        )


def inclusion_proof(index: int, size: int) -> InclusionProof:
    """The proof that event ``index`` is in the tree of ``size`` leaves (O(log n) reads)."""
    _check_size(size)
    if not 0 <= index < size:
        raise ValidationFailed(_("序号必须小于树大小。"), code=Code.VALIDATION_FAILED)
    *proof, leaf = stored_ranges([*merkle.inclusion_ranges(index, size), (index, index + 1)])
    root = merkle.root_from_inclusion_proof(index, size, leaf, proof)
    return InclusionProof(index, size, leaf, root, proof)


@dataclass(frozen=True)
class ConsistencyProof:
    first: int
    second: int
    first_root: bytes
    second_root: bytes
    proof: list[bytes]


def consistency_proof(first: int, second: int) -> ConsistencyProof:
    """The proof that the tree of ``first`` leaves is a prefix of the tree of ``second``."""
    _check_size(second)
    if not 0 < first <= second:
        raise ValidationFailed(_("要求 0 < first ≤ second。"), code=Code.VALIDATION_FAILED)
    ranges = [] if first == second else merkle.consistency_ranges(first, second)
    *proof, first_root, second_root = stored_ranges([*ranges, (0, first), (0, second)])
    return ConsistencyProof(first, second, first_root, second_root, proof)


def object_events(object_type: str, object_id: str) -> list[LedgerEvent]:
    """The events of one object, oldest first (to find where a published record sits)."""
    return list(
        LedgerEvent.objects.filter(object_type=object_type, object_id=object_id).order_by("seq")
    )
