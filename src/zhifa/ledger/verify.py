"""``zhifa ledger verify``: recompute everything from the rows, trust nothing stored about them.

1. Every event row is read in ``seq`` order; its leaf is recomputed from its columns and compared
   with the recorded leaf hash; gaps in the sequence are reported.
2. The tree is rebuilt from the recomputed leaves; every stored node, the head's frontier and the
   root at every checkpoint are compared with it; every checkpoint's signature is checked, those in
   the mirror folder too (a truncated or rewritten log cannot match what was mirrored).
3. Every event's stored version (the snapshot the history pages show) is read back: its content
   must hash to what the event recorded, every event has one and no version is left without its
   event.
4. Every object named by an event is read back: its current content must hash to what its last
   event recorded, a row whose last event is not a deletion must exist, and a row of a recorded
   type must have an event at all.
5. With ``blobs=True``, every file of every registered blob source is hashed and compared with its
   expected hash and with the ledger; a file that cannot be read is reported and the check goes
   on.

The result is a list of :class:`Problem`, one per finding, naming the event, the object and what
differs. Checking does not depend on the append-only triggers: an attacker who dropped them is
caught all the same.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, transaction
from django.utils.translation import gettext as _

from zhifa.ledger import blobs as blob_store
from zhifa.ledger import canonical, keys, merkle, note
from zhifa.ledger.models import Checkpoint, LedgerEvent, Version
from zhifa.ledger.services import is_deletion, snapshot_fields, snapshot_values

PAGE = 5000
MAX_LINES_PER_KIND = 50


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    event: int | None = None
    object: str | None = None

    def line(self) -> str:
        where = []
        if self.event is not None:
            where.append(_("事件 #%(seq)d") % {"seq": self.event})
        if self.object is not None:
            where.append(_("对象 %(object)s") % {"object": self.object})
        prefix = f"[{self.code}] " + (" ".join(where) + "：" if where else "")
        return prefix + self.message


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    events: int = 0
    nodes: int = 0
    checkpoints: int = 0
    mirrored: int = 0
    objects: int = 0
    versions: int = 0
    blobs: int = 0
    hashed_bytes: int = 0
    hash_calls: int = 0
    suppressed: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.suppressed

    def add(self, problem: Problem) -> None:
        count = sum(1 for item in self.problems if item.code == problem.code)
        if count >= MAX_LINES_PER_KIND:
            self.suppressed[problem.code] = self.suppressed.get(problem.code, 0) + 1
            return
        self.problems.append(problem)

    def lines(self) -> list[str]:
        out = [problem.line() for problem in self.problems]
        for code, count in self.suppressed.items():
            out.append(f"[{code}] " + _("另有 %(count)d 处同类问题未逐条列出。") % {"count": count})
        return out


def _object_label(object_type: str, object_id: str) -> str:
    return f"{object_type}:{object_id}"


# The events in pages of PAGE sequence numbers, the instant already in its canonical text where
# SQL can write it. (Writing the whole leaf in SQL was measured: slower than formatting it here,
# on both databases.) Each page is a bounded range of the key, not "seq >= x LIMIT n": PostgreSQL
# planned the latter as a scan of the whole table plus a top-n sort for every page whenever its
# statistics lagged behind the table (after a burst of appends), which made verify quadratic.
_EVENTS_SQL = {
    "postgresql": (
        "SELECT seq, to_char(recorded_at AT TIME ZONE 'UTC', "
        '\'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\'), actor, action, object_type, object_id, '
        "content_sha256, blob_sha256, leaf_hash FROM ledger_ledgerevent "
        "WHERE seq >= %s AND seq < %s ORDER BY seq"
    ),
    # Django keeps UTC in SQLite as "YYYY-MM-DD HH:MM:SS[.ffffff]".
    "sqlite": (
        "SELECT seq, replace(recorded_at, ' ', 'T') || CASE WHEN length(recorded_at) = 19 "
        "THEN '.000000Z' ELSE 'Z' END, actor, action, object_type, object_id, "
        "content_sha256, blob_sha256, leaf_hash FROM ledger_ledgerevent "
        "WHERE seq >= %s AND seq < %s ORDER BY seq"
    ),
    "": (
        "SELECT seq, recorded_at, actor, action, object_type, object_id, "
        "content_sha256, blob_sha256, leaf_hash FROM ledger_ledgerevent "
        "WHERE seq >= %s AND seq < %s ORDER BY seq"
    ),
}
_NODES_SQL = "SELECT id, hash FROM ledger_ledgernode WHERE id >= %s AND id < %s ORDER BY id"
_NODES_BEYOND_SQL = "SELECT count(*) FROM ledger_ledgernode WHERE id >= %s"
_EVENTS_BEYOND_SQL = "SELECT count(*) FROM ledger_ledgerevent WHERE seq >= %s"
_NEXT_EVENT_SQL = "SELECT min(seq) FROM ledger_ledgerevent WHERE seq >= %s"
_LAST_EVENTS_SQL = (
    "SELECT e.object_type, e.object_id, e.seq, e.content_sha256, e.action "
    "FROM ledger_ledgerevent e JOIN (SELECT object_type, object_id, max(seq) AS seq "
    "FROM ledger_ledgerevent GROUP BY object_type, object_id) m ON e.seq = m.seq"
)
_BLOBS_SQL = (
    "SELECT blob_sha256, min(seq) FROM ledger_ledgerevent WHERE blob_sha256 <> '' "
    "GROUP BY blob_sha256"
)
# Every event with its version (NULL when the version row is gone), a bounded page of the key.
_VERSIONS_SQL = (
    "SELECT e.seq, e.content_sha256, e.object_type, e.object_id, v.event_id, v.content "
    "FROM ledger_ledgerevent e LEFT JOIN ledger_version v ON v.event_id = e.seq "
    "WHERE e.seq >= %s AND e.seq < %s ORDER BY e.seq"
)
_ORPHAN_VERSIONS_SQL = (
    "SELECT v.event_id FROM ledger_version v LEFT JOIN ledger_ledgerevent e "
    "ON e.seq = v.event_id WHERE e.seq IS NULL ORDER BY v.event_id"
)


def _instant_text(value: Any) -> str:
    """A ``recorded_at`` the query could not turn into text (another database)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return canonical.instant(value)
    return str(value)


