from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from zhifa.api import api, not_found_view


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    # A 404 changes nothing: no CSRF check (a write to an unknown address, e.g.
    # ``PATCH /api/v1/uploads/..%2F..%2Fetc%2Fpasswd``, answered Django's HTML 403 instead).
    re_path(r"^api/v1/(?P<path>.*)$", csrf_exempt(not_found_view)),
    path("staff/evidence/", include("zhifa.evidence.urls")),
    path("staff/cases/", include("zhifa.cases.urls")),
    path("staff/notices/", include("zhifa.notices.urls")),
    path("staff/", include("zhifa.accounts.urls")),
    path("admin/", admin.site.urls),
    path("integrity/", include("zhifa.ledger.urls")),
    path("", include("zhifa.portal.urls")),
]
