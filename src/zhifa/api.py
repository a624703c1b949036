"""The HTTP API: django-ninja under ``/api/v1/``, OpenAPI at ``/api/v1/openapi.json``.

Every refusal is ``{"code", "message", "detail"}`` with a Chinese message. Each app contributes a
router from its own ``api.py``; this module only assembles them.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer

from zhifa.core.errors import DomainError


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Chinese written as itself (UTF-8), not as ``\\uXXXX`` escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=Utf8JSONRenderer(),
    title="zhifa 行政执法三项制度信息系统 API",
    version="1",
    urls_namespace="api",
    description="行政执法公示、全过程记录、法制审核。错误统一为 {code, message, detail}。",
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, detail: Any = None
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "detail": detail}, status=status
    )


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.status, exc.code, exc.message, exc.detail)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    detail = [
        {"loc": [str(part) for part in err.get("loc", [])], "msg": str(err.get("msg", ""))}
        for err in exc.errors
    ]
    return _error(request, 422, "validation_failed", "请求参数不符合要求。", detail)


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", "需要登录或有效的接口令牌。")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "未找到请求的对象。")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "http_error", str(exc))


def _register_routers() -> None:
    from zhifa.org.api import router as org_router

    api.add_router("/org/", org_router)
    api.add_router("/ledger/", "zhifa.ledger.api.router")
    api.add_router("/accounts/", "zhifa.accounts.api.router")
    api.add_router("/public/", "zhifa.portal.api.router")
    api.add_router("/uploads/", "zhifa.evidence.api.router")


_register_routers()
