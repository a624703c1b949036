"""``zhifa ledger verify``: recompute everything from the rows, trust nothing stored about them.

1. Every event row is read in ``seq`` order; its leaf is recomputed from its columns and compared
   with the recorded leaf hash; gaps in the sequence are reported.
2. The tree is rebuilt from the recomputed leaves; every stored node, the head's frontier and the
   root at every checkpoint are compared with it; every checkpoint's signature is checked, those in
   the mirror folder too (a truncated or rewritten log cannot match what was mirrored).
3. Every object named by an event is read back: its current content must hash to what its last
   event recorded, a row whose last event is not a deletion must exist, and a row of a recorded
   type must have an event at all.
4. With ``blobs=True``, every file of every registered blob source is hashed and compared with its
   expected hash and with the ledger.

The result is a list of :class:`Problem`, one per finding, naming the event, the object and what
differs. Checking does not depend on the append-only triggers: an attacker who dropped them is
caught all the same.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _

from zhifa.ledger import blobs as blob_store
from zhifa.ledger import canonical, keys, merkle, note
from zhifa.ledger.models import Checkpoint, LedgerHead, Version
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


_EVENTS_SQL = {
    "postgresql": (
        "SELECT seq, to_char(recorded_at AT TIME ZONE 'UTC', "
        '\'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\'), actor, action, object_type, object_id, '
        "content_sha256, blob_sha256, leaf_hash FROM ledger_ledgerevent "
        "WHERE seq >= %s ORDER BY seq LIMIT %s"
    ),
    "sqlite": (
        "SELECT seq, CAST(recorded_at AS TEXT), actor, action, object_type, object_id, "
        "content_sha256, blob_sha256, leaf_hash FROM ledger_ledgerevent "
        "WHERE seq >= %s ORDER BY seq LIMIT %s"
    ),
    "": (
        "SELECT seq, recorded_at, actor, action, object_type, object_id, "
        "content_sha256, blob_sha256, leaf_hash FROM ledger_ledgerevent "
        "WHERE seq >= %s ORDER BY seq LIMIT %s"
    ),
}


class _Instant:
    """Turns a ``recorded_at`` value as the database driver returns it into canonical text."""

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor

    def sql(self) -> str:
        """The events query; PostgreSQL writes the canonical instant itself, SQLite's text is
        converted by :meth:`__call__`."""
        return _EVENTS_SQL.get(self.vendor, _EVENTS_SQL[""])

    def __call__(self, value: Any) -> str:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            return canonical.instant(value)
        text = str(value)
        if self.vendor == "postgresql":
            return text
        # SQLite keeps UTC as "YYYY-MM-DD HH:MM:SS[.ffffff]".
        if len(text) == 19:
            return f"{text[:10]}T{text[11:19]}.000000Z"
        if len(text) == 26 and text[19] == ".":
            return f"{text[:10]}T{text[11:26]}Z"
        return "!" + text  # not a form the ORM writes: the leaf cannot match


def _pages(sql: str, page: int, using: str) -> Iterator[list[tuple[Any, ...]]]:
    """Keyset pages of ``sql`` (which takes the lower bound and the limit)."""
    lower = 0
    with connections[using].cursor() as cursor:
        while True:
            cursor.execute(sql, [lower, page])
            rows = cursor.fetchall()
            if not rows:
                return
            yield rows
            if len(rows) < page:
                return
            lower = int(rows[-1][0]) + 1


class _StoredNodes:
    """The stored node hashes, read page by page in id order (ids are dense)."""

    def __init__(self, using: str) -> None:
        self.using = using
        self.base = 0
        self.page: list[bytes | None] = []
        self.extra: list[int] = []
        self.read = 0

    def _load(self, start: int) -> None:
        self.base = start
        self.page = [None] * PAGE
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                "SELECT id, hash FROM ledger_ledgernode WHERE id >= %s AND id < %s",
                [start, start + PAGE],
            )
            for node_id, value in cursor.fetchall():
                self.page[node_id - start] = bytes(value)
                self.read += 1

    def get(self, node_id: int) -> bytes | None:
        if not self.base <= node_id < self.base + len(self.page):
            self._load(node_id - node_id % PAGE)
        return self.page[node_id - self.base]

    def count_beyond(self, last_id: int) -> int:
        with connections[self.using].cursor() as cursor:
            cursor.execute("SELECT count(*) FROM ledger_ledgernode WHERE id >= %s", [last_id])
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
    connection = connections[using]
    instant = _Instant(connection.vendor)
    verifier = keys.verifier()
    origin = keys.origin()

    # Checkpoints: in the database and in the mirror folder.
    stored_checkpoints: dict[int, tuple[bytes | None, str]] = {}
    for checkpoint in Checkpoint.objects.using(using).order_by("size"):
        report.checkpoints += 1
        root = _open_checkpoint(
            report, checkpoint.note, verifier, origin, checkpoint.size, _("数据库中的")
        )
        if root is not None and root.hex() != checkpoint.root_hash:
            report.add(
                Problem(
                    "checkpoint_altered",
                    _("大小为 %(size)d 的检查点行的根哈希与其签名内容不一致。")
                    % {"size": checkpoint.size},
                )
            )
        stored_checkpoints[checkpoint.size] = (root, checkpoint.note)
    mirrored: dict[int, bytes | None] = {}
    mirror_dir = _mirror_folder(mirror)
    if mirror_dir is not None:
        for path in sorted(mirror_dir.glob("checkpoint*")):
            if path.name.startswith("."):
                continue
            text = path.read_text(encoding="utf-8")
            report.mirrored += 1
            try:
                size = note.Checkpoint.parse(note.parse(text)[0]).size
            except note.NoteError as exc:
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
    roots: dict[int, bytes] = {}
    last_event: dict[tuple[str, str], tuple[int, str, str]] = {}
    recorded_blobs: dict[str, int] = {}
    frontier: list[bytes] = []
    nodes = _StoredNodes(using)
    size = 0  # rows read: the leaves of the rebuilt tree
    next_seq = 0  # the sequence number the next row must carry
    tree_intact = True
    template = canonical.LEAF_TEMPLATE
    encode = canonical.encode_string
    version = canonical.LEAF_VERSION
    sha256 = hashlib.sha256
    hashed = 0
    calls = 0
    for rows in _pages(instant.sql(), PAGE, using):
        for seq, at, actor, action, object_type, object_id, content, blob, stored in rows:
            if seq != next_seq:
                missing = (next_seq, seq - 1)
                report.add(
                    Problem(
                        "event_missing",
                        _("序号 %(first)d 至 %(last)d 的事件缺失（被删除）。")
                        % {"first": missing[0], "last": missing[1]},
                        event=missing[0],
                    )
                )
                tree_intact = False
            data = (
                template
                % (
                    encode(action),
                    encode(actor),
                    instant(at),
                    encode(blob) if blob else "null",
                    encode(object_id),
                    seq,
                    encode(content),
                    encode(object_type),
                    version,
                )
            ).encode("utf-8")
            hashed += len(data) + 1
            leaf = sha256(b"\x00" + data).digest()
            if leaf.hex() != stored:
                report.add(
                    Problem(
                        "event_altered",
                        _("由事件行重新计算的叶哈希与记录的叶哈希不同：事件在写入后被修改或调换。"),
                        event=seq,
                        object=_object_label(object_type, object_id),
                    )
                )
            current = leaf
            j = size
            level = 0
            while j & 1:
                current = sha256(b"\x01" + frontier.pop() + current).digest()
                calls += 1
                level += 1
                j >>= 1
                if tree_intact:
                    index = (size >> level) if level else size
                    node_id = merkle.node_count(size) + level - 1
                    if nodes.get(node_id) != current:
                        report.add(
                            Problem(
                                "node_altered",
                                _("覆盖事件 %(range)s 的树节点与重新计算的不同或缺失。")
                                % {"range": _node_label(level, index)},
                            )
                        )
            frontier.append(current)
            size += 1
            next_seq = seq + 1
            last_event[(object_type, object_id)] = (seq, content, action)
            if blob:
                recorded_blobs.setdefault(blob, seq)
            if size in wanted_roots:
                roots[size] = merkle.frontier_root(frontier)
    report.events = size
    report.nodes = nodes.read
    hashed += 65 * merkle.node_count(size)
    calls += size

    expected_nodes = merkle.node_count(size)
    extra = nodes.count_beyond(expected_nodes)
    if extra:
        report.add(
            Problem(
                "node_extra",
                _("树节点表比 %(size)d 个事件多出 %(extra)d 个节点（事件被截断？）。")
                % {"size": size, "extra": extra},
            )
        )
    head = LedgerHead.objects.using(using).filter(pk=1).first()
    head_size = head.size if head else 0
    head_frontier = bytes(head.frontier) if head else b""
    if head_size != size or head_frontier != b"".join(frontier):
        report.add(
            Problem(
                "head_mismatch",
                _("账本状态记录的大小 %(head)d 或前沿哈希与 %(size)d 个事件重新计算的结果不同。")
                % {"head": head_size, "size": size},
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

    hashed += _verify_objects(report, last_event, using)
    if blobs:
        hashed += _verify_blobs(report, recorded_blobs)
    report.hashed_bytes = hashed
    report.hash_calls = calls
    return report


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


def _changed_fields(seq: int, current: dict[str, Any], using: str) -> str:
    recorded = Version.objects.using(using).filter(event_id=seq).values_list("content", flat=True)
    content = recorded.first()
    if not isinstance(content, dict):
        return _("（该事件的版本记录缺失）")
    names = sorted(
        name
        for name in set(current) | set(content)
        if canonical.dumps(current.get(name)) != canonical.dumps(content.get(name))
    )
    return ", ".join(names) if names else _("（版本记录与事件摘要也不一致）")


def _verify_objects(
    report: Report, last_event: dict[tuple[str, str], tuple[int, str, str]], using: str
) -> int:
    hashed = 0
    by_type: dict[str, dict[str, tuple[int, str, str]]] = defaultdict(dict)
    for (object_type, object_id), entry in last_event.items():
        by_type[object_type][object_id] = entry
    for object_type, recorded in sorted(by_type.items()):
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
        seen: set[str] = set()
        rows = model._base_manager.using(using).order_by("pk").values_list("pk", *fields)
        for row in rows.iterator(chunk_size=2000):
            object_id = str(row[0])
            seen.add(object_id)
            report.objects += 1
            content = snapshot_values(fields, row[1:])
            data = canonical.dumps(content)
            hashed += len(data)
            last = recorded.get(object_id)
            label = _object_label(object_type, object_id)
            if last is None:
                report.add(
                    Problem(
                        "object_unrecorded",
                        _("该行没有任何账本事件：在服务之外被创建。"),
                        object=label,
                    )
                )
                continue
            seq, content_sha256, action = last
            if is_deletion(action):
                report.add(
                    Problem(
                        "object_reappeared",
                        _("最后一个事件记录了删除，但该行仍然存在。"),
                        event=seq,
                        object=label,
                    )
                )
            elif hashlib.sha256(data).hexdigest() != content_sha256:
                report.add(
                    Problem(
                        "object_altered",
                        _(
                            "当前内容与最后一个事件记录的摘要不同：在服务之外被修改（字段：%(fields)s）。"
                        )
                        % {"fields": _changed_fields(seq, content, using)},
                        event=seq,
                        object=label,
                    )
                )
        for object_id, (seq, _content, action) in sorted(recorded.items()):
            if object_id not in seen and not is_deletion(action):
                report.add(
                    Problem(
                        "object_deleted",
                        _(
                            "该行已不存在，但最后一个事件（%(action)s）并未记录删除：在服务之外被删除。"
                        )
                        % {"action": action},
                        event=seq,
                        object=_object_label(object_type, object_id),
                    )
                )
    return hashed


def _verify_blobs(report: Report, recorded: dict[str, int]) -> int:
    hashed = 0
    found: set[str] = set()
    sources = blob_store.blob_sources()
    for source in sources:
        for blob in source.blobs():
            report.blobs += 1
            with blob.open() as handle:
                actual, length = blob_store.sha256_of(handle)
            hashed += length
            found.add(blob.sha256)
            seq = recorded.get(blob.sha256)
            if actual != blob.sha256:
                report.add(
                    Problem(
                        "blob_altered",
                        _(
                            "文件 %(label)s（%(source)s）的内容哈希 %(actual)s "
                            "与应有的 %(sha)s 不同。"
                        )
                        % {
                            "label": blob.label,
                            "source": source.name,
                            "actual": actual,
                            "sha": blob.sha256,
                        },
                        event=seq,
                    )
                )
            if seq is None:
                report.add(
                    Problem(
                        "blob_unrecorded",
                        _("文件 %(label)s（%(source)s）没有任何账本事件记录其哈希。")
                        % {"label": blob.label, "source": source.name},
                    )
                )
    for sha, seq in sorted(recorded.items(), key=lambda item: item[1]):
        if sha not in found:
            report.add(
                Problem(
                    "blob_missing",
                    _("事件记录的文件 %(sha)s 在已登记的文件存储中都找不到。") % {"sha": sha},
                    event=seq,
                )
            )
    return hashed
