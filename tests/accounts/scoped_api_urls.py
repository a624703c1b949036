"""A URL conf for the token tests: one API operation that needs the ``evidence:upload`` scope.

It is a real django-ninja endpoint with the real ``ApiTokenAuth``; only its URL lives in the tests,
so that the scope check is exercised over HTTP before the evidence app has such an endpoint.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import path
from ninja import NinjaAPI

from zhifa.accounts.actors import actor_label
from zhifa.accounts.auth import ApiTokenAuth

api = NinjaAPI(urls_namespace="accounts-scope-test", docs_url=None)


@api.post("/upload", auth=ApiTokenAuth(scope="evidence:upload"))
def upload(request: HttpRequest) -> dict[str, str]:
    return {"actor": actor_label(request.auth)}  # type: ignore[attr-defined]


urlpatterns = [path("scoped/", api.urls)]
