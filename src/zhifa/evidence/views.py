"""Staff pages of the evidence store: the list of records the user may read, and the upload page
with its resumable (tus) client. Thin: they call selectors and render."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhifa.accounts.decorators import request_user, staff_required
from zhifa.evidence import selectors


@staff_required
def evidence_list(request: HttpRequest) -> HttpResponse:
    items = selectors.evidence_visible_to(request.user).select_related("device")[:100]
    return render(request, "evidence/list.html", {"items": items})


@staff_required
def upload_page(request: HttpRequest) -> HttpResponse:
    actor = request_user(request)
    agencies = selectors.upload_agencies_of(actor)
    devices = selectors.devices_for_upload(actor)
    return render(
        request,
        "evidence/upload.html",
        {
            "agencies": agencies,
            "devices": devices,
            "kinds": selectors.EVIDENCE_KINDS,
            "confidentiality": selectors.CONFIDENTIALITY_LEVELS,
            "max_bytes": settings.EVIDENCE_MAX_BYTES,
        },
    )
