"""Reads of evidence, always scoped to what the actor may see.

Who reads an item: staff of its agency in the roles officer, unit head, agency head and records
keeper; the supervisor of its government (or a government above). A confidential item (R-33) is
read only by the user who uploaded it and by users holding an active :class:`EvidenceGrant`.
An app that files evidence narrows this further through :func:`reader_scope_register` — the
cases app: an item in a confidential case's file only for those who may read that case
(``zhifa.cases.access.evidence_case_scope``). :func:`evidence_visible_to` applies both, and every
read of an item goes through it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from zhifa.accounts.access import Role, active_roles, is_supervisor
from zhifa.accounts.actors import Actor
from zhifa.accounts.models import ApiToken, User
from zhifa.core.errors import NotFound, ValidationFailed
from zhifa.evidence.errors import Code
from zhifa.evidence.models import Confidentiality, CopyRequest, Device, Evidence, Upload
from zhifa.org.models import Agency, Officer
from zhifa.org.selectors import supervised_government_ids

READER_ROLES = (Role.OFFICER, Role.UNIT_HEAD, Role.AGENCY_HEAD, Role.RECORDS_KEEPER)
# The choices the upload page offers (kind of record, confidentiality).
EVIDENCE_KINDS = Evidence.Kind.choices
CONFIDENTIALITY_LEVELS = Confidentiality.choices


def upload_agencies_of(actor: Actor) -> QuerySet[Agency]:
    """The agencies ``actor`` may upload to."""
    if isinstance(actor, ApiToken):
        if actor.agency_id is None:
            return Agency.objects.none()
        return Agency.objects.filter(pk=actor.agency_id)
    ids = active_roles(actor).filter(role__in=READER_ROLES).values("agency_id")
    return Agency.objects.filter(pk__in=ids)


def readable_agency_ids(user: Any) -> set[int]:
    ids = set(active_roles(user).filter(role__in=READER_ROLES).values_list("agency_id", flat=True))
    if is_supervisor(user):
        governments = supervised_government_ids(user)
        ids |= set(
            Agency.objects.filter(government_id__in=governments).values_list("id", flat=True)
        )
    return ids


Reader: TypeAlias = Actor | AnonymousUser | None
"""Who reads: an actor, or a visitor not signed in (who reads nothing)."""

ReaderScope = Callable[[Reader], Q]
"""A condition on :class:`Evidence` that must also hold for ``reader`` to read an item."""

_reader_scopes: list[ReaderScope] = []


def reader_scope_register(scope: ReaderScope) -> None:
    """Narrow who reads an item, from the app that files it (in its ``AppConfig.ready``): the
    evidence app imports none of the apps that use it."""
    if scope not in _reader_scopes:
        _reader_scopes.append(scope)


def evidence_visible_to(reader: Reader) -> QuerySet[Evidence]:
    """Every evidence item ``reader`` (a user or an API token) may read — the one place that
    decides it. A token is granted no confidential item (R-33: grants are personal) and reads
    only its own agency's items when it is bound to one."""
    if isinstance(reader, ApiToken):
        rows = Evidence.objects.filter(confidentiality="")
        if reader.agency_id is not None:
            rows = rows.filter(agency_id=reader.agency_id)
    else:
        if reader is None or not getattr(reader, "is_authenticated", False):
            return Evidence.objects.none()
        agencies = readable_agency_ids(reader)
        if not agencies:
            return Evidence.objects.none()
        open_items = Q(confidentiality="")
        confidential_allowed = Q(uploaded_by=reader) | Q(
            grants__user=reader, grants__revoked_at__isnull=True
        )
        rows = Evidence.objects.filter(agency_id__in=agencies).filter(
            open_items | confidential_allowed
        )
    for scope in _reader_scopes:
        rows = rows.filter(scope(reader))
    return rows.distinct().select_related("blob", "agency")


def devices_of_agency(*, user: Any, agency: Agency) -> QuerySet[Device]:
    if agency.pk not in readable_agency_ids(user):
        return Device.objects.none()
    return Device.objects.filter(agency=agency).select_related("holder__person")


