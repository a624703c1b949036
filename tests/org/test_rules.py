"""Pure rules: a certificate's status on a day (D-3, D-10) and the shapes of names and numbers."""

from __future__ import annotations

from datetime import date

import pytest

from zhifa.core.errors import ValidationFailed
from zhifa.org import rules
from zhifa.org.rules import CertificateStatus

FROM = date(2026, 1, 1)
TO = date(2026, 12, 31)


@pytest.mark.parametrize(
    ("day", "revoked_on", "status"),
    [
        (date(2025, 12, 31), None, CertificateStatus.NOT_YET_VALID),
        (FROM, None, CertificateStatus.VALID),
        (TO, None, CertificateStatus.VALID),
        (date(2027, 1, 1), None, CertificateStatus.EXPIRED),
        (date(2026, 6, 14), date(2026, 6, 15), CertificateStatus.VALID),
        (date(2026, 6, 15), date(2026, 6, 15), CertificateStatus.REVOKED),
        (date(2027, 1, 1), date(2026, 6, 15), CertificateStatus.REVOKED),
        (date(2025, 12, 31), date(2025, 12, 31), CertificateStatus.REVOKED),
    ],
)
def test_certificate_status_on_its_boundaries__D10(
    day: date, revoked_on: date | None, status: CertificateStatus
) -> None:
    """Both ends of the validity count as valid; a revocation counts from its own day."""
    assert (
        rules.certificate_status_on(valid_from=FROM, valid_to=TO, revoked_on=revoked_on, day=day)
        == status
    )


def test_status_labels_are_chinese__D10() -> None:
    assert [str(status.label) for status in CertificateStatus] == [
        "有效",
        "已过期",
        "尚未生效",
        "已注销",
        "未查到",
    ]


@pytest.mark.parametrize(
    ("raw", "name"),
    [("郑  伟", "郑伟"), ("杨\u3000宝", "杨宝"), (" 王 珏 ", "王珏"), ("杨凤武", "杨凤武")],
)
def test_two_character_names_lose_their_padding__O1(raw: str, name: str) -> None:
    assert rules.normalise_person_name(raw) == name


@pytest.mark.parametrize(
    ("raw", "number"),
    [("0434-5123456", "0434-5123456"), ("13912345678", "13912345678"), ("", "")],
)
def test_phones_in_their_normal_form__D9(raw: str, number: str) -> None:
    assert rules.clean_phone(raw) == number


@pytest.mark.parametrize("raw", ["12345", "0434-0123456", "电话"])
def test_bad_phones_are_refused_with_the_field__D9(raw: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        rules.clean_phone(raw, field="phone")
    assert refused.value.detail["field"] == "phone"


@pytest.mark.parametrize(("value", "ok"), [("136500", True), ("13650", False), ("1365000", False)])
def test_post_codes_are_six_digits__D9(value: str, ok: bool) -> None:
    if ok:
        rules.check_post_code(value)
    else:
        with pytest.raises(ValidationFailed):
            rules.check_post_code(value)


def test_certificate_numbers_are_stored_without_blanks_in_upper_case__D3() -> None:
    assert rules.normalise_certificate_number(" demo-bs 0001\u3000") == "DEMO-BS0001"


@pytest.mark.parametrize(
    ("title", "is_head"),
    [
        ("国土资源所所长", True),
        ("农业站站长", True),
        ("政务大厅主任", True),
        ("应急站负责人", True),
        ("党政办公室工作人员", False),
        ("副乡长", False),
    ],
)
def test_head_titles__O1(title: str, is_head: bool) -> None:
    assert rules.is_head_title(title) is is_head
