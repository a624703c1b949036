"""The HTTP API: django-ninja under ``/api/v1/``, OpenAPI at ``/api/v1/openapi.json``.

Every refusal is ``{"code", "message", "detail"}`` with a Chinese message. Each app contributes a
router from its own ``api.py``; this module only assembles them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer

from zhifa.accounts.access import token_reads_personal_data
from zhifa.core.errors import DomainError
from zhifa.core.identifiers import mask_identifiers


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Chinese written as itself (UTF-8), not as ``\\uXXXX`` escapes.

    Every answer to a machine token passes here: one without ``cases:read-personal`` gets id
    numbers, mobiles and bank cards masked in every text (issue 10, defect 9)."""

    json_dumps_params = {"ensure_ascii": False}

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        if not token_reads_personal_data(getattr(request, "auth", None)):
            data = mask_identifiers(data)
        return super().render(request, data, response_status=response_status)


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
    return _error(request, 422, "validation_failed", _("请求参数不符合要求。"), detail)


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", _("需要登录或有效的接口令牌。"))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("未找到请求的对象。"))


def _http_error_message(status: int) -> str:
    if status == 400:
        return _("请求内容无法解析，请发送有效的 JSON。")
    if status == 403:
        return _("请求被拒绝（CSRF 校验未通过或没有权限）。")
    return _("请求无法处理。")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """django-ninja's own refusals (an unreadable body, a failed CSRF check) carry an English
    text: the message is Chinese, the original text stays in ``detail`` for the developer."""
    return _error(
        request,
        exc.status_code,
        "http_error",
        _http_error_message(exc.status_code),
        {"reason": str(exc)},
    )


def not_found_view(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any address under ``/api/v1/`` that names no operation: a 404 in the error shape, not the
    portal's HTML page (``urls.py`` routes the rest of ``api/v1/`` here)."""
    return _error(request, 404, "not_found", _("没有这个接口地址。"), {"path": request.path})


class ApiEdgeMiddleware:
    """What django-ninja answers before any handler of ours runs, put into the error shape:

    - a query parameter holding a NUL character is refused with a 422 before any router reads it
      (PostgreSQL cannot store or compare text with NUL: a filter on it was a 500);
    - a wrong method (ninja's bare, English ``Method not allowed``) becomes a 405 in the error
      shape, keeping its ``Allow`` header.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/v1/"):
            return self.get_response(request)
        with_nul = sorted(
            name
            for name, values in request.GET.lists()
            if "\x00" in name or any("\x00" in value for value in values)
        )
        if with_nul:
            message = _("请求参数不能包含空字符（NUL）。")
            detail = [{"loc": ["query", name], "msg": message} for name in with_nul]
            return _error(request, 422, "validation_failed", message, detail)
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response.get("Allow", "")
            shaped = _error(
                request,
                405,
                "method_not_allowed",
                _("该接口不支持 %(method)s 方法。") % {"method": request.method},
                {"allowed": [m.strip() for m in allowed.split(",") if m.strip()]},
            )
            shaped["Allow"] = allowed
            return shaped
        return response


def _register_routers() -> None:
    from zhifa.org.api import router as org_router

    api.add_router("/org/", org_router)
    api.add_router("/ledger/", "zhifa.ledger.api.router")
    api.add_router("/accounts/", "zhifa.accounts.api.router")
    api.add_router("/public/", "zhifa.portal.api.router")
    api.add_router("/uploads/", "zhifa.evidence.api.router")
    api.add_router("/catalogue/", "zhifa.catalogue.api.router")
    api.add_router("/cases/", "zhifa.cases.api.router")


_register_routers()