def devices_for_upload(actor: Actor) -> QuerySet[Device]:
    """The devices in service (not retired) of the agencies ``actor`` may upload to."""
    return Device.objects.filter(
        agency__in=upload_agencies_of(actor), retired_at__isnull=True
    ).order_by("kind", "serial")


# --- what an API request names by id ------------------------------------------------------------


def upload_agency(actor: Actor, *, agency_id: int | None) -> Agency:
    """The agency an upload goes to: a token's own agency; else the one named (``agency_id``),
    or the only one ``actor`` may upload to when none is named."""
    if isinstance(actor, ApiToken) and actor.agency is not None:
        return actor.agency
    agencies = upload_agencies_of(actor)
    if agency_id is not None:
        agency = agencies.filter(pk=agency_id).first()
    else:
        agency = agencies.first() if agencies.count() == 1 else None
    if agency is None:
        raise ValidationFailed(
            _("请选择上传到哪个执法主体。"),
            detail={"agency": _("请选择执法主体。")},
            code=Code.VALIDATION_FAILED,
        )
    return agency


def agency_readable_by(user: Any, agency_id: int) -> Agency:
    """An agency whose evidence ``user`` reads; any other is not found."""
    if not 0 < agency_id < 2**63 or agency_id not in readable_agency_ids(user):
        raise NotFound(_("执法主体不存在或您无权查看。"), code=Code.NOT_FOUND)
    return Agency.objects.get(pk=agency_id)


def device_holder(officer_id: int) -> Officer:
    """The officer named to hold a device (the service checks the agency)."""
    holder = Officer.objects.filter(pk=officer_id).first()
    if holder is None:
        raise ValidationFailed(
            _("使用人不存在。"),
            detail={"holder_id": _("使用人不存在。")},
            code=Code.VALIDATION_FAILED,
        )
    return holder


def grant_subjects(*, evidence_id: int, user_id: int) -> tuple[Evidence, User]:
    """The item and the user a grant names (the service checks who may grant it)."""
    evidence = Evidence.objects.filter(pk=evidence_id).first()
    user = User.objects.filter(pk=user_id).first()
    if evidence is None or user is None:
        raise NotFound(_("音像记录或用户不存在。"), code=Code.NOT_FOUND)
    return evidence, user


def copy_request_for(user: Any, copy_id: int) -> CopyRequest:
    """A request for copies of an agency whose evidence ``user`` reads; any other is not found."""
    if not 0 < copy_id < 2**63:
        raise NotFound(_("复制申请不存在。"), code=Code.NOT_FOUND)
    copy = CopyRequest.objects.filter(pk=copy_id).first()
    if copy is None or copy.agency_id not in readable_agency_ids(user):
        raise NotFound(_("复制申请不存在。"), code=Code.NOT_FOUND)
    return copy


# --- what the API shows of an upload, a device and a request for copies ------------------------


@dataclass(frozen=True)
class UploadProgress:
    """Where a tus upload stands: its offset and length, until when it may be resumed (while it
    is receiving) and the evidence it became."""

    offset: int
    length: int
    expires_at: datetime | None
    evidence_id: int | None


def upload_progress(upload: Upload) -> UploadProgress:
    return UploadProgress(
        offset=upload.offset,
        length=upload.length,
        expires_at=upload.expires_at if upload.state == Upload.State.RECEIVING else None,
        evidence_id=upload.evidence_id,
    )


def device_data(device: Device) -> dict[str, Any]:
    return {
        "id": device.pk,
        "agency_id": device.agency_id,
        "kind": device.kind,
        "serial": device.serial,
        "model_name": device.model_name,
        "holder_id": device.holder_id,
        "retired": device.retired_at is not None,
    }


def copy_request_data(copy: CopyRequest) -> dict[str, Any]:
    return {
        "id": copy.pk,
        "agency_id": copy.agency_id,
        "party_name": copy.party_name,
        "state": copy.state,
        "evidence_ids": sorted(copy.items.values_list("pk", flat=True)),
        "package_sha256": copy.package_id,
    }
