"""Reads of the catalogue. The catalogue is public (D-4, D-5, D-7): current powers, legal bases and
procedures are read by anyone; repealed powers are kept but not listed as current."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from zhifa.accounts import access
from zhifa.accounts.actors import Actor
from zhifa.accounts.models import ApiToken
from zhifa.accounts.services import refusal_record
from zhifa.catalogue import procedures, rules, services
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

ActType = Power.ActType
DocumentLevel = LegalDocument.Level

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
    try:
        if isinstance(actor, ApiToken):
            access.require_scope(actor, SCOPE_READ, power.agency)
        elif not org_selectors.agencies_readable_by(actor).filter(pk=power.agency_id).exists():
            raise PermissionDenied(
                _("您没有查看“%(agency)s”执法事项变更记录的权限。") % {"agency": power.agency.name},
                code=Code.PERMISSION_DENIED,
            )
    except PermissionDenied as refusal:  # logged, rate-limited, not ledgered (issue 10, defect 7)
        refusal_record(
            actor=actor, action="read", obj_type="catalogue.power", obj_id=power.pk, refusal=refusal
        )
        raise
    return history_of(power)


# --- what the API shows of a legal document, an article, a power and an inspection item --------


def article_data(article: Any) -> dict[str, Any]:
    return {
        "id": article.id,
        "document_id": article.document_id,
        "number": article.number,
        "label": article.label,
        "citation": article.citation,
        "text": article.text,
        "text_is_summary": article.text_is_summary,
    }


def legal_document_data(document: LegalDocument) -> dict[str, Any]:
    return {
        "id": document.id,
        "title": document.title,
        "short_title": document.short_title,
        "level": document.level,
        "level_label": str(DocumentLevel(document.level).label),
        "issuing_body": document.issuing_body,
        "document_number": document.document_number,
        "effective_on": document.effective_on,
        "repealed_on": document.repealed_on,
        "articles": [article_data(a) for a in document.articles.all()],
    }


def power_data(power: Power) -> dict[str, Any]:
    limit = services.power_time_limit(power)
    definition = procedures.shipped().get(power.procedure)
    return {
        "id": power.id,
        "agency_id": power.agency_id,
        "agency_name": power.agency.name,
        "code": power.code,
        "name": power.name,
        "act_type": power.act_type,
        "act_type_label": str(ActType(power.act_type).label),
        "subject": power.subject,
        "procedure": power.procedure,
        "procedure_name": definition.name if definition else power.procedure,
        "flowchart_url": f"/api/v1/catalogue/powers/{power.id}/flowchart.svg",
        "time_limit": None
        if limit is None
        else {
            "amount": limit.amount,
            "unit": limit.unit.value,
            "basis": limit.basis,
            "text": f"{limit.amount}{limit.unit.label}（{limit.basis}）",
        },
        "bases": [article_data(b.article) for b in power.bases.all()],
        "standards": [
            {
                "circumstance": s.circumstance,
                "measure": s.measure,
                "fine_from": s.fine_from,
                "fine_to": s.fine_to,
            }
            for s in power.standards.all()
        ],
        "fees": [{"item": f.item, "amount": f.amount, "basis": f.basis} for f in power.fees.all()],
        "version": power.version,
        "repealed_on": power.repealed_on,
    }


def inspection_item_data(item: InspectionItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "agency_id": item.agency_id,
        "code": item.code,
        "name": item.name,
        "basis": item.basis,
        "subject": item.subject,
        "content": item.content,
        "method": item.method,
        "ratio_percent": item.ratio_percent,
        "frequency": item.frequency,
        "version": item.version,
    }
