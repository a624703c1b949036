"""Excel 行政执法事项清单 and 随机抽查事项清单 (D-18): round trip, row-level Chinese errors with row
and column, and nothing imported from a file with any error."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from tests.catalogue.conftest import cite
from tests.org.conftest import Org, ledger_size, nothing_changes
from zhifa.catalogue import services, xlsx
from zhifa.catalogue.models import DiscretionStandard, InspectionItem, Power, PowerBasis, PowerFee
from zhifa.core.deadlines import PENALTY_DECISION
from zhifa.core.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.usefixtures("laws")

TABLES = (Power, PowerBasis, DiscretionStandard, PowerFee, InspectionItem)


def _seed(org: Org) -> None:
    services.power_create(
        actor=org.land_head,
        agency=org.land,
        act_type=Power.ActType.PENALTY,
        code="GT-CF-001",
        name="对非法占用土地的行政处罚",
        subject="公民、法人或者其他组织",
        procedure="penalty_general",
        bases=[cite("土地管理法第七十七条"), cite("行政处罚法第二十八条")],
        time_limit=PENALTY_DECISION,
        standards=[
            services.StandardSpec("情节轻微", "处罚款", "100", "1000"),
            services.StandardSpec("情节严重", "处罚款", "1000", "5000.50"),
        ],
        fees=[services.FeeSpec("工本费", "10", "收费文件")],
    )
    services.power_create(
        actor=org.land_head,
        agency=org.land,
        act_type=Power.ActType.INSPECTION,
        code="GT-JC-001",
        name="土地利用情况监督检查",
        procedure="inspection",
        bases=[cite("土地管理法第六十七条")],
    )
    services.inspection_item_create(
        actor=org.land_head,
        agency=org.land,
        code="GT-SC-001",
        name="土地利用随机抽查",
        basis="土地管理法第六十七条",
        subject="建设用地使用者",
        content="是否按批准用途使用土地",
        method="现场检查",
        ratio_percent="5.5",
        frequency="每年一次",
    )


def snapshot(org: Org) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for power in Power.objects.filter(agency=org.land).order_by("code"):
        out.append(
            (
                power.code,
                power.name,
                power.act_type,
                power.subject,
                power.procedure,
                power.time_limit_amount,
                power.time_limit_unit,
                power.time_limit_basis,
                [b.article_id for b in power.bases.order_by("sort_order")],
                list(
                    power.standards.order_by("sort_order").values_list(
                        "circumstance", "measure", "fine_from", "fine_to"
                    )
                ),
                list(power.fees.order_by("sort_order").values_list("item", "amount", "basis")),
            )
        )
    return out


def test_export_has_chinese_headers_and_values__D18(org: Org) -> None:
    _seed(org)
    book = load_workbook(io.BytesIO(xlsx.export_powers(org.land)))
    assert book.sheetnames == ["执法事项", "裁量基准", "收费"]
    rows = list(book["执法事项"].iter_rows(values_only=True))
    assert rows[0] == (
        "事项编码",
        "事项名称",
        "执法类别",
        "实施对象",
        "办理程序",
        "执法依据",
        "办理时限",
        "时限单位",
        "时限依据",
    )
    assert rows[1][2:6] == (
        "行政处罚",
        "公民、法人或者其他组织",
        "行政处罚一般程序",
        "土地管理法第七十七条；行政处罚法第二十八条",
    )
    assert rows[1][6:] == (90, "日", "行政处罚法第六十条")
    standards = list(book["裁量基准"].iter_rows(values_only=True))
    assert standards[2] == ("GT-CF-001", "情节严重", "处罚款", "1000.00", "5000.50")


def test_round_trip_changes_nothing_and_writes_no_event__D18(org: Org) -> None:
    _seed(org)
    before = snapshot(org)
    events = ledger_size()
    result = xlsx.import_powers(
        actor=org.land_head, agency=org.land, data=xlsx.export_powers(org.land)
    )
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    inspections = xlsx.import_inspections(
        actor=org.land_head, agency=org.land, data=xlsx.export_inspections(org.land)
    )
    assert inspections.unchanged == 1
    assert snapshot(org) == before and ledger_size() == events


def test_import_into_another_agency_creates_the_same_catalogue__D18(org: Org) -> None:
    _seed(org)
    data = xlsx.export_powers(org.land)
    result = xlsx.import_powers(actor=org.forest_head, agency=org.forest, data=data)
    assert result.created == 2
    copied = Power.objects.get(agency=org.forest, code="GT-CF-001")
    assert copied.standards.count() == 2 and copied.fees.get().amount == Decimal("10.00")
    assert copied.bases.count() == 2
    result = xlsx.import_inspections(
        actor=org.forest_head, agency=org.forest, data=xlsx.export_inspections(org.land)
    )
    assert InspectionItem.objects.get(agency=org.forest).ratio_percent == Decimal("5.50")


def test_edited_row_becomes_a_new_version_through_the_service__D18(org: Org) -> None:
    _seed(org)
    book = load_workbook(io.BytesIO(xlsx.export_powers(org.land)))
    book["执法事项"]["B2"] = "对非法占用土地行为的行政处罚"
    buffer = io.BytesIO()
    book.save(buffer)
    result = xlsx.import_powers(actor=org.land_head, agency=org.land, data=buffer.getvalue())
    assert (result.updated, result.unchanged) == (1, 1)
    power = Power.objects.get(agency=org.land, code="GT-CF-001")
    assert (power.name, power.version) == ("对非法占用土地行为的行政处罚", 2)


def _bad_file(org: Org) -> bytes:
    book = load_workbook(io.BytesIO(xlsx.export_powers(org.land)))
    powers = book["执法事项"]
    powers["B2"] = "改过的名称"  # a valid change that must not be applied either
    powers.append(
        ["GT-NEW-1", "新事项", "行政处分", "", "行政处罚一般程序", "土地管理法第七十七条"]
    )
    powers.append(["GT-NEW-2", "", "行政处罚", "", "不存在的程序", "土地管理法第九百条"])
    powers.append(
        [
            "GT-NEW-3",
            "新事项三",
            "行政处罚",
            "",
            "行政处罚一般程序",
            "土地管理法第七十七条",
            "x",
            "周",
            "",
        ]
    )
    book["裁量基准"].append(["GT-CF-001", "情形", "措施", "5000", "100"])
    book["裁量基准"].append(["NO-SUCH", "情形", "措施", "1", "2"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_file_with_several_bad_rows_imports_nothing__D18(org: Org) -> None:
    _seed(org)
    data = _bad_file(org)
    before = snapshot(org)
    with nothing_changes(*TABLES), pytest.raises(ValidationFailed) as refused:
        xlsx.import_powers(actor=org.land_head, agency=org.land, data=data)
    assert snapshot(org) == before
    error = refused.value
    assert error.code == "import_errors"
    where = {(e["sheet"], e["row"], e["column"]) for e in error.detail}
    assert ("执法事项", 4, "执法类别") in where  # 行政处分 is no act type
    assert ("执法事项", 5, "事项名称") in where
    assert ("执法事项", 5, "办理程序") in where
    assert ("执法事项", 5, "执法依据") in where
    assert ("执法事项", 6, "办理时限") in where
    assert ("执法事项", 6, "时限单位") in where
    assert ("执法事项", 6, "时限依据") in where
    assert ("裁量基准", 4, "罚款下限（元）") in where
    assert ("裁量基准", 5, "事项编码") in where
    assert error.message.startswith("清单有错误，未导入任何内容：")
    assert "“执法事项”第4行“执法类别”列：“行政处分”不是有效的执法类别。" in error.message


def test_service_rule_breach_in_a_row_also_rolls_back_everything__D18(org: Org) -> None:
    _seed(org)
    book = load_workbook(io.BytesIO(xlsx.export_powers(org.land)))
    # A valid new row first, then a row the service refuses (permit procedure for a penalty).
    book["执法事项"].append(
        ["GT-NEW-1", "新事项", "行政处罚", "", "行政处罚一般程序", "土地管理法第七十七条"]
    )
    book["执法事项"].append(
        ["GT-NEW-2", "新事项二", "行政处罚", "", "行政许可", "土地管理法第七十七条"]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    with nothing_changes(*TABLES), pytest.raises(ValidationFailed) as refused:
        xlsx.import_powers(actor=org.land_head, agency=org.land, data=buffer.getvalue())
    assert [(e["row"], e["column"]) for e in refused.value.detail] == [(5, "办理程序")]


def test_inspection_list_bad_rows_import_nothing__D7(org: Org) -> None:
    _seed(org)
    book = load_workbook(io.BytesIO(xlsx.export_inspections(org.land)))
    sheet = book["随机抽查事项"]
    sheet.append(["SC-2", "事项二", "依据", "对象", "内容", "方式", "150", "每年"])
    sheet.append(["SC-3", "事项三", "", "对象", "内容", "方式", "5", "每年"])
    sheet.append(["SC-2", "重复", "依据", "对象", "内容", "方式", "5", "每年"])
    buffer = io.BytesIO()
    book.save(buffer)
    with nothing_changes(*TABLES), pytest.raises(ValidationFailed) as refused:
        xlsx.import_inspections(actor=org.land_head, agency=org.land, data=buffer.getvalue())
    where = {(e["row"], e["column"]) for e in refused.value.detail}
    assert where == {(3, "抽查比例（%）"), (4, "抽查依据"), (5, "事项编码")}


def test_not_an_xlsx_or_wrong_headers_is_refused(org: Org) -> None:
    with nothing_changes(*TABLES), pytest.raises(ValidationFailed) as refused:
        xlsx.import_powers(actor=org.land_head, agency=org.land, data=b"not a workbook")
    assert refused.value.code == "not_xlsx"
    book = Workbook()
    book.active.title = "执法事项"
    book.active.append(["编码", "名称"])
    buffer = io.BytesIO()
    book.save(buffer)
    with nothing_changes(*TABLES), pytest.raises(ValidationFailed) as refused:
        xlsx.import_powers(actor=org.land_head, agency=org.land, data=buffer.getvalue())
    assert {e["column"] for e in refused.value.detail} >= {"事项编码", "执法依据"}


def test_only_the_agency_head_imports__D18(org: Org) -> None:
    _seed(org)
    data = xlsx.export_powers(org.land)
    for actor in (org.forest_head, org.land_officer_user, org.supervisor):
        with nothing_changes(*TABLES), pytest.raises(PermissionDenied):
            xlsx.import_powers(actor=actor, agency=org.land, data=data)