@dataclass
class _Scan:
    roots: dict[int, bytes] = field(default_factory=dict)
    frontier: list[bytes] = field(default_factory=list)
    size: int = 0
    next_seq: int = 0
    hashed: int = 0
    calls: int = 0
    nodes_read: int = 0


def _scan_events(report: Report, wanted_roots: set[int], using: str) -> _Scan:
    """Read every event in order, recompute its leaf, rebuild the tree, compare page by page
    with the recorded leaf hashes and the stored nodes. The hot loop of ``verify``."""
    connection = connections[using]
    sql = _EVENTS_SQL.get(connection.vendor, _EVENTS_SQL[""])
    text_ready = connection.vendor in _EVENTS_SQL
    scan = _Scan()
    frontier = scan.frontier
    template = canonical.LEAF_TEMPLATE
    encode = canonical.encode_string
    version = canonical.LEAF_VERSION
    sha256 = hashlib.sha256
    size = next_seq = node_next = 0
    tree_intact = True
    with connection.cursor() as cursor:
        lower = 0
        while True:
            cursor.execute(sql, [lower, lower + PAGE])
            rows = cursor.fetchall()
            if not rows:  # the end, or a gap of a page or more: go on from the next event
                cursor.execute(_NEXT_EVENT_SQL, [lower])
                found = cursor.fetchone()
                if found is None or found[0] is None:
                    break
                lower = int(found[0])
                continue
            if rows[0][0] != next_seq or rows[-1][0] - rows[0][0] != len(rows) - 1:
                for row in rows:
                    if row[0] != next_seq:
                        report.add(
                            Problem(
                                "event_missing",
                                _("序号 %(first)d 至 %(last)d 的事件缺失（被删除）。")
                                % {"first": next_seq, "last": row[0] - 1},
                                event=next_seq,
                            )
                        )
                        tree_intact = False
                    next_seq = row[0] + 1
            next_seq = rows[-1][0] + 1
            datas = [
                (
                    template
                    % (
                        encode(action),
                        encode(actor),
                        at if text_ready else _instant_text(at),
                        encode(blob) if blob else "null",
                        encode(object_id),
                        seq,
                        encode(content),
                        encode(object_type),
                        version,
                    )
                ).encode("utf-8")
                for seq, at, actor, action, object_type, object_id, content, blob, _leaf in rows
            ]
            leaves: list[bytes] = []
            completed: list[bytes] = []
            page_first_node = node_next
            for data in datas:
                current = sha256(b"\x00" + data).digest()
                leaves.append(current)
                j = size
                while j & 1:
                    current = sha256(b"\x01" + frontier.pop() + current).digest()
                    completed.append(current)
                    j >>= 1
                frontier.append(current)
                size += 1
                if size in wanted_roots:
                    scan.roots[size] = merkle.frontier_root(frontier)
            scan.hashed += sum(map(len, datas)) + len(rows) + 65 * len(completed)
            scan.calls += len(rows) + len(completed)
            node_next += len(completed)
            if b"".join(leaves).hex() != "".join([row[8] for row in rows]):
                for row, leaf in zip(rows, leaves, strict=True):
                    if leaf.hex() != row[8]:
                        report.add(
                            Problem(
                                "event_altered",
                                _(
                                    "由事件行重新计算的叶哈希与记录的叶哈希不同："
                                    "事件在写入后被修改或调换。"
                                ),
                                event=row[0],
                                object=_object_label(row[4], row[5]),
                            )
                        )
            if tree_intact and completed:
                cursor.execute(_NODES_SQL, [page_first_node, node_next])
                stored = cursor.fetchall()
                scan.nodes_read += len(stored)
                if len(stored) != len(completed) or _joined(stored) != b"".join(completed):
                    found = {int(node_id): _as_bytes(value) for node_id, value in stored}
                    for offset, value in enumerate(completed):
                        node_id = page_first_node + offset
                        if found.get(node_id) != value:
                            level, index = merkle.node_position(node_id)
                            report.add(
                                Problem(
                                    "node_altered",
                                    _("覆盖事件 %(range)s 的树节点与重新计算的不同或缺失。")
                                    % {"range": _node_label(level, index)},
                                )
                            )
            lower += PAGE
    scan.size, scan.next_seq = size, next_seq
    return scan


