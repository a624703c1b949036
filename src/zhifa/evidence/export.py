"""Building the copy package for a party (R-32): a ZIP with the files, ``manifest.json`` (name,
size, SHA-256, capture data, each file's ledger leaf and inclusion proof), the signed checkpoint
the proofs lead to, and a short Chinese read-me. Files are streamed into the ZIP (memory stays
flat); confidential items are left out and the manifest says so.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from zhifa.evidence import blobs
from zhifa.evidence.models import CopyRequest, Evidence
from zhifa.evidence.sniff import TYPES
from zhifa.evidence.verify_export import FORMAT
from zhifa.ledger import selectors as ledger_selectors
from zhifa.ledger import services as ledger_services
from zhifa.ledger.keys import verifier_key
from zhifa.ledger.models import LedgerEvent

README = """本压缩包是行政执法音像记录的复制件（依申请提供）。

核验方法（无需联网）：
    python -m zhifa.evidence.verify_export 本文件.zip --key "<门户网站公布的账本公钥>"

manifest.json 列出每个文件的名称、大小、SHA-256、拍摄信息，以及该文件在执法记录账本中的
登记记录和包含证明；checkpoint.txt 是账本的签名检查点。任何文件被改动一个字节，核验都不会通过。
涉密记录不提供复制件，清单的 excluded 一项列明。
"""


def _file_name(evidence: Evidence) -> str:
    media = TYPES.get(evidence.blob.media_type)
    ext = media.extension if media else "bin"
    return f"files/{evidence.pk:06d}-{evidence.kind}.{ext}"


def _capture(evidence: Evidence) -> dict[str, Any]:
    return {
        "evidence_id": evidence.pk,
        "kind": evidence.kind,
        "captured_at": evidence.captured_at.isoformat(),
        "uploaded_at": evidence.uploaded_at.isoformat(),
        "place": evidence.place,
        "description": evidence.description,
        "device": (
            {"kind": evidence.device.kind, "serial": evidence.device.serial}
            if evidence.device is not None
            else None
        ),
        "officer": evidence.officer.person.name if evidence.officer is not None else None,
        "late": evidence.is_late,
    }


def _ledger_entry(evidence: Evidence, tree_size: int) -> dict[str, Any]:
    event = LedgerEvent.objects.get(
        action="evidence.item.register", object_type="evidence.evidence", object_id=str(evidence.pk)
    )
    proof = ledger_selectors.inclusion_proof(event.seq, tree_size)
    return {
        "index": event.seq,
        "tree_size": tree_size,
        "leaf_data": base64.b64encode(ledger_services.leaf_data(event)).decode("ascii"),
        "proof": [base64.b64encode(item).decode("ascii") for item in proof.proof],
    }


def build_package(request: CopyRequest, out_path: Path) -> dict[str, Any]:
    """Write the package for ``request`` to ``out_path``; return the manifest."""
    ledger_services.checkpoint_sign()
    checkpoint = ledger_selectors.latest_checkpoint()
    if checkpoint is None:
        raise RuntimeError("the ledger has no checkpoint")
    items = list(request.items.select_related("blob", "device", "officer__person").order_by("pk"))
    files: list[dict[str, Any]] = []
    excluded: list[dict[str, Any]] = []
    storage = blobs.get_storage()
    with zipfile.ZipFile(out_path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for evidence in items:
            if evidence.confidentiality:
                excluded.append(
                    {
                        "evidence_id": evidence.pk,
                        "reason": _("涉密记录（%(kind)s）不提供复制件")
                        % {"kind": evidence.get_confidentiality_display()},
                    }
                )
                continue
            name = _file_name(evidence)
            with (
                storage.open(blobs.blob_name(evidence.blob_id), "rb") as source,
                zf.open(name, "w", force_zip64=evidence.blob.size > 0x7FFFFFFF) as target,
            ):
                shutil.copyfileobj(source, target, blobs.CHUNK)
            files.append(
                {
                    "name": name,
                    "size": evidence.blob.size,
                    "sha256": evidence.blob_id,
                    "media_type": TYPES[evidence.blob.media_type].mime
                    if evidence.blob.media_type in TYPES
                    else "application/octet-stream",
                    "capture": _capture(evidence),
                    "ledger": _ledger_entry(evidence, checkpoint.size),
                }
            )
        manifest = {
            "format": FORMAT,
            "request": {
                "id": request.pk,
                "agency": request.agency.name,
                "party": request.party_name,
                "approved_by": f"user:{request.decided_by_id}",
                "approved_at": request.decided_at.isoformat() if request.decided_at else None,
            },
            "log": {"origin": checkpoint.note.split("\n", 1)[0], "verifier_key": verifier_key()},
            "files": files,
            "excluded": excluded,
        }
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        zf.writestr("checkpoint.txt", checkpoint.note)
        zf.writestr("README.txt", README)
    with out_path.open("rb") as handle:
        os.fsync(handle.fileno())
    return manifest
