"""The only code that changes evidence state. Each service: keyword-only arguments, ``actor``
first, one transaction, permission and rule checks, write, ledger event (with the blob's SHA-256).

``actor`` is an :data:`~zhifa.accounts.actors.Actor`: a staff user (session) or a machine's API
token bound to an agency (``evidence:upload`` scope); previews and published copies are made by
:data:`~zhifa.accounts.actors.SYSTEM`.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import queue
import threading
import uuid
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhifa.accounts.access import Role, has_role
from zhifa.accounts.actors import SYSTEM, Actor, actor_label
from zhifa.accounts.models import ApiToken, User
from zhifa.accounts.services import refusal_record
from zhifa.core import clock
from zhifa.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from zhifa.core.numbers import NumberInvalid, parse_id
from zhifa.core.text import require_visible
from zhifa.evidence import blobs, rules
from zhifa.evidence.errors import Code
from zhifa.evidence.models import (
    Blob,
    Confidentiality,
    CopyRequest,
    Derivative,
    Device,
    Evidence,
    EvidenceAccess,
    EvidenceGrant,
    Upload,
)
from zhifa.evidence.sniff import HEAD_BYTES, MediaType, sniff
from zhifa.ledger.services import ledger_append
from zhifa.org.models import Agency, Officer

logger = logging.getLogger(__name__)

UPLOADER_ROLES = (Role.OFFICER, Role.UNIT_HEAD, Role.AGENCY_HEAD, Role.RECORDS_KEEPER)
DEVICE_MANAGER_ROLES = (Role.UNIT_HEAD, Role.AGENCY_HEAD, Role.RECORDS_KEEPER)
UPLOAD_SCOPE = "evidence:upload"
READ_CHUNK = 1024 * 1024


class ChecksumMismatch(DomainError):
    """tus: the chunk's Upload-Checksum did not match (460); its bytes were discarded."""

    status = 460
    default_code = "checksum_mismatch"


class UnsupportedMedia(DomainError):
    status = 415
    default_code = "unsupported_media_type"


class UploadGone(DomainError):
    status = 410
    default_code = "upload_gone"


class UploadLocked(DomainError):
    status = 423
    default_code = "upload_locked"


class TooLarge(DomainError):
    status = 413
    default_code = "too_large"


# --- devices (R-3) -------------------------------------------------------------------------------


def _user(actor: Actor) -> User | None:
    """The person who acts (``None`` for a machine or the system)."""
    return actor if isinstance(actor, User) else None


def _require_staff(actor: Actor, agency: Agency, roles: tuple[str, ...]) -> User:
    """The staff member who acts, if they hold one of ``roles`` in ``agency``."""
    user = _user(actor)
    if user is None or not has_role(user, agency, *roles):
        raise PermissionDenied(
            _("您在“%(agency)s”没有执行此操作的权限。") % {"agency": agency.name},
            detail={"required_roles": list(roles)},
            code=Code.PERMISSION_DENIED,
        )
    return user


def _check_holder(agency: Agency, holder: Officer | None) -> None:
    if holder is not None and holder.agency_id != agency.pk:
        raise ValidationFailed(
            _("设备使用人必须是本执法主体的执法人员。"), code=Code.VALIDATION_FAILED
        )


def device_register(
    *,
    actor: Actor,
    agency: Agency,
    kind: str,
    serial: str,
    model_name: str = "",
    holder: Officer | None = None,
) -> Device:
    """Register an AV device of ``agency`` (R-3)."""
    with transaction.atomic():
        _require_staff(actor, agency, DEVICE_MANAGER_ROLES)
        if kind not in Device.Kind.values:
            raise ValidationFailed(_("设备类型不正确。"), code=Code.VALIDATION_FAILED)
        serial = serial.strip()
        if not serial:
            raise ValidationFailed(_("请填写设备编号。"), code=Code.VALIDATION_FAILED)
        _check_holder(agency, holder)
        if Device.objects.filter(kind=kind, serial=serial).exists():
            raise Conflict(_("该设备编号已经登记。"), code=Code.CONFLICT)
        device = Device.objects.create(
            agency=agency,
            kind=kind,
            serial=serial,
            model_name=model_name.strip(),
            holder=holder,
            registered_at=clock.now(),
        )
        ledger_append(actor=actor_label(actor), action="evidence.device.register", obj=device)
    return device


def device_assign_holder(
    *, actor: Actor, device: Device, holder: Officer | None, reason: str
) -> Device:
    """Hand a device to another officer (or back to the store when ``holder`` is None)."""
    with transaction.atomic():
        device = Device.objects.select_for_update().select_related("agency").get(pk=device.pk)
        _require_staff(actor, device.agency, DEVICE_MANAGER_ROLES)
        if device.retired_at is not None:
            raise Conflict(_("设备已停用。"), code=Code.CONFLICT)
        _check_holder(device.agency, holder)
        device.holder = holder
        device.save(update_fields=["holder"])
        ledger_append(
            actor=actor_label(actor), action="evidence.device.assign", obj=device, reason=reason
        )
    return device