def _as_bytes(value: Any) -> bytes | None:
    """A hash column as bytes; ``None`` for anything else an attacker may have written there (on
    SQLite a column holds any type)."""
    return bytes(value) if isinstance(value, bytes | bytearray | memoryview) else None


def _joined(rows: list[Any]) -> bytes | None:
    try:
        return b"".join([row[1] for row in rows])
    except TypeError:  # a value of another type than bytes
        return None


def _count(sql: str, params: list[Any], using: str) -> int:
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _node_label(node_id_level: int, index: int) -> str:
    start = index << node_id_level
    return f"[{start}, {start + (1 << node_id_level)})"


def verify_ledger(
    *, blobs: bool = False, mirror: str | None = None, using: str = "default"
) -> Report:
    """Check the whole ledger; see the module documentation."""
    report = Report()
    verifier = keys.verifier()
    origin = keys.origin()

    # Checkpoints: in the database and in the mirror folder.
    stored_checkpoints: dict[int, tuple[bytes | None, str]] = {}
    # Read as the columns the check needs: a column an attacker filled with garbage (a date that
    # is no date) must not stop the check.
    for cp_size, cp_root, cp_note in (
        Checkpoint.objects.using(using).order_by("size").values_list("size", "root_hash", "note")
    ):
        report.checkpoints += 1
        root = _open_checkpoint(report, str(cp_note), verifier, origin, cp_size, _("数据库中的"))
        if root is not None and root.hex() != cp_root:
            report.add(
                Problem(
                    "checkpoint_altered",
                    _("大小为 %(size)d 的检查点行的根哈希与其签名内容不一致。") % {"size": cp_size},
                )
            )
        stored_checkpoints[cp_size] = (root, str(cp_note))
    mirrored: dict[int, bytes | None] = {}
    mirror_dir = _mirror_folder(mirror)
    if mirror_dir is not None:
        for path in sorted(mirror_dir.glob("checkpoint*")):
            if path.name.startswith("."):
                continue
            report.mirrored += 1
            try:
                text = path.read_bytes().decode("utf-8")
                size = note.Checkpoint.parse(note.parse(text)[0]).size
            except (note.NoteError, OSError, UnicodeDecodeError) as exc:
                report.add(
                    Problem(
                        "mirror_malformed",
                        _("镜像文件 %(path)s 不是有效的检查点：%(error)s")
                        % {"path": path, "error": exc},
                    )
                )
                continue
            root = _open_checkpoint(report, text, verifier, origin, size, str(path))
            mirrored[size] = root
            in_db = stored_checkpoints.get(size)
            if in_db is None:
                report.add(
                    Problem(
                        "checkpoint_missing",
                        _(
                            "镜像 %(path)s 保存的大小为 %(size)d 的检查点在数据库中不存在"
                            "（检查点被删除）。"
                        )
                        % {"path": path, "size": size},
                    )
                )
            elif root is not None and in_db[0] is not None and in_db[0] != root:
                report.add(
                    Problem(
                        "checkpoint_rewritten",
                        _("镜像 %(path)s 与数据库中大小为 %(size)d 的检查点根哈希不同。")
                        % {"path": path, "size": size},
                    )
                )
    wanted_roots = {size for size, (root, _note) in stored_checkpoints.items() if root}
    wanted_roots |= {size for size, root in mirrored.items() if root}

    # Events, leaves, tree.
    scan = _scan_events(report, wanted_roots, using)
    roots, frontier, size, next_seq = scan.roots, scan.frontier, scan.size, scan.next_seq
    hashed = scan.hashed
    calls = scan.calls
    report.events = size
    report.nodes = scan.nodes_read

    # Appends may go on while verify runs: what was appended after the scan is not an error.
    head_size, head_frontier = _read_head(using)
    later = max(head_size - size, 0)
    extra = _count(_NODES_BEYOND_SQL, [merkle.node_count(size)], using)
    if extra > merkle.node_count(size + later) - merkle.node_count(size):
        report.add(
            Problem(
                "node_extra",
                _("树节点表比 %(size)d 个事件多出 %(extra)d 个节点（事件被截断？）。")
                % {"size": size, "extra": extra},
            )
        )
    if later and _count(_EVENTS_BEYOND_SQL, [size], using) != later:
        head_size = -head_size  # the head counts events that are not there
    if head_size < size or (head_size == size and head_frontier != b"".join(frontier)):
        report.add(
            Problem(
                "head_mismatch",
                _("账本状态记录的大小 %(head)d 或前沿哈希与 %(size)d 个事件重新计算的结果不同。")
                % {"head": abs(head_size), "size": size},
            )
        )
    signed_heads = [(_("数据库中"), cp, entry[0]) for cp, entry in stored_checkpoints.items()]
    signed_heads += [(_("镜像中"), cp, root) for cp, root in mirrored.items()]
    for source, checkpoint_size, root in sorted(signed_heads, key=lambda item: item[1]):
        if root is not None:
            if checkpoint_size > next_seq:
                report.add(
                    Problem(
                        "log_truncated",
                        _(
                            "%(source)s的检查点签署时有 %(cp)d 个事件，现在只有 %(size)d 个："
                            "账本被截断。"
                        )
                        % {"source": source, "cp": checkpoint_size, "size": next_seq},
                        event=next_seq,
                    )
                )
            elif checkpoint_size == 0:
                if root != merkle.EMPTY_ROOT:
                    report.add(
                        Problem("checkpoint_root", _("空树检查点的根哈希不对。"), event=None)
                    )
            elif roots.get(checkpoint_size) != root:
                report.add(
                    Problem(
                        "checkpoint_root",
                        _("%(source)s大小为 %(cp)d 的已签名检查点与由事件重新计算的根哈希不同。")
                        % {"source": source, "cp": checkpoint_size},
                    )
                )

    hashed += _verify_versions(report, using)
    hashed += _verify_objects(report, using)
    if blobs:
        hashed += _verify_blobs(report, using)
    report.hashed_bytes = hashed
    report.hash_calls = calls
    return report


