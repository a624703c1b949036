"""The catalogue demo (``zhifa demo load``): several Baishan agencies have powers and a random-
inspection list, loading twice adds nothing, and the ledger verifies after replacing rows."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from zhifa.accounts.actors import SYSTEM
from zhifa.catalogue import services
from zhifa.catalogue.demo import load_demo_catalogue
from zhifa.catalogue.models import InspectionItem, LegalArticle, Power
from zhifa.ledger.models import LedgerEvent
from zhifa.ledger.verify import verify_ledger
from zhifa.org.demo import load_baishan


def test_demo_catalogue_for_several_agencies_is_idempotent__D18() -> None:
    township = load_baishan().township
    created = load_demo_catalogue(township)
    assert created["power"] >= 8 and created["inspection_item"] >= 4
    agencies = set(Power.objects.values_list("agency__name", flat=True))
    assert agencies >= {"国土资源所", "环境保护服务站", "林业服务站", "司法所"}
    assert set(InspectionItem.objects.values_list("agency__name", flat=True)) == agencies
    assert LegalArticle.objects.filter(document__short_title="行政处罚法", number=64).exists()
    events = LedgerEvent.objects.count()
    assert not load_demo_catalogue(township)
    assert LedgerEvent.objects.count() == events


def test_ledger_verifies_after_rows_are_replaced__R34() -> None:
    load_demo_catalogue(load_baishan().township)
    power = Power.objects.get(code="BS-GT-CF-001")
    services.power_update(
        actor=SYSTEM,
        power=power,
        reason="裁量基准调整",
        standards=[services.StandardSpec("一般", "警告")],
    )
    report = verify_ledger()
    assert report.problems == []


def test_demo_load_command_loads_the_catalogue() -> None:
    call_command("demo", "load", stdout=StringIO())
    assert Power.objects.filter(agency__name="林业服务站").count() >= 3
