"""The org of ``tests/org`` (a township, two enforcement bodies, the justice office and the people
who act on them) with the shipped legal bases loaded as the system."""

from __future__ import annotations

from datetime import datetime

import pytest

# Fixtures shared with the org tests: pytest finds them by name here, so F401 would be wrong.
from tests.org.conftest import Org, frozen_today, nothing_changes, org  # noqa: F401
from zhifa.catalogue.demo import load_legal_bases
from zhifa.catalogue.models import LegalArticle
from zhifa.catalogue.selectors import article_by_citation


@pytest.fixture
def laws(org: Org, frozen_today: datetime) -> None:  # noqa: F811
    load_legal_bases()


def cite(citation: str) -> LegalArticle:
    article = article_by_citation(citation)
    assert article is not None, citation
    return article
