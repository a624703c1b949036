"""Where a year's named days come from: the ``chinese-calendar`` package or a TOML file.

Pure functions, no database: parse and validate a year file, read a year out of the installed
package, and hash a year's days. The seeding migration (``core/migrations/0002``) and the services
use the same functions, so a seeded year and a loaded year hash the same way; keep
:func:`days_sha256` stable (``zhifa calendar check`` relies on it).

The TOML format (``docs/calendar.md``)::

    year = 2027
    notice = "国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕N号）"

    [[holidays]]
    name = "国庆节"
    from = 2027-10-01
    to = 2027-10-07

    [[holidays]]
    name = "中秋节"
    dates = [2027-09-15]

    [[workdays]]
    date = 2027-09-26
    name = "国庆节"
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext as _

from zhifa.core.errors import Code, ValidationFailed

MAX_HOLIDAY_SPAN_DAYS = 31
MAX_NAME_LENGTH = 64
MAX_NOTICE_LENGTH = 200
MIN_YEAR = 1949
MAX_YEAR = 2199

# The package names holidays in English; the official notices use these Chinese names.
PACKAGE_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}

_TOP_KEYS = {"year", "notice", "holidays", "workdays", "example"}
_HOLIDAY_KEYS = {"name", "dates", "from", "to"}
_WORKDAY_KEYS = {"date", "name"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, order=True)
class NamedDay:
    """A day the official notice names: ``is_workday`` False for a holiday, True for 调休上班."""

    date: date
    is_workday: bool
    name: str


@dataclass(frozen=True)
class YearData:
    year: int
    notice: str
    days: tuple[NamedDay, ...]


def days_sha256(days: Iterable[NamedDay]) -> str:
    """SHA-256 of the JSON list ``[["YYYY-MM-DD", is_workday, name], …]`` in date order."""
    rows = [[d.date.isoformat(), d.is_workday, d.name] for d in sorted(days)]
    payload = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --- the chinese-calendar package -------------------------------------------------------------


def package_version() -> str:
    from importlib.metadata import version

    return version("chinese-calendar")


def package_years() -> list[int]:
    """Every year the installed ``chinese-calendar`` knows (it refuses dates outside them)."""
    from chinese_calendar import constants

    years = {day.year for day in constants.holidays}
    return list(range(min(years), max(years) + 1))


def package_year(year: int) -> YearData:
    """The named days of ``year`` as the installed package knows them."""
    from chinese_calendar import constants

    if year not in package_years():
        raise ValueError(f"chinese-calendar {package_version()} has no data for {year}")
    days = [
        NamedDay(day, False, PACKAGE_HOLIDAY_NAMES.get(name, name))
        for day, name in constants.holidays.items()
        if day.year == year
    ]
    days += [
        NamedDay(day, True, PACKAGE_HOLIDAY_NAMES.get(name, name))
        for day, name in constants.workdays.items()
        if day.year == year
    ]
    return YearData(year=year, notice="", days=tuple(sorted(days)))


# --- the TOML year file -------------------------------------------------------------------------


class CalendarFileInvalid(ValidationFailed):
    default_code = "calendar_file_invalid"


def parse_year_file(content: bytes, *, file_name: str = "") -> YearData:
    """Parse and validate a year file; raise :class:`CalendarFileInvalid` listing every problem."""
    errors: list[str] = []
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid([_("文件不是 UTF-8 编码的文本。")]) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _invalid([_("文件不是有效的 TOML：%(error)s") % {"error": str(exc)}]) from None

    for key in sorted(set(raw) - _TOP_KEYS):
        errors.append(_("不认识的字段“%(key)s”。") % {"key": key})
    if "example" in raw and raw["example"] is not False:
        errors.append(_("这是示例文件（example = true），不是官方数据，不能载入。"))

    year = raw.get("year")
    if not isinstance(year, int) or isinstance(year, bool):
        errors.append(_("缺少年份：请写 year = 2027 这样的整数。"))
        raise _invalid(errors)
    if not MIN_YEAR <= year <= MAX_YEAR:
        errors.append(
            _("年份 %(year)s 不在 %(min)s–%(max)s 之内。")
            % {"year": year, "min": MIN_YEAR, "max": MAX_YEAR}
        )
        raise _invalid(errors)
    name_year = re.match(r"^(\d{4})(?!\d)", file_name.rsplit("/", 1)[-1])
    if name_year and int(name_year.group(1)) != year:
        errors.append(
            _("文件名表明是 %(name_year)s 年，但文件中写的是 year = %(year)s。")
            % {"name_year": name_year.group(1), "year": year}
        )

    notice = raw.get("notice")
    if not isinstance(notice, str) or not notice.strip():
        errors.append(_("缺少 notice：请写明所依据的国务院办公厅通知的名称和文号。"))
        notice = ""
    elif len(notice.strip()) > MAX_NOTICE_LENGTH:
        errors.append(_("notice 太长（最多 %(max)s 个字）。") % {"max": MAX_NOTICE_LENGTH})

    holidays = _entries(raw, "holidays", errors)
    workdays = _entries(raw, "workdays", errors)
    if not holidays and "holidays" in raw and isinstance(raw["holidays"], list):
        errors.append(_("holidays 不能为空：每年至少有元旦等法定节假日。"))
    elif "holidays" not in raw:
        errors.append(_("缺少 [[holidays]]：每年至少有元旦等法定节假日。"))

    seen: dict[date, str] = {}
    days: list[NamedDay] = []

    def add(day: date, is_workday: bool, name: str, where: str) -> None:
        if day.year != year:
            errors.append(
                _("%(where)s：日期 %(day)s 不在 %(year)s 年内。")
                % {"where": where, "day": day.isoformat(), "year": year}
            )
            return
        if day in seen:
            errors.append(
                _("%(where)s：日期 %(day)s 重复，已在%(other)s中出现。")
                % {"where": where, "day": day.isoformat(), "other": seen[day]}
            )
            return
        seen[day] = where
        days.append(NamedDay(day, is_workday, name))

    for index, entry in enumerate(holidays, start=1):
        where = _("第 %(n)s 个 [[holidays]]") % {"n": index}
        unknown = sorted(set(entry) - _HOLIDAY_KEYS)
        for key in unknown:
            errors.append(_("%(where)s：不认识的字段“%(key)s”。") % {"where": where, "key": key})
        name = _name(entry, where, errors)
        has_dates = "dates" in entry
        has_range = "from" in entry or "to" in entry
        if has_dates == has_range:
            errors.append(
                _("%(where)s：请只用一种写法，dates = [...] 或 from = … 和 to = …。")
                % {"where": where}
            )
            continue
        if has_dates:
            values = entry["dates"]
            if not isinstance(values, list) or not values:
                errors.append(_("%(where)s：dates 必须是非空的日期列表。") % {"where": where})
                continue
            for value in values:
                day = _date(value, where, "dates", errors)
                if day is not None:
                    add(day, False, name, where)
        else:
            start = _date(entry.get("from"), where, "from", errors)
            end = _date(entry.get("to"), where, "to", errors)
            if start is None or end is None:
                continue
            if end < start:
                errors.append(
                    _("%(where)s：to（%(to)s）早于 from（%(from)s）。")
                    % {"where": where, "to": end.isoformat(), "from": start.isoformat()}
                )
                continue
            span = (end - start).days + 1
            if span > MAX_HOLIDAY_SPAN_DAYS:
                errors.append(
                    _("%(where)s：假期长达 %(span)s 天，超过 %(max)s 天，请检查日期。")
                    % {"where": where, "span": span, "max": MAX_HOLIDAY_SPAN_DAYS}
                )
                continue
            for offset in range(span):
                add(start + timedelta(days=offset), False, name, where)

    for index, entry in enumerate(workdays, start=1):
        where = _("第 %(n)s 个 [[workdays]]") % {"n": index}
        for key in sorted(set(entry) - _WORKDAY_KEYS):
            errors.append(_("%(where)s：不认识的字段“%(key)s”。") % {"where": where, "key": key})
        name = _name(entry, where, errors)
        day = _date(entry.get("date"), where, "date", errors)
        if day is None:
            continue
        if day.weekday() < 5:
            errors.append(
                _("%(where)s：%(day)s 是%(weekday)s，本来就是工作日，不是调休上班日。")
                % {"where": where, "day": day.isoformat(), "weekday": weekday_name(day)}
            )
            continue
        add(day, True, name, where)

    if errors:
        raise _invalid(errors)
    return YearData(year=year, notice=str(notice).strip(), days=tuple(sorted(days)))


def _invalid(errors: list[str]) -> CalendarFileInvalid:
    return CalendarFileInvalid(
        _("日历文件有 %(count)s 处错误，未载入任何内容：%(first)s")
        % {"count": len(errors), "first": errors[0]},
        detail={"errors": errors},
        code=Code.CALENDAR_FILE_INVALID,
    )


def _entries(raw: dict[str, Any], key: str, errors: list[str]) -> list[dict[str, Any]]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        errors.append(_("%(key)s 必须写成 [[%(key)s]] 表格数组。") % {"key": key})
        return []
    return value


def _name(entry: dict[str, Any], where: str, errors: list[str]) -> str:
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        errors.append(_("%(where)s：缺少名称 name（如“国庆节”）。") % {"where": where})
        return ""
    name = name.strip()
    if len(name) > MAX_NAME_LENGTH:
        errors.append(
            _("%(where)s：名称太长（最多 %(max)s 个字）。")
            % {"where": where, "max": MAX_NAME_LENGTH}
        )
    return name


def _date(value: Any, where: str, key: str, errors: list[str]) -> date | None:
    """A TOML local date (``2027-10-01``) or the same written as a string; nothing else."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            errors.append(
                _("%(where)s：%(key)s 的 %(value)s 不是有效日期。")
                % {"where": where, "key": key, "value": value}
            )
            return None
    if value is None:
        errors.append(_("%(where)s：缺少 %(key)s。") % {"where": where, "key": key})
    else:
        errors.append(
            _("%(where)s：%(key)s 的值“%(value)s”不是日期，请写成 2027-10-01。")
            % {"where": where, "key": key, "value": value}
        )
    return None


def weekday_name(day: date) -> str:
    """星期一 … 星期日 for ``day`` (the error messages and the calendar command say it)."""
    names = [
        _("星期一"),
        _("星期二"),
        _("星期三"),
        _("星期四"),
        _("星期五"),
        _("星期六"),
        _("星期日"),
    ]
    return names[day.weekday()]
