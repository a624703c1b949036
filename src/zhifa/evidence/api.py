"""Evidence API under ``/api/v1/uploads/`` (tus 1.0 resumable uploads, plain form upload) and
``/api/v1/uploads/evidence/…`` (reading, downloading, devices are on the staff pages).

Staff authenticate with their session verified by the second factor (and the CSRF header),
:data:`zhifa.apikit.STAFF_SESSION`, the router's authentication; the uploads also take a machine's
``Authorization: Bearer <token>`` with the scope ``evidence:upload``. Every tus response carries
``Tus-Resumable``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from zhifa.accounts.actors import Actor
from zhifa.apikit import (
    PUBLIC,
    READ_ERRORS,
    STAFF_SESSION,
    WRITE_ERRORS,
    ErrorOut,
    actor_of,
    staff_or_token,
)
from zhifa.core.errors import DomainError, NotFound, ValidationFailed
from zhifa.evidence import blobs, selectors, services, tus
from zhifa.evidence.errors import Code

# Signed-in staff; the uploads also take a machine's token, the tus discovery is public.
router = Router(tags=["evidence"], auth=STAFF_SESSION)


UPLOAD_ERRORS: dict[int, type[Schema]] = {
    **READ_ERRORS,
    400: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    415: ErrorOut,
}
UPLOAD_AUTH = staff_or_token(services.UPLOAD_SCOPE)


def _actor(request: HttpRequest) -> Actor:
    return actor_of(request)


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _tus_headers(
    response: HttpResponse, upload: selectors.UploadProgress | None = None
) -> HttpResponse:
    response["Tus-Resumable"] = tus.TUS_VERSION
    response["Cache-Control"] = "no-store"
    if upload is not None:
        response["Upload-Offset"] = str(upload.offset)
        response["Upload-Length"] = str(upload.length)
        if upload.expires_at is not None:
            response["Upload-Expires"] = tus.http_date(upload.expires_at)
        if upload.evidence_id is not None:
            response["Zhifa-Evidence-Id"] = str(upload.evidence_id)
    return response


def _tus_error(exc: DomainError) -> HttpResponse:
    body = json.dumps(exc.as_dict(), ensure_ascii=False)
    response = HttpResponse(body, status=exc.status, content_type="application/json")
    if exc.status == 460:
        response.reason_phrase = "Checksum Mismatch"
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    if "offset" in detail:
        response["Upload-Offset"] = str(detail["offset"])
    return _tus_headers(response)


class BadRequest(DomainError):
    status = 400
    default_code = "bad_request"


def _bad_header(name: str) -> HttpResponse:
    return _tus_error(
        BadRequest(_("请求头 %(name)s 缺失或格式不正确。") % {"name": name}, code=Code.BAD_HEADER)
    )


def _version_guard(request: HttpRequest) -> HttpResponse | None:
    if request.headers.get("Tus-Resumable") != tus.TUS_VERSION:
        response = HttpResponse(status=412)
        response["Tus-Version"] = tus.TUS_VERSION
        return _tus_headers(response)
    return None


def _tus(handler: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a tus handler: version check, header errors, domain errors with tus headers."""

    @functools.wraps(handler)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = _version_guard(request)
        if refusal is not None:
            return refusal
        try:
            return handler(request, *args, **kwargs)
        except tus.HeaderError as exc:
            return _bad_header(str(exc))
        except DomainError as exc:
            return _tus_error(exc)

    return wrapped


@router.api_operation(["OPTIONS"], "", auth=PUBLIC, include_in_schema=False)
def tus_options(request: HttpRequest) -> HttpResponse:
    """tus discovery: version, extensions, maximum size, checksum algorithms."""
    response = HttpResponse(status=204)
    response["Tus-Version"] = tus.TUS_VERSION
    response["Tus-Extension"] = tus.EXTENSIONS
    response["Tus-Checksum-Algorithm"] = tus.CHECKSUM_ALGORITHMS
    from django.conf import settings

    response["Tus-Max-Size"] = str(settings.EVIDENCE_MAX_BYTES)
    return _tus_headers(response)


def _agency_id(metadata: dict[str, str]) -> int | None:
    """The agency named by the upload's metadata; None when it names none."""
    agency_id = metadata.get("agency", "")
    return services._int(agency_id) if agency_id else None


