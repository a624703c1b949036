"""An agency's 行政执法事项清单 and 随机抽查事项清单 (D-18) as Excel workbooks (``.xlsx``).

Export writes Chinese column headers; import reads the same layout back. Import is all or nothing:
every row is checked (the cell reading here, the rules in the services, each row in its own
savepoint so that every error is found), and if any row has an error the whole transaction is
rolled back and :class:`~zhifa.core.errors.ValidationFailed` lists each error in Chinese with
its sheet, row number and column. Rows are matched by 事项编码: a new code creates the entry, a
known code updates it (a new version when anything differs); entries missing from the file are
left as they are (repealing is a separate, deliberate act).

Workbook 行政执法事项清单: sheet 执法事项 (one row per power), sheet 裁量基准 (rows by 事项编码),
sheet 收费 (rows by 事项编码). Workbook 随机抽查事项清单: sheet 随机抽查事项.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils.exceptions import InvalidFileException

from zhifa.accounts.actors import Actor
from zhifa.catalogue import procedures, selectors, services
from zhifa.catalogue.errors import Code
from zhifa.catalogue.models import InspectionItem, Power
from zhifa.core.deadlines import LegalLimit, Unit
from zhifa.core.errors import DomainError, ValidationFailed
from zhifa.org.models import Agency

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
IMPORT_REASON = "Excel 清单导入"

POWER_SHEET = "执法事项"
STANDARD_SHEET = "裁量基准"
FEE_SHEET = "收费"
INSPECTION_SHEET = "随机抽查事项"

POWER_COLUMNS = [
    ("code", "事项编码"),
    ("name", "事项名称"),
    ("act_type", "执法类别"),
    ("subject", "实施对象"),
    ("procedure", "办理程序"),
    ("bases", "执法依据"),
    ("limit_amount", "办理时限"),
    ("limit_unit", "时限单位"),
    ("limit_basis", "时限依据"),
]
STANDARD_COLUMNS = [
    ("code", "事项编码"),
    ("circumstance", "违法情形"),
    ("measure", "处理措施"),
    ("fine_from", "罚款下限（元）"),
    ("fine_to", "罚款上限（元）"),
]
FEE_COLUMNS = [
    ("code", "事项编码"),
    ("item", "收费项目"),
    ("amount", "收费标准（元）"),
    ("basis", "收费依据"),
]
INSPECTION_COLUMNS = [
    ("code", "事项编码"),
    ("name", "抽查事项"),
    ("basis", "抽查依据"),
    ("subject", "抽查对象"),
    ("content", "抽查内容"),
    ("method", "抽查方式"),
    ("ratio_percent", "抽查比例（%）"),
    ("frequency", "抽查频次"),
]
BASIS_SEPARATOR = "；"

_UNIT_NAMES = {
    Unit.WORKING_DAYS: "工作日",
    Unit.CALENDAR_DAYS: "日",
    Unit.MONTHS: "月",
    Unit.YEARS: "年",
    Unit.HOURS: "小时",
}


@dataclass
class RowError:
    sheet: str
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = _("“%(sheet)s”第%(row)s行") % {"sheet": self.sheet, "row": self.row}
        if self.column:
            where += _("“%(column)s”列") % {"column": self.column}
        return f"{where}：{self.message}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


# --- export -------------------------------------------------------------------------------------


def _sheet(workbook: Workbook, title: str, columns: list[tuple[str, str]], first: bool) -> Any:
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title
    sheet.append([label for _key, label in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for index in range(len(columns)):
        sheet.column_dimensions[chr(ord("A") + index)].width = 22
    sheet.freeze_panes = "A2"
    return sheet


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_powers(agency: Agency) -> bytes:
    """The agency's current 行政执法事项清单 as ``.xlsx`` bytes."""
    workbook = Workbook()
    powers = _sheet(workbook, POWER_SHEET, POWER_COLUMNS, True)
    standards = _sheet(workbook, STANDARD_SHEET, STANDARD_COLUMNS, False)
    fees = _sheet(workbook, FEE_SHEET, FEE_COLUMNS, False)
    for power in selectors.current_powers_of(agency):
        definition = procedures.shipped().get(power.procedure)
        powers.append(
            [
                power.code,
                power.name,
                str(Power.ActType(power.act_type).label),
                power.subject,
                definition.name if definition else power.procedure,
                BASIS_SEPARATOR.join(b.article.citation for b in power.bases.all()),
                power.time_limit_amount,
                _UNIT_NAMES[Unit(power.time_limit_unit)] if power.time_limit_unit else "",
                power.time_limit_basis,
            ]
        )
        for standard in power.standards.all():
            standards.append(
                [
                    power.code,
                    standard.circumstance,
                    standard.measure,
                    _money_cell(standard.fine_from),
                    _money_cell(standard.fine_to),
                ]
            )
        for fee in power.fees.all():
            fees.append([power.code, fee.item, _money_cell(fee.amount), fee.basis])
    return _save(workbook)


