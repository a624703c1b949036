"""Evidence API under ``/api/v1/uploads/`` (tus 1.0 resumable uploads, plain form upload) and
``/api/v1/uploads/evidence/…`` (reading, downloading, devices are on the staff pages).

Machines authenticate with ``Authorization: Bearer <token>`` (scope ``evidence:upload``); staff with
their session (and the CSRF header). Every tus response carries ``Tus-Resumable``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, cast

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import django_auth

from zhifa.accounts.actors import Actor
from zhifa.accounts.auth import ApiTokenAuth
from zhifa.accounts.models import ApiToken, User
from zhifa.core.errors import DomainError, NotFound, ValidationFailed
from zhifa.evidence import blobs, selectors, services, tus
from zhifa.evidence.models import CopyRequest, Device, Evidence, Upload
from zhifa.org.models import Agency, Officer

router = Router(tags=["evidence"])


class EvidenceErrorOut(Schema):
    """Every refusal: a stable code, a Chinese message, optional detail (field → message)."""

    code: str
    message: str
    detail: Any = None


READ_ERRORS: dict[int, type[Schema]] = {
    401: EvidenceErrorOut,
    403: EvidenceErrorOut,
    404: EvidenceErrorOut,
    422: EvidenceErrorOut,
}
UPLOAD_ERRORS: dict[int, type[Schema]] = {
    **READ_ERRORS,
    400: EvidenceErrorOut,
    409: EvidenceErrorOut,
    413: EvidenceErrorOut,
    415: EvidenceErrorOut,
}
UPLOAD_AUTH = [ApiTokenAuth(scope=services.UPLOAD_SCOPE), django_auth]


def actor_of(request: HttpRequest) -> Actor:
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiToken):
        return auth
    return cast(User, request.user)


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _tus_headers(response: HttpResponse, upload: Upload | None = None) -> HttpResponse:
    response["Tus-Resumable"] = tus.TUS_VERSION
    response["Cache-Control"] = "no-store"
    if upload is not None:
        response["Upload-Offset"] = str(upload.offset)
        response["Upload-Length"] = str(upload.length)
        if upload.state == Upload.State.RECEIVING:
            response["Upload-Expires"] = tus.http_date(upload.expires_at)
        if upload.evidence_id is not None:
            response["Zhifa-Evidence-Id"] = str(upload.evidence_id)
    return response


def _tus_error(exc: DomainError, upload: Upload | None = None) -> HttpResponse:
    body = json.dumps(exc.as_dict(), ensure_ascii=False)
    response = HttpResponse(body, status=exc.status, content_type="application/json")
    if exc.status == 460:
        response.reason_phrase = "Checksum Mismatch"
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    if "offset" in detail:
        response["Upload-Offset"] = str(detail["offset"])
    return _tus_headers(response, upload)


class BadRequest(DomainError):
    status = 400
    default_code = "bad_request"


def _bad_header(name: str) -> HttpResponse:
    return _tus_error(
        BadRequest(_("请求头 %(name)s 缺失或格式不正确。") % {"name": name}, code="bad_header")
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


@router.api_operation(["OPTIONS"], "", auth=None, include_in_schema=False)
def tus_options(request: HttpRequest) -> HttpResponse:
    """tus discovery: version, extensions, maximum size, checksum algorithms."""
    response = HttpResponse(status=204)
    response["Tus-Version"] = tus.TUS_VERSION
    response["Tus-Extension"] = tus.EXTENSIONS
    response["Tus-Checksum-Algorithm"] = tus.CHECKSUM_ALGORITHMS
    from django.conf import settings

    response["Tus-Max-Size"] = str(settings.EVIDENCE_MAX_BYTES)
    return _tus_headers(response)


def _agency_for(actor: Actor, metadata: dict[str, str]) -> Agency:
    if isinstance(actor, ApiToken) and actor.agency is not None:
        return actor.agency
    agency_id = metadata.get("agency", "")
    agencies = selectors.upload_agencies_of(actor)
    if agency_id:
        agency = agencies.filter(pk=services._int(agency_id)).first()
    else:
        agency = agencies.first() if agencies.count() == 1 else None
    if agency is None:
        raise ValidationFailed(
            _("请选择上传到哪个执法主体。"), detail={"agency": _("请选择执法主体。")}
        )
    return agency


@router.post("", auth=UPLOAD_AUTH, include_in_schema=False)
@_tus
def tus_create(request: HttpRequest) -> HttpResponse:
    """tus creation: ``Upload-Length`` and ``Upload-Metadata`` (kind, captured_at, device, …)."""
    override = request.headers.get("X-HTTP-Method-Override", "").upper()
    if override:
        raise ValidationFailed(_("不支持该请求方法。"), code="method_override")
    length = tus.parse_non_negative(request.headers.get("Upload-Length"), "Upload-Length")
    metadata = tus.parse_metadata(request.headers.get("Upload-Metadata", ""))
    actor = actor_of(request)
    agency = _agency_for(actor, metadata)
    upload = services.upload_create(actor=actor, agency=agency, length=length, metadata=metadata)
    response = HttpResponse(status=201)
    response["Location"] = request.build_absolute_uri(f"{request.path.rstrip('/')}/{upload.pk}")
    return _tus_headers(response, upload)


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
    actor = actor_of(request)
    evidence = services.evidence_register_file(
        actor=actor, agency=_agency_for(actor, metadata), file=file, metadata=metadata
    )
    return Status(201, evidence_out(evidence))


@router.get("/evidence/{evidence_id}", auth=django_auth, response={200: EvidenceOut, **READ_ERRORS})
def evidence_detail(request: HttpRequest, evidence_id: int) -> dict[str, Any]:
    """An evidence item's data (the view is logged; other agencies get 404, also logged)."""
    evidence = services.evidence_open(
        actor=actor_of(request), evidence_id=evidence_id, action="view", ip=client_ip(request)
    )
    return evidence_out(evidence)


