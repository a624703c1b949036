"""Names, ids and titles typed into the org, the catalogue and a case refuse invisible characters
(issue 10, defect 10) with a Chinese message, and the refusal changes nothing. A bidi override in
a party's name made ``张三\u202e`` display reversed in every list that shows it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.cases.conftest import Desk, person_party, start, unchanged
from tests.org.conftest import nothing_changes
from zhifa.accounts.actors import SYSTEM
from zhifa.cases import services as case_services
from zhifa.cases.services import PartyIn
from zhifa.catalogue import services as catalogue_services
from zhifa.catalogue.models import InspectionItem, LegalDocument
from zhifa.core.errors import ValidationFailed
from zhifa.org import services as org_services
from zhifa.org.models import Agency, Certificate, GroupMembership, Person, Unit

RLO = "\u202e"
ZWSP = "\u200b"


def _refused(call: Callable[[], Any]) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        call()
    assert caught.value.code == "invisible_character"
    assert "不可见的控制字符" in caught.value.message
    return caught.value


ORG_MODELS = (Agency, Unit, Person, Certificate, GroupMembership)


def test_org_names_titles_and_certificate_numbers_refuse_invisible_characters(desk: Desk) -> None:
    org = desk.org
    with nothing_changes(*ORG_MODELS):
        _refused(
            lambda: org_services.agency_create(
                actor=SYSTEM, government=org.township, name=f"应急管理{RLO}所", kind="institute"
            )
        )
        _refused(
            lambda: org_services.agency_update(
                actor=SYSTEM, agency=org.land, reason="更名", name=f"国土{ZWSP}资源所"
            )
        )
        _refused(
            lambda: org_services.agency_update(
                actor=SYSTEM, agency=org.land, reason="简称", short_name=f"国土{RLO}"
            )
        )
        _refused(
            lambda: org_services.unit_create(
                actor=SYSTEM, agency=org.land, name="执法\u2066组", kind="handling"
            )
        )
        _refused(
            lambda: org_services.officer_register(
                actor=SYSTEM, agency=org.land, name=f"李四{RLO}", unit=org.land_unit
            )
        )
        error = _refused(
            lambda: org_services.person_create(
                actor=SYSTEM, government=org.township, name=f"王{RLO}五"
            )
        )
        assert error.detail == {"characters": ["U+202E"], "field": "name"}
    with nothing_changes(Certificate):
        with pytest.raises(ValidationFailed) as caught:
            org_services.certificate_issue(
                actor=SYSTEM,
                officer=org.land_officer,
                number=f"TEST-{ZWSP}0009",
                issuing_body="测试发证机关",
                area="白山乡行政区域",
                valid_from=org.land_certificate.valid_from,
                valid_to=org.land_certificate.valid_to,
            )
        assert caught.value.code == "invalid_certificate_number"


def test_catalogue_titles_refuse_invisible_characters_and_text_keeps_its_lines(
    desk: Desk,
) -> None:
    with nothing_changes(LegalDocument, InspectionItem):
        for changes in (
            {"title": f"土地管理法{RLO}"},
            {"title": "土地管理法", "short_title": f"土地{ZWSP}法"},
            {"title": "土地管理法", "document_number": f"主席令第{RLO}号"},
        ):
            args: dict[str, Any] = {
                "actor": desk.org.system_admin,
                "level": "law",
                "issuing_body": "全国人民代表大会常务委员会",
                "effective_on": desk.org.land_certificate.valid_from,
                **changes,
            }
            _refused(lambda args=args: catalogue_services.legal_document_create(**args))

        def item(name: str, content: str) -> InspectionItem:
            return catalogue_services.inspection_item_create(
                actor=desk.org.land_head,
                agency=desk.org.land,
                code="GT-SC-009",
                name=name,
                basis="土地管理法第六十七条",
                subject="建设用地使用者",
                content=content,
                method="现场检查",
                ratio_percent="5",
                frequency="每年一次",
            )

        _refused(lambda: item(f"土地{RLO}抽查", "是否按批准用途使用土地"))
        _refused(lambda: item("土地抽查", f"是否按批准{ZWSP}用途"))
    kept = item("土地抽查", "是否按批准用途使用土地；\n是否按期开工")
    assert kept.content.endswith("\n是否按期开工")


@pytest.mark.parametrize(
    "party",
    [
        person_party(name=f"张某某{RLO}"),
        person_party(name="张某\n某"),
        person_party(id_number=f"{RLO}11010519491231002X"),
        PartyIn(
            kind="natural_person", name="张某某", id_number=f"G1234{ZWSP}5678", id_kind="other"
        ),
        PartyIn(
            kind="legal_person",
            name="白山乡某某有限公司",
            id_number="91350100M000100Y43",
            legal_representative=f"李{RLO}某",
        ),
    ],
)
def test_case_parties_refuse_invisible_characters_and_change_nothing(
    desk: Desk, party: PartyIn
) -> None:
    case = start(desk, "penalty_general")
    with unchanged():
        error = _refused(
            lambda: case_services.party_add(actor=desk.officer, case=case, party=party)
        )
    assert error.detail["characters"]


def test_a_case_title_refuses_invisible_characters_and_its_summary_keeps_its_lines(
    desk: Desk,
) -> None:
    with unchanged():
        _refused(lambda: start(desk, "penalty_general", title=f"非法占地{RLO}案"))
    case = start(desk, "penalty_general", summary="第一段。\r\n第二段。")
    assert "\n" in case.summary