def _read_head(using: str) -> tuple[int, bytes]:
    """The head's size and frontier; a missing head is size 0, a column holding something else
    than its type reads as a size or frontier no log has (``head_mismatch``)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT size, frontier FROM ledger_ledgerhead WHERE id = 1")
        row = cursor.fetchone()
    if row is None:
        return 0, b""
    size = row[0] if isinstance(row[0], int) else -1
    frontier = _as_bytes(row[1])
    return size, b"\xff" if frontier is None else frontier


def _mirror_folder(mirror: str | None) -> Path | None:
    target = str(settings.LEDGER_MIRROR_DIR or "") if mirror is None else mirror
    if not target or "://" in target:
        return None
    path = Path(target)
    return path if path.is_dir() else None


def _open_checkpoint(
    report: Report, text: str, verifier: note.Verifier, origin: str, size: int, where: str
) -> bytes | None:
    try:
        checkpoint = note.open_checkpoint(text, verifier, origin)
    except note.NoteError as exc:
        report.add(
            Problem(
                "checkpoint_signature",
                _("%(where)s大小为 %(size)d 的检查点签名无效：%(error)s")
                % {"where": where, "size": size, "error": exc},
            )
        )
        return None
    if checkpoint.size != size:
        report.add(
            Problem(
                "checkpoint_altered",
                _("%(where)s检查点记录的大小 %(size)d 与其签名内容 %(signed)d 不一致。")
                % {"where": where, "size": size, "signed": checkpoint.size},
            )
        )
        return None
    return checkpoint.root


def content_digest(raw: Any) -> tuple[str, int] | None:
    """The SHA-256 (hex) of a stored version's content in canonical JSON, and the length hashed;
    ``None`` when the stored value is not JSON canonical JSON can carry (a float, ``NaN``, a lone
    surrogate: never written by ``ledger_append``).

    ``raw`` is the column as the database driver returns it: JSON text, or already decoded. Values
    decoded from JSON are plain JSON types, for which :func:`canonical.dumps` is exactly
    ``json.dumps`` with sorted keys, compact separators and ``ensure_ascii=False``, done here
    directly (no walk in Python: verify runs it once per event)."""
    try:
        if isinstance(raw, bytes | bytearray | memoryview):
            raw = bytes(raw).decode("utf-8")
        value = json.loads(raw) if isinstance(raw, str) else raw
        if _has_float(value):
            return None
        data = json.dumps(
            value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")
    except (ValueError, TypeError, RecursionError):
        return None
    return hashlib.sha256(data).hexdigest(), len(data)


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_float(item) for item in value)
    return False


def _verify_versions(report: Report, using: str) -> int:
    """Every event's version hashes to the event's ``content_sha256``; every event has one; no
    version is left without its event. Returns the bytes hashed."""
    hashed = 0
    connection = connections[using]
    with connection.cursor() as cursor:
        lower = 0
        while True:
            cursor.execute(_VERSIONS_SQL, [lower, lower + PAGE])
            rows = cursor.fetchall()
            if not rows:
                cursor.execute(_NEXT_EVENT_SQL, [lower])
                found = cursor.fetchone()
                if found is None or found[0] is None:
                    break
                lower = int(found[0])
                continue
            for seq, content_sha256, object_type, object_id, version_id, content in rows:
                label = _object_label(object_type, object_id)
                if version_id is None:
                    report.add(
                        Problem(
                            "version_missing",
                            _("该事件的版本记录（变更后的内容和原因）不存在：被删除。"),
                            event=seq,
                            object=label,
                        )
                    )
                    continue
                report.versions += 1
                digest = content_digest(content)
                if digest is not None:
                    hashed += digest[1]
                if digest is None or digest[0] != content_sha256:
                    report.add(
                        Problem(
                            "version_altered",
                            _(
                                "版本记录的内容与事件记录的摘要不同：保存的历史版本在写入后"
                                "被修改或调换。"
                            ),
                            event=seq,
                            object=label,
                        )
                    )
            lower += PAGE
        cursor.execute(_ORPHAN_VERSIONS_SQL)
        orphans = [row[0] for row in cursor.fetchall()]
    for event_id in orphans:
        report.add(
            Problem(
                "version_extra",
                _("版本记录 %(id)s 没有对应的事件：在服务之外被插入，或其事件被删除。")
                % {"id": event_id},
            )
        )
    return hashed


def _changed_fields(seq: int, current: dict[str, Any], using: str) -> str:
    """The fields in which the row differs from the event's stored version (a hint for the
    reader; the version itself is checked by ``_verify_versions``)."""
    try:
        with _savepoint(using):
            content = (
                Version.objects.using(using)
                .filter(event_id=seq)
                .values_list("content", flat=True)
                .first()
            )
        if not isinstance(content, dict):
            return _("（该事件的版本记录缺失）")
        names = sorted(
            name
            for name in set(current) | set(content)
            if canonical.dumps(current.get(name)) != canonical.dumps(content.get(name))
        )
    except _READ_ERRORS:
        return _("（该事件的版本记录无法读取）")
    return ", ".join(names) if names else _("（版本记录与事件摘要也不一致）")


LastEvent = tuple[int, str, str]
"""An object's last event: its sequence number, recorded content hash and action."""