def export_inspections(agency: Agency) -> bytes:
    """The agency's current 随机抽查事项清单 as ``.xlsx`` bytes."""
    workbook = Workbook()
    sheet = _sheet(workbook, INSPECTION_SHEET, INSPECTION_COLUMNS, True)
    for item in selectors.current_inspections_of(agency):
        sheet.append(
            [
                item.code,
                item.name,
                item.basis,
                item.subject,
                item.content,
                item.method,
                str(item.ratio_percent.normalize()),
                item.frequency,
            ]
        )
    return _save(workbook)


def _money_cell(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


# --- reading ------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _open(data: bytes) -> Any:
    if len(data) > MAX_BYTES:
        raise ValidationFailed(
            _("文件超过 5 MB，请拆分后再导入。"), code=Code.FILE_TOO_LARGE, detail={"field": "file"}
        )
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, Exception):  # zip, XML and format errors of a damaged file
        raise ValidationFailed(
            _("无法读取该文件：请上传 Excel（.xlsx）格式的清单。"),
            code=Code.NOT_XLSX,
            detail={"field": "file"},
        ) from None


def _rows(
    workbook: Any,
    title: str,
    columns: list[tuple[str, str]],
    errors: list[RowError],
    *,
    required: bool = True,
) -> Iterator[tuple[int, dict[str, str]]]:
    if title not in workbook.sheetnames:
        if required:
            errors.append(RowError(title, 1, "", _("缺少工作表“%(sheet)s”。") % {"sheet": title}))
        return
    sheet = workbook[title]
    header: list[str] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number == 1:
            header = [_text(v) for v in values]
            missing = [label for _key, label in columns if label not in header]
            for label in missing:
                errors.append(
                    RowError(title, 1, label, _("缺少这一列（表头须与导出的清单一致）。"))
                )
            if missing:
                return
            continue
        if number > MAX_ROWS + 1:
            errors.append(
                RowError(title, number, "", _("行数超过 %(max)s 行。") % {"max": MAX_ROWS})
            )
            return
        cells = {h: _text(v) for h, v in zip(header, values, strict=False)}
        if not any(cells.values()):
            continue
        yield number, {key: cells.get(label, "") for key, label in columns}


def _label(columns: list[tuple[str, str]], key: str) -> str:
    return dict(columns).get(key, "")


def _error_column(exc: DomainError, columns: list[tuple[str, str]]) -> str:
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    return _label(columns, str(detail.get("field", "")))


def _fail(errors: list[RowError]) -> None:
    errors.sort(key=lambda e: (e.sheet, e.row, e.column))
    shown = "；".join(str(e) for e in errors[:5])
    more = _("等 %(count)s 处错误") % {"count": len(errors)} if len(errors) > 5 else ""
    raise ValidationFailed(
        _("清单有错误，未导入任何内容：%(errors)s%(more)s。") % {"errors": shown, "more": more},
        code=Code.IMPORT_ERRORS,
        detail=[e.as_dict() for e in errors],
    )


