"""Reads of the ledger: tree size, checkpoints, leaf data and proofs, and an object's versions.

Everything but :func:`versions_verified` is public by design: the leaf data carries only hashes
and ids (never the content of a record), so anonymous readers may fetch any of it. The versions
carry content: the caller fetches the object through its own scoped selector first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from zhifa.core.errors import DomainError, NotFound, ValidationFailed
from zhifa.ledger import keys, merkle, note
from zhifa.ledger.errors import Code
from zhifa.ledger.models import Checkpoint, LedgerEvent, LedgerHead, Version
from zhifa.ledger.services import (
    LedgerDamaged,
    leaf_data,
    object_type_of,
    stored_proof,
    stored_ranges,
    stored_root,
)
from zhifa.ledger.verify import content_digest

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


# --- an object's versions, each proved before it is shown ---------------------------------------


class VersionUnverified(DomainError):
    """A stored version of an object does not agree with the ledger: no version is served."""

    status = 503
    default_code = "ledger_version_unverified"


@dataclass(frozen=True)
class VerifiedVersion:
    """One version of an object: the event that made it, the content after it and the reason
    given, checked against the ledger."""

    event: LedgerEvent
    content: dict[str, Any]
    reason: str


def _unverified(obj: models.Model, seq: int | None, problem: str, why: str) -> VersionUnverified:
    return VersionUnverified(
        _(
            "“%(object)s”的变更记录未通过账本核验（%(why)s），为免显示被篡改的内容，"
            "不予显示。请系统管理员运行 zhifa ledger verify 查明原因。"
        )
        % {"object": obj, "why": why},
        code=Code.LEDGER_VERSION_UNVERIFIED,
        detail={"event": seq, "problem": problem},
    )


def versions_verified(obj: models.Model) -> list[VerifiedVersion]:
    """Every version of ``obj`` the ledger holds, oldest first, each proved before it is served.

    For every event of the object: its version's content hashes to the event's ``content_sha256``
    (``version_altered``, ``version_missing``), the event's leaf recomputed from its columns is
    its recorded leaf hash (``event_altered``), and an inclusion proof puts that leaf in the
    stored tree whose root a consistency proof ties to the latest signed checkpoint, its
    signature checked (``event_not_in_log``, ``checkpoint_signature``). Events after that
    checkpoint are proved against the stored tree only (the next checkpoint signs them).

    Raises :class:`VersionUnverified` (code ``ledger_version_unverified``, the event and problem
    in ``detail``) on the first that fails: falsified content is never shown as history.
    """
    # The checkpoint first, then the size: the tree only grows, so the size is never below it.
    latest = Checkpoint.objects.filter(size__gte=1).order_by("-size").first()
    size = tree_size()
    if latest is not None and latest.size > size:
        raise _unverified(obj, None, "log_truncated", _("账本比已签名的检查点短"))
    events = list(
        LedgerEvent.objects.filter(
            object_type=object_type_of(obj), object_id=str(obj.pk), seq__lt=size
        ).order_by("seq")
    )
    if not events:
        return []
    try:
        versions = {
            event_id: (content, reason)
            for event_id, content, reason in Version.objects.filter(
                event_id__in=[event.seq for event in events]
            ).values_list("event_id", "content", "reason")
        }
    except ValueError as exc:  # a stored content the JSON decoder refuses
        raise _unverified(obj, None, "version_altered", _("版本内容无法解析")) from exc
    out: list[VerifiedVersion] = []
    leaves: list[bytes] = []
    for event in events:
        leaf = merkle.leaf_hash(leaf_data(event))
        if leaf.hex() != event.leaf_hash:
            raise _unverified(obj, event.seq, "event_altered", _("事件在写入后被修改"))
        if event.seq not in versions:
            raise _unverified(obj, event.seq, "version_missing", _("版本记录缺失"))
        content, reason = versions[event.seq]
        digest = content_digest(content)
        if not isinstance(content, dict) or digest is None or digest[0] != event.content_sha256:
            raise _unverified(obj, event.seq, "version_altered", _("保存的版本内容与事件摘要不同"))
        leaves.append(leaf)
        out.append(VerifiedVersion(event=event, content=content, reason=reason))
    _prove_in_signed_log(obj, [event.seq for event in events], leaves, size, latest)
    return out


def _prove_in_signed_log(
    obj: models.Model, seqs: list[int], leaves: list[bytes], size: int, latest: Checkpoint | None
) -> None:
    """The leaves are in the stored tree of ``size``, and that tree extends the latest signed
    checkpoint (O(log n) stored hashes per leaf, read in one batch)."""
    ranges = [r for seq in seqs for r in merkle.inclusion_ranges(seq, size)]
    if latest is not None and latest.size < size:
        ranges += merkle.consistency_ranges(latest.size, size)
    try:
        hashes = stored_proof(ranges)
        root = stored_root(size)
    except LedgerDamaged as exc:
        raise _unverified(obj, None, "node_altered", _("账本树的节点缺失")) from exc
    offset = 0
    for seq, leaf in zip(seqs, leaves, strict=True):
        count = len(merkle.inclusion_ranges(seq, size))
        try:
            merkle.verify_inclusion(seq, size, leaf, hashes[offset : offset + count], root)
        except merkle.ProofError as exc:
            raise _unverified(obj, seq, "event_not_in_log", _("事件不在账本树中")) from exc
        offset += count
    if latest is None:
        return
    try:
        signed = note.open_checkpoint(latest.note, keys.verifier(), keys.origin())
    except note.NoteError as exc:
        raise _unverified(obj, None, "checkpoint_signature", _("检查点签名无效")) from exc
    try:
        if signed.size != latest.size:
            raise merkle.ProofError("the checkpoint row's size is not the signed size")
        merkle.verify_consistency(signed.size, size, hashes[offset:], signed.root, root)
    except merkle.ProofError as exc:
        raise _unverified(obj, None, "checkpoint_root", _("账本树与已签名的检查点不一致")) from exc
