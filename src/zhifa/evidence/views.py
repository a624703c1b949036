"""Staff pages of the evidence store: the list of records the user may read, and the upload page
with its resumable (tus) client. Thin: they call selectors and render."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhifa.accounts.decorators import staff_required
from zhifa.accounts.models import User
from zhifa.evidence import selectors
from zhifa.evidence.models import Confidentiality, Evidence


@staff_required
def evidence_list(request: HttpRequest) -> HttpResponse:
    items = selectors.evidence_visible_to(request.user).select_related("device")[:100]
    return render(request, "evidence/list.html", {"items": items})


@staff_required
def upload_page(request: HttpRequest) -> HttpResponse:
    actor = cast(User, request.user)
    agencies = selectors.upload_agencies_of(actor)
    devices = selectors.devices_for_upload(actor)
    return render(
        request,
        "evidence/upload.html",
        {
            "agencies": agencies,
            "devices": devices,
            "kinds": Evidence.Kind.choices,
            "confidentiality": Confidentiality.choices,
            "max_bytes": settings.EVIDENCE_MAX_BYTES,
        },
    )