def _last_events(using: str) -> dict[str, dict[str, LastEvent]]:
    by_type: dict[str, dict[str, LastEvent]] = defaultdict(dict)
    with connections[using].cursor() as cursor:
        cursor.execute(_LAST_EVENTS_SQL)
        for object_type, object_id, seq, content_sha256, action in cursor.fetchall():
            by_type[object_type][object_id] = (int(seq), content_sha256, action)
    return by_type


def _object_problem(
    label: str, content: dict[str, Any] | None, data: bytes, last: LastEvent | None, using: str
) -> Problem | None:
    """What is wrong with one object: its row (``content`` None when the row is gone) against
    its last event (None when it has none)."""
    if last is None:
        if content is None:
            return None
        return Problem(
            "object_unrecorded", _("该行没有任何账本事件：在服务之外被创建。"), object=label
        )
    seq, content_sha256, action = last
    if content is None:
        if is_deletion(action):
            return None
        return Problem(
            "object_deleted",
            _("该行已不存在，但最后一个事件（%(action)s）并未记录删除：在服务之外被删除。")
            % {"action": action},
            event=seq,
            object=label,
        )
    if is_deletion(action):
        return Problem(
            "object_reappeared",
            _("最后一个事件记录了删除，但该行仍然存在。"),
            event=seq,
            object=label,
        )
    if hashlib.sha256(data).hexdigest() != content_sha256:
        return Problem(
            "object_altered",
            _("当前内容与最后一个事件记录的摘要不同：在服务之外被修改（字段：%(fields)s）。")
            % {"fields": _changed_fields(seq, content, using)},
            event=seq,
            object=label,
        )
    return None