@router.post("", auth=UPLOAD_AUTH, include_in_schema=False)
@_tus
def tus_create(request: HttpRequest) -> HttpResponse:
    """tus creation: ``Upload-Length`` and ``Upload-Metadata`` (kind, captured_at, device, …)."""
    override = request.headers.get("X-HTTP-Method-Override", "").upper()
    if override:
        raise ValidationFailed(_("不支持该请求方法。"), code=Code.METHOD_OVERRIDE)
    length = tus.parse_non_negative(request.headers.get("Upload-Length"), "Upload-Length")
    metadata = tus.parse_metadata(request.headers.get("Upload-Metadata", ""))
    actor = _actor(request)
    agency = selectors.upload_agency(actor, agency_id=_agency_id(metadata))
    upload = services.upload_create(actor=actor, agency=agency, length=length, metadata=metadata)
    response = HttpResponse(status=201)
    response["Location"] = request.build_absolute_uri(f"{request.path.rstrip('/')}/{upload.pk}")
    return _tus_headers(response, selectors.upload_progress(upload))


class EvidenceOut(Schema):
    id: int
    agency_id: int
    kind: str
    sha256: str
    size: int
    media_type: str
    original_name: str
    device_id: int | None
    officer_id: int | None
    uploaded_via: str
    captured_at: str
    uploaded_at: str
    place: str
    description: str
    is_late: bool
    late_reason: str
    confidentiality: str
    retention: str


def evidence_out(evidence: Any) -> dict[str, Any]:
    return {
        "id": evidence.pk,
        "agency_id": evidence.agency_id,
        "kind": evidence.kind,
        "sha256": evidence.blob_id,
        "size": evidence.blob.size,
        "media_type": evidence.blob.media_type,
        "original_name": evidence.original_name,
        "device_id": evidence.device_id,
        "officer_id": evidence.officer_id,
        "uploaded_via": evidence.uploaded_via,
        "captured_at": evidence.captured_at.isoformat(),
        "uploaded_at": evidence.uploaded_at.isoformat(),
        "place": evidence.place,
        "description": evidence.description,
        "is_late": evidence.is_late,
        "late_reason": evidence.late_reason,
        "confidentiality": evidence.confidentiality,
        "retention": evidence.retention,
    }


@router.post("/form", auth=UPLOAD_AUTH, response={201: EvidenceOut, **UPLOAD_ERRORS})
def form_upload(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008
    kind: str = Form(...),
    captured_at: str = Form(...),
    agency: str = Form(""),
    device: str = Form(""),
    officer: str = Form(""),
    place: str = Form(""),
    description: str = Form(""),
    late_reason: str = Form(""),
    confidentiality: str = Form(""),
) -> Status[dict[str, Any]]:
    """A plain form upload for small photos (at most ``EVIDENCE_FORM_MAX_BYTES``)."""
    metadata = {
        "kind": kind,
        "captured_at": captured_at,
        "agency": agency,
        "device": device,
        "officer": officer,
        "place": place,
        "description": description,
        "late_reason": late_reason,
        "confidentiality": confidentiality,
        "filename": file.name or "",
    }
    actor = _actor(request)
    evidence = services.evidence_register_file(
        actor=actor,
        agency=selectors.upload_agency(actor, agency_id=_agency_id(metadata)),
        file=file,
        metadata=metadata,
    )
    return Status(201, evidence_out(evidence))


@router.get("/evidence/{evidence_id}", response={200: EvidenceOut, **READ_ERRORS})
def evidence_detail(request: HttpRequest, evidence_id: int) -> dict[str, Any]:
    """An evidence item's data (the view is logged; other agencies get 404, also logged)."""
    evidence = services.evidence_open(
        actor=_actor(request), evidence_id=evidence_id, action="view", ip=client_ip(request)
    )
    return evidence_out(evidence)


