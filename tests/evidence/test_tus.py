"""Resumable uploads over real HTTP (tus 1.0 core, creation, checksum, expiration) and reading
rules (R-30, R-33, R-34)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.evidence.conftest import World, jpeg_bytes, meta, mp4_bytes
from tests.evidence.tusclient import TusClient, sha256_header
from tests.sessions import verified_client
from zhifa.accounts.models import SecurityEvent
from zhifa.core import clock
from zhifa.evidence.models import Blob, Evidence, EvidenceAccess, Upload
from zhifa.ledger.models import LedgerEvent

CSRF = "zhifaTestCsrfSecret0123456789abc"  # 32 characters: cookie and header carry the same secret
pytestmark = pytest.mark.django_db(transaction=True)


def staff_client(live_server: Any, user: Any) -> TusClient:
    client = verified_client(user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return TusClient(
        live_server.url,
        headers={
            "Cookie": f"{django_settings.SESSION_COOKIE_NAME}={session}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
        },
    )


def test_options_announce_version_extensions_and_checksums(live_server: Any) -> None:
    reply = TusClient(live_server.url).request("OPTIONS", "/api/v1/uploads/")
    assert reply.status == 204
    assert reply.headers["tus-version"] == "1.0.0"
    assert set(reply.headers["tus-extension"].split(",")) == {
        "creation",
        "checksum",
        "expiration",
    }
    assert "sha256" in reply.headers["tus-checksum-algorithm"].split(",")
    assert int(reply.headers["tus-max-size"]) == django_settings.EVIDENCE_MAX_BYTES


def test_upload_resumes_after_cuts_at_several_offsets__R30(world: World, live_server: Any) -> None:
    data = mp4_bytes(3 * 1024 * 1024 + 123)
    tus = staff_client(live_server, world.officer_user)
    created = tus.create(len(data), meta())
    assert created.status == 201, created.body
    path = tus.path_of(created)
    assert "upload-expires" in created.headers
    for cut_at in (1, 1000, 1024 * 1024 + 7, 2_500_000):
        offset = int(tus.head(path).headers["upload-offset"])
        tus.patch_cut(path, offset, data[offset:], send=cut_at - offset)
        # The server keeps what arrived; resume from what it says it has.
        for _ in range(200):
            head = tus.head(path)
            if int(head.headers["upload-offset"]) == cut_at:
                break
        assert int(head.headers["upload-offset"]) <= cut_at
        assert Evidence.objects.count() == 0  # nothing partial is registered
    done = tus.upload_resuming(path, data)
    assert int(done.headers["upload-offset"]) == len(data)
    evidence = Evidence.objects.get()
    assert evidence.blob_id == hashlib.sha256(data).hexdigest()
    assert evidence.blob.size == len(data)
    assert done.headers["zhifa-evidence-id"] == str(evidence.pk)
    assert Upload.objects.get().state == Upload.State.REGISTERED
    from zhifa.ledger.verify import verify_ledger

    report = verify_ledger(blobs=True, mirror=None)
    assert report.ok, report.lines()


def test_wrong_checksum_is_refused_with_460_and_the_bytes_discarded(
    world: World, live_server: Any
) -> None:
    data = mp4_bytes(200_000, seed=7)
    tus = staff_client(live_server, world.officer_user)
    path = tus.path_of(tus.create(len(data), meta()))
    first = tus.patch(path, 0, data[:100_000], checksum=sha256_header(data[:100_000]))
    assert first.status == 204 and first.headers["upload-offset"] == "100000"
    bad = tus.patch(path, 100_000, data[100_000:], checksum=sha256_header(b"other bytes"))
    assert bad.status == 460
    assert json.loads(bad.body)["code"] == "checksum_mismatch"
    assert tus.head(path).headers["upload-offset"] == "100000"
    unknown = tus.patch(path, 100_000, data[100_000:], checksum="md5 AAAA")
    assert unknown.status == 400
    good = tus.patch(path, 100_000, data[100_000:], checksum=sha256_header(data[100_000:]))
    assert good.status == 204
    assert Evidence.objects.get().blob_id == hashlib.sha256(data).hexdigest()


def test_html_claiming_to_be_a_video_is_refused_and_nothing_registered__R2(
    world: World, live_server: Any
) -> None:
    html = b"<!DOCTYPE html><html><head><title>x</title></head><body>" + b"a" * 5000 + b"</html>"
    tus = staff_client(live_server, world.officer_user)
    path = tus.path_of(tus.create(len(html), meta(kind="video", filename="clip.mp4")))
    events = LedgerEvent.objects.count()
    reply = tus.patch(path, 0, html)
    assert reply.status == 415
    error = json.loads(reply.body)
    assert error["code"] == "unknown_type"
    assert "已拒收" in error["message"]
    assert Evidence.objects.count() == 0 and Blob.objects.count() == 0
    assert tus.head(path).status == 410
    assert LedgerEvent.objects.filter(action="evidence.upload.refuse").count() == 1
    assert LedgerEvent.objects.count() == events + 1


def test_photo_claimed_as_video_is_refused_with_a_clear_message__R2(
    world: World, live_server: Any
) -> None:
    data = jpeg_bytes()
    tus = staff_client(live_server, world.officer_user)
    path = tus.path_of(tus.create(len(data), meta(kind="video")))
    reply = tus.patch(path, 0, data)
    assert reply.status == 415
    assert json.loads(reply.body)["message"] == "文件内容是照片，与声明的类型“录像”不符，已拒收。"


def test_two_users_uploading_the_same_bytes_make_one_blob__R34(
    world: World, live_server: Any
) -> None:
    data = mp4_bytes(500_000, seed=3)
    for user in (world.officer_user, world.officer2_user):
        tus = staff_client(live_server, user)
        path = tus.path_of(tus.create(len(data), meta()))
        assert tus.patch(path, 0, data).status == 204
    assert Evidence.objects.count() == 2
    assert Blob.objects.count() == 1
    assert len({e.uploaded_by_id for e in Evidence.objects.all()}) == 2


def test_offset_mismatch_is_409_and_other_users_cannot_see_an_upload(
    world: World, live_server: Any
) -> None:
    data = mp4_bytes(10_000)
    tus = staff_client(live_server, world.officer_user)
    path = tus.path_of(tus.create(len(data), meta()))
    reply = tus.patch(path, 5, data[5:])
    assert reply.status == 409
    assert reply.headers["upload-offset"] == "0"
    assert staff_client(live_server, world.officer2_user).head(path).status == 404
    assert tus.request("HEAD", path, **{"Tus-Resumable": "0.2.2"}).status == 412


def test_an_expired_upload_is_gone(world: World, live_server: Any) -> None:
    data = mp4_bytes(10_000)
    tus = staff_client(live_server, world.officer_user)
    path = tus.path_of(tus.create(len(data), meta()))
    Upload.objects.update(expires_at=clock.now() - timedelta(seconds=1))
    assert tus.head(path).status == 410
    assert tus.patch(path, 0, data).status == 410
    assert Evidence.objects.count() == 0


def test_late_upload_without_reason_is_refused_at_creation__R30(
    world: World, live_server: Any
) -> None:
    tus = staff_client(live_server, world.officer_user)
    late = (clock.now() - timedelta(hours=25)).isoformat()
    reply = tus.create(1000, meta(captured_at=late))
    assert reply.status == 422
    assert "late_reason" in json.loads(reply.body)["detail"]
    assert Upload.objects.count() == 0
    ok = tus.create(1000, meta(captured_at=late, late_reason="车辆故障，次日返回"))
    assert ok.status == 201


def test_officer_of_another_agency_can_neither_read_nor_download_and_is_logged__R33(
    world: World, live_server: Any
) -> None:
    data = mp4_bytes(50_000, seed=9)
    tus = staff_client(live_server, world.officer_user)
    path = tus.path_of(tus.create(len(data), meta()))
    evidence_id = tus.patch(path, 0, data).headers["zhifa-evidence-id"]
    stranger = staff_client(live_server, world.other_user)
    for url in (
        f"/api/v1/uploads/evidence/{evidence_id}",
        f"/api/v1/uploads/evidence/{evidence_id}/file",
    ):
        reply = stranger.request("GET", url)
        assert reply.status == 404
        assert data not in reply.body
    # logged in the security log (rate-limited, not ledgered: issue 10, defect 7)
    denied = SecurityEvent.objects.filter(kind="access_denied", user=world.other_user)
    assert (
        sorted(e.detail for e in denied) == [f"read evidence.evidence#{evidence_id}: not_found"] * 2
    )
    assert all(e.ip_address for e in denied)
    assert not EvidenceAccess.objects.filter(user=world.other_user).exists()
    keeper = staff_client(live_server, world.keeper_user)
    download = keeper.request("GET", f"/api/v1/uploads/evidence/{evidence_id}/file")
    assert download.status == 200 and download.body == data
    supervisor = staff_client(live_server, world.supervisor_user)
    assert supervisor.request("GET", f"/api/v1/uploads/evidence/{evidence_id}").status == 200
    logged = EvidenceAccess.objects.all()
    assert {(a.user_id, a.action) for a in logged} == {
        (world.keeper_user.pk, "download"),
        (world.supervisor_user.pk, "view"),
    }
    assert LedgerEvent.objects.filter(action__startswith="evidence.access.").count() == 2


def test_form_upload_of_a_small_photo(world: World, live_server: Any) -> None:
    import http.client
    import uuid

    data = jpeg_bytes()
    boundary = uuid.uuid4().hex
    fields = meta(kind="photo")
    body = b""
    for key in ("kind", "captured_at"):
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{fields[key]}\r\n'
        ).encode()
    body += (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    tus = staff_client(live_server, world.officer_user)
    conn = http.client.HTTPConnection(live_server.thread.host, live_server.thread.port)
    conn.request(
        "POST",
        "/api/v1/uploads/form",
        body,
        {**tus.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    response = conn.getresponse()
    raw = response.read()
    assert response.status == 201, raw[:2000]
    payload = json.loads(raw)
    assert response.status == 201, payload
    assert payload["sha256"] == hashlib.sha256(data).hexdigest()
    assert payload["kind"] == "photo" and payload["original_name"] == "p.jpg"


def _token(world: World, agency: Any, scopes: list[str]) -> str:
    from tests.accounts.support import approved_token
    from zhifa.accounts.models import User

    admin = User.objects.create_user(
        username=f"sysadmin-{len(scopes)}-{agency.pk}", password="x-Admin-12345"
    )
    admin.admin_role = User.AdminRole.SYSTEM
    admin.save(update_fields=["admin_role"])
    _token_row, plaintext = approved_token(
        admin=admin, name="执法记录仪工作站", agency=agency, scopes=scopes
    )
    return plaintext


def test_a_body_camera_station_uploads_with_its_api_token__R3_R30(
    world: World, live_server: Any
) -> None:
    from zhifa.evidence.models import Device
    from zhifa.evidence.services import device_register

    device = device_register(
        actor=world.actor(world.head_user),
        agency=world.agency,
        kind=Device.Kind.BODY_CAMERA,
        serial="DSJ-2026-0001",
        holder=world.officer,
    )
    token = _token(world, world.agency, ["evidence:upload"])
    machine = TusClient(live_server.url, headers={"Authorization": f"Bearer {token}"})
    data = mp4_bytes(400_000, seed=31)
    created = machine.create(len(data), meta(device=str(device.pk)))
    assert created.status == 201, created.body
    reply = machine.patch(TusClient.path_of(created), 0, data)
    assert reply.status == 204
    evidence = Evidence.objects.get(pk=int(reply.headers["zhifa-evidence-id"]))
    assert evidence.device_id == device.pk
    assert evidence.officer_id == world.officer.pk  # the device's holder
    assert evidence.uploaded_by_id is None and evidence.uploaded_via.startswith("token:")
    event = LedgerEvent.objects.get(action="evidence.item.register")
    assert event.actor == evidence.uploaded_via and event.blob_sha256 == evidence.blob_id


def test_a_token_without_the_upload_scope_or_for_another_agency_is_refused__R3(
    world: World, live_server: Any
) -> None:
    data = mp4_bytes(1000, seed=32)
    wrong_scope = _token(world, world.agency, ["ledger:read"])
    reply = TusClient(live_server.url, headers={"Authorization": f"Bearer {wrong_scope}"}).create(
        len(data), meta()
    )
    assert reply.status in (401, 403)  # the token is refused (and logged by accounts)
    other = _token(world, world.other_agency, ["evidence:upload"])
    machine = TusClient(live_server.url, headers={"Authorization": f"Bearer {other}"})
    from zhifa.evidence.models import Device
    from zhifa.evidence.services import device_register

    device = device_register(
        actor=world.actor(world.head_user),
        agency=world.agency,
        kind=Device.Kind.HANDHELD_TERMINAL,
        serial="ZD-7",
    )
    reply = machine.create(len(data), meta(device=str(device.pk)))
    assert reply.status == 422  # another agency's device is not this token's agency's
    assert Upload.objects.count() == 0


def test_staff_pages_list_readable_records_and_serve_the_upload_client(world: World) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=world.officer_user, name="phone", confirmed=True)
    client = Client()
    client.force_login(world.officer_user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    page = client.get("/staff/evidence/upload/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "上传音像记录" in html and "evidence/tus-upload.js" in html
    assert world.agency.name in html
    listing = client.get("/staff/evidence/")
    assert listing.status_code == 200 and "音像记录" in listing.content.decode()
    anonymous = Client().get("/staff/evidence/upload/")
    assert anonymous.status_code == 302


def test_the_upload_script_is_served_by_the_project(world: World) -> None:
    from django.contrib.staticfiles import finders

    path = finders.find("evidence/tus-upload.js")
    assert path is not None
    script = open(path, encoding="utf-8").read()  # noqa: SIM115
    for header in ("Tus-Resumable", "Upload-Offset", "Upload-Checksum", "Upload-Metadata"):
        assert header in script


def test_a_second_connection_writing_the_same_upload_is_told_to_wait(
    world: World, live_server: Any
) -> None:
    import fcntl
    import os

    from zhifa.evidence.services import part_path

    data = mp4_bytes(20_000, seed=33)
    tus = staff_client(live_server, world.officer_user)
    path = tus.path_of(tus.create(len(data), meta()))
    upload = Upload.objects.get()
    fd = os.open(part_path(upload), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a PATCH in progress holds it
        reply = tus.patch(path, 0, data)
        assert reply.status == 423
        assert tus.head(path).headers["upload-offset"] == "0"
    finally:
        os.close(fd)
    assert tus.patch(path, 0, data).status == 204
    assert Evidence.objects.count() == 1


def test_a_session_without_the_csrf_header_can_neither_create_nor_write__R34(
    world: World, live_server: Any
) -> None:
    """A signed-in browser session must carry the CSRF token (a page elsewhere must not upload
    in the officer's name): creation and PATCH without it are refused and change nothing."""
    data = mp4_bytes(30_000, seed=21)
    tus = staff_client(live_server, world.officer_user)
    path = tus.path_of(tus.create(len(data), meta()))
    bare = TusClient(live_server.url, headers={"Cookie": tus.headers["Cookie"]})
    uploads, events = Upload.objects.count(), LedgerEvent.objects.count()
    assert bare.create(len(data), meta()).status in (401, 403)
    assert bare.patch(path, 0, data).status in (401, 403)
    assert Upload.objects.count() == uploads and LedgerEvent.objects.count() == events
    assert int(tus.head(path).headers["upload-offset"]) == 0
    assert Evidence.objects.count() == 0 and Blob.objects.count() == 0
    finished = tus.patch(path, 0, data)  # the same session with its token still works
    assert finished.status == 204 and Evidence.objects.count() == 1
