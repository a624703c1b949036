"""The public pages: anonymous, server-rendered, no script needed (D-2, D-3, D-9, D-10).

Thin: parse the query, call one selector, render. Every date is "today" from ``core.clock``.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_safe

from zhifa.core import clock
from zhifa.core.errors import NotFound
from zhifa.core.numbers import NumberInvalid, parse_id
from zhifa.org.rules import CertificateStatus
from zhifa.portal import selectors
from zhifa.portal.rules import web_link

OFFICERS_PER_PAGE = 20


def _int_or_none(raw: str | None) -> int | None:
    """An optional id filter of a public page: one that is not an id is ignored."""
    try:
        return parse_id((raw or "").strip(), name="id")
    except NumberInvalid:
        return None


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {"governments": selectors.public_agencies_by_government(), "today": clock.today()},
    )


@require_safe
def agency_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/agency_list.html",
        {"governments": selectors.public_agencies_by_government()},
    )


@require_safe
def agency_detail(request: HttpRequest, agency_id: int) -> HttpResponse:
    today = clock.today()
    try:
        detail = selectors.public_agency_detail(agency_id=agency_id, on=today)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(
        request,
        "portal/agency_detail.html",
        {"detail": detail, "today": today, "website": web_link(detail.agency.website)},
    )


@require_safe
def officer_list(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    q = request.GET.get("q", "")
    agency_id = _int_or_none(request.GET.get("agency"))
    include_invalid = request.GET.get("all") == "1"
    rows = selectors.public_certificates(
        on=today, q=q, agency_id=agency_id, include_invalid=include_invalid
    )
    page = Paginator(rows, OFFICERS_PER_PAGE).get_page(request.GET.get("page"))
    entries = [
        (certificate, selectors.certificate_public_status(certificate, on=today))
        for certificate in page.object_list
    ]
    return render(
        request,
        "portal/officer_list.html",
        {
            "page": page,
            "entries": entries,
            "q": q,
            "agency_id": agency_id,
            "include_invalid": include_invalid,
            "agencies": list(selectors.public_agencies()),
            "today": today,
            "statuses": CertificateStatus,
        },
    )


@require_safe
def verify(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    number = request.GET.get("no")
    check = selectors.certificate_check(number=number, on=today) if number is not None else None
    return render(
        request,
        "portal/verify.html",
        {"check": check, "number": number or "", "today": today, "statuses": CertificateStatus},
    )


@require_safe
def contact(request: HttpRequest) -> HttpResponse:
    governments = selectors.public_agencies_by_government()
    return render(
        request,
        "portal/contact.html",
        {"governments": governments, "supervision": selectors.public_supervision(governments)},
    )


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /staff/",
        "Disallow: /admin/",
        "Allow: /",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    return HttpResponsePermanentRedirect(static("portal/favicon.svg"))
