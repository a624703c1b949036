"""The blob store: content-addressed, written atomically, never deleted or overwritten (R-34)."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from tests.evidence.conftest import World, jpeg_bytes, meta, mp4_bytes
from zhifa.core import clock
from zhifa.core.errors import PermissionDenied, ValidationFailed
from zhifa.evidence import blobs, services
from zhifa.evidence.models import Blob, Derivative, Evidence
from zhifa.ledger.models import LedgerEvent


def blob_files(root: Path) -> list[Path]:
    return [p for p in (root / "blobs").rglob("*") if p.is_file()]


def test_same_bytes_from_two_users_are_stored_once__R34(world: World, _evidence_root: Path) -> None:
    data = mp4_bytes(200_000)
    first = services.evidence_register_file(
        actor=world.actor(world.officer_user),
        agency=world.agency,
        file=ContentFile(data),
        metadata=meta(),
    )
    second = services.evidence_register_file(
        actor=world.actor(world.officer2_user),
        agency=world.agency,
        file=ContentFile(data),
        metadata=meta(),
    )
    assert first.pk != second.pk
    assert first.blob_id == second.blob_id
    assert Blob.objects.count() == 1
    assert len(blob_files(_evidence_root)) == 1
    assert list((_evidence_root / "staging").iterdir()) == []


def test_every_registered_file_is_in_the_ledger_with_its_sha256__R34(world: World) -> None:
    evidence = services.evidence_register_file(
        actor=world.actor(world.officer_user),
        agency=world.agency,
        file=ContentFile(mp4_bytes(5000)),
        metadata=meta(),
    )
    event = LedgerEvent.objects.get(action="evidence.item.register", object_id=str(evidence.pk))
    assert event.blob_sha256 == evidence.blob_id
    assert event.actor == f"user:{world.officer_user.pk}"
    assert (
        LedgerEvent.objects.filter(
            action="evidence.blob.store", blob_sha256=evidence.blob_id
        ).count()
        == 1
    )


def test_a_blob_can_be_neither_deleted_nor_overwritten__R34(
    world: World, _evidence_root: Path
) -> None:
    evidence = services.evidence_register_file(
        actor=world.actor(world.officer_user),
        agency=world.agency,
        file=ContentFile(mp4_bytes(5000)),
        metadata=meta(),
    )
    storage = blobs.get_storage()
    name = blobs.blob_name(evidence.blob_id)
    with pytest.raises(blobs.BlobRefused):
        blobs.as_django_storage(storage).delete(name)
    before = blob_files(_evidence_root)[0].read_bytes()
    # Saving other bytes "under" that name stores them under their own hash instead.
    saved = blobs.as_django_storage(storage).save(name, ContentFile(b"%PDF-1.4 other bytes"))
    assert saved != name
    assert Path(storage.path(name)).read_bytes() == before  # type: ignore[attr-defined]
    assert not os.access(storage.path(name), os.W_OK) or os.geteuid() == 0  # type: ignore[attr-defined]
    assert blobs.verify_blob(evidence.blob_id, evidence.blob.size) is None


def test_verify_finds_a_flipped_bit__R34(world: World) -> None:
    evidence = services.evidence_register_file(
        actor=world.actor(world.officer_user),
        agency=world.agency,
        file=ContentFile(mp4_bytes(5000)),
        metadata=meta(),
    )
    path = Path(blobs.get_storage().path(blobs.blob_name(evidence.blob_id)))  # type: ignore[attr-defined]
    os.chmod(path, 0o600)
    data = bytearray(path.read_bytes())
    data[3000] ^= 0x01
    path.write_bytes(bytes(data))
    assert blobs.verify_blob(evidence.blob_id, evidence.blob.size) is not None
    shas = [sha for sha, _open in blobs.iter_blobs()]
    assert shas == [evidence.blob_id]


def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_registered__R2(
    world: World, _evidence_root: Path
) -> None:
    before = (Evidence.objects.count(), Blob.objects.count(), LedgerEvent.objects.count())
    with pytest.raises(services.UnsupportedMedia) as info:
        services.evidence_register_file(
            actor=world.actor(world.officer_user),
            agency=world.agency,
            file=ContentFile(b"<!DOCTYPE html><html><body>not a video</body></html>" * 10),
            metadata=meta(kind="video"),
        )
    assert info.value.code == "unknown_type"
    with pytest.raises(services.UnsupportedMedia) as info:
        services.evidence_register_file(
            actor=world.actor(world.officer_user),
            agency=world.agency,
            file=ContentFile(jpeg_bytes()),
            metadata=meta(kind="video"),
        )
    assert info.value.code == "kind_mismatch"
    assert "照片" in info.value.message
    after = (Evidence.objects.count(), Blob.objects.count(), LedgerEvent.objects.count())
    assert after == before
    assert blob_files(_evidence_root) == []
    assert list((_evidence_root / "staging").iterdir()) == []


def test_upload_exactly_24_hours_after_capture_is_in_time_one_second_later_needs_a_reason__R30(
    world: World,
) -> None:
    now = clock.now()
    actor = world.actor(world.officer_user)
    with clock.frozen(now):
        on_time = services.evidence_register_file(
            actor=actor,
            agency=world.agency,
            file=ContentFile(mp4_bytes(3000, seed=1)),
            metadata=meta(captured_at=(now - timedelta(hours=24)).isoformat()),
        )
        assert on_time.is_late is False
        count = Evidence.objects.count()
        late_meta = meta(captured_at=(now - timedelta(hours=24, seconds=1)).isoformat())
        with pytest.raises(ValidationFailed) as info:
            services.evidence_register_file(
                actor=actor,
                agency=world.agency,
                file=ContentFile(mp4_bytes(3000, seed=2)),
                metadata=late_meta,
            )
        assert "late_reason" in info.value.detail
        assert Evidence.objects.count() == count
        late = services.evidence_register_file(
            actor=actor,
            agency=world.agency,
            file=ContentFile(mp4_bytes(3000, seed=2)),
            metadata={**late_meta, "late_reason": "山区无信号，回所后上传"},
        )
    assert late.is_late is True
    assert late.late_reason == "山区无信号，回所后上传"


def test_only_staff_of_the_agency_may_upload__R30(world: World) -> None:
    count = Evidence.objects.count()
    with pytest.raises(PermissionDenied):
        services.evidence_register_file(
            actor=world.actor(world.other_user),
            agency=world.agency,
            file=ContentFile(mp4_bytes(3000)),
            metadata=meta(),
        )
    assert Evidence.objects.count() == count


def test_photo_gets_a_preview_and_the_published_copy_has_no_gps_the_original_keeps_it__R33(
    world: World,
) -> None:
    original = jpeg_bytes(size=(1600, 1200), gps=True)
    evidence = services.evidence_register_file(
        actor=world.actor(world.officer_user),
        agency=world.agency,
        file=ContentFile(original),
        metadata=meta(kind="photo", filename="scene.jpg"),
    )
    preview = Derivative.objects.get(evidence=evidence, kind="preview")
    with blobs.open_blob(preview.blob_id) as handle, Image.open(handle) as image:
        assert max(image.size) == 640
    published = services.evidence_publish_copy(
        actor=world.actor(world.officer_user), evidence=evidence
    )
    with blobs.open_blob(published.blob_id) as handle:
        data = handle.read()
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        assert 0x8825 not in exif and 0x010F not in exif and 0x0110 not in exif
        assert image.size == (1600, 1200)
    with blobs.open_blob(evidence.blob_id) as handle:
        assert handle.read() == original
    with blobs.open_blob(evidence.blob_id) as handle, Image.open(handle) as image:
        assert 0x8825 in image.getexif()


def test_the_sweep_removes_leftover_staging_files_but_keeps_live_uploads__R34(
    world: World, _evidence_root: Path
) -> None:
    upload = services.upload_create(
        actor=world.actor(world.officer_user), agency=world.agency, length=10, metadata=meta()
    )
    live = services.part_path(upload)
    live.write_bytes(b"12345")
    fd, orphan = blobs.new_staging_file()
    os.close(fd)
    fd, young = blobs.new_staging_file()
    os.close(fd)
    old = clock.now().timestamp() - 7200
    os.utime(orphan, (old, old))
    os.utime(live, (old, old))
    os.utime(young, (old + 3700, old + 3700))  # 3500 s old: under the limit, kept
    removed = services.sweep_staging(older_than_seconds=3600)
    assert removed == [orphan.name]
    assert live.exists() and young.exists()
    # The age is measured against the project's clock: an hour later the young file goes too.
    with clock.frozen(clock.now() + timedelta(hours=1)):
        assert services.sweep_staging(older_than_seconds=3600) == [young.name]
    assert live.exists()


def test_ledger_verify_blobs_names_a_flipped_bit_in_an_evidence_file__R34(world: World) -> None:
    from zhifa.ledger.verify import verify_ledger

    evidence = services.evidence_register_file(
        actor=world.actor(world.officer_user),
        agency=world.agency,
        file=ContentFile(mp4_bytes(8000, seed=11)),
        metadata=meta(),
    )
    clean = verify_ledger(blobs=True, mirror=None)
    assert clean.ok, clean.lines()
    assert clean.blobs >= 1
    storage = blobs.get_storage()
    path = Path(storage.path(blobs.blob_name(evidence.blob_id)))  # type: ignore[attr-defined]
    os.chmod(path, 0o600)
    data = bytearray(path.read_bytes())
    data[4321] ^= 0x04
    path.write_bytes(bytes(data))
    report = verify_ledger(blobs=True, mirror=None)
    assert not report.ok
    assert any(evidence.blob_id in line for line in report.lines())


def test_the_evidence_command_sweeps_staging_and_verifies_every_blob__R34(
    world: World, _evidence_root: Path
) -> None:
    from django.core.management import CommandError, call_command

    evidence = services.evidence_register_file(
        actor=world.actor(world.officer_user),
        agency=world.agency,
        file=ContentFile(mp4_bytes(6000, seed=12)),
        metadata=meta(),
    )
    fd, orphan = blobs.new_staging_file()
    os.close(fd)
    out = io.StringIO()
    call_command("evidence", "sweep", "--older-than", "0", stdout=out)
    assert not orphan.exists() and "1" in out.getvalue()
    call_command("evidence", "verify", stdout=io.StringIO())
    path = Path(blobs.get_storage().path(blobs.blob_name(evidence.blob_id)))  # type: ignore[attr-defined]
    os.chmod(path, 0o600)
    path.write_bytes(b"\x00" * evidence.blob.size)
    with pytest.raises(CommandError):
        call_command("evidence", "verify", stdout=io.StringIO())
