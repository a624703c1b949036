"""The Baishan demo: exactly what 附件1 and 附件2 of the founding document say, loaded through the
services, idempotently (O-1, O-3, D-2, D-3)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from zhifa.core import clock
from zhifa.ledger.models import LedgerEvent
from zhifa.org import selectors
from zhifa.org.demo import DemoLoad, load_baishan
from zhifa.org.models import (
    Agency,
    Certificate,
    Government,
    Group,
    GroupMembership,
    Officer,
    Person,
    Post,
    Unit,
)
from zhifa.org.rules import CertificateStatus

from .conftest import rows

# 附件1, in the order of the list.
ANNEX_1_AGENCIES = [
    "党政办公室",
    "人力资源和社会保障所",
    "农业站",
    "政务大厅",
    "派出所",
    "司法所",
    "财政所",
    "国土资源所",
    "扶贫和社会保障服务站",
    "环境保护服务站",
    "畜牧站",
    "住房和城建所",
    "应急站",
    "交通站",
    "水管所",
    "安全生产管理站",
    "农机服务站",
    "林业服务站",
    "卫生健康服务站",
    "退役军人服务站",
]

NOT_ENFORCEMENT_BODIES = {
    "党政办公室",
    "人力资源和社会保障所",
    "政务大厅",
    "财政所",
    "扶贫和社会保障服务站",
    "退役军人服务站",
}

LEADING_GROUP = {
    "杨凤武": {"leader"},
    "王立国": {"deputy_leader", "office_director"},
    "咸志言": {"deputy_leader"},
    "李春杰": {"deputy_leader"},
    "郑伟": {"deputy_leader"},
    "崔海艳": {"deputy_leader"},
    "杨宝": {"deputy_leader"},
    "王跃超": {"deputy_leader"},
    "王海": {"member", "office_deputy_director"},
    "王建友": {"member"},
    "夏玉梅": {"member"},
    "常兴": {"member"},
    "陈天威": {"member", "office_deputy_director"},
    "王洪彬": {"member"},
    "唐辛军": {"member"},
    "王珏": {"member"},
    "李宝昌": {"member"},
    "徐丁双": {"member"},
    "程义淇": {"member"},
    "刘成河": {"member"},
    "李向英": {"member"},
    "邢立武": {"member"},
    "刘权": {"member"},
}

COORDINATION_GROUP = {
    "王立国": {"leader"},
    "王海": {"member"},
    "王建友": {"member"},
    "陈天威": {"member", "office_director"},
}

# The lines of 附件1 with a title and no name, read as a second post of the person above
# (docs/demo.md): (holder, title, agency).
UNNAMED_LINES = [
    ("王海", "人力资源和社会保障所所长", "人力资源和社会保障所"),
    ("王建友", "农业站站长", "农业站"),
    ("李宝昌", "畜牧站站长", "畜牧站"),
    ("徐丁双", "应急站负责人", "应急站"),
]
VACANT_LINES = [
    ("水管所负责人", "水管所"),
    ("安全生产管理站负责人", "安全生产管理站"),
]

ORG_MODELS = (Government, Agency, Unit, Person, Post, Officer, Certificate, Group, GroupMembership)


@pytest.fixture
def demo() -> DemoLoad:
    with clock.frozen(datetime(2026, 11, 27, 9, 0, tzinfo=clock.CHINA)):
        return load_baishan()


def roles_by_name(group: Group) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for membership in group.memberships.filter(ended_on__isnull=True).select_related("person"):
        if membership.person is None:
            continue  # a member by vacant post: see the vacant-post test
        found[membership.person.name].add(membership.role)
    return dict(found)


def test_the_governments_nest_province_city_county_township__O1(demo: DemoLoad) -> None:
    township = demo.township
    chain = []
    government: Government | None = township
    while government is not None:
        chain.append((government.name, government.level, government.division_code))
        government = government.parent
    assert chain == [
        ("白山乡", "township", ""),
        ("梨树县", "county", "220322"),
        ("四平市", "city", "220300"),
        ("吉林省", "province", "220000"),
    ]


def test_every_agency_of_annex_1_is_present_with_an_honest_enforcement_flag__O1_D2(
    demo: DemoLoad,
) -> None:
    agencies = list(Agency.objects.filter(government=demo.township).order_by("sort_order"))
    assert [agency.name for agency in agencies] == ANNEX_1_AGENCIES
    assert {a.name for a in agencies if not a.is_enforcement_body} == NOT_ENFORCEMENT_BODIES
    kinds = {agency.name: agency.kind for agency in agencies}
    assert kinds["司法所"] == Agency.Kind.JUSTICE_OFFICE
    assert kinds["派出所"] == Agency.Kind.POLICE_STATION
    assert kinds["政务大厅"] == Agency.Kind.HALL
    assert kinds["党政办公室"] == Agency.Kind.OFFICE


def test_invented_contacts_are_plainly_demo_data__D2(demo: DemoLoad) -> None:
    for agency in Agency.objects.filter(government=demo.township):
        assert agency.phone.startswith("0434-1000")
        assert "演示" in agency.duties and "演示" in agency.address


def test_every_agency_has_a_handling_unit_and_enforcement_bodies_a_legal_unit__L1(
    demo: DemoLoad,
) -> None:
    for agency in Agency.objects.filter(government=demo.township):
        kinds = set(agency.units.values_list("kind", flat=True))
        expected = (
            {Unit.Kind.HANDLING, Unit.Kind.LEGAL}
            if agency.is_enforcement_body
            else {Unit.Kind.HANDLING}
        )
        assert kinds == expected, agency.name


def test_every_named_member_of_the_leading_group_has_their_role__O3(demo: DemoLoad) -> None:
    group = Group.objects.get(government=demo.township, kind=Group.Kind.LEADING)
    assert group.name == "梨树县白山乡全面推行“三项制度”工作领导小组"
    assert group.office_agency is not None and group.office_agency.name == "司法所"
    assert roles_by_name(group) == LEADING_GROUP


def test_every_named_member_of_the_coordination_group_has_their_role__O3(demo: DemoLoad) -> None:
    group = Group.objects.get(government=demo.township, kind=Group.Kind.COORDINATION)
    assert group.name == "梨树县白山乡全面推行行政执法“三项制度”工作协调小组"
    assert group.office_agency is not None and group.office_agency.name == "司法所"
    assert "陈天威" in group.office_duties
    assert roles_by_name(group) == COORDINATION_GROUP


def test_members_sit_for_their_post_with_every_title_the_document_gives__O3(
    demo: DemoLoad,
) -> None:
    leading = Group.objects.get(government=demo.township, kind=Group.Kind.LEADING)
    leader = leading.memberships.get(role="leader")
    assert leader.post is not None and leader.post.title == "乡长"
    assert leader.title == "乡党委副书记、乡长"
    cheng = leading.memberships.get(role="member", person__name="程义淇")
    assert cheng.title == "交通站负责人"


def test_names_padded_in_the_document_are_stored_without_blanks__O1(demo: DemoLoad) -> None:
    for name in ["郑伟", "杨宝", "王海", "王珏", "常兴", "刘权"]:
        assert Person.objects.filter(government=demo.township, name=name).exists()
    assert not Person.objects.filter(name__contains=" ").exists()


def test_an_indented_unnamed_title_line_is_a_second_post_of_the_person_above__O1(
    demo: DemoLoad,
) -> None:
    """The reading chosen in docs/demo.md for the unnamed lines indented into the title column."""
    for holder, title, agency in UNNAMED_LINES:
        post = Post.objects.get(government=demo.township, title=title)
        assert post.holder is not None and post.holder.name == holder
        assert post.agency is not None and post.agency.name == agency
        assert post.is_head


def test_an_unnamed_line_in_the_name_column_is_a_vacant_post_in_the_group__O1_O3(
    demo: DemoLoad,
) -> None:
    """水管所负责人 and 安全生产管理站负责人 start where names start and name nobody: posts with
    no named holder, kept vacant, and members of the leading group by post."""
    leading = Group.objects.get(government=demo.township, kind=Group.Kind.LEADING)
    vacant = Post.objects.filter(government=demo.township, holder__isnull=True)
    assert sorted((post.title, post.agency.name) for post in vacant if post.agency) == sorted(
        VACANT_LINES
    )
    for title, _agency in VACANT_LINES:
        post = vacant.get(title=title)
        assert post.is_head
        membership = leading.memberships.get(post=post)
        assert membership.person is None
        assert membership.role == GroupMembership.Role.MEMBER
        assert membership.title == title
    held = Post.objects.filter(government=demo.township, holder__isnull=False)
    assert held.filter(holder__is_synthetic=False).count() == held.count() == 28
    assert Post.objects.filter(government=demo.township).count() == 30


def test_every_agency_of_annex_1_has_a_head_post_held_or_vacant__O1(demo: DemoLoad) -> None:
    vacant_agencies = {agency for _title, agency in VACANT_LINES}
    for name in ANNEX_1_AGENCIES:
        heads = Post.objects.filter(agency__name=name, is_head=True)
        assert heads.exists(), name
        assert heads.filter(holder__isnull=False).exists() == (name not in vacant_agencies), name


def test_synthetic_officers_show_every_certificate_status__D3_D10(demo: DemoLoad) -> None:
    officers = Officer.objects.filter(agency__government=demo.township).select_related("person")
    assert officers.count() == 10
    assert all(officer.person.is_synthetic for officer in officers)
    assert all(officer.person.name.startswith("演示执法员") for officer in officers)
    agencies = set(officers.values_list("agency__name", flat=True))
    assert {"国土资源所", "环境保护服务站", "司法所", "林业服务站"} <= agencies
    assert "派出所" not in agencies
    day = date(2026, 11, 27)
    statuses = {
        number: selectors.certificate_status(number, on=day).status
        for number in Certificate.objects.values_list("number", flat=True)
    }
    assert all(number.startswith("DEMO-BS-") for number in statuses)
    assert statuses["DEMO-BS-0002"] == CertificateStatus.EXPIRED
    assert statuses["DEMO-BS-0004"] == CertificateStatus.REVOKED
    assert statuses["DEMO-BS-0006"] == CertificateStatus.NOT_YET_VALID
    assert list(statuses.values()).count(CertificateStatus.VALID) == 7


def test_every_demo_write_is_a_ledger_event_of_the_system__O1(demo: DemoLoad) -> None:
    events = LedgerEvent.objects.filter(action__startswith="org.")
    assert events.count() == demo.total_created
    assert set(events.values_list("actor", flat=True)) == {"system"}


def test_loading_twice_creates_nothing_and_records_nothing__O1(demo: DemoLoad) -> None:
    before = ([rows(model) for model in ORG_MODELS], LedgerEvent.objects.count())
    with clock.frozen(datetime(2026, 11, 28, 9, 0, tzinfo=clock.CHINA)):
        again = load_baishan()
    assert again.total_created == 0
    assert ([rows(model) for model in ORG_MODELS], LedgerEvent.objects.count()) == before


def test_the_demo_command_loads_and_prints_the_demo_logins__O1() -> None:
    first, second = StringIO(), StringIO()
    call_command("demo", "load", stdout=first)
    assert "白山乡演示数据已载入" in first.getvalue()
    assert "demo_agency_head" in first.getvalue()
    size = LedgerEvent.objects.filter(action__startswith="org.").count()
    call_command("demo", "load", stdout=second)
    assert "未作任何改动" in second.getvalue()
    assert LedgerEvent.objects.filter(action__startswith="org.").count() == size
