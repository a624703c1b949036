"""Loading a year the package does not know from a TOML file: strict validation, nothing written on
any error, a ledger event for every load (R-34)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.core.calendar_files import TEST_2027, year_file
from zhifa.accounts.actors import SYSTEM
from zhifa.accounts.models import User
from zhifa.calendars.services import calendar_year_load, calendar_years_seed
from zhifa.core import calendar, deadlines
from zhifa.core.calendar import CalendarYearUnknown
from zhifa.core.calendar_data import CalendarFileInvalid, days_sha256, parse_year_file
from zhifa.core.errors import Conflict, PermissionDenied
from zhifa.core.models import CalendarDay, CalendarYear
from zhifa.ledger.models import LedgerEvent

EXAMPLE = Path(calendar.__file__).parent / "data" / "calendar" / "2027.example.toml"


def _last_event() -> LedgerEvent:
    event = LedgerEvent.objects.order_by("-seq").first()
    assert event is not None
    return event


def _counts() -> tuple[int, int, int]:
    return CalendarYear.objects.count(), CalendarDay.objects.count(), LedgerEvent.objects.count()


def test_loading_a_year_makes_its_dates_known_and_appends_a_ledger_event__R34() -> None:
    before = _counts()
    with pytest.raises(CalendarYearUnknown):
        calendar.is_workday(date(2027, 10, 4))

    row = calendar_year_load(
        actor=SYSTEM, content=year_file(TEST_2027), file_name="2027.toml", reason="测试载入"
    )

    # 3 (元旦) + 8 (春节) + 3 (国庆节) holiday days + 1 调休 day.
    assert CalendarDay.objects.filter(year=row).count() == 15
    assert _counts() == (before[0] + 1, before[1] + 15, before[2] + 1)
    assert row.source == CalendarYear.Source.FILE
    assert row.notice == "测试用虚构通知（非官方）"
    assert row.file_name == "2027.toml"
    assert len(row.file_sha256) == 64
    assert row.content_sha256 == days_sha256(parse_year_file(year_file(TEST_2027)).days)
    event = _last_event()
    assert (event.action, event.object_type, event.object_id, event.actor) == (
        "core.calendar.load",
        "core.calendaryear",
        str(row.pk),
        "system",
    )
    assert event.version.reason == "测试载入"
    assert event.version.content["content_sha256"] == row.content_sha256
    # Seen at once by this process (the cache of 2027 was dropped on load):
    assert calendar.is_workday(date(2027, 10, 4)) is False  # Monday, 国庆节
    assert calendar.is_workday(date(2027, 2, 14)) is True  # Sunday, 调休
    assert calendar.is_workday(date(2027, 10, 6)) is True  # not listed: a plain Wednesday


def test_a_deadline_into_the_new_year_works_once_the_year_is_loaded__working_day() -> None:
    with pytest.raises(CalendarYearUnknown):
        deadlines.PENALTY_PAYMENT.from_(date(2026, 12, 20))
    calendar_year_load(actor=SYSTEM, content=year_file(TEST_2027), file_name="2027.toml")
    # 2026-12-20 + 15 days = 2027-01-04 (Monday, a working day in the test file).
    assert deadlines.PENALTY_PAYMENT.from_(date(2026, 12, 20)).due == date(2027, 1, 4)
    # 2026-12-18 + 15 = 2027-01-02, 元旦 → next working day 2027-01-04.
    assert deadlines.PENALTY_PAYMENT.from_(date(2026, 12, 18)).due == date(2027, 1, 4)


def test_loading_a_known_year_again_is_refused_without_replace__R34() -> None:
    calendar_year_load(actor=SYSTEM, content=year_file(TEST_2027), file_name="2027.toml")
    before = _counts()
    changed = TEST_2027.replace(
        "dates = [2027-10-01, 2027-10-04, 2027-10-05]", "dates = [2027-10-01]"
    )
    with pytest.raises(Conflict) as caught:
        calendar_year_load(actor=SYSTEM, content=year_file(changed), file_name="2027.toml")
    assert caught.value.code == "calendar_year_exists"
    assert _counts() == before
    with pytest.raises(Conflict):
        calendar_year_load(actor=SYSTEM, content=year_file(TEST_2027.replace("2027", "2026")))
    assert _counts() == before


def test_replace_swaps_the_days_and_records_the_reason__R34() -> None:
    calendar_year_load(actor=SYSTEM, content=year_file(TEST_2027), file_name="2027.toml")
    assert calendar.is_workday(date(2027, 10, 4)) is False
    changed = TEST_2027.replace(
        "dates = [2027-10-01, 2027-10-04, 2027-10-05]", "dates = [2027-10-01]"
    )
    before = _counts()
    row = calendar_year_load(
        actor=SYSTEM,
        content=year_file(changed),
        file_name="2027.toml",
        reason="通知更正",
        replace=True,
    )
    assert _counts() == (before[0], before[1] - 2, before[2] + 1)
    assert calendar.is_workday(date(2027, 10, 4)) is True
    assert _last_event().version.reason == "通知更正"
    assert row.content_sha256 == days_sha256(parse_year_file(year_file(changed)).days)
    assert calendar.stored_year_problems() == []


def test_only_a_system_admin_may_load_a_calendar__R34() -> None:
    officer = User.objects.create_user("officer", password="x")
    auditor = User.objects.create_user("auditor", password="x", admin_role="auditor")
    before = _counts()
    for actor in (officer, auditor):
        with pytest.raises(PermissionDenied):
            calendar_year_load(actor=actor, content=year_file(TEST_2027))
    assert _counts() == before
    admin = User.objects.create_user("sysadmin", password="x", admin_role="system_admin")
    calendar_year_load(actor=admin, content=year_file(TEST_2027))
    assert _last_event().actor == f"user:{admin.pk}"


BAD_FILES = [
    ("not toml", "year = 2027\n[[holidays]\n", "不是有效的 TOML"),
    ("no year", 'notice = "x"\n', "缺少年份"),
    ("year as text", 'year = "2027"\nnotice = "x"\n', "缺少年份"),
    ("no notice", TEST_2027.replace('notice = "测试用虚构通知（非官方）"', ""), "缺少 notice"),
    ("unknown key", "source = 1\n" + TEST_2027, "不认识的字段“source”。"),
    ("unknown holiday key", TEST_2027.replace('name = "元旦"', 'name = "元旦"\nday = 1'), "“day”"),
    ("example file", "example = true\n" + TEST_2027, "示例文件"),
    ("no holidays", 'year = 2027\nnotice = "x"\n', "缺少 [[holidays]]"),
    (
        "date outside the year",
        TEST_2027.replace("[2027-10-01,", "[2028-10-01,"),
        "2028-10-01 不在 2027 年内",
    ),
    (
        "holiday before the year",
        TEST_2027.replace("from = 2027-01-01", "from = 2026-12-31"),
        "2026-12-31 不在 2027 年内",
    ),
    ("to before from", TEST_2027.replace("to = 2027-01-03", "to = 2026-12-03"), "早于 from"),
    ("range too long", TEST_2027.replace("to = 2027-02-12", "to = 2027-04-12"), "超过 31 天"),
    (
        "both forms",
        TEST_2027.replace('name = "元旦"', 'name = "元旦"\ndates = [2027-01-01]'),
        "只用一种写法",
    ),
    (
        "neither form",
        TEST_2027.replace("dates = [2027-10-01, 2027-10-04, 2027-10-05]", ""),
        "只用一种写法",
    ),
    (
        "empty dates",
        TEST_2027.replace("[2027-10-01, 2027-10-04, 2027-10-05]", "[]"),
        "非空的日期列表",
    ),
    ("not a date", TEST_2027.replace("[2027-10-01,", "[20271001,"), "不是日期"),
    ("impossible date", TEST_2027.replace("[2027-10-01,", '["2027-02-30",'), "不是有效日期"),
    ("datetime", TEST_2027.replace("[2027-10-01,", "[2027-10-01T08:00:00,"), "不是日期"),
    (
        "duplicate holiday",
        TEST_2027.replace("2027-10-04, 2027-10-05", "2027-10-04, 2027-10-04"),
        "重复",
    ),
    ("overlapping holidays", TEST_2027.replace("[2027-10-01,", "[2027-01-03,"), "重复"),
    (
        "holiday and workday",
        TEST_2027 + '\n[[workdays]]\ndate = 2027-01-02\nname = "元旦"\n',
        "2027-01-02 重复",
    ),
    (
        "workday on a weekday",
        TEST_2027.replace("date = 2027-02-14", "date = 2027-02-15"),
        "2027-02-15 是星期一，本来就是工作日",
    ),
    (
        "workday without name",
        TEST_2027.replace('date = 2027-02-14\nname = "春节"', "date = 2027-02-14"),
        "缺少名称",
    ),
    ("blank name", TEST_2027.replace('name = "元旦"', 'name = "  "'), "缺少名称"),
    ("name too long", TEST_2027.replace('name = "元旦"', f'name = "{"节" * 65}"'), "名称太长"),
    ("holidays not an array", 'year = 2027\nnotice = "x"\nholidays = 3\n', "表格数组"),
]


@pytest.mark.parametrize(("case", "body", "expected"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_year_file_is_refused_with_a_chinese_reason_and_writes_nothing__R34(
    case: str, body: str, expected: str
) -> None:
    before = _counts()
    with pytest.raises(CalendarFileInvalid) as caught:
        calendar_year_load(actor=SYSTEM, content=year_file(body), file_name="2027.toml")
    error = caught.value
    assert error.code == "calendar_file_invalid"
    assert "未载入任何内容" in error.message
    assert any(expected in line for line in error.detail["errors"]), error.detail
    assert _counts() == before


def test_every_error_of_a_file_is_listed_at_once__R34() -> None:
    body = TEST_2027.replace("to = 2027-01-03", "to = 2028-01-03").replace(
        "date = 2027-02-14", "date = 2027-02-15"
    )
    with pytest.raises(CalendarFileInvalid) as caught:
        parse_year_file(year_file(body))
    assert len(caught.value.detail["errors"]) >= 2


def test_file_name_year_must_match_the_year_inside__R34() -> None:
    with pytest.raises(CalendarFileInvalid) as caught:
        parse_year_file(year_file(TEST_2027), file_name="/tmp/2028.toml")
    assert "文件名表明是 2028 年" in caught.value.detail["errors"][0]
    assert parse_year_file(year_file(TEST_2027), file_name="2027-official.toml").year == 2027


def test_non_utf8_and_bom_files__R34() -> None:
    with pytest.raises(CalendarFileInvalid):
        parse_year_file(TEST_2027.encode("gb18030"))
    assert parse_year_file(b"\xef\xbb\xbf" + year_file(TEST_2027)).year == 2027


def test_string_dates_in_iso_form_are_read_like_toml_dates__R34() -> None:
    quoted = TEST_2027.replace("[2027-10-01, 2027-10-04, 2027-10-05]", '["2027-10-01"]')
    days = parse_year_file(year_file(quoted)).days
    assert any(d.date == date(2027, 10, 1) and d.name == "国庆节" for d in days)


def test_the_shipped_example_is_marked_and_refused_but_otherwise_valid__R34() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "不是官方数据" in text
    before = _counts()
    with pytest.raises(CalendarFileInvalid) as caught:
        calendar_year_load(actor=SYSTEM, content=text.encode(), file_name=EXAMPLE.name)
    assert caught.value.detail["errors"] == [
        "这是示例文件（example = true），不是官方数据，不能载入。"
    ]
    assert _counts() == before
    unmarked = "\n".join(line for line in text.splitlines() if not line.startswith("example"))
    assert parse_year_file(unmarked.encode(), file_name=EXAMPLE.name).year == 2027


def test_command_load_show_list_and_check(tmp_path: Path) -> None:
    path = tmp_path / "2027.toml"
    path.write_text(TEST_2027, encoding="utf-8")
    out = io.StringIO()
    call_command("calendar", "load", str(path), "--reason", "测试", stdout=out)
    text = out.getvalue()
    assert "已载入 2027 年工作日历：15 个具名日期" in text
    assert "国庆节  2027-10-01 至 2027-10-01（1 天）" in text
    assert "2027-02-14（星期日）  春节" in text

    out = io.StringIO()
    call_command("calendar", "show", "2026", stdout=out)
    assert "工作日 248 天，休息日 117 天" in out.getvalue()
    assert "2026-10-10（星期六）  国庆节" in out.getvalue()

    out = io.StringIO()
    call_command("calendar", "list", stdout=out)
    assert out.getvalue().splitlines()[-1].startswith("2027  管理员载入的日历文件")

    out = io.StringIO()
    call_command("calendar", "check", stdout=out)
    assert "工作日历完好：24 个年份" in out.getvalue()


def test_command_refusals_exit_with_the_chinese_message_and_write_nothing(tmp_path: Path) -> None:
    before = _counts()
    err = io.StringIO()
    with pytest.raises(CommandError, match="示例文件"):
        call_command("calendar", "load", str(EXAMPLE), stderr=err)
    assert "示例文件" in err.getvalue()
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("calendar", "load", str(tmp_path / "missing.toml"))
    with pytest.raises(CommandError, match="没有 2030 年的工作日历"):
        call_command("calendar", "show", "2030")
    with pytest.raises(CommandError, match="没有用户名"):
        path = tmp_path / "2027.toml"
        path.write_text(TEST_2027, encoding="utf-8")
        call_command("calendar", "load", str(path), "--user", "nobody")
    assert _counts() == before


def test_check_command_fails_on_a_tampered_year() -> None:
    CalendarDay.objects.filter(date=date(2026, 10, 1)).update(name="改过")
    err = io.StringIO()
    with pytest.raises(CommandError, match="校验未通过"):
        call_command("calendar", "check", stderr=err)
    assert "2026 年" in err.getvalue()


def test_seed_adds_nothing_when_every_package_year_is_known__R34() -> None:
    before = _counts()
    assert calendar_years_seed(actor=SYSTEM) == []
    assert _counts() == before


def test_seed_restores_a_missing_package_year_with_a_ledger_event__R34() -> None:
    CalendarYear.objects.filter(year=2004).delete()
    before = _counts()
    rows = calendar_years_seed(actor=SYSTEM, reason="补充")
    assert [r.year for r in rows] == [2004]
    assert _counts()[0] == before[0] + 1
    assert _last_event().action == "core.calendar.seed"
    assert calendar.stored_year_problems() == []
