"""The catalogue API (D-4 – D-7, D-18): public reads, the flowchart SVG, staff writes through the
services, and the xlsx export and import (agency head only); refusals change nothing."""

from __future__ import annotations

import io
import xml.dom.minidom
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests.catalogue.conftest import cite
from tests.org.conftest import Org, nothing_changes
from tests.sessions import verified_client
from zhifa.accounts.models import User
from zhifa.catalogue import services
from zhifa.catalogue.models import DiscretionStandard, LegalDocument, Power, PowerBasis
from zhifa.core.deadlines import PENALTY_DECISION

pytestmark = pytest.mark.usefixtures("laws")

BASE = "/api/v1/catalogue"
TABLES = (Power, PowerBasis, DiscretionStandard, LegalDocument)


def client_for(user: User | None) -> Client:
    """Anonymous, or ``user`` signed in with both factors (what the staff API requires)."""
    if user is None:
        return Client()
    return verified_client(user)


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def _power(org: Org, name: str = "对非法占用土地的行政处罚") -> Power:
    return services.power_create(
        actor=org.land_head,
        agency=org.land,
        act_type=Power.ActType.PENALTY,
        code="GT-CF-001",
        name=name,
        procedure="penalty_general",
        bases=[cite("土地管理法第七十七条")],
        time_limit=PENALTY_DECISION,
        standards=[services.StandardSpec("情节轻微", "处罚款", "100", "1000")],
    )


def test_public_reads_powers_with_bases_and_standards__D5(org: Org) -> None:
    power = _power(org)
    response = Client().get(f"{BASE}/agencies/{org.land.pk}/powers")
    assert response.status_code == 200
    [body] = response.json()
    assert body["code"] == "GT-CF-001"
    assert body["act_type_label"] == "行政处罚"
    assert body["procedure_name"] == "行政处罚一般程序"
    assert body["bases"][0]["citation"] == "土地管理法第七十七条"
    assert body["bases"][0]["text_is_summary"] is True
    assert body["standards"] == [
        {
            "circumstance": "情节轻微",
            "measure": "处罚款",
            "fine_from": "100.00",
            "fine_to": "1000.00",
        }
    ]
    assert body["time_limit"]["text"] == "90日（行政处罚法第六十条）"
    assert body["flowchart_url"] == f"{BASE}/powers/{power.pk}/flowchart.svg"
    assert Client().get(f"{BASE}/agencies/999999/powers").status_code == 404


