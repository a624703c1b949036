"""Appending to the ledger, signing its tree heads and mirroring them.

Every service that writes calls :func:`ledger_append` inside its own transaction, after the write,
so the change and its record commit (or roll back) together. A deletion is recorded *before* the
row is deleted, with an action whose last part is ``delete`` (``org.unit.delete``).
"""

from __future__ import annotations

import base64
import hashlib
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from zhifa.core import clock
from zhifa.core.errors import DomainError
from zhifa.ledger import canonical, keys, merkle, note
from zhifa.ledger.blobs import write_durably
from zhifa.ledger.errors import Code
from zhifa.ledger.models import (
    Checkpoint,
    LedgerEvent,
    LedgerHead,
    LedgerNode,
    MirrorCursor,
)

LEAF_VERSION = canonical.LEAF_VERSION
DELETE_VERB = "delete"


class LedgerDamaged(DomainError):
    """The stored ledger contradicts itself: nothing is appended or signed until it is repaired."""

    status = 503
    default_code = "ledger_damaged"


def object_type_of(obj: models.Model) -> str:
    return obj._meta.label_lower


def is_deletion(action: str) -> bool:
    """An event whose action ends in ``.delete`` records that its object is gone."""
    return action.rsplit(".", 1)[-1] == DELETE_VERB


def snapshot_fields(model: type[models.Model]) -> list[str]:
    """The column attribute names a snapshot carries: every concrete field except those the
    model lists in an optional ``LEDGER_EXCLUDE`` class attribute (values that change outside any
    service, such as ``last_login``)."""
    excluded: frozenset[str] = frozenset(getattr(model, "LEDGER_EXCLUDE", ()))
    return [field.attname for field in model._meta.concrete_fields if field.attname not in excluded]