@dataclass(frozen=True)
class _UnreadableRow:
    """A row its model cannot read back, with the error as text (the exception itself is not kept:
    its traceback would hold the failed read's cursor open)."""

    error: str


def _unreadable(label: str, last: LastEvent | None, error: str) -> Problem:
    """A row whose columns its model cannot read back (a date column holding text): written
    outside the services."""
    if last is None:
        return Problem(
            "object_unrecorded",
            _("该行没有任何账本事件，且其值无法按字段类型读出：在服务之外被创建（%(error)s）。")
            % {"error": error},
            object=label,
        )
    return Problem(
        "object_altered",
        _("该行的值无法按字段类型读出：在服务之外被改写（%(error)s）。") % {"error": error},
        event=last[0],
        object=label,
    )


def _recheck(
    model: Any, fields: list[str], object_type: str, object_id: str, using: str
) -> Problem | None:
    """Look again at one object that seemed wrong: a service may have changed it, with its
    event, after the events were read (verify runs while the system works)."""
    event = (
        LedgerEvent.objects.using(using)
        .filter(object_type=object_type, object_id=object_id)
        .order_by("-seq")
        .values_list("seq", "content_sha256", "action")
        .first()
    )
    last = None if event is None else (int(event[0]), event[1], event[2])
    label = _object_label(object_type, object_id)
    try:
        pk = model._meta.pk.to_python(object_id)
    except Exception:  # an id that this model's key cannot hold: the row cannot exist
        pk = None
    row = None
    try:
        with _savepoint(using):
            if pk is not None:
                row = model._base_manager.using(using).filter(pk=pk).values_list(*fields).first()
            content = None if row is None else snapshot_values(fields, row)
            data = b"" if content is None else canonical.dumps(content)
    except _READ_ERRORS as exc:
        return _unreadable(label, last, _error_text(exc))
    return _object_problem(label, content, data, last, using)