def device_retire(*, actor: Actor, device: Device, reason: str) -> Device:
    with transaction.atomic():
        device = Device.objects.select_for_update().select_related("agency").get(pk=device.pk)
        _require_staff(actor, device.agency, DEVICE_MANAGER_ROLES)
        if device.retired_at is not None:
            raise Conflict(_("设备已停用。"), code=Code.CONFLICT)
        if not reason.strip():
            raise ValidationFailed(_("请说明停用原因。"), code=Code.VALIDATION_FAILED)
        device.retired_at = clock.now()
        device.save(update_fields=["retired_at"])
        ledger_append(
            actor=actor_label(actor), action="evidence.device.retire", obj=device, reason=reason
        )
    return device


# --- uploads -------------------------------------------------------------------------------------


def can_upload(actor: Actor, agency: Agency) -> bool:
    if isinstance(actor, ApiToken):
        return actor.agency_id is not None and actor.agency_id == agency.pk
    user = _user(actor)
    return user is not None and has_role(user, agency, *UPLOADER_ROLES)


def _require_upload(actor: Actor, agency: Agency) -> None:
    if not can_upload(actor, agency):
        raise PermissionDenied(
            _("您无权向“%(agency)s”上传音像记录。") % {"agency": agency.name},
            detail={"required_roles": list(UPLOADER_ROLES), "scope": UPLOAD_SCOPE},
            code=Code.PERMISSION_DENIED,
        )


def clean_metadata(*, agency: Agency, raw: dict[str, str], now: datetime) -> dict[str, Any]:
    """Check what the uploader says about the record; return the normalised metadata.

    Keys: ``kind`` (photo/audio/video/document), ``captured_at`` (ISO 8601), optional ``device``
    (id), ``officer`` (id), ``place``, ``description``, ``late_reason``, ``confidentiality``,
    ``filename``."""
    errors: dict[str, str] = {}
    kind = _text(raw, "kind")
    if kind not in Evidence.Kind.values:
        errors["kind"] = _("请选择记录类型（照片、录音、录像或扫描文书）。")
    try:
        captured_at = parse_datetime(_text(raw, "captured_at"))
    except ValueError:
        captured_at = None
    if captured_at is None or captured_at.tzinfo is None:
        errors["captured_at"] = _("请填写带时区的拍摄（录制）时间。")
    elif captured_at > now:
        errors["captured_at"] = _("拍摄（录制）时间不能晚于现在。")
    device_id: int | None = None
    officer_id: int | None = None
    if raw.get("device"):
        device = Device.objects.filter(pk=_int(raw["device"]), agency=agency).first()
        if device is None or device.retired_at is not None:
            errors["device"] = _("记录设备不是本执法主体登记在用的设备。")
        else:
            device_id = device.pk
            officer_id = device.holder_id
    if raw.get("officer"):
        officer = Officer.objects.filter(pk=_int(raw["officer"]), agency=agency).first()
        if officer is None:
            errors["officer"] = _("执法人员不属于本执法主体。")
        else:
            officer_id = officer.pk
    confidentiality = _text(raw, "confidentiality")
    if confidentiality not in Confidentiality.values:
        errors["confidentiality"] = _("保密类别不正确。")
    late_reason = _text(raw, "late_reason")
    late = captured_at is not None and rules.is_late(
        captured_at=captured_at, uploaded_at=now, late_after=settings.EVIDENCE_LATE_AFTER
    )
    if late and not late_reason:
        errors["late_reason"] = _("拍摄（录制）后超过24小时上传，请说明逾期原因。")
    for key, label, multiline in _FREE_TEXT:
        try:
            require_visible(_text(raw, key), label=str(label), multiline=multiline)
        except ValidationFailed as refused:
            errors.setdefault(key, refused.message)
    if errors:
        raise ValidationFailed(
            _("记录信息不完整或不正确。"), detail=errors, code=Code.VALIDATION_FAILED
        )
    assert captured_at is not None
    return {
        "kind": kind,
        "captured_at": captured_at.isoformat(),
        "device": device_id,
        "officer": officer_id,
        "place": _text(raw, "place", 200),
        "description": _text(raw, "description"),
        "late_reason": late_reason,
        "confidentiality": confidentiality,
        "filename": os.path.basename(_text(raw, "filename"))[:255],
    }


# The uploader's free text: single-line names, text of several lines (no invisible characters).
_FREE_TEXT = (
    ("filename", gettext_lazy("文件名"), False),
    ("place", gettext_lazy("拍摄地点"), False),
    ("description", gettext_lazy("说明"), True),
    ("late_reason", gettext_lazy("逾期原因"), True),
)


def _int(value: str) -> int:
    """A database id from user input; -1 (matches nothing) when it is not one."""
    try:
        return parse_id(value, name="id")
    except NumberInvalid:
        return -1