@router.get("/evidence/{evidence_id}/file", include_in_schema=False)
def evidence_download(request: HttpRequest, evidence_id: int) -> FileResponse:
    """The original file, streamed (the download is logged)."""
    evidence = services.evidence_open(
        actor=_actor(request), evidence_id=evidence_id, action="download", ip=client_ip(request)
    )
    handle = blobs.open_blob(evidence.blob_id)
    from zhifa.evidence.sniff import TYPES

    media = TYPES.get(evidence.blob.media_type)
    name = evidence.original_name or f"{evidence.pk}.{media.extension if media else 'bin'}"
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=name,
        content_type=media.mime if media else "application/octet-stream",
    )
    response["X-Content-SHA256"] = evidence.blob_id
    return response


# --- devices, grants, copies (staff, with their session) ----------------------------------------


class DeviceIn(Schema):
    agency_id: int
    kind: str
    serial: str
    model_name: str = ""
    holder_id: int | None = None


class DeviceOut(Schema):
    id: int
    agency_id: int
    kind: str
    serial: str
    model_name: str
    holder_id: int | None
    retired: bool


@router.get("/devices/{agency_id}", response={200: list[DeviceOut], **READ_ERRORS})
def device_list(request: HttpRequest, agency_id: int) -> list[dict[str, Any]]:
    """The AV devices registered by an agency (R-3)."""
    agency = selectors.agency_readable_by(request.user, agency_id)
    devices = selectors.devices_of_agency(user=request.user, agency=agency).order_by("pk")
    return [selectors.device_data(d) for d in devices]


@router.post("/devices", response={201: DeviceOut, **WRITE_ERRORS})
def device_register(request: HttpRequest, payload: DeviceIn) -> Status[dict[str, Any]]:
    """Register an AV device (unit head, agency head or records keeper)."""
    agency = selectors.agency_readable_by(request.user, payload.agency_id)
    holder = None
    if payload.holder_id is not None:
        holder = selectors.device_holder(services._int(str(payload.holder_id)))
    device = services.device_register(
        actor=_actor(request),
        agency=agency,
        kind=payload.kind,
        serial=payload.serial.replace("\x00", ""),
        model_name=payload.model_name.replace("\x00", "")[:100],
        holder=holder,
    )
    return Status(201, selectors.device_data(device))


class GrantIn(Schema):
    user_id: int
    reason: str


class GrantOut(Schema):
    id: int
    evidence_id: int
    user_id: int
    granted_at: str


@router.post("/evidence/{evidence_id}/grants", response={201: GrantOut, **WRITE_ERRORS})
def grant_create(
    request: HttpRequest, evidence_id: int, payload: GrantIn
) -> Status[dict[str, Any]]:
    """The agency head lets one user read a confidential item (R-33)."""
    if not 0 < evidence_id < 2**63 or not 0 < payload.user_id < 2**63:
        raise NotFound(_("音像记录不存在或您无权查看。"), code=Code.NOT_FOUND)
    evidence, user = selectors.grant_subjects(evidence_id=evidence_id, user_id=payload.user_id)
    grant = services.grant_create(
        actor=_actor(request), evidence=evidence, user=user, reason=payload.reason
    )
    return Status(
        201,
        {
            "id": grant.pk,
            "evidence_id": grant.evidence_id,
            "user_id": grant.user_id,
            "granted_at": grant.granted_at.isoformat(),
        },
    )


class CopyRequestIn(Schema):
    agency_id: int
    party_name: str
    party_reason: str
    evidence_ids: list[int]


class DecisionIn(Schema):
    approve: bool
    reason: str = ""


class CopyRequestOut(Schema):
    id: int
    agency_id: int
    party_name: str
    state: str
    evidence_ids: list[int]
    package_sha256: str | None


@router.post("/copies", response={201: CopyRequestOut, **WRITE_ERRORS})
def copy_request_create(request: HttpRequest, payload: CopyRequestIn) -> Status[dict[str, Any]]:
    """Record a party's request for copies (R-32)."""
    agency = selectors.agency_readable_by(request.user, payload.agency_id)
    copy = services.copy_request_create(
        actor=_actor(request),
        agency=agency,
        party_name=payload.party_name.replace("\x00", "")[:100],
        party_reason=payload.party_reason.replace("\x00", ""),
        evidence_ids=[i for i in payload.evidence_ids if 0 < i < 2**63],
    )
    return Status(201, selectors.copy_request_data(copy))


