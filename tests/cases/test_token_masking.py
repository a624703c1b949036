"""A machine token reads id numbers, mobiles and bank cards masked in every text of the cases
API — records' fields, the case summary, parties — unless it holds ``cases:read-personal``
(issue 10, defect 9). Staff read them as written; party names stay."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from tests.cases.conftest import ADULT_ID, Desk, sample_fields
from tests.cases.test_api import accepted, clients, get, open_case, person, token_client

IN_NOTES = "220322199001011235"  # a 身份证号 written into free text
MOBILE = "13912345678"
CARD = "6228480012345671"
NOTE = f"当事人身份证号{IN_NOTES}，电话{MOBILE}，退款账户{CARD}，罚款5000元，2026-12-01。"
MASKED_NOTE = (
    "当事人身份证号220322********1235，电话139****5678，退款账户************5671，"
    "罚款5000元，2026-12-01。"
)


@pytest.fixture
def people(desk: Desk) -> Iterator[dict[str, Client]]:
    with clients(desk) as made:
        yield made


def _case_with_identifiers(desk: Desk, people: dict[str, Client]) -> tuple[int, int]:
    case_id = open_case(
        people, desk, "penalty_general", parties=[person(phone=MOBILE)], summary=NOTE
    )
    record = accepted(
        people["officer"],
        f"/{case_id}/records",
        {"kind": "start_approval", "fields": sample_fields("start_approval", reason=NOTE)},
    )
    return case_id, int(record["id"])


def test_a_cases_read_token_reads_identifiers_in_record_text_masked__R33(
    desk: Desk, people: dict[str, Client]
) -> None:
    case_id, record_id = _case_with_identifiers(desk, people)
    reader = token_client(desk, "cases:read")

    record = get(reader, f"/{case_id}/records/{record_id}")
    detail = get(reader, f"/{case_id}")

    assert record.status_code == 200
    assert record.json()["fields"]["reason"] == MASKED_NOTE
    assert detail.json()["summary"] == MASKED_NOTE
    assert detail.json()["parties"][0]["name"] == "张某某"  # names stay
    for answer in (record, detail, get(reader, f"/{case_id}/timeline"), get(reader, "/")):
        text = answer.content.decode()
        assert IN_NOTES not in text and MOBILE not in text and CARD not in text
        assert ADULT_ID not in text


def test_staff_and_a_token_with_cases_read_personal_read_them_as_written__R33(
    desk: Desk, people: dict[str, Client]
) -> None:
    case_id, record_id = _case_with_identifiers(desk, people)
    personal = token_client(desk, "cases:read", "cases:read-personal")

    for client in (people["officer"], personal):
        assert get(client, f"/{case_id}/records/{record_id}").json()["fields"]["reason"] == NOTE
        party = get(client, f"/{case_id}").json()["parties"][0]
        assert (party["id_number"], party["phone"]) == (ADULT_ID, MOBILE)