def _text(raw: dict[str, str], key: str, limit: int | None = None) -> str:
    value = str(raw.get(key, "") or "").replace("\x00", "").strip()
    return value[:limit] if limit else value


def upload_create(*, actor: Actor, agency: Agency, length: int, metadata: dict[str, str]) -> Upload:
    """Open a resumable upload of ``length`` bytes (tus creation)."""
    now = clock.now()
    _require_upload(actor, agency)
    if length <= 0:
        raise ValidationFailed(_("文件为空。"), code=Code.VALIDATION_FAILED)
    if length > settings.EVIDENCE_MAX_BYTES:
        raise TooLarge(
            _("文件超过允许的大小（%(max)s 字节）。") % {"max": settings.EVIDENCE_MAX_BYTES},
            code=Code.TOO_LARGE,
        )
    meta = clean_metadata(agency=agency, raw=metadata, now=now)
    with transaction.atomic():
        upload = Upload.objects.create(
            agency=agency,
            created_by=_user(actor),
            created_via=actor_label(actor),
            length=length,
            metadata=meta,
            created_at=now,
            expires_at=now + settings.EVIDENCE_UPLOAD_EXPIRY,
        )
        ledger_append(actor=actor_label(actor), action="evidence.upload.create", obj=upload)
    return upload


def part_path(upload: Upload) -> Path:
    return blobs.staging_dir() / f"{upload.pk}.part"


def upload_get_for_actor(*, actor: Actor, upload_id: str) -> Upload:
    """The upload, if ``actor`` created it (anyone else: not found)."""
    try:
        key = uuid.UUID(str(upload_id))
    except ValueError:
        raise NotFound(_("上传任务不存在。"), code=Code.NOT_FOUND) from None
    upload = Upload.objects.select_related("agency").filter(pk=key).first()
    if upload is None or upload.created_via != actor_label(actor):
        raise NotFound(_("上传任务不存在。"), code=Code.NOT_FOUND)
    return upload


def _check_open(upload: Upload) -> None:
    if upload.state == Upload.State.REFUSED:
        raise UploadGone(
            _("该上传已被拒收：%(reason)s") % {"reason": upload.refused_reason},
            code=Code.UPLOAD_GONE,
        )
    if upload.state == Upload.State.RECEIVING and upload.expires_at <= clock.now():
        raise UploadGone(_("上传任务已过期，请重新上传。"), code=Code.UPLOAD_GONE)


class _Hashers:
    """Per-process SHA-256 state of uploads in progress, so that bytes are hashed as they arrive.
    A resume that lands on another process re-hashes the stored prefix once."""

    def __init__(self, size: int = 64) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[str, tuple[int, Any]] = OrderedDict()
        self._size = size

    def take(self, key: str, offset: int, path: Path) -> Any:
        with self._lock:
            item = self._items.pop(key, None)
        if item is not None and item[0] == offset:
            return item[1]
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            remaining = offset
            while remaining:
                chunk = handle.read(min(READ_CHUNK, remaining))
                if not chunk:
                    raise OSError("staging file shorter than its offset")
                digest.update(chunk)
                remaining -= len(chunk)
        return digest

    def put(self, key: str, offset: int, digest: Any) -> None:
        with self._lock:
            self._items[key] = (offset, digest)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def drop(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)


_hashers = _Hashers()


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


CHECKSUM_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}


def upload_receive(
    *,
    actor: Actor,
    upload_id: str,
    offset: int,
    body: Readable,
    body_length: int,
    checksum: tuple[str, bytes] | None = None,
) -> Upload:
    """Append ``body_length`` bytes from ``body`` at ``offset`` (tus PATCH), hashing as they
    arrive; memory stays flat whatever the size. With ``checksum`` (algorithm, digest) the chunk is
    kept only if it matches. A cut connection keeps what arrived (without a checksum). When the
    last byte arrives the file is verified and registered as evidence in one step."""
    upload = upload_get_for_actor(actor=actor, upload_id=upload_id)
    _check_open(upload)
    if upload.state == Upload.State.REGISTERED:
        if offset == upload.length and body_length == 0:
            return upload
        raise Conflict(_("该上传已完成。"), detail={"offset": upload.length}, code=Code.CONFLICT)
    path = part_path(upload)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UploadLocked(
                _("该文件正在另一连接中上传，请稍后再试。"), code=Code.UPLOAD_LOCKED
            ) from None
        upload.refresh_from_db()
        _check_open(upload)
        if upload.state == Upload.State.REGISTERED:
            raise Conflict(
                _("该上传已完成。"), detail={"offset": upload.length}, code=Code.CONFLICT
            )
        size = os.fstat(fd).st_size
        if size != upload.offset:
            if size < upload.offset:
                # The staging file lost bytes the database counted: start again from what is there.
                Upload.objects.filter(pk=upload.pk).update(offset=size)
                upload.offset = size
            os.ftruncate(fd, upload.offset)
        if offset != upload.offset:
            raise Conflict(
                _("上传位置不一致：服务器已接收 %(have)s 字节。") % {"have": upload.offset},
                code=Code.OFFSET_MISMATCH,
                detail={"offset": upload.offset},
            )
        if body_length < 0 or offset + body_length > upload.length:
            raise TooLarge(_("上传的数据超过了声明的文件大小。"), code=Code.TOO_LARGE)
        return _receive_locked(upload, fd, path, body, body_length, checksum, actor)
    finally:
        os.close(fd)


