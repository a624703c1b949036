"""Catalogue demo data: the legal bases the procedures cite and a synthetic catalogue for several
Baishan agencies. Idempotent: what exists is left as it is, nothing is created twice."""

from __future__ import annotations

import tomllib
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction

from zhifa.accounts.actors import SYSTEM
from zhifa.catalogue import selectors, services
from zhifa.catalogue.models import InspectionItem, LegalArticle, LegalDocument, Power
from zhifa.core import deadlines
from zhifa.core.deadlines import LegalLimit
from zhifa.core.demo import DemoStep
from zhifa.org.demo import demo_township
from zhifa.org.models import Agency, Government

DATA = Path(__file__).resolve().parent / "data"
REASON = "载入演示数据"


@cache
def _data(name: str) -> dict[str, Any]:
    return tomllib.loads((DATA / name).read_text(encoding="utf-8"))


def load_legal_bases() -> Counter[str]:
    """The shared legal documents and articles of ``data/legal_bases.toml`` (as the system)."""
    created: Counter[str] = Counter()
    with transaction.atomic():
        for entry in _data("legal_bases.toml")["documents"]:
            document = LegalDocument.objects.filter(title=entry["title"]).first()
            if document is None:
                document = services.legal_document_create(
                    actor=SYSTEM,
                    title=entry["title"],
                    short_title=entry.get("short_title", ""),
                    level=entry["level"],
                    issuing_body=entry["issuing_body"],
                    document_number=entry.get("document_number", ""),
                    effective_on=entry["effective_on"],
                    reason=REASON,
                )
                created["legal_document"] += 1
            summary = bool(entry.get("summary", True))
            for number, text in entry["articles"]:
                if not LegalArticle.objects.filter(document=document, number=number).exists():
                    services.legal_article_create(
                        actor=SYSTEM,
                        document=document,
                        number=number,
                        text=text,
                        text_is_summary=summary,
                        reason=REASON,
                    )
                    created["legal_article"] += 1
    return created


def _article(citation: str) -> LegalArticle:
    article = selectors.article_by_citation(citation)
    if article is None:
        raise LookupError(f"demo data cites an unknown article: {citation}")
    return article


def _limit(name: str | None) -> LegalLimit | None:
    if not name:
        return None
    found = getattr(deadlines, name)
    if not isinstance(found, LegalLimit):
        raise LookupError(f"demo data names an unknown legal limit: {name}")
    return found


def load_demo_catalogue(government: Government) -> Counter[str]:
    """Legal bases, then the demo powers and random-inspection lists of ``government``'s agencies
    named in ``data/demo_catalogue.toml`` (agencies missing from the government are skipped)."""
    created = load_legal_bases()
    data = _data("demo_catalogue.toml")
    with transaction.atomic():
        agencies = {a.name: a for a in Agency.objects.filter(government=government)}
        for entry in data["powers"]:
            agency = agencies.get(entry["agency"])
            if agency is None or Power.objects.filter(agency=agency, code=entry["code"]).exists():
                continue
            services.power_create(
                actor=SYSTEM,
                agency=agency,
                act_type=entry["act_type"],
                code=entry["code"],
                name=entry["name"],
                subject=entry.get("subject", ""),
                procedure=entry["procedure"],
                bases=[_article(c) for c in entry["bases"]],
                time_limit=_limit(entry.get("time_limit")),
                standards=[services.StandardSpec(**s) for s in entry.get("standards", [])],
                fees=[services.FeeSpec(**f) for f in entry.get("fees", [])],
                reason=REASON,
            )
            created["power"] += 1
        for entry in data["inspections"]:
            agency = agencies.get(entry["agency"])
            if (
                agency is None
                or InspectionItem.objects.filter(agency=agency, code=entry["code"]).exists()
            ):
                continue
            fields = {k: v for k, v in entry.items() if k != "agency"}
            services.inspection_item_create(actor=SYSTEM, agency=agency, reason=REASON, **fields)
            created["inspection_item"] += 1
    return created


def _catalogue_step() -> list[str]:
    load_demo_catalogue(demo_township())
    return []


STEPS = [DemoStep(name="catalogue.demo", run=_catalogue_step, order=20)]