@router.post("/copies/{copy_id}/decision", response={200: CopyRequestOut, **WRITE_ERRORS})
def copy_request_decide(request: HttpRequest, copy_id: int, payload: DecisionIn) -> dict[str, Any]:
    """The agency head approves or refuses (a refusal needs a reason)."""
    copy = services.copy_request_decide(
        actor=_actor(request),
        request=selectors.copy_request_for(request.user, copy_id),
        approve=payload.approve,
        reason=payload.reason.replace("\x00", ""),
    )
    return selectors.copy_request_data(copy)


@router.post("/copies/{copy_id}/package", response={200: CopyRequestOut, **WRITE_ERRORS})
def copy_request_export(request: HttpRequest, copy_id: int) -> dict[str, Any]:
    """Build the package of an approved request (once)."""
    copy = selectors.copy_request_for(request.user, copy_id)
    services.copy_request_export(actor=_actor(request), request=copy)
    copy.refresh_from_db()
    return selectors.copy_request_data(copy)


@router.get("/copies/{copy_id}/package", include_in_schema=False)
def copy_request_download(request: HttpRequest, copy_id: int) -> FileResponse:
    """The package ZIP, to hand to the party."""
    copy = selectors.copy_request_for(request.user, copy_id)
    if copy.package_id is None:
        raise NotFound(_("复制件尚未制作。"), code=Code.NOT_FOUND)
    services.copy_package_opened(actor=_actor(request), request=copy, ip=client_ip(request))
    response = FileResponse(
        blobs.open_blob(copy.package_id),
        as_attachment=True,
        filename=f"copy-{copy.pk}.zip",
        content_type="application/zip",
    )
    response["X-Content-SHA256"] = copy.package_id
    return response


# --- tus upload resources, last: their one-segment path would shadow the routes above ---


@router.api_operation(["OPTIONS"], "/{upload_id}", auth=PUBLIC, include_in_schema=False)
def tus_options_upload(request: HttpRequest, upload_id: str) -> HttpResponse:
    return tus_options(request)


@router.api_operation(["HEAD"], "/{upload_id}", auth=UPLOAD_AUTH, include_in_schema=False)
@_tus
def tus_head(request: HttpRequest, upload_id: str) -> HttpResponse:
    """tus offset discovery."""
    actor = _actor(request)
    try:
        upload = services.upload_get_for_actor(actor=actor, upload_id=upload_id)
        services._check_open(upload)
    except NotFound:
        return _tus_headers(HttpResponse(status=404))
    except services.UploadGone:
        return _tus_headers(HttpResponse(status=410))
    return _tus_headers(HttpResponse(status=200), selectors.upload_progress(upload))


@router.patch("/{upload_id}", auth=UPLOAD_AUTH, include_in_schema=False)
@_tus
def tus_patch(request: HttpRequest, upload_id: str) -> HttpResponse:
    """tus append at ``Upload-Offset``; ``Upload-Checksum`` (sha1 or sha256) optional."""
    if request.content_type != tus.OFFSET_CONTENT_TYPE:
        return _tus_headers(HttpResponse(status=415))
    offset = tus.parse_non_negative(request.headers.get("Upload-Offset"), "Upload-Offset")
    checksum = tus.parse_checksum(request.headers.get("Upload-Checksum"))
    body_length = tus.parse_non_negative(
        request.META.get("CONTENT_LENGTH") or "0", "Content-Length"
    )
    upload = services.upload_receive(
        actor=_actor(request),
        upload_id=upload_id,
        offset=offset,
        body=request,
        body_length=body_length,
        checksum=checksum,
    )
    return _tus_headers(HttpResponse(status=204), selectors.upload_progress(upload))


class UploadStatus(Schema):
    id: str
    state: str
    offset: int
    length: int
    evidence_id: int | None
    refused_reason: str


@router.get("/{upload_id}", auth=UPLOAD_AUTH, response={200: UploadStatus, **READ_ERRORS})
def upload_status(request: HttpRequest, upload_id: str) -> dict[str, Any]:
    """The state of an upload: receiving, registered (with the evidence id) or refused (why)."""
    upload = services.upload_get_for_actor(actor=_actor(request), upload_id=upload_id)
    return {
        "id": str(upload.pk),
        "state": upload.state,
        "offset": upload.offset,
        "length": upload.length,
        "evidence_id": upload.evidence_id,
        "refused_reason": upload.refused_reason,
    }