class _Sink:
    """Hashes and writes chunks on two more threads while the request thread reads the socket
    (``hashlib`` and ``os.write`` release the GIL, so the three overlap). Both queues are
    bounded: at most ``depth`` chunks wait in each, so memory stays flat."""

    def __init__(self, fd: int, hashers: list[Any], depth: int = 8) -> None:
        self.fd = fd
        self.hashers = hashers
        self.error: BaseException | None = None
        self.queues: list[queue.Queue[bytes | None]] = [
            queue.Queue(maxsize=depth),
            queue.Queue(maxsize=depth),
        ]
        self.threads = [
            threading.Thread(target=self._run, args=(q, job), name=f"evidence-{job}", daemon=True)
            for q, job in zip(self.queues, ("hash", "write"), strict=True)
        ]
        for thread in self.threads:
            thread.start()

    def _hash(self, chunk: bytes) -> None:
        for digest in self.hashers:
            digest.update(chunk)

    def _write(self, chunk: bytes) -> None:
        view = memoryview(chunk)
        while view:
            view = view[os.write(self.fd, view) :]

    def _run(self, jobs: queue.Queue[bytes | None], job: str) -> None:
        work = self._hash if job == "hash" else self._write
        while (chunk := jobs.get()) is not None:
            if self.error is not None:
                continue  # keep draining so that the reader never blocks
            try:
                work(chunk)
            except BaseException as exc:  # reported to the request thread by close()
                self.error = exc

    def put(self, chunk: bytes) -> None:
        for jobs in self.queues:
            jobs.put(chunk)

    def close(self) -> None:
        for jobs in self.queues:
            jobs.put(None)
        for thread in self.threads:
            thread.join()
        if self.error is not None:
            raise self.error


def _receive_locked(
    upload: Upload,
    fd: int,
    path: Path,
    body: Readable,
    body_length: int,
    checksum: tuple[str, bytes] | None,
    actor: Actor,
) -> Upload:
    key = str(upload.pk)
    start = upload.offset
    digest = _hashers.take(key, start, path)
    work = digest.copy()
    chunk_digest = CHECKSUM_ALGORITHMS[checksum[0]]() if checksum else None
    os.lseek(fd, start, os.SEEK_SET)
    need_head = min(HEAD_BYTES, upload.length)
    head = bytearray(os.pread(fd, start, 0)) if start < need_head else None
    received = 0
    cut = False
    refusal: tuple[MediaType | None, str] | None = None
    sink = _Sink(fd, [work] if chunk_digest is None else [work, chunk_digest])
    try:
        while received < body_length:
            try:
                chunk = body.read(min(READ_CHUNK, body_length - received))
            except OSError:
                chunk = b""
            if not chunk:
                cut = True
                break
            sink.put(chunk)
            received += len(chunk)
            if head is not None:
                head += chunk[: need_head - len(head)]
                if len(head) >= need_head:
                    media, problem = _media_problem(bytes(head), upload.metadata.get("kind", ""))
                    if problem is not None:
                        refusal = (media, problem)
                        break
                    head = None
    finally:
        sink.close()
    if refusal is not None:
        _refuse_type(upload, refusal[0], refusal[1], actor)
    if checksum is not None and (
        cut or chunk_digest is None or chunk_digest.digest() != checksum[1]
    ):
        os.ftruncate(fd, start)
        _hashers.put(key, start, digest)
        if cut:
            return upload
        raise ChecksumMismatch(
            _("数据校验值不一致，本段数据已丢弃，请重新发送。"), code=Code.CHECKSUM_MISMATCH
        )
    os.fsync(fd)
    new_offset = start + received
    if new_offset < upload.length:
        Upload.objects.filter(pk=upload.pk, offset=start).update(offset=new_offset)
        upload.offset = new_offset
        _hashers.put(key, new_offset, work)
        return upload
    _hashers.drop(key)
    return _finalize(upload, path, work.hexdigest(), actor)


def _media_problem(head: bytes, claimed_kind: str) -> tuple[MediaType | None, str | None]:
    media = sniff(head)
    problem = rules.type_problem(
        sniffed=media, claimed_kind=claimed_kind, accepted=settings.EVIDENCE_ACCEPTED_TYPES
    )
    return media, problem