def snapshot_values(fields: list[str], values: tuple[Any, ...] | list[Any]) -> dict[str, Any]:
    """The canonical content of a row from its column values (as the ORM reads them)."""
    out: dict[str, Any] = {}
    for name, value in zip(fields, values, strict=True):
        if isinstance(value, FieldFile):
            value = value.name
        out[name] = canonical.normalise(value)
    return out


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The canonical content of an object as it is in memory: every concrete field by its
    column attribute name."""
    fields = snapshot_fields(type(obj))
    return snapshot_values(fields, [getattr(obj, name) for name in fields])


def stored_snapshot(obj: models.Model) -> dict[str, Any]:
    """The canonical content of the object's row as the database holds it (what ``verify`` will
    recompute later); the in-memory object when the row is already gone."""
    model = type(obj)
    fields = snapshot_fields(model)
    row = model._base_manager.filter(pk=obj.pk).values_list(*fields).first()
    if row is None:
        return snapshot(obj)
    return snapshot_values(fields, row)


def leaf_data(event: LedgerEvent) -> bytes:
    """The leaf: the canonical serialisation of the event (hashes and ids only)."""
    return canonical.encode_leaf(
        seq=event.seq,
        at=canonical.instant(event.recorded_at),
        actor=event.actor,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        sha256=event.content_sha256,
        blob=event.blob_sha256,
    )


def leaf_hash(data: bytes) -> str:
    """RFC 6962 leaf hash: SHA-256(0x00 ‖ data), hex."""
    return merkle.leaf_hash(data).hex()


def _damaged(detail: str) -> LedgerDamaged:
    return LedgerDamaged(
        _("账本数据自相矛盾，已停止追加和签名；请运行 zhifa ledger verify 查明原因。"),
        detail=detail,
        code=Code.LEDGER_DAMAGED,
    )


def split_frontier(raw: bytes | memoryview, size: int) -> list[bytes]:
    data = bytes(raw)
    if len(data) != 32 * size.bit_count():
        raise _damaged(f"frontier of {len(data)} bytes for a tree of size {size}")
    return [data[i : i + 32] for i in range(0, len(data), 32)]


_INSERT_EVENT = (
    "INSERT INTO ledger_ledgerevent (seq, recorded_at, actor, action, object_type, object_id, "
    "content_sha256, blob_sha256, leaf_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
_INSERT_VERSION = "INSERT INTO ledger_version (event_id, content, reason) VALUES (%s, %s, %s)"
_INSERT_NODE = "INSERT INTO ledger_ledgernode (id, hash) VALUES (%s, %s)"
_UPDATE_HEAD = "UPDATE ledger_ledgerhead SET size = %s, frontier = %s WHERE id = 1"
_SELECT_HEAD = "SELECT size, frontier FROM ledger_ledgerhead WHERE id = 1"
_SELECT_HEAD_FOR_UPDATE = _SELECT_HEAD + " FOR UPDATE"


def _lock_head_row(connection: Any) -> tuple[int, bytes]:
    """Size and frontier of the head row, locked (SQLite's IMMEDIATE transaction already holds
    the database's write lock)."""
    query = _SELECT_HEAD_FOR_UPDATE if connection.features.has_select_for_update else _SELECT_HEAD
    with connection.cursor() as cursor:
        cursor.execute(query)
        row = cursor.fetchone()
    if row is None:
        head = lock_head()
        return head.size, bytes(head.frontier)
    return int(row[0]), bytes(row[1])


def lock_head() -> LedgerHead:
    """The head row, locked until the transaction ends (created once, the first time)."""
    try:
        return LedgerHead.objects.select_for_update().get(pk=1)
    except LedgerHead.DoesNotExist:
        LedgerHead.objects.bulk_create([LedgerHead(pk=1)], ignore_conflicts=True)
        head = LedgerHead.objects.select_for_update().get(pk=1)
        if head.size == 0 and LedgerEvent.objects.exists():
            raise _damaged("the head row is missing while events exist") from None
        return head


def ledger_append(
    *,
    actor: str,
    action: str,
    obj: models.Model,
    reason: str = "",
    blob_sha256: str = "",
) -> LedgerEvent:
    """Append one event for ``obj`` (already written) and keep its snapshot as a new version.

    ``actor`` is the label of who acts (``user:<id>``, ``token:<prefix>``, ``system``): the
    services pass ``zhifa.accounts.actors.actor_label(actor)``; the ledger knows no actor types.

    Must run inside the caller's transaction; the head row lock gives one gap-free order even with
    concurrent writers, and the tree nodes the new leaf completes are written under that lock.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_append must run inside the service's transaction")
    if not isinstance(actor, str) or not actor:
        raise TypeError(f"ledger_append takes the actor's label, not {actor!r}")
    content = stored_snapshot(obj)
    connection = transaction.get_connection()
    size, raw_frontier = _lock_head_row(connection)
    frontier = split_frontier(raw_frontier, size)
    event = LedgerEvent(
        seq=size,
        recorded_at=clock.now(),
        actor=actor,
        action=action,
        object_type=object_type_of(obj),
        object_id=str(obj.pk),
        content_sha256=canonical.sha256_hex(content),
        blob_sha256=blob_sha256,
    )
    leaf = merkle.leaf_hash(leaf_data(event))
    event.leaf_hash = leaf.hex()
    frontier, completed = merkle.append_leaf(frontier, size, leaf)
    ops = connection.ops
    first = merkle.node_count(size)
    # Plain SQL on the ledger's own tables: the append runs in every write of the system.
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_EVENT,
            [
                event.seq,
                ops.adapt_datetimefield_value(event.recorded_at),
                event.actor,
                event.action,
                event.object_type,
                event.object_id,
                event.content_sha256,
                event.blob_sha256,
                event.leaf_hash,
            ],
        )
        cursor.execute(_INSERT_VERSION, [event.seq, ops.adapt_json_value(content, None), reason])
        if completed:
            cursor.executemany(
                _INSERT_NODE,
                [(first + offset, value) for offset, value in enumerate(completed)],
            )
        cursor.execute(_UPDATE_HEAD, [size + 1, b"".join(frontier)])
    event._state.adding = False
    event._state.db = connection.alias
    return event


# --- reading the stored tree (used by signing, the API and the verifier) ----------------------


def subtree_hashes(keys_: list[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
    """The stored hashes of perfect subtrees: leaves from the events, the rest from the nodes.
    Two indexed queries whatever the tree's size."""
    found: dict[merkle.NodeKey, bytes] = {}
    leaves = [index for level, index in keys_ if level == 0]
    if leaves:
        rows = LedgerEvent.objects.filter(seq__in=leaves).values_list("seq", "leaf_hash")
        for seq, hex_hash in rows:
            found[(0, seq)] = bytes.fromhex(hex_hash)
    inner = {merkle.node_id(level, index): (level, index) for level, index in keys_ if level}
    if inner:
        for node_id, value in LedgerNode.objects.filter(id__in=list(inner)).values_list(
            "id", "hash"
        ):
            found[inner[node_id]] = bytes(value)
    missing = [key for key in keys_ if key not in found]
    if missing:
        raise _damaged(f"stored subtrees missing: {missing[:5]}")
    return found


def stored_ranges(ranges: list[merkle.Range]) -> list[bytes]:
    """The hashes of several leaf ranges at once (one batch of reads for all of them)."""
    covers = [merkle.perfect_cover(start, end) for start, end in ranges]
    hashes = subtree_hashes(list({key for cover in covers for key in cover}))
    return [merkle.fold_cover([hashes[key] for key in cover]) for cover in covers]


def stored_proof(ranges: list[merkle.Range]) -> list[bytes]:
    return stored_ranges(ranges)


def stored_root(size: int) -> bytes:
    """The root of the first ``size`` leaves, from the stored subtrees (O(log n) reads)."""
    if size == 0:
        return merkle.EMPTY_ROOT
    cover = merkle.frontier_keys(size)
    hashes = subtree_hashes(cover)
    return merkle.fold_cover([hashes[key] for key in cover])


# --- checkpoints ------------------------------------------------------------------------------


def _recomputed_leaf_hashes(start: int, end: int) -> list[bytes]:
    """Leaf hashes recomputed from the event rows ``[start, end)``, checked against the column."""
    result: list[bytes] = []
    expected = start
    for event in (
        LedgerEvent.objects.filter(seq__gte=start, seq__lt=end)
        .order_by("seq")
        .iterator(chunk_size=2000)
    ):
        if event.seq != expected:
            raise _damaged(f"event {expected} is missing")
        value = merkle.leaf_hash(leaf_data(event))
        if value.hex() != event.leaf_hash:
            raise _damaged(f"event {event.seq} differs from its leaf hash")
        result.append(value)
        expected += 1
    if expected != end:
        raise _damaged(f"event {expected} is missing")
    return result


def _mirrored_head() -> note.Checkpoint | None:
    """The latest checkpoint in the mirror folder, if the mirror is a folder and holds one."""
    target = str(settings.LEDGER_MIRROR_DIR or "")
    if not target or _is_url(target):
        return None
    path = Path(target) / "checkpoint"
    if not path.exists():
        return None
    try:
        return note.open_checkpoint(
            path.read_text(encoding="utf-8"), keys.verifier(), keys.origin()
        )
    except note.NoteError as exc:
        raise _damaged(f"the mirrored checkpoint {path} does not verify: {exc}") from exc


def checkpoint_sign() -> Checkpoint | None:
    """Sign the current tree head unless the latest checkpoint already covers it.

    Before signing, the new leaves are recomputed from their event rows and the new head is
    proved consistent with the last checkpoint (in the database and in the mirror folder): the
    log never signs two inconsistent checkpoints. Returns the new checkpoint, or ``None``.
    """
    with transaction.atomic():
        head = lock_head()
        size = head.size
        last = Checkpoint.objects.order_by("-size").first()
        if size == 0 or (last is not None and last.size >= size):
            if last is not None and last.size > size:
                raise _damaged(f"checkpoint at size {last.size} but the log holds {size}")
            return None
        previous: list[note.Checkpoint] = []
        if last is not None:
            previous.append(
                note.Checkpoint(keys.origin(), last.size, bytes.fromhex(last.root_hash))
            )
        mirrored = _mirrored_head()
        if mirrored is not None:
            if mirrored.size > size:
                raise _damaged(f"mirrored checkpoint at size {mirrored.size}, log holds {size}")
            previous.append(mirrored)
        start = max((item.size for item in previous), default=0)
        for item in previous:
            if stored_root(item.size) != item.root:
                raise _damaged(f"stored tree differs from the checkpoint at size {item.size}")
        start_keys = merkle.frontier_keys(start)
        start_hashes = subtree_hashes(start_keys) if start_keys else {}
        frontier = [start_hashes[key] for key in start_keys]
        for offset, value in enumerate(_recomputed_leaf_hashes(start, size)):
            frontier, _completed = merkle.append_leaf(frontier, start + offset, value)
        root = merkle.frontier_root(frontier)
        if root != stored_root(size) or root != merkle.frontier_root(
            split_frontier(head.frontier, size)
        ):
            raise _damaged(f"stored tree at size {size} differs from the recomputed one")
        for item in previous:
            proof = stored_proof(merkle.consistency_ranges(item.size, size))
            try:
                merkle.verify_consistency(item.size, size, proof, item.root, root)
            except merkle.ProofError as exc:
                raise _damaged(f"no consistency from size {item.size}: {exc}") from exc
        body = note.Checkpoint(keys.origin(), size, root).text()
        signed = note.sign(body, keys.origin(), keys.signing_key())
        return Checkpoint.objects.create(
            size=size, root_hash=root.hex(), note=signed, signed_at=clock.now()
        )


# --- mirrors ----------------------------------------------------------------------------------


def _is_url(target: str) -> bool:
    return urllib.parse.urlsplit(target).scheme in {"http", "https"}


def _mirror_to_folder(folder: Path, checkpoint: Checkpoint) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    data = checkpoint.note.encode("utf-8")
    kept = folder / f"checkpoint.{checkpoint.size}"
    if kept.exists():
        if kept.read_bytes() != data:
            raise _damaged(f"mirror {kept} holds a different checkpoint")
    else:
        write_durably(kept, data, prefix=".checkpoint-")
    latest = folder / "checkpoint"
    if latest.exists():
        try:
            current = note.Checkpoint.parse(note.parse(latest.read_text(encoding="utf-8"))[0])
        except note.NoteError:
            current = None
        if current is not None and current.size > checkpoint.size:
            return
    write_durably(latest, data, prefix=".checkpoint-")


def _mirror_to_url(url: str, checkpoint: Checkpoint) -> None:
    request = urllib.request.Request(  # scheme checked by _is_url
        url,
        data=checkpoint.note.encode("utf-8"),
        method="POST",
        headers={
            "Content-Type": "text/plain; charset=utf-8",
            "X-Checkpoint-Size": str(checkpoint.size),
            "Digest": "sha-256="
            + base64.b64encode(hashlib.sha256(checkpoint.note.encode()).digest()).decode(),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # nosec B310
        if not 200 <= response.status < 300:
            raise OSError(f"mirror {url} answered {response.status}")


def mirror_checkpoints(target: str | None = None) -> int:
    """Copy every checkpoint the mirror has not received yet, oldest first; idempotent.

    A folder gets ``checkpoint.<size>`` (never overwritten) and ``checkpoint`` (the latest); a URL
    gets each signed note POSTed as ``text/plain``. Returns how many were copied.
    """
    target = str(settings.LEDGER_MIRROR_DIR or "") if target is None else target
    if not target:
        return 0
    cursor, _created = MirrorCursor.objects.get_or_create(target=target)
    copied = 0
    for checkpoint in Checkpoint.objects.filter(size__gt=cursor.size).order_by("size"):
        if _is_url(target):
            _mirror_to_url(target, checkpoint)
        else:
            _mirror_to_folder(Path(target), checkpoint)
        cursor.size = checkpoint.size
        cursor.save(update_fields=["size"])
        copied += 1
    return copied