def test_flowchart_svg_is_public_and_escapes_names__D6(org: Org) -> None:
    power = _power(org, name="<script>alert(1)</script> & 占地")
    response = Client().get(f"{BASE}/powers/{power.pk}/flowchart.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    body = response.content.decode()
    assert "<script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 占地" in body
    assert "听证" in body and "法制审核" in body and "行政处罚法第六十四条" in body
    xml.dom.minidom.parseString(response.content)


def test_procedures_are_public_with_their_steps__D6(org: Org) -> None:
    listed = Client().get(f"{BASE}/procedures").json()
    assert {p["slug"] for p in listed} >= {"penalty_general", "penalty_simple", "permit"}
    simple = Client().get(f"{BASE}/procedures/penalty_simple").json()
    assert {(f["party"], f["max_yuan"]) for f in simple["fine_limits"]} == {
        ("natural_person", "200.00"),
        ("organisation", "3000.00"),
    }
    general = Client().get(f"{BASE}/procedures/penalty_general").json()
    decide = next(s for s in general["steps"] if s["id"] == "decide")
    assert decide["hooks"] == [
        "legal_review_gate",
        "collective_discussion_gate",
        "disclosure_publish",
    ]
    assert decide["approval"] == ["handler", "checker", "approver"]
    assert Client().get(f"{BASE}/procedures/nothing").status_code == 404
    svg = Client().get(f"{BASE}/procedures/permit/flowchart.svg")
    assert svg.status_code == 200 and "一次性告知补正" in svg.content.decode()


def test_legal_documents_are_public__D4(org: Org) -> None:
    documents = Client().get(f"{BASE}/legal-documents").json()
    penalty = next(d for d in documents if d["short_title"] == "行政处罚法")
    assert penalty["level_label"] == "法律"
    assert any(a["label"] == "第六十四条" for a in penalty["articles"])


def test_head_creates_updates_and_repeals_a_power__D18(org: Org) -> None:
    head = client_for(org.land_head)
    article = cite("土地管理法第七十七条")
    body = {
        "act_type": "penalty",
        "code": "GT-CF-009",
        "name": "新的处罚事项",
        "procedure": "penalty_general",
        "article_ids": [article.pk],
        "time_limit": {"amount": 90, "unit": "calendar_days", "basis": "行政处罚法第六十条"},
        "standards": [
            {"circumstance": "一般", "measure": "罚款", "fine_from": "1,000", "fine_to": "2000"}
        ],
    }
    created = post(head, f"{BASE}/agencies/{org.land.pk}/powers", body)
    assert created.status_code == 201, created.json()
    power_id = created.json()["id"]
    updated = head.patch(
        f"{BASE}/powers/{power_id}",
        {"reason": "改名", "name": "改过的名称", "clear_time_limit": True},
        content_type="application/json",
    )
    assert updated.status_code == 200
    assert (updated.json()["name"], updated.json()["version"], updated.json()["time_limit"]) == (
        "改过的名称",
        2,
        None,
    )
    repealed = post(head, f"{BASE}/powers/{power_id}/repeal", {"reason": "合并"})
    assert repealed.status_code == 200 and repealed.json()["repealed_on"] is not None
    listed = Client().get(f"{BASE}/agencies/{org.land.pk}/powers").json()
    assert power_id not in [p["id"] for p in listed]


def test_write_refusals_change_nothing__D18(org: Org) -> None:
    power = _power(org)
    body = {
        "act_type": "penalty",
        "code": "GT-CF-002",
        "name": "x",
        "procedure": "penalty_general",
        "article_ids": [cite("土地管理法第七十七条").pk],
    }
    url = f"{BASE}/agencies/{org.land.pk}/powers"
    with nothing_changes(*TABLES):
        assert post(Client(), url, body).status_code == 401
        refused = post(client_for(org.forest_head), url, body)
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
        assert post(client_for(org.supervisor), url, body).status_code == 403
        duplicate = post(client_for(org.land_head), url, {**body, "code": "GT-CF-001"})
        assert duplicate.status_code == 409
        unknown = post(client_for(org.land_head), url, {**body, "article_ids": [999999]})
        assert unknown.status_code == 422
        blank = client_for(org.land_head).patch(
            f"{BASE}/powers/{power.pk}",
            {"reason": "", "name": "y"},
            content_type="application/json",
        )
        assert blank.status_code == 422 and blank.json()["code"] == "reason_required"
        document = post(
            client_for(org.land_head),
            f"{BASE}/legal-documents",
            {
                "title": "某办法",
                "level": "normative_document",
                "issuing_body": "某机关",
                "effective_on": "2020-01-01",
            },
        )
        assert document.status_code == 403


def test_system_admin_adds_a_legal_document_and_article__D4(org: Org) -> None:
    admin = client_for(org.system_admin)
    created = post(
        admin,
        f"{BASE}/legal-documents",
        {
            "title": "吉林省土地管理条例",
            "level": "local_regulation",
            "issuing_body": "吉林省人民代表大会常务委员会",
            "effective_on": "2020-01-01",
        },
    )
    assert created.status_code == 201
    article = post(
        admin,
        f"{BASE}/legal-documents/{created.json()['id']}/articles",
        {"number": 64, "text": "摘要", "text_is_summary": True},
    )
    assert (
        article.status_code == 201 and article.json()["citation"] == "吉林省土地管理条例第六十四条"
    )


def test_xlsx_export_is_public_and_import_is_head_only__D18(org: Org) -> None:
    _power(org)
    exported = Client().get(f"{BASE}/agencies/{org.land.pk}/powers.xlsx")
    assert exported.status_code == 200
    book = load_workbook(io.BytesIO(exported.content))
    assert book["执法事项"]["A2"].value == "GT-CF-001"
    book["执法事项"]["B2"] = "改过的名称"
    buffer = io.BytesIO()
    book.save(buffer)
    url = f"{BASE}/agencies/{org.land.pk}/powers.xlsx"

    def upload(client: Client, data: bytes) -> Any:
        file = io.BytesIO(data)
        file.name = "清单.xlsx"
        return client.post(url, {"file": file})

    with nothing_changes(*TABLES):
        assert upload(client_for(org.forest_head), buffer.getvalue()).status_code == 403
        assert upload(Client(), buffer.getvalue()).status_code == 401
        bad = upload(client_for(org.land_head), b"junk")
        assert bad.status_code == 422 and bad.json()["code"] == "not_xlsx"
    done = upload(client_for(org.land_head), buffer.getvalue())
    assert done.status_code == 200 and done.json() == {"created": 0, "updated": 1, "unchanged": 0}
    inspections = Client().get(f"{BASE}/agencies/{org.land.pk}/inspections.xlsx")
    assert inspections.status_code == 200


def test_power_history_shows_each_version_to_staff_who_may_read_it__D18(org: Org) -> None:
    power = _power(org)
    services.power_update(actor=org.land_head, power=power, reason="依据修订", name="新名称")
    url = f"{BASE}/powers/{power.pk}/history"
    history = client_for(org.supervisor).get(url)
    assert history.status_code == 200
    versions = [(v["action"], v["reason"], v["content"].get("version")) for v in history.json()]
    assert versions == [
        ("catalogue.power.create", "", 1),
        ("catalogue.power.update", "依据修订", 2),
    ]
    assert client_for(org.land_officer_user).get(url).status_code == 200
    assert client_for(org.forest_head).get(url).status_code == 403
    assert Client().get(url).status_code == 401
