"""Demo-like data for the portal tests: a township with enforcement bodies, other departments, a
leading group hosted by the justice office, and officers whose certificates are in every state.

Rows are created with the ORM here: the portal only reads, and these tests must not depend on the
write services of ``org`` (they are tested in ``tests/org``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import pytest

from zhifa.core import clock
from zhifa.org.models import (
    Agency,
    Certificate,
    Government,
    Group,
    Officer,
    Person,
    Unit,
)

# "Today" in every portal test: the certificates below sit on the boundaries of this day.
TODAY = date(2026, 6, 15)
HOSTILE_NAME = '<script>alert("x")</script>测试所'


@dataclass
class Township:
    county: Government
    government: Government
    justice_office: Agency
    police_station: Agency
    land_office: Agency
    environment_station: Agency
    party_office: Agency
    service_hall: Agency
    abolished: Agency
    leading_group: Group
    valid: Certificate
    valid_to_today: Certificate
    expired_yesterday: Certificate
    starts_tomorrow: Certificate
    revoked_today: Certificate
    revoked_tomorrow: Certificate
    of_abolished_agency: Certificate

    @property
    def public_agencies(self) -> list[Agency]:
        return [
            self.justice_office,
            self.police_station,
            self.land_office,
            self.environment_station,
            self.party_office,
            self.service_hall,
        ]


def _officer(
    government: Government, agency: Agency, name: str, unit: Unit | None = None
) -> Officer:
    person = Person.objects.create(
        government=government, name=name, phone="13900000000", is_synthetic=True
    )
    return Officer.objects.create(person=person, agency=agency, unit=unit)


def _certificate(
    officer: Officer,
    number: str,
    valid_from: date,
    valid_to: date,
    revoked_on: date | None = None,
    revoked_reason: str = "",
) -> Certificate:
    return Certificate.objects.create(
        officer=officer,
        number=number,
        issuing_body="梨树县人民政府",
        area="白山乡行政区域",
        scope="行政处罚、行政检查",
        valid_from=valid_from,
        valid_to=valid_to,
        revoked_on=revoked_on,
        revoked_reason=revoked_reason,
    )


@pytest.fixture
def frozen_today() -> Iterator[datetime]:
    with clock.frozen(datetime(2026, 6, 15, 10, 0, tzinfo=clock.CHINA)) as at:
        yield at


@pytest.fixture
def township() -> Township:
    county = Government.objects.create(name="梨树县人民政府", level=Government.Level.COUNTY)
    government = Government.objects.create(
        name="梨树县白山乡人民政府",
        level=Government.Level.TOWNSHIP,
        parent=county,
        address="吉林省梨树县白山乡",
        post_code="136500",
    )

    def agency(name: str, kind: str, order: int, **extra: object) -> Agency:
        return Agency.objects.create(
            government=government, name=name, kind=kind, sort_order=order, **extra
        )

    justice_office = agency(
        "白山司法所",
        Agency.Kind.JUSTICE_OFFICE,
        1,
        duties="负责全乡行政执法监督，承担“三项制度”领导小组办公室日常工作。",
        division_of_work="所长负责全面工作；工作人员负责法治宣传和人民调解。",
        jurisdiction="白山乡行政区域内的行政执法监督事项",
        enforcement_area="白山乡行政区域",
        address="吉林省梨树县白山乡政府院内",
        post_code="136504",
        phone="0434-5551001",
        email="sfs@baishan.example.cn",
        office_hours="工作日 8:30—16:30",
    )
    police_station = agency(
        "白山乡派出所",
        Agency.Kind.POLICE_STATION,
        2,
        enforcement_area="白山乡行政区域",
        address="吉林省梨树县白山乡中心街",
        post_code="136504",
        phone="0434-5551110",
        email="pcs@baishan.example.cn",
    )
    land_office = agency(HOSTILE_NAME, Agency.Kind.INSTITUTE, 3, duties="<b>职责</b>")
    environment_station = agency("环境保护服务站", Agency.Kind.STATION, 4)
    party_office = agency(
        "党政办公室", Agency.Kind.OFFICE, 10, is_enforcement_body=False, phone="0434-5551000"
    )
    service_hall = agency("白山乡政府政务大厅", Agency.Kind.HALL, 11, is_enforcement_body=False)
    abolished = agency("已撤销的水管所", Agency.Kind.INSTITUTE, 5, is_active=False)
    Unit.objects.create(
        agency=justice_office, name="法制组", kind=Unit.Kind.LEGAL, duties="法制审核"
    )
    Unit.objects.create(
        agency=justice_office, name="已撤销组", kind=Unit.Kind.OTHER, is_active=False
    )
    leading_group = Group.objects.create(
        government=government,
        kind=Group.Kind.LEADING,
        name="梨树县白山乡全面推行“三项制度”工作领导小组",
        office_agency=justice_office,
    )
    Group.objects.create(
        government=government,
        kind=Group.Kind.COORDINATION,
        name="梨树县白山乡全面推行行政执法“三项制度”工作协调小组",
        office_agency=justice_office,
    )

    return Township(
        county=county,
        government=government,
        justice_office=justice_office,
        police_station=police_station,
        land_office=land_office,
        environment_station=environment_station,
        party_office=party_office,
        service_hall=service_hall,
        abolished=abolished,
        leading_group=leading_group,
        valid=_certificate(
            _officer(government, justice_office, "赵有效"),
            "JL2201-0001",
            date(2024, 1, 1),
            date(2027, 12, 31),
        ),
        valid_to_today=_certificate(
            _officer(government, police_station, "钱末日"),
            "JL2201-0002",
            date(2021, 6, 16),
            TODAY,
        ),
        expired_yesterday=_certificate(
            _officer(government, land_office, "孙过期"),
            "JL2201-0003",
            date(2021, 6, 15),
            date(2026, 6, 14),
        ),
        starts_tomorrow=_certificate(
            _officer(government, environment_station, "李明日"),
            "JL2201-0004",
            date(2026, 6, 16),
            date(2031, 6, 15),
        ),
        revoked_today=_certificate(
            _officer(government, justice_office, "周注销"),
            "JL2201-0005",
            date(2024, 1, 1),
            date(2027, 12, 31),
            revoked_on=TODAY,
            revoked_reason="因违纪被注销（内部原因）",
        ),
        revoked_tomorrow=_certificate(
            _officer(government, police_station, "吴将销"),
            "JL2201-0006",
            date(2024, 1, 1),
            date(2027, 12, 31),
            revoked_on=date(2026, 6, 16),
            revoked_reason="调离",
        ),
        of_abolished_agency=_certificate(
            _officer(government, abolished, "郑旧所"),
            "JL2201-0007",
            date(2024, 1, 1),
            date(2027, 12, 31),
        ),
    )
