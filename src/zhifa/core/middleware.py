"""Two rules every answer obeys, whichever view (or Django itself) made it.

:class:`NoStoreMiddleware` — only an anonymous read of a public address may be kept by a browser or
a proxy. Staff pages, the admin site, the non-public API, every write and every request that
carries a session or a token answer ``Cache-Control: no-store`` (issue 10, defect 8: case pages,
the case API and evidence downloads were cacheable). The public portal, the integrity page and the
public API keep their own caching.

:class:`ApiErrorShapeMiddleware` — every refusal under ``/api/`` is ``{"code", "message",
"detail"}`` JSON with its status (issue 10, defect 6), also the ones Django makes before or after
the API's own handlers: a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is a 413 (Django answered its
HTML 400 page), any other suspicious request a 400, and an HTML error page (a 500, a CSRF 403 of a
plain Django view) is replaced by the same status in the error shape. tus answers keep the tus
protocol's shape (they carry ``Tus-Resumable``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

API_PREFIX = "/api/"

#: API addresses anyone may read (D-15, D-16): the public and catalogue data, the ledger's proofs,
#: the API's own description.
PUBLIC_API_PREFIXES = (
    "/api/v1/public/",
    "/api/v1/catalogue/",
    "/api/v1/ledger/",
    "/api/v1/openapi.json",
    "/api/v1/docs",
)
#: URL namespaces of public pages: the portal and the integrity page (``/integrity/``).
PUBLIC_PAGE_NAMESPACES = frozenset({"portal", "ledger"})

_SAFE_METHODS = frozenset({"GET", "HEAD"})

GetResponse = Callable[[HttpRequest], HttpResponse]


def may_be_cached(request: HttpRequest) -> bool:
    """Is this an anonymous read of a public address? Only then may the answer be cached.

    "Anonymous" is read from what the request carries (no session cookie, no ``Authorization``),
    not from ``request.user``: looking at the session would add ``Vary: Cookie`` to every public
    page."""
    if request.method not in _SAFE_METHODS:
        return False
    if "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    if request.path.startswith(PUBLIC_API_PREFIXES):
        return True
    match = getattr(request, "resolver_match", None)
    return match is not None and match.namespace in PUBLIC_PAGE_NAMESPACES


class NoStoreMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not may_be_cached(request):
            add_never_cache_headers(response)
        return response


def _shaped(status: int, code: str, message: str, detail: Any = None) -> HttpResponse:
    body = json.dumps({"code": code, "message": message, "detail": detail}, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


def _message_for(status: int) -> tuple[str, str]:
    if status == 400:
        return "bad_request", _("请求无法处理（格式不正确）。")
    if status == 401:
        return "unauthenticated", _("需要登录或有效的接口令牌。")
    if status == 403:
        return "forbidden", _("请求被拒绝。")
    if status == 404:
        return "not_found", _("未找到请求的对象。")
    if status == 413:
        return "request_too_large", _("请求内容过大。")
    if status >= 500:
        return "server_error", _("服务器内部错误，请稍后重试。")
    return "http_error", _("请求无法处理。")


def _is_json(response: HttpResponse) -> bool:
    return str(response.get("Content-Type", "")).startswith("application/json")


class ApiErrorShapeMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not _is_json(response)
            and not response.has_header("Tus-Resumable")
        ):
            code, message = _message_for(response.status_code)
            shaped = _shaped(response.status_code, code, message)
            for header in ("Allow", "WWW-Authenticate", "Retry-After"):
                if response.has_header(header):
                    shaped[header] = response[header]
            return shaped
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Django answers a suspicious request with its HTML 400 page; under ``/api/`` a body that
        is too large is a 413 and the rest a 400, in the error shape. Logged as Django would."""
        if not request.path.startswith(API_PREFIX):
            return None
        if not isinstance(exception, SuspiciousOperation):
            return None  # a 500: Django logs it, __call__ gives it the error shape
        name = type(exception).__name__
        logging.getLogger(f"django.security.{name}").error(
            "%s", exception, extra={"status_code": 400, "request": request}
        )
        if isinstance(exception, RequestDataTooBig):
            return _shaped(
                413,
                "request_too_large",
                _("请求内容过大：不能超过 %(limit)d 字节。")
                % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
                {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
            )
        code, message = _message_for(400)
        return _shaped(400, code, message)
