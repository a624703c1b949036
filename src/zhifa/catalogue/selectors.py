"""Reads of the catalogue. The catalogue is public (D-4, D-5, D-7): current powers, legal bases and
procedures are read by anyone; repealed powers are kept but not listed as current."""

from __future__ import annotations

import re

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from zhifa.accounts import access
from zhifa.accounts.actors import Actor
from zhifa.accounts.models import ApiToken
from zhifa.catalogue import rules
from zhifa.catalogue.errors import Code
from zhifa.catalogue.models import (
    DiscretionStandard,
    InspectionItem,
    LegalArticle,
    LegalDocument,
    Power,
    PowerBasis,
)
from zhifa.core.errors import NotFound, PermissionDenied, ValidationFailed
from zhifa.org import selectors as org_selectors
from zhifa.org.models import Agency
from zhifa.org.rules import SCOPE_READ
from zhifa.org.selectors import VersionEntry, history_of

_CITATION = re.compile(r"^(?P<doc>.+?)(?P<label>第[零一二三四五六七八九十百千]+条)$")


def legal_documents() -> QuerySet[LegalDocument]:
    return LegalDocument.objects.prefetch_related("articles").order_by("level", "title")


def legal_document_get(document_id: int) -> LegalDocument:
    document = legal_documents().filter(pk=document_id).first()
    if document is None:
        raise NotFound(_("未找到该执法依据。"), code=Code.NOT_FOUND)
    return document


def article_get(article_id: int) -> LegalArticle:
    article = LegalArticle.objects.select_related("document").filter(pk=article_id).first()
    if article is None:
        raise ValidationFailed(
            _("所选条文不存在。"), code=Code.ARTICLE_UNKNOWN, detail={"field": "article_ids"}
        )
    return article


def article_by_citation(citation: str) -> LegalArticle | None:
    """``行政处罚法第六十四条`` (short or full title, then the article) → the article, or None."""
    match = _CITATION.match(citation.strip().replace("《", "").replace("》", ""))
    if match is None:
        return None
    number = rules.parse_article_number(match.group("label"))
    title = match.group("doc")
    return (
        LegalArticle.objects.select_related("document")
        .filter(Q(document__short_title=title) | Q(document__title=title), number=number)
        .first()
    )


def powers() -> QuerySet[Power]:
    return Power.objects.select_related("agency").prefetch_related(
        Prefetch(
            "bases",
            queryset=PowerBasis.objects.select_related("article__document").order_by(
                "sort_order", "id"
            ),
        ),
        Prefetch("standards", queryset=DiscretionStandard.objects.order_by("sort_order", "id")),
        "fees",
    )


def current_powers_of(agency: Agency) -> QuerySet[Power]:
    return powers().filter(agency=agency, repealed_on__isnull=True).order_by("code")


def power_get(power_id: int) -> Power:
    power = powers().filter(pk=power_id).first()
    if power is None:
        raise NotFound(_("未找到该执法事项。"), code=Code.NOT_FOUND)
    return power


def agency_get(agency_id: int) -> Agency:
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise NotFound(_("未找到该执法主体。"), code=Code.NOT_FOUND)
    return agency


def current_inspections_of(agency: Agency) -> QuerySet[InspectionItem]:
    return InspectionItem.objects.filter(agency=agency, repealed_on__isnull=True).order_by("code")


def power_history_for(actor: Actor, power: Power) -> list[VersionEntry]:
    """Every version of a power (who, when, why, the content) for staff who may read its agency:
    its own staff, the supervisor, or a token with ``org:read`` for it."""
    if isinstance(actor, ApiToken):
        access.require_scope(actor, SCOPE_READ, power.agency)
    elif not org_selectors.agencies_readable_by(actor).filter(pk=power.agency_id).exists():
        raise PermissionDenied(
            _("您没有查看“%(agency)s”执法事项变更记录的权限。") % {"agency": power.agency.name},
            code=Code.PERMISSION_DENIED,
        )
    return history_of(power)
