"""Copies for a party (R-32): request, the head's approval, then a package that verifies offline
and fails after one changed byte; confidential items (R-33) are left out and listed."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from tests.evidence.conftest import World, jpeg_bytes, meta, mp4_bytes
from zhifa.accounts.models import User
from zhifa.core.errors import Conflict, PermissionDenied
from zhifa.evidence import blobs, services
from zhifa.evidence.models import CopyRequest, Evidence
from zhifa.evidence.verify_export import verify_package
from zhifa.ledger.keys import verifier_key
from zhifa.ledger.models import LedgerEvent

ROOT = Path(__file__).resolve().parents[2]


def _evidence(world: World) -> list[Evidence]:
    actor = world.actor(world.officer_user)
    return [
        services.evidence_register_file(
            actor=actor, agency=world.agency, file=ContentFile(mp4_bytes(300_000)), metadata=meta()
        ),
        services.evidence_register_file(
            actor=actor,
            agency=world.agency,
            file=ContentFile(jpeg_bytes()),
            metadata=meta(kind="photo", place="梨树镇东街"),
        ),
        services.evidence_register_file(
            actor=actor,
            agency=world.agency,
            file=ContentFile(mp4_bytes(1000, seed=5)),
            metadata=meta(confidentiality="trade_secret"),
        ),
    ]


def _package(world: World, tmp_path: Path) -> tuple[Path, list[Evidence]]:
    items = _evidence(world)
    request = services.copy_request_create(
        actor=world.actor(world.officer_user),
        agency=world.agency,
        party_name="李四",
        party_reason="申请复制现场执法录像，用于陈述申辩",
        evidence_ids=[e.pk for e in items],
    )
    services.copy_request_decide(
        actor=world.actor(world.head_user), request=request, approve=True, reason="同意"
    )
    blob = services.copy_request_export(actor=world.actor(world.keeper_user), request=request)
    out = tmp_path / "package.zip"
    with blobs.open_blob(blob.sha256) as handle:
        out.write_bytes(handle.read())
    return out, items


def test_copy_needs_the_heads_approval_and_nothing_changes_before__R32(world: World) -> None:
    items = _evidence(world)
    request = services.copy_request_create(
        actor=world.actor(world.officer_user),
        agency=world.agency,
        party_name="李四",
        party_reason="陈述申辩",
        evidence_ids=[items[0].pk],
    )
    events = LedgerEvent.objects.count()
    with pytest.raises(Conflict):
        services.copy_request_export(actor=world.actor(world.officer_user), request=request)
    with pytest.raises(PermissionDenied):
        services.copy_request_decide(
            actor=world.actor(world.officer_user), request=request, approve=True, reason="同意"
        )
    request.refresh_from_db()
    assert request.state == CopyRequest.State.REQUESTED and request.package_id is None
    assert LedgerEvent.objects.count() == events


def test_the_package_verifies_offline_and_leaves_out_confidential_items__R32_R33(
    world: World, tmp_path: Path
) -> None:
    package, items = _package(world, tmp_path)
    problems, notes = verify_package(package, verifier_key())
    assert problems == []
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = [n for n in archive.namelist() if n.startswith("files/")]
    assert len(manifest["files"]) == 2 and len(names) == 2
    assert [e["evidence_id"] for e in manifest["excluded"]] == [items[2].pk]
    assert "涉密" in manifest["excluded"][0]["reason"]
    photo = next(f for f in manifest["files"] if f["capture"]["kind"] == "photo")
    assert photo["sha256"] == items[1].blob_id and photo["capture"]["place"] == "梨树镇东街"
    # The standalone verifier, in a fresh interpreter without Django settings.
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "zhifa.evidence.verify_export",
            str(package),
            "--key",
            verifier_key(),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src")},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "核验通过" in run.stdout


def test_one_changed_byte_fails_verification__R34(world: World, tmp_path: Path) -> None:
    package, _items = _package(world, tmp_path)
    # 1. A member rewritten with one byte changed (a well-formed ZIP): the SHA-256 differs.
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("files/") and info.filename.endswith(".mp4"):
                data = data[:1000] + bytes([data[1000] ^ 0x01]) + data[1001:]
            target.writestr(info, data)
    problems, _notes = verify_package(tampered, verifier_key())
    assert len(problems) == 1 and "SHA-256" in problems[0]
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "zhifa.evidence.verify_export",
            str(tampered),
            "--key",
            verifier_key(),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src")},
    )
    assert run.returncode == 1 and "不通过" in run.stdout
    # 2. One raw byte flipped inside the stored file data.
    raw = bytearray(package.read_bytes())
    with zipfile.ZipFile(package) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith(".mp4"))
    raw[info.header_offset + 30 + len(info.filename) + 5000] ^= 0x80
    flipped = tmp_path / "flipped.zip"
    flipped.write_bytes(bytes(raw))
    assert verify_package(flipped, verifier_key())[0] != []
    # 3. The manifest edited to match the changed file: the ledger proof no longer holds.
    with zipfile.ZipFile(tampered) as source:
        manifest = json.loads(source.read("manifest.json"))
        entry = next(f for f in manifest["files"] if f["name"].endswith(".mp4"))
        import hashlib

        entry["sha256"] = hashlib.sha256(source.read(entry["name"])).hexdigest()
        forged = tmp_path / "forged.zip"
        with zipfile.ZipFile(forged, "w") as target:
            for info in source.infolist():
                data = source.read(info.filename)
                if info.filename == "manifest.json":
                    data = json.dumps(manifest).encode()
                target.writestr(info, data)
    problems, _notes = verify_package(forged, verifier_key())
    assert any("账本" in p for p in problems)


def test_a_package_signed_by_another_key_is_refused__R34(world: World, tmp_path: Path) -> None:
    package, _items = _package(world, tmp_path)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from zhifa.ledger import note

    other = note.verifier_key(
        "zhifa.baishan.lishu.jilin.gov.cn/ledger",
        note.public_key_bytes(Ed25519PrivateKey.generate().public_key()),
    )
    problems, _notes = verify_package(package, other)
    assert problems and "签名" in problems[0]


def test_the_copy_workflow_over_the_api__R32(world: World, tmp_path: Path) -> None:
    from django.test import Client

    from tests.sessions import verified_client

    items = _evidence(world)

    def client_for(user: User) -> Client:
        return verified_client(user)

    officer, head = client_for(world.officer_user), client_for(world.head_user)
    created = officer.post(
        "/api/v1/uploads/copies",
        {
            "agency_id": world.agency.pk,
            "party_name": "李四",
            "party_reason": "陈述申辩",
            "evidence_ids": [e.pk for e in items],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    copy_id = created.json()["id"]
    early = officer.post(f"/api/v1/uploads/copies/{copy_id}/package")
    assert early.status_code == 409
    refused = officer.post(
        f"/api/v1/uploads/copies/{copy_id}/decision",
        {"approve": True, "reason": ""},
        content_type="application/json",
    )
    assert refused.status_code == 403
    approved = head.post(
        f"/api/v1/uploads/copies/{copy_id}/decision",
        {"approve": True, "reason": "同意提供"},
        content_type="application/json",
    )
    assert approved.json()["state"] == "approved"
    built = officer.post(f"/api/v1/uploads/copies/{copy_id}/package")
    assert built.status_code == 200 and built.json()["package_sha256"]
    stranger = client_for(world.other_user)
    assert stranger.get(f"/api/v1/uploads/copies/{copy_id}/package").status_code == 404
    download = officer.get(f"/api/v1/uploads/copies/{copy_id}/package")
    assert download.status_code == 200
    package = tmp_path / "from-api.zip"
    package.write_bytes(b"".join(download.streaming_content))  # type: ignore[arg-type]
    assert verify_package(package, verifier_key())[0] == []
    from zhifa.ledger.verify import verify_ledger

    report = verify_ledger(blobs=True, mirror=None)
    assert report.ok, report.lines()


def test_the_package_verifier_needs_only_the_standard_library_and_cryptography__R32() -> None:
    """A party verifies offline without the project's framework: importing the verifier loads
    neither Django nor django-ninja nor pydantic."""
    code = (
        "import sys, zhifa.evidence.verify_export\n"
        "roots = {'django', 'ninja', 'pydantic', 'storages', 'boto3'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in roots))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src")},
    )
    assert result.stdout.strip() == "[]"