# --- import: powers -----------------------------------------------------------------------------


_ACT_TYPES = {str(label): value for value, label in Power.ActType.choices}
_ACT_TYPES.update(
    {str(label).removeprefix("行政"): value for value, label in Power.ActType.choices}
)
_UNITS = {name: unit for unit, name in _UNIT_NAMES.items()}
_UNITS.update({"个工作日": Unit.WORKING_DAYS, "天": Unit.CALENDAR_DAYS, "个月": Unit.MONTHS})


@dataclass
class _PowerRow:
    row: int
    values: dict[str, str]
    standards: list[services.StandardSpec] = field(default_factory=list)
    fees: list[services.FeeSpec] = field(default_factory=list)


def _power_fields(entry: _PowerRow, errors: list[RowError]) -> dict[str, Any] | None:
    values, row = entry.values, entry.row
    before = len(errors)

    def error(key: str, message: str) -> None:
        errors.append(RowError(POWER_SHEET, row, _label(POWER_COLUMNS, key), message))

    for key in ("code", "name", "act_type", "procedure", "bases"):
        if not values[key]:
            error(key, _("不能为空。"))
    act_type = _ACT_TYPES.get(values["act_type"], values["act_type"])
    if values["act_type"] and act_type not in Power.ActType.values:
        error("act_type", _("“%(value)s”不是有效的执法类别。") % {"value": values["act_type"]})
    by_name = {d.name: slug for slug, d in procedures.shipped().items()}
    procedure = by_name.get(values["procedure"], values["procedure"])
    if values["procedure"] and procedure not in procedures.shipped():
        error("procedure", _("未知的办理程序“%(value)s”。") % {"value": values["procedure"]})
    bases = []
    for citation in filter(
        None, (c.strip() for c in values["bases"].replace(";", "；").split("；"))
    ):
        try:
            article = selectors.article_by_citation(citation)
        except ValidationFailed:
            article = None
        if article is None:
            error(
                "bases",
                _("找不到条文“%(citation)s”（请先在执法依据中登记）。") % {"citation": citation},
            )
        else:
            bases.append(article)
    time_limit: LegalLimit | None = None
    amount, unit, basis = values["limit_amount"], values["limit_unit"], values["limit_basis"]
    if amount or unit or basis:
        if not amount.isdigit() or int(amount) < 1:
            error("limit_amount", _("办理时限须是正整数。"))
        if unit not in _UNITS:
            error("limit_unit", _("时限单位须是工作日、日、月、年或小时。"))
        if not basis:
            error("limit_basis", _("填写了办理时限，须写明时限依据。"))
        if amount.isdigit() and int(amount) >= 1 and unit in _UNITS and basis:
            time_limit = LegalLimit(int(amount), _UNITS[unit], basis)
    if len(errors) > before:
        return None
    return {
        "code": values["code"],
        "name": values["name"],
        "act_type": act_type,
        "subject": values["subject"],
        "procedure": procedure,
        "bases": bases,
        "time_limit": time_limit,
        "standards": entry.standards,
        "fees": entry.fees,
    }