def _refusal_message(media: MediaType | None, problem: str, claimed_kind: str) -> str:
    if problem == "kind_mismatch" and media is not None:
        return _("文件内容是%(actual)s，与声明的类型“%(claimed)s”不符，已拒收。") % {
            "actual": Evidence.Kind(media.kind).label,
            "claimed": Evidence.Kind(claimed_kind).label,
        }
    if problem == "type_not_accepted" and media is not None:
        return _("不接受 %(type)s 格式的文件。") % {"type": media.name.upper()}
    return _("文件内容不是可接受的照片、录音、录像或 PDF 格式，已拒收。")


def _refuse_type(upload: Upload, media: MediaType | None, problem: str, actor: Actor) -> None:
    message = _refusal_message(media, problem, upload.metadata.get("kind", ""))
    upload_refuse(actor=actor, upload=upload, reason=message)
    raise UnsupportedMedia(message, code=problem)


def upload_refuse(*, actor: Actor, upload: Upload, reason: str) -> None:
    """Refuse an upload (wrong content): nothing is registered; the staging file is removed."""
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.state != Upload.State.RECEIVING:
            return
        locked.state = Upload.State.REFUSED
        locked.refused_reason = reason[:300]
        locked.save(update_fields=["state", "refused_reason"])
        ledger_append(
            actor=actor_label(actor), action="evidence.upload.refuse", obj=locked, reason=reason
        )
    upload.state = locked.state
    upload.refused_reason = locked.refused_reason
    _hashers.drop(str(upload.pk))
    part_path(upload).unlink(missing_ok=True)


def _finalize(upload: Upload, path: Path, sha256: str, actor: Actor) -> Upload:
    """The whole file is here, fsynced and hashed: store the blob, then register the evidence."""
    with path.open("rb") as handle:
        media, problem = _media_problem(handle.read(HEAD_BYTES), upload.metadata.get("kind", ""))
    if problem is not None or media is None:
        message = _refusal_message(media, problem or "unknown_type", upload.metadata["kind"])
        upload_refuse(actor=actor, upload=upload, reason=message)
        raise UnsupportedMedia(message, code=problem or "unknown_type")
    storage = blobs.get_storage()
    storage.put_staged(path, sha256=sha256, size=upload.length)
    with transaction.atomic():
        locked = Upload.objects.select_for_update().select_related("agency").get(pk=upload.pk)
        if locked.state == Upload.State.REGISTERED:
            return locked
        evidence = _register(
            actor=actor,
            agency=locked.agency,
            sha256=sha256,
            size=locked.length,
            media=media,
            meta=locked.metadata,
            uploaded_at=clock.now(),
            started_at=locked.created_at,
        )
        locked.offset = locked.length
        locked.state = Upload.State.REGISTERED
        locked.evidence = evidence
        locked.save(update_fields=["offset", "state", "evidence"])
        ledger_append(
            actor=actor_label(actor),
            action="evidence.upload.complete",
            obj=locked,
            blob_sha256=sha256,
        )
    path.unlink(missing_ok=True)
    _after_register(evidence)
    return locked


def _register(
    *,
    actor: Actor,
    agency: Agency,
    sha256: str,
    size: int,
    media: MediaType,
    meta: dict[str, Any],
    uploaded_at: datetime,
    started_at: datetime,
) -> Evidence:
    """Inside the caller's transaction: the blob row (once per content) and the evidence row."""
    blob = _blob_row(actor=actor, sha256=sha256, size=size, media=media, at=uploaded_at)
    captured_at = parse_datetime(meta["captured_at"])
    assert captured_at is not None
    late = rules.is_late(
        captured_at=captured_at, uploaded_at=uploaded_at, late_after=settings.EVIDENCE_LATE_AFTER
    )
    late_reason = meta.get("late_reason", "")
    if late and not late_reason:
        late_reason = _("上传于 %(start)s 开始（未超过24小时），完成时已超过24小时。") % {
            "start": started_at.astimezone(clock.CHINA).strftime("%Y-%m-%d %H:%M")
        }
    evidence = Evidence.objects.create(
        agency=agency,
        blob=blob,
        kind=meta["kind"],
        original_name=meta.get("filename", ""),
        device_id=meta.get("device"),
        officer_id=meta.get("officer"),
        uploaded_by=_user(actor),
        uploaded_via=actor_label(actor),
        captured_at=captured_at,
        uploaded_at=uploaded_at,
        place=meta.get("place", ""),
        description=meta.get("description", ""),
        is_late=late,
        late_reason=late_reason if late else "",
        confidentiality=meta.get("confidentiality", ""),
        retention=rules.retention_for(
            in_case_file=False, other_days=settings.EVIDENCE_RETENTION_OTHER_DAYS
        ),
    )
    ledger_append(
        actor=actor_label(actor),
        action="evidence.item.register",
        obj=evidence,
        reason=evidence.late_reason,
        blob_sha256=sha256,
    )
    return evidence


