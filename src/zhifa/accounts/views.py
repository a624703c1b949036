from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("staff home")


def login(request: HttpRequest) -> HttpResponse:
    return HttpResponse("login")


def locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    return HttpResponse("账户已锁定，请30分钟后再试。", status=429)
