"""The public read API (D-2, D-3, D-10, D-15): anonymous, typed, errors as {code, message}."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.test import Client

from tests.portal.conftest import HOSTILE_NAME, Township
from zhifa.core import clock
from zhifa.org.models import Agency, Certificate, Officer, Person

BASE = "/api/v1/public"


def _json(client: Client, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def test_agencies_lists_every_active_agency_with_its_published_fields__D2(
    client: Client, township: Township
) -> None:
    body = _json(client, f"{BASE}/agencies")
    assert [row["id"] for row in body] == [agency.id for agency in township.public_agencies]
    justice = body[0]
    assert justice == {
        "id": township.justice_office.id,
        "name": "白山司法所",
        "short_name": "",
        "kind": "justice_office",
        "kind_label": "司法所",
        "is_enforcement_body": True,
        "government_id": township.government.id,
        "government_name": "梨树县白山乡人民政府",
        "credit_code": "",
        "duties": "负责全乡行政执法监督，承担“三项制度”领导小组办公室日常工作。",
        "division_of_work": "所长负责全面工作；工作人员负责法治宣传和人民调解。",
        "jurisdiction": "白山乡行政区域内的行政执法监督事项",
        "enforcement_area": "白山乡行政区域",
        "address": "吉林省梨树县白山乡政府院内",
        "post_code": "136504",
        "phone": "0434-5551001",
        "email": "sfs@baishan.example.cn",
        "website": "",
        "office_hours": "工作日 8:30—16:30",
        "is_entrusted": False,
        "entrusted_by_id": None,
        "entrusted_by_name": None,
        "page_url": f"/agencies/{township.justice_office.id}/",
    }
    # Data, not markup: the hostile name comes back exactly as stored.
    assert body[2]["name"] == HOSTILE_NAME


def test_agency_detail_has_units_and_officers_valid_today__D2_D3(
    client: Client, township: Township, frozen_today: datetime
) -> None:
    body = _json(client, f"{BASE}/agencies/{township.justice_office.id}")
    assert body["name"] == "白山司法所"
    assert body["on"] == "2026-06-15"
    assert [unit["name"] for unit in body["units"]] == ["法制组"]
    assert body["units"][0]["kind_label"] == "法制机构"
    assert body["officers"] == [
        {
            "name": "赵有效",
            "agency_id": township.justice_office.id,
            "agency_name": "白山司法所",
            "certificate_number": "JL2201-0001",
            "area": "白山乡行政区域",
            "scope": "行政处罚、行政检查",
            "valid_from": "2024-01-01",
            "valid_to": "2027-12-31",
            "status": "valid",
            "status_label": "有效",
        }
    ]


@pytest.mark.parametrize("agency_id", ["999999", "9223372036854775807"])
def test_unknown_agency_is_404_with_the_error_shape__D2(
    client: Client, township: Township, agency_id: str
) -> None:
    body = _json(client, f"{BASE}/agencies/{agency_id}", status=404)
    assert body == {"code": "not_found", "message": "未找到该执法主体。", "detail": None}


def test_inactive_agency_is_404__D2(client: Client, township: Township) -> None:
    assert _json(client, f"{BASE}/agencies/{township.abolished.id}", status=404)["code"] == (
        "not_found"
    )


@pytest.mark.parametrize("agency_id", ["0", "-1", "abc", "9223372036854775808"])
def test_impossible_agency_id_is_422__D2(client: Client, agency_id: str) -> None:
    body = _json(client, f"{BASE}/agencies/{agency_id}", status=422)
    assert body["code"] == "validation_failed" and body["message"]


def test_officers_default_to_certificates_valid_today__D3(
    client: Client, township: Township, frozen_today: datetime
) -> None:
    body = _json(client, f"{BASE}/officers")
    assert body["on"] == "2026-06-15"
    assert body["count"] == 3 and body["page"] == 1 and body["pages"] == 1
    assert body["page_size"] == 20
    assert {row["name"] for row in body["items"]} == {"赵有效", "钱末日", "吴将销"}
    assert {row["status"] for row in body["items"]} == {"valid"}
    assert set(body["items"][0]) == {
        "name",
        "agency_id",
        "agency_name",
        "certificate_number",
        "area",
        "scope",
        "valid_from",
        "valid_to",
        "status",
        "status_label",
    }


def test_officers_include_invalid_gives_each_status__D3(
    client: Client, township: Township, frozen_today: datetime
) -> None:
    body = _json(client, f"{BASE}/officers?include_invalid=true")
    statuses = {row["certificate_number"]: row["status"] for row in body["items"]}
    assert statuses == {
        "JL2201-0001": "valid",
        "JL2201-0002": "valid",
        "JL2201-0003": "expired",
        "JL2201-0004": "not_yet_valid",
        "JL2201-0005": "revoked",
        "JL2201-0006": "valid",
    }


def test_officers_search_filter_and_pages__D3(
    client: Client, township: Township, frozen_today: datetime
) -> None:
    assert [row["name"] for row in _json(client, f"{BASE}/officers?q=钱")["items"]] == ["钱末日"]
    by_agency = _json(client, f"{BASE}/officers?agency={township.police_station.id}")
    assert {row["name"] for row in by_agency["items"]} == {"钱末日", "吴将销"}
    assert _json(client, f"{BASE}/officers?agency=999999")["count"] == 0
    for index in range(21):
        officer = Officer.objects.create(
            person=Person.objects.create(government=township.government, name=f"翻页{index:02d}"),
            agency=township.party_office,
        )
        Certificate.objects.create(
            officer=officer,
            number=f"API-{index:02d}",
            issuing_body="梨树县人民政府",
            area="白山乡",
            valid_from=date(2026, 1, 1),
            valid_to=date(2026, 12, 31),
        )
    second = _json(client, f"{BASE}/officers?q=翻页&page=2")
    assert second["count"] == 21 and second["pages"] == 2
    assert [row["name"] for row in second["items"]] == ["翻页20"]
    beyond = _json(client, f"{BASE}/officers?q=翻页&page=3")
    assert beyond["items"] == [] and beyond["count"] == 21


@pytest.mark.parametrize(
    "query", ["page=0", "page=abc", "agency=abc", "agency=0", "q=" + "x" * 51, "page=100001"]
)
def test_officers_invalid_query_is_422(client: Client, query: str) -> None:
    assert _json(client, f"{BASE}/officers?{query}", status=422)["code"] == "validation_failed"


@pytest.mark.parametrize(
    ("number", "day", "status", "is_valid"),
    [
        ("JL2201-0002", date(2026, 6, 15), "valid", True),
        ("JL2201-0002", date(2026, 6, 16), "expired", False),
        ("JL2201-0004", date(2026, 6, 15), "not_yet_valid", False),
        ("JL2201-0004", date(2026, 6, 16), "valid", True),
        ("JL2201-0006", date(2026, 6, 15), "valid", True),
        ("JL2201-0006", date(2026, 6, 16), "revoked", False),
        ("NO-SUCH", date(2026, 6, 15), "unknown", False),
    ],
)
def test_certificate_check_on_the_boundary_days__D10(
    client: Client, township: Township, number: str, day: date, status: str, is_valid: bool
) -> None:
    with clock.frozen(datetime(day.year, day.month, day.day, 9, 0, tzinfo=clock.CHINA)):
        body = _json(client, f"{BASE}/certificates/{number}")
    assert body["status"] == status and body["is_valid"] is is_valid
    assert body["checked_on"] == day.isoformat()
    assert body["message"]


def test_certificate_check_returns_only_public_data__D10(
    client: Client, township: Township, frozen_today: datetime
) -> None:
    body = _json(client, f"{BASE}/certificates/JL2201-0005")
    assert body == {
        "number": "JL2201-0005",
        "checked_on": "2026-06-15",
        "status": "revoked",
        "status_label": "已注销",
        "is_valid": False,
        "message": "该执法证件已经注销，不能凭此证件执法。",
        "officer_name": "周注销",
        "agency_id": township.justice_office.id,
        "agency_name": "白山司法所",
        "area": "白山乡行政区域",
        "scope": "行政处罚、行政检查",
        "valid_from": "2024-01-01",
        "valid_to": "2027-12-31",
        "revoked_on": "2026-06-15",
    }
    unknown = _json(client, f"{BASE}/certificates/NOPE")
    assert unknown["officer_name"] is None and unknown["agency_name"] is None


@pytest.mark.parametrize("number", ["a%2Fb", "%00", "x%20y", "%E3%80%80"])
def test_certificate_check_of_odd_numbers_answers_unknown(
    client: Client, township: Township, number: str
) -> None:
    assert _json(client, f"{BASE}/certificates/{number}")["status"] == "unknown"


def test_certificate_number_longer_than_the_column_is_422(client: Client) -> None:
    assert _json(client, f"{BASE}/certificates/{'x' * 41}", status=422)["code"] == (
        "validation_failed"
    )


def test_public_api_needs_no_login_and_refuses_writes(client: Client, township: Township) -> None:
    before = Agency.objects.count()
    response = client.post(f"{BASE}/agencies", {"name": "x"}, content_type="application/json")
    assert response.status_code == 405
    assert Agency.objects.count() == before


@pytest.mark.parametrize(
    ("path", "max_queries"),
    [("/agencies", 1), ("/officers?include_invalid=true", 2), ("/certificates/JL2201-0001", 1)],
)
def test_api_lists_do_not_query_per_row(
    client: Client,
    township: Township,
    frozen_today: datetime,
    django_assert_max_num_queries: Any,
    path: str,
    max_queries: int,
) -> None:
    for index in range(30):
        agency = Agency.objects.create(
            government=township.government, name=f"附加站{index}", kind=Agency.Kind.STATION
        )
        officer = Officer.objects.create(
            person=Person.objects.create(government=township.government, name=f"附加{index}"),
            agency=agency,
        )
        Certificate.objects.create(
            officer=officer,
            number=f"EXTRA-{index}",
            issuing_body="梨树县人民政府",
            area="白山乡",
            valid_from=date(2026, 1, 1),
            valid_to=date(2026, 12, 31),
        )
    with django_assert_max_num_queries(max_queries):
        assert client.get(f"{BASE}{path}").status_code == 200


def test_agency_detail_api_queries_do_not_grow(
    client: Client, township: Township, frozen_today: datetime, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(3):
        assert client.get(f"{BASE}/agencies/{township.justice_office.id}").status_code == 200