@router.get("/evidence/{evidence_id}/file", auth=django_auth, include_in_schema=False)
def evidence_download(request: HttpRequest, evidence_id: int) -> FileResponse:
    """The original file, streamed (the download is logged)."""
    evidence = services.evidence_open(
        actor=actor_of(request), evidence_id=evidence_id, action="download", ip=client_ip(request)
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

WRITE_ERRORS: dict[int, type[Schema]] = {
    **READ_ERRORS,
    400: EvidenceErrorOut,
    409: EvidenceErrorOut,
}


def _agency_readable(request: HttpRequest, agency_id: int) -> Agency:
    if not 0 < agency_id < 2**63 or agency_id not in selectors.readable_agency_ids(request.user):
        raise NotFound(_("执法主体不存在或您无权查看。"))
    return Agency.objects.get(pk=agency_id)


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


def _device_out(device: Device) -> dict[str, Any]:
    return {
        "id": device.pk,
        "agency_id": device.agency_id,
        "kind": device.kind,
        "serial": device.serial,
        "model_name": device.model_name,
        "holder_id": device.holder_id,
        "retired": device.retired_at is not None,
    }


@router.get(
    "/devices/{agency_id}", auth=django_auth, response={200: list[DeviceOut], **READ_ERRORS}
)
def device_list(request: HttpRequest, agency_id: int) -> list[dict[str, Any]]:
    """The AV devices registered by an agency (R-3)."""
    agency = _agency_readable(request, agency_id)
    devices = selectors.devices_of_agency(user=request.user, agency=agency).order_by("pk")
    return [_device_out(d) for d in devices]


@router.post("/devices", auth=django_auth, response={201: DeviceOut, **WRITE_ERRORS})
def device_register(request: HttpRequest, payload: DeviceIn) -> Status[dict[str, Any]]:
    """Register an AV device (unit head, agency head or records keeper)."""
    agency = _agency_readable(request, payload.agency_id)
    holder = None
    if payload.holder_id is not None:
        holder = Officer.objects.filter(pk=services._int(str(payload.holder_id))).first()
        if holder is None:
            raise ValidationFailed(_("使用人不存在。"), detail={"holder_id": _("使用人不存在。")})
    device = services.device_register(
        actor=actor_of(request),
        agency=agency,
        kind=payload.kind,
        serial=payload.serial.replace("\x00", ""),
        model_name=payload.model_name.replace("\x00", "")[:100],
        holder=holder,
    )
    return Status(201, _device_out(device))


class GrantIn(Schema):
    user_id: int
    reason: str


class GrantOut(Schema):
    id: int
    evidence_id: int
    user_id: int
    granted_at: str


@router.post(
    "/evidence/{evidence_id}/grants", auth=django_auth, response={201: GrantOut, **WRITE_ERRORS}
)
def grant_create(
    request: HttpRequest, evidence_id: int, payload: GrantIn
) -> Status[dict[str, Any]]:
    """The agency head lets one user read a confidential item (R-33)."""
    if not 0 < evidence_id < 2**63 or not 0 < payload.user_id < 2**63:
        raise NotFound(_("音像记录不存在或您无权查看。"))
    evidence = Evidence.objects.filter(pk=evidence_id).first()
    user = User.objects.filter(pk=payload.user_id).first()
    if evidence is None or user is None:
        raise NotFound(_("音像记录或用户不存在。"))
    grant = services.grant_create(
        actor=actor_of(request), evidence=evidence, user=user, reason=payload.reason
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


def _copy_out(copy: CopyRequest) -> dict[str, Any]:
    return {
        "id": copy.pk,
        "agency_id": copy.agency_id,
        "party_name": copy.party_name,
        "state": copy.state,
        "evidence_ids": sorted(copy.items.values_list("pk", flat=True)),
        "package_sha256": copy.package_id,
    }


def _copy_for(request: HttpRequest, copy_id: int) -> CopyRequest:
    if not 0 < copy_id < 2**63:
        raise NotFound(_("复制申请不存在。"))
    copy = CopyRequest.objects.filter(pk=copy_id).first()
    if copy is None or copy.agency_id not in selectors.readable_agency_ids(request.user):
        raise NotFound(_("复制申请不存在。"))
    return copy


@router.post("/copies", auth=django_auth, response={201: CopyRequestOut, **WRITE_ERRORS})
def copy_request_create(request: HttpRequest, payload: CopyRequestIn) -> Status[dict[str, Any]]:
    """Record a party's request for copies (R-32)."""
    agency = _agency_readable(request, payload.agency_id)
    copy = services.copy_request_create(
        actor=actor_of(request),
        agency=agency,
        party_name=payload.party_name.replace("\x00", "")[:100],
        party_reason=payload.party_reason.replace("\x00", ""),
        evidence_ids=[i for i in payload.evidence_ids if 0 < i < 2**63],
    )
    return Status(201, _copy_out(copy))


@router.post(
    "/copies/{copy_id}/decision", auth=django_auth, response={200: CopyRequestOut, **WRITE_ERRORS}
)
def copy_request_decide(request: HttpRequest, copy_id: int, payload: DecisionIn) -> dict[str, Any]:
    """The agency head approves or refuses (a refusal needs a reason)."""
    copy = services.copy_request_decide(
        actor=actor_of(request),
        request=_copy_for(request, copy_id),
        approve=payload.approve,
        reason=payload.reason.replace("\x00", ""),
    )
    return _copy_out(copy)


@router.post(
    "/copies/{copy_id}/package", auth=django_auth, response={200: CopyRequestOut, **WRITE_ERRORS}
)
def copy_request_export(request: HttpRequest, copy_id: int) -> dict[str, Any]:
    """Build the package of an approved request (once)."""
    copy = _copy_for(request, copy_id)
    services.copy_request_export(actor=actor_of(request), request=copy)
    copy.refresh_from_db()
    return _copy_out(copy)


@router.get("/copies/{copy_id}/package", auth=django_auth, include_in_schema=False)
def copy_request_download(request: HttpRequest, copy_id: int) -> FileResponse:
    """The package ZIP, to hand to the party."""
    copy = _copy_for(request, copy_id)
    if copy.package_id is None:
        raise NotFound(_("复制件尚未制作。"))
    services.copy_package_opened(actor=actor_of(request), request=copy, ip=client_ip(request))
    response = FileResponse(
        blobs.open_blob(copy.package_id),
        as_attachment=True,
        filename=f"copy-{copy.pk}.zip",
        content_type="application/zip",
    )
    response["X-Content-SHA256"] = copy.package_id
    return response


# --- tus upload resources, last: their one-segment path would shadow the routes above ---


@router.api_operation(["OPTIONS"], "/{upload_id}", auth=None, include_in_schema=False)
def tus_options_upload(request: HttpRequest, upload_id: str) -> HttpResponse:
    return tus_options(request)


@router.api_operation(["HEAD"], "/{upload_id}", auth=UPLOAD_AUTH, include_in_schema=False)
@_tus
def tus_head(request: HttpRequest, upload_id: str) -> HttpResponse:
    """tus offset discovery."""
    actor = actor_of(request)
    try:
        upload = services.upload_get_for_actor(actor=actor, upload_id=upload_id)
        services._check_open(upload)
    except NotFound:
        return _tus_headers(HttpResponse(status=404))
    except services.UploadGone:
        return _tus_headers(HttpResponse(status=410))
    return _tus_headers(HttpResponse(status=200), upload)


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
        actor=actor_of(request),
        upload_id=upload_id,
        offset=offset,
        body=request,
        body_length=body_length,
        checksum=checksum,
    )
    return _tus_headers(HttpResponse(status=204), upload)


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
    upload = services.upload_get_for_actor(actor=actor_of(request), upload_id=upload_id)
    return {
        "id": str(upload.pk),
        "state": upload.state,
        "offset": upload.offset,
        "length": upload.length,
        "evidence_id": upload.evidence_id,
        "refused_reason": upload.refused_reason,
    }