def _savepoint(using: str) -> AbstractContextManager[Any]:
    """Around a read that may fail: inside a transaction (a test's) a savepoint, so that on
    PostgreSQL the failed statement does not abort the rest; outside one, nothing (an atomic
    block would take SQLite's write lock: these databases run IMMEDIATE transactions)."""
    if connections[using].in_atomic_block:
        return transaction.atomic(using=using)
    return nullcontext()


# What reading a row back may raise when its columns hold what its fields cannot (SQLite keeps
# any value in any column): a conversion error, or canonical JSON refusing the value.
_READ_ERRORS = (ValueError, TypeError, ArithmeticError, ValidationError, DatabaseError)


@dataclass
class _ModelScan:
    hashed: int = 0
    objects: int = 0
    seen: set[str] = field(default_factory=set)
    suspects: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)


def _scan_model(
    model: Any, fields: list[str], recorded: dict[str, LastEvent], using: str, *, careful: bool
) -> _ModelScan:
    """Hash every row of one model and collect the objects to look at again. The fast way reads
    the table in one pass; the careful way (after the fast one met a row it cannot read) reads
    the keys, then each row alone, so that one bad row is named and the others still checked."""
    scan = _ModelScan()
    # Rows a model declares to be kept out of the ledger (a field and its values).
    unrecorded = getattr(model, "LEDGER_UNRECORDED", None)
    unrecorded_at = fields.index(unrecorded[0]) if unrecorded else -1
    manager = model._base_manager.using(using).order_by("pk")
    if careful:
        try:
            with _savepoint(using):
                pks = list(manager.values_list("pk", flat=True))
        except DatabaseError:  # the table itself is gone: every recorded row is missing
            pks = []
        rows: Iterable[tuple[Any, ...]] = _careful_rows(manager, fields, pks, using)
    else:
        rows = manager.values_list("pk", *fields).iterator(chunk_size=2000)
    try:
        for row in rows:
            object_id = str(row[0])
            scan.seen.add(object_id)
            scan.objects += 1
            if len(row) == 2 and isinstance(row[1], _UnreadableRow):
                scan.unreadable.append((object_id, row[1].error))
                continue
            content = snapshot_values(fields, row[1:])
            data = canonical.dumps(content)
            scan.hashed += len(data)
            last = recorded.get(object_id)
            if last is None and unrecorded and row[1 + unrecorded_at] in unrecorded[1]:
                continue
            if (
                last is None
                or is_deletion(last[2])
                or (hashlib.sha256(data).hexdigest() != last[1])
            ):
                scan.suspects.append(object_id)
    finally:  # a read that failed half-way leaves its cursor open: close it now, not at exit
        close = getattr(rows, "close", None)
        if close is not None:
            close()
    return scan


def _careful_rows(
    manager: Any, fields: list[str], pks: list[Any], using: str
) -> Iterator[tuple[Any, ...]]:
    for pk in pks:
        try:
            with _savepoint(using):
                row = manager.filter(pk=pk).values_list("pk", *fields).first()
                if row is not None:
                    canonical.dumps(snapshot_values(fields, row[1:]))
        except _READ_ERRORS as exc:
            yield (pk, _UnreadableRow(_error_text(exc)))
            continue
        if row is not None:
            yield row


