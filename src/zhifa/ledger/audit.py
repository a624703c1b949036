"""Standalone auditor of a zhifa ledger: ``python -m zhifa.ledger.audit URL``.

Uses nothing but the Python standard library and ``cryptography`` (through the two pure modules
:mod:`zhifa.ledger.merkle` and :mod:`zhifa.ledger.note`; no Django, no database). It

1. fetches the verifier key (and refuses a key different from the one it saw before),
2. fetches the latest signed checkpoint and checks its signature and origin,
3. downloads the leaf data the checkpoint covers and recomputes the root from it — starting from
   the tree it verified last time (kept in a local state file), so a second run downloads only
   the new entries and proves, by construction, that the old tree is a prefix of the new one,
4. checks the server's own consistency proof from the last checkpoint it saw, and an inclusion
   proof of the newest entry,
5. saves the new checkpoint and tree frontier to the state file.

Exit status 0 when everything holds; 1 with a line per problem otherwise (a checkpoint that is not
consistent with the one seen before is evidence that the log was rewritten: keep both notes).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import sys
import tempfile
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zhifa.ledger import merkle, note

API_PATH = "api/v1/ledger/"
PAGE = 1000
TIMEOUT = 60


class AuditFailure(Exception):
    """The log, its checkpoint or its proofs do not hold."""


def api_base(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise AuditFailure(f"只支持 http 和 https 地址：{url}")
    path = parts.path.rstrip("/") + "/"
    if not path.endswith("/" + API_PATH):
        path += API_PATH
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def fetch(base: str, path: str, params: dict[str, int] | None = None) -> bytes:
    url = base + path
    if params:
        url += "?" + urllib.parse.urlencode(params)
    request = urllib.request.Request(url, headers={"Accept": "application/json, text/plain"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # nosec B310
            return bytes(response.read())
    except OSError as exc:
        raise AuditFailure(f"无法读取 {url}：{exc}") from exc


def fetch_json(base: str, path: str, params: dict[str, int]) -> Any:
    try:
        return json.loads(fetch(base, path, params))
    except ValueError as exc:
        raise AuditFailure(f"{path} 返回的不是 JSON") from exc


def _b64(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


@dataclass
class State:
    key: str = ""
    size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    frontier: tuple[bytes, ...] = ()
    checkpoint: str = ""

    @classmethod
    def load(cls, path: Path) -> State:
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            key=data["key"],
            size=int(data["size"]),
            root=_b64(data["root"]),
            frontier=tuple(_b64(item) for item in data["frontier"]),
            checkpoint=data["checkpoint"],
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "key": self.key,
            "size": self.size,
            "root": base64.b64encode(self.root).decode(),
            "frontier": [base64.b64encode(item).decode() for item in self.frontier],
            "checkpoint": self.checkpoint,
        }
        fd, tmp_name = tempfile.mkstemp(prefix=".audit-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1)
        os.replace(tmp_name, path)


def default_state_path(url: str) -> Path:
    parts = urllib.parse.urlsplit(url)
    name = re.sub(r"[^A-Za-z0-9.-]+", "_", parts.netloc + parts.path).strip("_") or "ledger"
    return Path.home() / ".zhifa-audit" / f"{name}.json"


def audit(url: str, state_path: Path, *, pinned_key: str = "", full: bool = False) -> State:
    """Run the audit; return the new state (already saved) or raise :class:`AuditFailure`."""
    base = api_base(url)
    state = State() if full else State.load(state_path)
    previous = State.load(state_path) if full else state

    key_text = fetch(base, "key").decode("utf-8").strip()
    for trusted, what in ((pinned_key, "指定的"), (previous.key, "上次保存的")):
        if trusted and key_text != trusted.strip():
            raise AuditFailure(f"服务器的验证公钥与{what}公钥不同：{key_text}")
    try:
        verifier = note.Verifier.parse(key_text)
        signed = fetch(base, "checkpoint").decode("utf-8")
        checkpoint = note.open_checkpoint(signed, verifier)
    except note.NoteError as exc:
        raise AuditFailure(f"检查点签名核验失败：{exc}") from exc
    if checkpoint.size < previous.size:
        raise AuditFailure(
            f"检查点的记录条数从 {previous.size} 减少到 {checkpoint.size}：账本被截断或回滚。"
            f"\n上次的检查点：\n{previous.checkpoint}\n本次的检查点：\n{signed}"
        )

    frontier = list(state.frontier)
    size = state.size
    if merkle.frontier_root(frontier) != state.root:
        raise AuditFailure("本地状态文件已损坏：前沿哈希与根哈希不符。")
    while size < checkpoint.size:
        end = min(size + PAGE, checkpoint.size)
        page = fetch_json(base, "entries", {"start": size, "end": end})
        entries = page.get("entries", [])
        if not entries or page.get("start") != size:
            raise AuditFailure(f"服务器没有给出序号 {size} 起的叶数据。")
        for item in entries[: checkpoint.size - size]:
            frontier, _completed = merkle.append_leaf(frontier, size, merkle.leaf_hash(_b64(item)))
            size += 1
    root = merkle.frontier_root(frontier)
    if root != checkpoint.root:
        raise AuditFailure(
            f"由 {checkpoint.size} 条叶数据重新计算的根哈希与签名检查点不同：账本数据被改动，"
            "或者与检查点不一致。"
        )

    if 0 < previous.size < checkpoint.size:
        proof = fetch_json(
            base, "proof/consistency", {"first": previous.size, "second": checkpoint.size}
        )
        try:
            merkle.verify_consistency(
                previous.size,
                checkpoint.size,
                [_b64(item) for item in proof["proof"]],
                previous.root,
                checkpoint.root,
            )
        except (merkle.ProofError, KeyError) as exc:
            raise AuditFailure(
                f"服务器给出的一致性证明（{previous.size} → {checkpoint.size}）不成立：{exc}"
                f"\n上次的检查点：\n{previous.checkpoint}\n本次的检查点：\n{signed}"
            ) from exc
    elif previous.size == checkpoint.size and previous.size and previous.root != checkpoint.root:
        raise AuditFailure(
            "同样的记录条数却有不同的根哈希：政府签署了两个互不一致的检查点。"
            f"\n上次的检查点：\n{previous.checkpoint}\n本次的检查点：\n{signed}"
        )

    if checkpoint.size:
        last = checkpoint.size - 1
        proof = fetch_json(base, "proof/inclusion", {"index": last, "size": checkpoint.size})
        try:
            merkle.verify_inclusion(
                last,
                checkpoint.size,
                _b64(proof["leaf_hash"]),
                [_b64(item) for item in proof["proof"]],
                checkpoint.root,
            )
        except (merkle.ProofError, KeyError) as exc:
            raise AuditFailure(f"最后一条记录的包含证明不成立：{exc}") from exc

    new_state = State(key_text, checkpoint.size, checkpoint.root, tuple(frontier), signed)
    new_state.save(state_path)
    return new_state


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zhifa.ledger.audit",
        description="独立核验 zhifa 账本：下载检查点和叶数据，重算根哈希，核对签名和一致性。",
    )
    parser.add_argument("url", help="平台地址，如 https://zhifa.example.gov.cn/")
    parser.add_argument("--state", type=Path, default=None, help="保存上次检查点的本地文件")
    parser.add_argument("--key", default="", help="信任的验证公钥（signed-note 格式）")
    parser.add_argument("--full", action="store_true", help="重新下载全部叶数据")
    args = parser.parse_args(argv)
    state_path = args.state or default_state_path(args.url)
    try:
        state = audit(args.url, state_path, pinned_key=args.key, full=args.full)
    except AuditFailure as exc:
        print(f"核验失败：{exc}", file=sys.stderr)
        return 1
    print(f"核验通过：{state.size} 条记录，根哈希 {base64.b64encode(state.root).decode()}")
    print(f"检查点已保存到 {state_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