def import_powers(*, actor: Actor, agency: Agency, data: bytes) -> ImportResult:
    """Import the agency's 行政执法事项清单 (all or nothing); returns what was done."""
    services.require_catalogue_maintainer(actor, agency)
    workbook = _open(data)
    errors: list[RowError] = []
    entries: dict[str, _PowerRow] = {}
    for number, values in _rows(workbook, POWER_SHEET, POWER_COLUMNS, errors):
        if values["code"] in entries:
            errors.append(RowError(POWER_SHEET, number, "事项编码", _("事项编码在清单中重复。")))
            continue
        entries[values["code"]] = _PowerRow(number, values)
    for number, values in _rows(workbook, STANDARD_SHEET, STANDARD_COLUMNS, errors, required=False):
        target = entries.get(values["code"])
        if target is None:
            errors.append(
                RowError(STANDARD_SHEET, number, "事项编码", _("执法事项表中没有这个事项编码。"))
            )
            continue
        spec = services.StandardSpec(
            values["circumstance"], values["measure"], values["fine_from"], values["fine_to"]
        )
        problem = services.standard_problem(spec)
        if problem is not None:
            key, message = problem
            errors.append(RowError(STANDARD_SHEET, number, _label(STANDARD_COLUMNS, key), message))
            continue
        target.standards.append(spec)
    for number, values in _rows(workbook, FEE_SHEET, FEE_COLUMNS, errors, required=False):
        target = entries.get(values["code"])
        if target is None:
            errors.append(
                RowError(FEE_SHEET, number, "事项编码", _("执法事项表中没有这个事项编码。"))
            )
            continue
        fee = services.FeeSpec(values["item"], values["amount"], values["basis"])
        problem = services.fee_problem(fee)
        if problem is not None:
            key, message = problem
            errors.append(RowError(FEE_SHEET, number, _label(FEE_COLUMNS, key), message))
            continue
        target.fees.append(fee)
    workbook.close()
    result = ImportResult()
    with transaction.atomic():
        for entry in entries.values():
            fields = _power_fields(entry, errors)
            if fields is None:
                continue
            existing = Power.objects.filter(agency=agency, code=fields["code"]).first()
            try:
                with transaction.atomic():
                    if existing is None:
                        services.power_create(
                            actor=actor, agency=agency, reason=IMPORT_REASON, **fields
                        )
                        result.created += 1
                    else:
                        fields.pop("code")
                        version = existing.version
                        updated = services.power_update(
                            actor=actor, power=existing, reason=IMPORT_REASON, **fields
                        )
                        if updated.version == version:
                            result.unchanged += 1
                        else:
                            result.updated += 1
            except DomainError as exc:
                errors.append(
                    RowError(POWER_SHEET, entry.row, _error_column(exc, POWER_COLUMNS), exc.message)
                )
        if errors:
            _fail(errors)
    return result


# --- import: random-inspection list -------------------------------------------------------------


def import_inspections(*, actor: Actor, agency: Agency, data: bytes) -> ImportResult:
    """Import the agency's 随机抽查事项清单 (all or nothing)."""
    services.require_catalogue_maintainer(actor, agency)
    workbook = _open(data)
    errors: list[RowError] = []
    rows: list[tuple[int, dict[str, str]]] = []
    seen: dict[str, int] = defaultdict(int)
    for number, values in _rows(workbook, INSPECTION_SHEET, INSPECTION_COLUMNS, errors):
        seen[values["code"]] += 1
        if seen[values["code"]] > 1:
            errors.append(
                RowError(INSPECTION_SHEET, number, "事项编码", _("事项编码在清单中重复。"))
            )
            continue
        rows.append((number, values))
    workbook.close()
    result = ImportResult()
    with transaction.atomic():
        for number, values in rows:
            missing = [key for key, _label_ in INSPECTION_COLUMNS if not values[key]]
            for key in missing:
                errors.append(
                    RowError(
                        INSPECTION_SHEET, number, _label(INSPECTION_COLUMNS, key), _("不能为空。")
                    )
                )
            if missing:
                continue
            existing = InspectionItem.objects.filter(agency=agency, code=values["code"]).first()
            try:
                with transaction.atomic():
                    if existing is None:
                        services.inspection_item_create(
                            actor=actor, agency=agency, reason=IMPORT_REASON, **values
                        )
                        result.created += 1
                    else:
                        changes = {k: v for k, v in values.items() if k != "code"}
                        version = existing.version
                        updated = services.inspection_item_update(
                            actor=actor,
                            item=existing,
                            reason=IMPORT_REASON,
                            **changes,
                        )
                        if updated.version == version:
                            result.unchanged += 1
                        else:
                            result.updated += 1
            except DomainError as exc:
                errors.append(
                    RowError(
                        INSPECTION_SHEET,
                        number,
                        _error_column(exc, INSPECTION_COLUMNS),
                        exc.message,
                    )
                )
        if errors:
            _fail(errors)
    return result