def _verify_objects(report: Report, using: str) -> int:
    hashed = 0
    for object_type, recorded in sorted(_last_events(using).items()):
        try:
            model = apps.get_model(object_type)
        except (LookupError, ValueError):
            seq = min(entry[0] for entry in recorded.values())
            report.add(
                Problem(
                    "object_type_unknown",
                    _("事件记录的对象类型在系统中不存在。"),
                    event=seq,
                    object=object_type,
                )
            )
            continue
        fields = snapshot_fields(model)
        try:
            with _savepoint(using):
                scan = _scan_model(model, fields, recorded, using, careful=False)
        except _READ_ERRORS:
            scan = _scan_model(model, fields, recorded, using, careful=True)
        hashed += scan.hashed
        report.objects += scan.objects
        for object_id, error in scan.unreadable:
            label = _object_label(object_type, object_id)
            report.add(_unreadable(label, recorded.get(object_id), error))
        suspects = scan.suspects + [
            object_id
            for object_id, (_seq, _sha, action) in recorded.items()
            if object_id not in scan.seen and not is_deletion(action)
        ]
        for object_id in sorted(suspects, key=lambda item: (len(item), item)):
            problem = _recheck(model, fields, object_type, object_id, using)
            if problem is not None:
                report.add(problem)
    return hashed


def _verify_blobs(report: Report, using: str) -> int:
    """Every file of every registered source: readable, hashing to the hash its store holds for
    it, recorded by an event; and every blob an event recorded found in some store. A file that
    cannot be read is reported and the check goes on with the next."""
    with connections[using].cursor() as cursor:
        cursor.execute(_BLOBS_SQL)
        recorded = {sha: int(seq) for sha, seq in cursor.fetchall()}
    hashed = 0
    accounted: set[str] = set()
    for source in blob_store.blob_sources():
        try:
            for blob in source.blobs():
                hashed += _check_blob(report, source.name, blob, recorded, accounted)
        except Exception as exc:  # a store that cannot be listed: say so, check the others
            report.add(
                Problem(
                    "blob_unreadable",
                    _("无法列出文件存储 %(source)s 中的文件：%(error)s")
                    % {"source": source.name, "error": _error_text(exc)},
                )
            )
    for sha, seq in sorted(recorded.items(), key=lambda item: item[1]):
        if sha not in accounted:
            report.add(
                Problem(
                    "blob_missing",
                    _("事件记录的文件 %(sha)s 在已登记的文件存储中都找不到。") % {"sha": sha},
                    event=seq,
                )
            )
    return hashed


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _check_blob(
    report: Report,
    source: str,
    blob: blob_store.StoredBlob,
    recorded: dict[str, int],
    accounted: set[str],
) -> int:
    """One file of a store; returns the bytes hashed."""
    report.blobs += 1
    names = {"label": blob.label, "source": source}
    seq = recorded.get(blob.sha256) if blob.sha256 else None
    if blob.sha256:
        accounted.add(blob.sha256)
    try:
        with blob.open() as handle:
            actual, length = blob_store.sha256_of(handle)
    except FileNotFoundError:
        report.add(
            Problem(
                "blob_missing",
                _("文件 %(label)s（%(source)s）已登记，但存储中没有这个文件：被删除。") % names,
                event=seq,
            )
        )
        return 0
    except Exception as exc:  # permission, a directory, the object store answering an error
        report.add(
            Problem(
                "blob_unreadable",
                _("文件 %(label)s（%(source)s）无法读取：%(error)s")
                % {**names, "error": _error_text(exc)},
                event=seq,
            )
        )
        return 0
    if not blob.sha256:
        report.add(
            Problem(
                "blob_unrecorded",
                _(
                    "文件 %(label)s（%(source)s）不是存储登记的文件，也没有任何账本事件记录它："
                    "在系统之外被放入。"
                )
                % names,
            )
        )
        return length
    if actual != blob.sha256:
        report.add(
            Problem(
                "blob_altered",
                _("文件 %(label)s（%(source)s）的内容哈希 %(actual)s 与应有的 %(sha)s 不同。")
                % {**names, "actual": actual, "sha": blob.sha256},
                event=seq,
            )
        )
    if seq is None:
        report.add(
            Problem(
                "blob_unrecorded",
                _("文件 %(label)s（%(source)s）没有任何账本事件记录其哈希。") % names,
            )
        )
    return length