def _blob_row(*, actor: Actor, sha256: str, size: int, media: MediaType, at: datetime) -> Blob:
    blob = Blob.objects.select_for_update().filter(pk=sha256).first()
    if blob is not None:
        if blob.size != size:
            raise Conflict(_("同一摘要的文件大小不一致，已拒绝。"), code=Code.CONFLICT)
        return blob
    blob = Blob.objects.create(sha256=sha256, size=size, media_type=media.name, stored_at=at)
    ledger_append(
        actor=actor_label(actor), action="evidence.blob.store", obj=blob, blob_sha256=sha256
    )
    return blob


def evidence_register_file(
    *, actor: Actor, agency: Agency, file: IO[bytes] | Any, metadata: dict[str, str]
) -> Evidence:
    """A plain form upload (small photos): stream the file to staging while hashing, sniff,
    store, register. ``file`` is anything with ``chunks()`` or ``read()``."""
    now = clock.now()
    _require_upload(actor, agency)
    meta = clean_metadata(agency=agency, raw=metadata, now=now)
    fd, tmp = blobs.new_staging_file("form-")
    try:
        try:
            chunks = file.chunks(READ_CHUNK) if hasattr(file, "chunks") else _read_all(file)
            sha256, size = blobs.hash_stream(_limited(chunks, settings.EVIDENCE_FORM_MAX_BYTES), fd)
            head = os.pread(fd, HEAD_BYTES, 0)
        finally:
            os.close(fd)
        if size == 0:
            raise ValidationFailed(_("文件为空。"), code=Code.VALIDATION_FAILED)
        media, problem = _media_problem(head, meta["kind"])
        if problem is not None or media is None:
            raise UnsupportedMedia(
                _refusal_message(media, problem or "unknown_type", meta["kind"]),
                code=problem or "unknown_type",
            )
        blobs.get_storage().put_staged(tmp, sha256=sha256, size=size)
        with transaction.atomic():
            evidence = _register(
                actor=actor,
                agency=agency,
                sha256=sha256,
                size=size,
                media=media,
                meta=meta,
                uploaded_at=now,
                started_at=now,
            )
    finally:
        tmp.unlink(missing_ok=True)
    _after_register(evidence)
    return evidence


def _read_all(handle: Any) -> Any:
    while chunk := handle.read(READ_CHUNK):
        yield chunk


def _limited(chunks: Any, limit: int) -> Any:
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise TooLarge(
                _("表单上传的文件不能超过 %(max)s 字节，大文件请使用断点续传。") % {"max": limit},
                code=Code.TOO_LARGE,
            )
        yield chunk


def _after_register(evidence: Evidence) -> None:
    """Make the photo preview. A failure here never touches the evidence itself."""
    if evidence.kind != Evidence.Kind.PHOTO:
        return
    try:
        from zhifa.evidence import media

        derivative_create(evidence=evidence, kind=Derivative.Kind.PREVIEW, maker=media.preview)
    except Exception:  # the original is registered; a missing preview is made again on demand
        logger.exception("preview of evidence %s failed", evidence.pk)


def derivative_create(*, evidence: Evidence, kind: str, maker: Any) -> Derivative:
    """Make (once) the ``kind`` derivative of ``evidence`` with ``maker(src, dst_fd)`` and store it
    as its own blob. The original is only read."""
    existing = Derivative.objects.filter(evidence=evidence, kind=kind).first()
    if existing is not None:
        return existing
    fd, tmp = blobs.new_staging_file("derived-")
    try:
        try:
            with blobs.open_blob(evidence.blob_id) as source, os.fdopen(os.dup(fd), "wb") as out:
                maker(source, out)
                out.flush()
            os.lseek(fd, 0, os.SEEK_SET)
            with os.fdopen(os.dup(fd), "rb") as readback:
                sha256, size = blobs.sha256_of_file(readback)
            os.fsync(fd)
            head = os.pread(fd, HEAD_BYTES, 0)
        finally:
            os.close(fd)
        media = sniff(head)
        if media is None:
            raise ValidationFailed(_("生成的文件格式不正确。"), code=Code.VALIDATION_FAILED)
        blobs.get_storage().put_staged(tmp, sha256=sha256, size=size)
        with transaction.atomic():
            now = clock.now()
            blob = _blob_row(actor=SYSTEM, sha256=sha256, size=size, media=media, at=now)
            derivative, created = Derivative.objects.get_or_create(
                evidence=evidence, kind=kind, defaults={"blob": blob, "created_at": now}
            )
            if created:
                ledger_append(
                    actor=actor_label(SYSTEM),
                    action=f"evidence.derivative.{kind}",
                    obj=derivative,
                    blob_sha256=sha256,
                )
    finally:
        tmp.unlink(missing_ok=True)
    return derivative


# --- reading, access log, grants (R-33) ---------------------------------------------------------


