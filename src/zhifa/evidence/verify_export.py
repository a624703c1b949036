"""Check a copy package offline: ``python -m zhifa.evidence.verify_export PACKAGE.zip``.

Uses only the Python standard library and ``cryptography`` (through the pure modules
:mod:`zhifa.ledger.merkle` and :mod:`zhifa.ledger.note`; no Django, no database, no network).

For every file listed in ``manifest.json`` it checks that the file's bytes hash to the SHA-256 in
the manifest, that the ledger leaf carried in the manifest names that SHA-256, and that the leaf's
inclusion proof leads to the root of the signed checkpoint ``checkpoint.txt``, whose Ed25519
signature it verifies with the log's verifier key. Pass the key published on the portal with
``--key``; without it the key inside the package is used, and the report says so.

Exit status 0 when everything holds; 1 with one line per problem otherwise.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

from zhifa.ledger import merkle, note

FORMAT = "zhifa-evidence-export/1"
CHUNK = 1 << 20


def _member_sha256(archive: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with archive.open(name) as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def verify_package(path: Path | str, key: str | None = None) -> tuple[list[str], list[str]]:
    """Return (problems, notes). No problems means the package verifies."""
    problems: list[str] = []
    notes: list[str] = []
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return [f"无法打开压缩包：{exc}"], notes
    with archive:
        try:
            manifest: dict[str, Any] = json.loads(archive.read("manifest.json"))
            note_text = archive.read("checkpoint.txt").decode("utf-8")
        except (KeyError, ValueError, zipfile.BadZipFile) as exc:
            return [f"清单或检查点缺失或损坏：{exc}"], notes
        if manifest.get("format") != FORMAT:
            return [f"不是本系统的复制件包格式：{manifest.get('format')!r}"], notes
        if key is None:
            key = str(manifest.get("log", {}).get("verifier_key", ""))
            notes.append("未指定 --key：使用包内的公钥，请与门户网站公布的公钥核对：" + key)
        try:
            verifier = note.Verifier.parse(key)
            checkpoint = note.open_checkpoint(note_text, verifier)
        except note.NoteError as exc:
            return [f"检查点签名无效：{exc}"], notes
        notes.append(f"检查点：{checkpoint.origin}，树大小 {checkpoint.size}")
        listed = set()
        for entry in manifest.get("files", []):
            problems.extend(_verify_entry(archive, entry, checkpoint))
            listed.add(entry.get("name"))
        for info in archive.infolist():
            if info.filename.startswith("files/") and info.filename not in listed:
                problems.append(f"{info.filename}：不在清单中")
        for excluded in manifest.get("excluded", []):
            notes.append(f"未提供：记录 {excluded.get('evidence_id')}（{excluded.get('reason')}）")
    return problems, notes


def _verify_entry(
    archive: zipfile.ZipFile, entry: dict[str, Any], checkpoint: note.Checkpoint
) -> list[str]:
    name = str(entry.get("name", ""))
    try:
        actual, size = _member_sha256(archive, name)
    except KeyError:
        return [f"{name}：文件缺失"]
    except (zipfile.BadZipFile, OSError) as exc:
        return [f"{name}：文件已损坏（{exc}）"]
    problems = []
    if size != entry.get("size"):
        problems.append(f"{name}：大小 {size} 与清单 {entry.get('size')} 不符")
    if actual != entry.get("sha256"):
        problems.append(f"{name}：SHA-256 {actual} 与清单 {entry.get('sha256')} 不符")
    ledger = entry.get("ledger", {})
    try:
        leaf_data = base64.b64decode(ledger["leaf_data"], validate=True)
        leaf = json.loads(leaf_data)
        proof = [base64.b64decode(item, validate=True) for item in ledger["proof"]]
        index, size_at = int(ledger["index"]), int(ledger["tree_size"])
    except (KeyError, ValueError, TypeError, binascii.Error) as exc:
        return [*problems, f"{name}：账本证明格式错误（{exc}）"]
    if leaf.get("blob") != entry.get("sha256") or leaf.get("seq") != index:
        problems.append(f"{name}：账本记录的文件摘要或序号与清单不符")
    if size_at != checkpoint.size:
        problems.append(f"{name}：证明的树大小 {size_at} 不是检查点的 {checkpoint.size}")
    try:
        merkle.verify_inclusion(index, size_at, merkle.leaf_hash(leaf_data), proof, checkpoint.root)
    except merkle.ProofError as exc:
        problems.append(f"{name}：包含证明不成立（{exc}）")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="离线核验音像记录复制件包")
    parser.add_argument("package", type=Path)
    parser.add_argument("--key", help="门户网站公布的账本公钥（verifier key）")
    args = parser.parse_args(argv)
    problems, notes = verify_package(args.package, args.key)
    for line in notes:
        print(line)
    for line in problems:
        print("不通过：" + line)
    if problems:
        return 1
    print("核验通过：每个文件都与账本记录一致，检查点签名有效。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
