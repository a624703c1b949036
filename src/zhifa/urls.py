from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path

from zhifa.api import api, not_found_view


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<path>.*)$", not_found_view),
    path("staff/evidence/", include("zhifa.evidence.urls")),
    path("staff/cases/", include("zhifa.cases.urls")),
    path("staff/notices/", include("zhifa.notices.urls")),
    path("staff/", include("zhifa.accounts.urls")),
    path("admin/", admin.site.urls),
    path("integrity/", include("zhifa.ledger.urls")),
    path("", include("zhifa.portal.urls")),
]
