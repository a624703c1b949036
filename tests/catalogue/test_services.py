"""Catalogue services (D-4, D-5, D-7, D-18): who may write, the rules, ledger events, and refusals
that change nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.catalogue.conftest import cite
from tests.org.conftest import Org, ledger_size, nothing_changes
from zhifa.accounts.actors import SYSTEM
from zhifa.catalogue import services
from zhifa.catalogue.models import (
    DiscretionStandard,
    InspectionItem,
    LegalArticle,
    LegalDocument,
    Power,
    PowerBasis,
    PowerFee,
)
from zhifa.core.deadlines import PENALTY_DECISION, PERMIT_DECISION, Unit
from zhifa.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhifa.ledger.models import LedgerEvent

pytestmark = pytest.mark.usefixtures("laws")

CATALOGUE = (LegalDocument, LegalArticle, Power, PowerBasis, DiscretionStandard, PowerFee)


def _power(org: Org, **overrides: object) -> Power:
    fields: dict[str, object] = {
        "actor": org.land_head,
        "agency": org.land,
        "act_type": Power.ActType.PENALTY,
        "code": "GT-CF-001",
        "name": "对非法占用土地的行政处罚",
        "procedure": "penalty_general",
        "bases": [cite("土地管理法第七十七条")],
        "time_limit": PENALTY_DECISION,
        "standards": [
            services.StandardSpec("情节轻微", "处罚款", "100", "1000"),
            services.StandardSpec("情节严重", "处罚款", "1000", "5000"),
        ],
        "fees": [],
        "reason": "编制清单",
    }
    fields.update(overrides)
    return services.power_create(**fields)  # type: ignore[arg-type]


def actions() -> list[str]:
    return list(LedgerEvent.objects.order_by("seq").values_list("action", flat=True))


def test_agency_head_creates_a_power_with_bases_standards_and_ledger_events__D5(org: Org) -> None:
    before = ledger_size()
    power = _power(org)
    assert power.version == 1
    assert [b.article.citation for b in power.bases.all()] == ["土地管理法第七十七条"]
    assert [(s.fine_from, s.fine_to) for s in power.standards.all()] == [
        (Decimal("100.00"), Decimal("1000.00")),
        (Decimal("1000.00"), Decimal("5000.00")),
    ]
    assert (power.time_limit_amount, power.time_limit_unit, power.time_limit_basis) == (
        90,
        Unit.CALENDAR_DAYS,
        "行政处罚法第六十条",
    )
    assert services.power_time_limit(power) == PENALTY_DECISION
    assert ledger_size() - before == 4  # the power, one basis, two standards
    assert actions()[-4:] == [
        "catalogue.power.create",
        "catalogue.power_basis.create",
        "catalogue.discretion_standard.create",
        "catalogue.discretion_standard.create",
    ]


def test_update_is_a_new_version_with_reason_and_replaced_rows__D18(org: Org) -> None:
    power = _power(org)
    power = services.power_update(
        actor=org.land_head,
        power=power,
        reason="依据修订",
        name="对非法占用土地行为的行政处罚",
        standards=[services.StandardSpec("情节轻微", "警告")],
        fees=[services.FeeSpec("工本费", "10", "收费文件第一条")],
    )
    assert power.version == 2
    assert power.standards.count() == 1
    assert power.fees.get().amount == Decimal("10.00")
    assert actions()[-5:] == [
        "catalogue.discretion_standard.delete",
        "catalogue.discretion_standard.delete",
        "catalogue.discretion_standard.create",
        "catalogue.power_fee.create",
        "catalogue.power.update",
    ]
    event = LedgerEvent.objects.order_by("-seq").first()
    assert event is not None and event.version.reason == "依据修订"


def test_update_without_change_writes_nothing__D18(org: Org) -> None:
    power = _power(org)
    with nothing_changes(*CATALOGUE):
        same = services.power_update(
            actor=org.land_head,
            power=power,
            reason="核对",
            name=power.name,
            bases=[cite("土地管理法第七十七条")],
        )
    assert same.version == 1


def test_update_needs_a_reason__D18(org: Org) -> None:
    power = _power(org)
    with nothing_changes(*CATALOGUE), pytest.raises(ValidationFailed) as refused:
        services.power_update(actor=org.land_head, power=power, reason=" ", name="新名称")
    assert refused.value.code == "reason_required"


@pytest.mark.parametrize("who", ["forest_head", "land_officer_user", "supervisor", "system_admin"])
def test_only_the_agency_head_writes_its_catalogue__D18(org: Org, who: str) -> None:
    with nothing_changes(*CATALOGUE), pytest.raises(PermissionDenied):
        _power(org, actor=getattr(org, who))


def test_other_head_cannot_update_or_repeal__D18(org: Org) -> None:
    power = _power(org)
    with nothing_changes(*CATALOGUE), pytest.raises(PermissionDenied):
        services.power_update(actor=org.forest_head, power=power, reason="越权", name="x")
    with nothing_changes(*CATALOGUE), pytest.raises(PermissionDenied):
        services.power_repeal(actor=org.forest_head, power=power, reason="越权")


def test_repealed_power_stays_and_cannot_change__D5(org: Org) -> None:
    power = _power(org)
    power = services.power_repeal(actor=org.land_head, power=power, reason="法律修改")
    assert power.repealed_on is not None and power.version == 2
    assert Power.objects.filter(pk=power.pk).exists()
    with nothing_changes(*CATALOGUE), pytest.raises(Conflict):
        services.power_update(actor=org.land_head, power=power, reason="再改", name="x")
    with nothing_changes(*CATALOGUE), pytest.raises(Conflict):
        services.power_repeal(actor=org.land_head, power=power, reason="再废止")


def test_power_refusals_change_nothing__D5(org: Org) -> None:
    _power(org)
    cases = [
        ({"code": "GT-CF-001"}, Conflict, "power_exists"),
        ({"code": "GT-CF-002", "bases": []}, ValidationFailed, "basis_required"),
        ({"code": "GT-CF-002", "procedure": "nonexistent"}, ValidationFailed, "unknown_procedure"),
        ({"code": "GT-CF-002", "procedure": "permit"}, ValidationFailed, "procedure_mismatch"),
        ({"code": "坏 编码"}, ValidationFailed, "invalid_code"),
        ({"code": "GT-CF-002", "act_type": "punish"}, ValidationFailed, "invalid_choice"),
        (
            {"code": "GT-CF-002", "standards": [services.StandardSpec("a", "b", "500", "100")]},
            ValidationFailed,
            "fine_range_inverted",
        ),
        (
            {"code": "GT-CF-002", "standards": [services.StandardSpec("a", "b", "500", None)]},
            ValidationFailed,
            "fine_range_incomplete",
        ),
        (
            {"code": "GT-CF-002", "standards": [services.StandardSpec("a", "b", "1.001", "2")]},
            ValidationFailed,
            "amount_invalid",
        ),
    ]
    for overrides, error, code in cases:
        with nothing_changes(*CATALOGUE), pytest.raises(error) as refused:
            _power(org, **overrides)
        assert refused.value.code == code, overrides


def test_permit_power_with_its_time_limit_and_fee__D5(org: Org) -> None:
    power = _power(
        org,
        actor=org.forest_head,
        agency=org.forest,
        act_type=Power.ActType.PERMIT,
        code="LY-XK-001",
        procedure="permit",
        bases=[cite("森林法第五十六条")],
        time_limit=PERMIT_DECISION,
        standards=[],
        fees=[services.FeeSpec("证书工本费", "0", "行政许可法第五十八条")],
    )
    assert services.power_time_limit(power) == PERMIT_DECISION
    assert power.fees.get().amount == Decimal("0.00")


def test_legal_bases_only_by_system_admin__D4(org: Org) -> None:
    with nothing_changes(*CATALOGUE), pytest.raises(PermissionDenied):
        services.legal_document_create(
            actor=org.land_head,
            title="某条例",
            level="local_regulation",
            issuing_body="某人大常委会",
            effective_on=date(2020, 1, 1),
        )
    document = services.legal_document_create(
        actor=org.system_admin,
        title="吉林省土地管理条例",
        level=LegalDocument.Level.LOCAL_REGULATION,
        issuing_body="吉林省人民代表大会常务委员会",
        effective_on=date(2020, 1, 1),
    )
    article = services.legal_article_create(
        actor=org.system_admin, document=document, number=105, text="摘要", text_is_summary=True
    )
    assert article.label == "第一百零五条"
    assert article.citation == "吉林省土地管理条例第一百零五条"
    with nothing_changes(*CATALOGUE), pytest.raises(Conflict):
        services.legal_article_create(
            actor=org.system_admin, document=document, number=105, text="x"
        )
    with nothing_changes(*CATALOGUE), pytest.raises(ValidationFailed):
        services.legal_document_update(
            actor=org.system_admin,
            document=document,
            reason="废止",
            repealed_on=date(2019, 1, 1),
        )
    services.legal_article_update(
        actor=org.system_admin,
        article=article,
        reason="换成官方文本",
        text="官方文本",
        text_is_summary=False,
    )
    article.refresh_from_db()
    assert (article.text, article.text_is_summary) == ("官方文本", False)


def test_random_inspection_list_entry__D7(org: Org) -> None:
    item = services.inspection_item_create(
        actor=org.land_head,
        agency=org.land,
        code="GT-SC-001",
        name="土地利用随机抽查",
        basis="土地管理法第六十七条",
        subject="建设用地使用者",
        content="是否按批准用途使用土地",
        method="现场检查",
        ratio_percent="5%",
        frequency="每年一次",
    )
    assert item.ratio_percent == Decimal("5")
    for ratio in ["0", "100.01", "abc", "1.005"]:
        with nothing_changes(InspectionItem), pytest.raises(ValidationFailed):
            services.inspection_item_update(
                actor=org.land_head, item=item, reason="调整", ratio_percent=ratio
            )
    item = services.inspection_item_update(
        actor=org.land_head, item=item, reason="调整", ratio_percent="100"
    )
    assert item.version == 2
    with nothing_changes(InspectionItem), pytest.raises(PermissionDenied):
        services.inspection_item_repeal(actor=org.supervisor, item=item, reason="x")
    item = services.inspection_item_repeal(actor=org.land_head, item=item, reason="不再抽查")
    assert item.repealed_on is not None


def test_system_actor_may_write__D18(org: Org) -> None:
    power = _power(org, actor=SYSTEM)
    assert LedgerEvent.objects.filter(object_id=str(power.pk), actor="system").exists()
