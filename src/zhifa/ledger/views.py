"""The portal page 数据完整性: the current checkpoint, the key, and how anyone checks the log."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from zhifa.ledger import keys, note, selectors


@require_safe
def integrity(request: HttpRequest) -> HttpResponse:
    latest = selectors.latest_checkpoint()
    head = None
    if latest is not None:
        head = note.Checkpoint.parse(note.parse(latest.note)[0])
    return render(
        request,
        "ledger/integrity.html",
        {
            "checkpoint": latest,
            "head": head,
            "verifier_key": keys.verifier_key(),
            "origin": settings.LEDGER_ORIGIN,
            "tree_size": selectors.tree_size(),
            "api_base": request.build_absolute_uri("/api/v1/ledger/"),
            "site": request.build_absolute_uri("/"),
        },
    )
