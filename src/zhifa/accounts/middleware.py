"""The refusals of a request reach the security log after the request has been answered.

A service refuses by raising inside its ``transaction.atomic()``, and the rollback would take a
log line written there with it. :func:`zhifa.accounts.services.refusal_record` therefore only
notes the refusal while a request is answered; this middleware writes the notes once the view
has returned (issue 10, defect 7; ``docs/security.md`` S-7).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from zhifa.accounts.services import refusals_deferred


class RefusalLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with refusals_deferred(request):
            return self.get_response(request)
