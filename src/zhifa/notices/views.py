"""The security admin's page of e-mails that could not be delivered, and sending one again.

The page shows who, which address, the subject, the attempts and the error — not the body: the
admin roles do not read case contents."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhifa.accounts.access import AdminRole
from zhifa.accounts.decorators import admin_role_required, request_user
from zhifa.core.errors import DomainError
from zhifa.notices import selectors, services


@admin_role_required(AdminRole.SECURITY)
def outbox(request: HttpRequest) -> HttpResponse:
    rows = selectors.emails_failing_for_security_admin(request.user)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "notices/outbox.html", {"page": page})


@require_POST
@admin_role_required(AdminRole.SECURITY)
def retry(request: HttpRequest, email_id: int) -> HttpResponse:
    user = request_user(request)
    email = get_object_or_404(selectors.emails_failing_for_security_admin(user), pk=email_id)
    try:
        services.email_retry(actor=user, email=email)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("邮件已重新排入发送队列。"))
    return redirect("notices:outbox")