def _log_access(*, actor: Actor, evidence_id: int, action: str, ip: str | None) -> None:
    with transaction.atomic():
        entry = EvidenceAccess.objects.create(
            evidence_id=evidence_id,
            actor=actor_label(actor),
            user=_user(actor),
            action=action,
            at=clock.now(),
            ip_address=ip,
        )
        ledger_append(actor=actor_label(actor), action=f"evidence.access.{action}", obj=entry)


def evidence_open(*, actor: Actor, evidence_id: int, action: str, ip: str | None) -> Evidence:
    """The evidence item if ``actor`` may read it; the view or download is logged and ledgered.
    An item the actor may not read is "not found", and the attempt is a line of the security log
    (rate-limited per actor and not ledgered, so that refusals cannot flood the ledger: issue 10,
    defect 7)."""
    from zhifa.evidence.selectors import evidence_visible_to

    refusal = NotFound(_("音像记录不存在或您无权查看。"), code=Code.NOT_FOUND)
    if not 0 < evidence_id < 2**63:
        raise refusal
    evidence = evidence_visible_to(_user(actor)).filter(pk=evidence_id).first()
    if evidence is None:
        if Evidence.objects.filter(pk=evidence_id).exists():
            refusal_record(
                actor=actor,
                action="read",
                obj_type="evidence.evidence",
                obj_id=evidence_id,
                refusal=refusal,
                ip=ip,
            )
        raise refusal
    _log_access(actor=actor, evidence_id=evidence.pk, action=action, ip=ip)
    return evidence


def grant_create(*, actor: Actor, evidence: Evidence, user: Any, reason: str) -> EvidenceGrant:
    """The agency head lets ``user`` read a confidential item (R-33)."""
    with transaction.atomic():
        evidence = Evidence.objects.select_for_update().select_related("agency").get(pk=evidence.pk)
        head = _require_staff(actor, evidence.agency, (Role.AGENCY_HEAD,))
        if not evidence.confidentiality:
            raise ValidationFailed(_("该记录不涉密，无需单独授权。"), code=Code.VALIDATION_FAILED)
        if not reason.strip():
            raise ValidationFailed(_("请填写授权理由。"), code=Code.VALIDATION_FAILED)
        if EvidenceGrant.objects.filter(
            evidence=evidence, user=user, revoked_at__isnull=True
        ).exists():
            raise Conflict(_("该用户已获授权。"), code=Code.CONFLICT)
        grant = EvidenceGrant.objects.create(
            evidence=evidence,
            user=user,
            granted_by=head,
            granted_at=clock.now(),
            reason=reason.strip(),
        )
        ledger_append(
            actor=actor_label(actor), action="evidence.grant.create", obj=grant, reason=reason
        )
    return grant


def grant_revoke(*, actor: Actor, grant: EvidenceGrant, reason: str) -> EvidenceGrant:
    with transaction.atomic():
        grant = (
            EvidenceGrant.objects.select_for_update()
            .select_related("evidence__agency")
            .get(pk=grant.pk)
        )
        _require_staff(actor, grant.evidence.agency, (Role.AGENCY_HEAD,))
        if grant.revoked_at is not None:
            raise Conflict(_("该授权已撤销。"), code=Code.CONFLICT)
        grant.revoked_at = clock.now()
        grant.save(update_fields=["revoked_at"])
        ledger_append(
            actor=actor_label(actor), action="evidence.grant.revoke", obj=grant, reason=reason
        )
    return grant


def evidence_publish_copy(*, actor: Actor, evidence: Evidence) -> Derivative:
    """The copy of a photo that may be published: GPS and camera metadata removed. The original
    blob is never changed. (Audio and video are not published by this service.)"""
    from zhifa.evidence import media

    user = _user(actor)
    if user is None or not has_role(user, evidence.agency, *UPLOADER_ROLES):
        raise PermissionDenied(_("您无权为该记录制作公开版本。"), code=Code.PERMISSION_DENIED)
    if evidence.kind != Evidence.Kind.PHOTO:
        raise ValidationFailed(
            _("目前只能为照片制作去除位置信息的公开版本。"), code=Code.VALIDATION_FAILED
        )
    if evidence.confidentiality:
        raise ValidationFailed(_("涉密记录不得公开。"), code=Code.VALIDATION_FAILED)
    return derivative_create(
        evidence=evidence, kind=Derivative.Kind.PUBLISHED, maker=media.published_copy
    )


def sweep_staging(*, older_than_seconds: float = 3600) -> list[str]:
    """Remove staging files of no live upload (crash leftovers, refused or expired uploads)."""
    now = clock.now()
    live = {
        f"{pk}.part"
        for pk in Upload.objects.filter(
            state=Upload.State.RECEIVING, expires_at__gt=now
        ).values_list("pk", flat=True)
    }
    return blobs.sweep_staging(keep=live, older_than_seconds=older_than_seconds)


# --- copies for a party (R-32) -------------------------------------------------------------------


