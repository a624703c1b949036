"""R-33: an evidence item in a confidential case's file is read as the case is. One function
decides who may open an item (``evidence.selectors.evidence_visible_to``, narrowed by
``cases.access.evidence_case_scope``); every path goes through it — the case service that links
it, the case page, the cases API (timeline), the evidence list and the evidence API.

The colleague here is an officer of the same agency, on an ordinary case of the item's agency but
not on the confidential one, holding no grant: the item is hidden from them on every path. The
officer on the confidential case and the agency head read it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.cases.conftest import Desk, start, unchanged
from tests.cases.test_api import token_client
from tests.cases.test_pages import html, staff_client
from zhifa.accounts.models import User
from zhifa.cases import selectors, services
from zhifa.cases.models import Case
from zhifa.core.errors import NotFound
from zhifa.evidence.models import Evidence
from zhifa.evidence.selectors import evidence_visible_to


def _cases(desk: Desk) -> tuple[Case, Case]:
    """An ordinary case of both land officers, and a trade-secret case of officer A only."""
    ordinary = start(desk, "penalty_general", officers=[desk.officer_a, desk.officer_b])
    secret = start(
        desk, "penalty_general", officers=[desk.officer_a], confidentiality="trade_secret"
    )
    return ordinary, secret


def _visible(user: Any, item: Evidence) -> bool:
    return evidence_visible_to(user).filter(pk=item.pk).exists()


def _evidence_api(user: User, item: Evidence) -> tuple[int, int]:
    client = staff_client(user)
    base = f"/api/v1/uploads/evidence/{item.pk}"
    return client.get(base).status_code, client.get(f"{base}/file").status_code


def test_evidence_in_a_confidential_case_is_hidden_from_a_colleague_not_on_it__R33(
    desk: Desk, av: Any
) -> None:
    ordinary, secret = _cases(desk)
    item = av("photo")
    name = item.original_name
    assert name and _visible(desk.officer2, item)  # an ordinary item of the agency, before
    services.evidence_link(actor=desk.officer, case=secret, evidence=item)

    # the one function: the colleague and a unit head not on the case no longer read it
    assert not _visible(desk.officer2, item)
    assert not _visible(desk.unit_head, item)
    assert _visible(desk.officer, item) and _visible(desk.head, item)

    # the service: the colleague cannot link it into the case they are on
    with unchanged(), pytest.raises(NotFound):
        services.evidence_link(actor=desk.officer2, case=ordinary, evidence=item)

    # the case page: not offered to the colleague, offered to the officer on both cases
    assert name not in html(staff_client(desk.officer2).get(f"/staff/cases/{ordinary.pk}/"))
    assert name in html(staff_client(desk.officer).get(f"/staff/cases/{ordinary.pk}/"))

    # the evidence list and the evidence API (metadata and file)
    download = f"/api/v1/uploads/evidence/{item.pk}/file"
    assert download not in html(staff_client(desk.officer2).get("/staff/evidence/"))
    assert download in html(staff_client(desk.officer).get("/staff/evidence/"))
    assert _evidence_api(desk.officer2, item) == (404, 404)
    assert _evidence_api(desk.officer, item) == (200, 200)

    # linked into the ordinary case too: its readers see the link by its kind only
    services.evidence_link(actor=desk.officer, case=ordinary, evidence=item)
    page = html(staff_client(desk.officer2).get(f"/staff/cases/{ordinary.pk}/"))
    assert name not in page and "（保密，无权查看）" in page
    assert name in html(staff_client(desk.officer).get(f"/staff/cases/{ordinary.pk}/"))

    def titles(client: Client) -> list[str]:
        response = client.get(f"/api/v1/cases/{ordinary.pk}/timeline")
        assert response.status_code == 200
        return [e["title"] for e in response.json() if e["kind"] == "evidence"]

    hidden = [f"关联证据：{item.get_kind_display()}"]
    assert titles(staff_client(desk.officer2)) == hidden
    assert titles(token_client(desk, "cases:read")) == hidden  # a machine is granted nothing
    assert titles(staff_client(desk.officer)) == [f"关联证据：{name}"]
    entries = selectors.timeline(ordinary, viewer=desk.officer2)
    assert [e.title for e in entries if e.kind == "evidence"] == hidden


def test_a_token_links_no_item_of_a_confidential_case__R33(desk: Desk, av: Any) -> None:
    from zhifa.accounts.services import token_create

    ordinary, secret = _cases(desk)
    item = av("photo")
    services.evidence_link(actor=desk.officer, case=secret, evidence=item)
    admin = User.objects.filter(username="sysadmin").get()
    token, _plain = token_create(
        actor=admin, name="执法终端", agency=desk.org.land, scopes=["cases:write"]
    )
    assert not _visible(token, item)
    with unchanged(), pytest.raises(NotFound):
        services.evidence_link(actor=token, case=ordinary, evidence=item)