def copy_request_create(
    *,
    actor: Actor,
    agency: Agency,
    party_name: str,
    party_reason: str,
    evidence_ids: list[int],
) -> CopyRequest:
    """Record a party's request for copies of records of ``agency``."""
    with transaction.atomic():
        staff = _require_staff(actor, agency, UPLOADER_ROLES)
        if not party_name.strip() or not party_reason.strip():
            raise ValidationFailed(_("请填写申请人和申请事由。"), code=Code.VALIDATION_FAILED)
        items = list(Evidence.objects.filter(pk__in=evidence_ids, agency=agency))
        if not items or len(items) != len(set(evidence_ids)):
            raise ValidationFailed(
                _("申请复制的记录不存在或不属于本执法主体。"), code=Code.VALIDATION_FAILED
            )
        request = CopyRequest.objects.create(
            agency=agency,
            party_name=party_name.strip(),
            party_reason=party_reason.strip(),
            requested_by=staff,
            requested_at=clock.now(),
        )
        request.items.set(items)
        ledger_append(
            actor=actor_label(actor),
            action="evidence.copy.request",
            obj=request,
            reason=party_reason,
        )
    return request


def copy_request_decide(
    *, actor: Actor, request: CopyRequest, approve: bool, reason: str
) -> CopyRequest:
    """The agency head approves or refuses the request (R-32)."""
    with transaction.atomic():
        request = (
            CopyRequest.objects.select_for_update().select_related("agency").get(pk=request.pk)
        )
        head = _require_staff(actor, request.agency, (Role.AGENCY_HEAD,))
        if request.state != CopyRequest.State.REQUESTED:
            raise Conflict(_("该申请已经审批。"), code=Code.CONFLICT)
        if not approve and not reason.strip():
            raise ValidationFailed(_("不予批准的，请说明理由。"), code=Code.VALIDATION_FAILED)
        request.state = CopyRequest.State.APPROVED if approve else CopyRequest.State.REFUSED
        request.decided_by = head
        request.decided_at = clock.now()
        request.decision_reason = reason.strip()
        request.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
        ledger_append(
            actor=actor_label(actor),
            action="evidence.copy.approve" if approve else "evidence.copy.refuse",
            obj=request,
            reason=reason,
        )
    return request


def copy_request_export(*, actor: Actor, request: CopyRequest) -> Blob:
    """Build the approved request's package (stored as a blob itself) and mark it made."""
    from zhifa.evidence import export

    request = CopyRequest.objects.select_related("agency").get(pk=request.pk)
    _require_staff(actor, request.agency, UPLOADER_ROLES)
    if request.state == CopyRequest.State.EXPORTED and request.package_id:
        return Blob.objects.get(pk=request.package_id)
    if request.state != CopyRequest.State.APPROVED:
        raise Conflict(_("复制申请经负责人批准后才能制作复制件。"), code=Code.CONFLICT)
    fd, tmp = blobs.new_staging_file("export-")
    os.close(fd)
    try:
        export.build_package(request, tmp)
        with tmp.open("rb") as handle:
            sha256, size = blobs.sha256_of_file(handle)
        blobs.get_storage().put_staged(tmp, sha256=sha256, size=size)
        with transaction.atomic():
            locked = CopyRequest.objects.select_for_update().get(pk=request.pk)
            if locked.state != CopyRequest.State.APPROVED:
                raise Conflict(_("复制申请的状态已改变。"), code=Code.CONFLICT)
            zip_type = MediaType("zip", "application/zip", "document", "zip")
            blob = _blob_row(actor=actor, sha256=sha256, size=size, media=zip_type, at=clock.now())
            locked.state = CopyRequest.State.EXPORTED
            locked.package = blob
            locked.save(update_fields=["state", "package"])
            ledger_append(
                actor=actor_label(actor),
                action="evidence.copy.export",
                obj=locked,
                blob_sha256=sha256,
            )
    finally:
        tmp.unlink(missing_ok=True)
    return blob


def copy_package_opened(*, actor: Actor, request: CopyRequest, ip: str | None) -> None:
    """Downloading a package is a download of each item in it: logged per item."""
    for evidence_id in request.items.filter(confidentiality="").values_list("pk", flat=True):
        _log_access(
            actor=actor, evidence_id=evidence_id, action=EvidenceAccess.Action.DOWNLOAD, ip=ip
        )


def evidence_keep_with_case_file(*, actor: Actor, evidence: Evidence) -> Evidence:
    """An item linked to a case becomes part of its case file and is kept permanently
    (R-29; law-reference: evidence recordings stay with the case file). Runs inside the caller's
    transaction (the case service that links it); a second call changes nothing."""
    locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if locked.retention == rules.RETENTION_PERMANENT:
        return locked
    locked.retention = rules.RETENTION_PERMANENT
    locked.save(update_fields=["retention"])
    ledger_append(actor=actor_label(actor), action="evidence.item.retention", obj=locked)
    return locked
