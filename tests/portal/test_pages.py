"""The public pages (D-2, D-3, D-9, D-10): anonymous, Chinese, escaped, self-contained."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from tests.portal.conftest import Township
from zhifa.core import clock
from zhifa.org.models import Agency, Certificate, Officer, Person

PAGES = ["/", "/agencies/", "/officers/", "/officers/?all=1", "/verify/", "/contact/"]


def _html(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _text(html: str) -> str:
    """The page without tags, for assertions on what a reader sees."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- every page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_page_renders_for_anonymous_users_with_csp_and_only_own_assets__D15(
    client: Client, township: Township, frozen_today: datetime, url: str
) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    # Every stylesheet, script, image and icon comes from this site: no CDN, no absolute URL.
    for reference in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert not reference.startswith(("http://", "https://", "//")), (url, reference)
    assert "http://" not in html and "https://" not in html
    assert "style=" not in html  # inline styles would be blocked by the CSP
    # The header links every public section, the integrity page by its path.
    for label, target in [
        ("首页", "/"),
        ("执法主体", "/agencies/"),
        ("执法人员", "/officers/"),
        ("证件查验", "/verify/"),
        ("投诉监督", "/contact/"),
        ("数据完整性", "/integrity/"),
    ]:
        assert re.search(rf'<a href="{re.escape(target)}"[^>]*>{label}</a>', html), label


def test_hostile_agency_name_is_escaped_on_every_page__D2(
    client: Client, township: Township, frozen_today: datetime
) -> None:
    pages = [
        *(page for page in PAGES if page != "/verify/"),
        f"/agencies/{township.land_office.id}/",
        "/verify/?no=JL2201-0003",
        f"/officers/?agency={township.land_office.id}&all=1",
    ]
    for url in pages:
        html = _html(client, url)
        assert "<script>" not in html, url
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;测试所" in html, url
    assert "&lt;b&gt;职责&lt;/b&gt;" in _html(client, f"/agencies/{township.land_office.id}/")


def test_hostile_input_is_escaped_in_search_and_verify_forms__D10(
    client: Client, township: Township
) -> None:
    hostile = '"><script>alert(1)</script>'
    for url in ["/officers/", "/verify/"]:
        key = "q" if url == "/officers/" else "no"
        html = client.get(url, {key: hostile}).content.decode()
        assert "<script>alert(1)" not in html
        assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_pages_work_with_no_data_yet(client: Client, frozen_today: datetime) -> None:
    for url in PAGES:
        html = _html(client, url)
        assert "行政执法信息公示平台" in html


def test_pages_refuse_writes_and_change_nothing(client: Client, township: Township) -> None:
    before = (Agency.objects.count(), Certificate.objects.count(), Person.objects.count())
    for url in [*PAGES, f"/agencies/{township.justice_office.id}/"]:
        assert client.post(url, {"name": "x"}).status_code == 405
    assert (Agency.objects.count(), Certificate.objects.count(), Person.objects.count()) == before


# --- home and agencies (D-2) ----------------------------------------------------------------------


def test_home_lists_every_agency_of_the_government_grouped__D2(
    client: Client, township: Township, frozen_today: datetime
) -> None:
    html = _html(client, "/")
    text = _text(html)
    assert "梨树县白山乡人民政府" in text and "上级政府：梨树县人民政府" in text
    for agency in township.public_agencies:
        link = f'href="/agencies/{agency.id}/"'
        assert link in html, agency.name
    assert "已撤销的水管所" not in text
    enforcement, _, others = text.partition("其他参与“三项制度”的部门")
    assert "白山司法所" in enforcement and "白山乡派出所" in enforcement
    assert "党政办公室" in others and "白山乡政府政务大厅" in others
    assert "党政办公室" not in enforcement.split("行政执法主体", 2)[-1]
    for system in ["行政执法公示制度", "执法全过程记录制度", "重大执法决定法制审核制度"]:
        assert system in text
    assert "共 6 个" in text


def test_agency_list_shows_every_active_agency__D2(client: Client, township: Township) -> None:
    html = _html(client, "/agencies/")
    for agency in township.public_agencies:
        assert f'href="/agencies/{agency.id}/"' in html
    assert f'href="/agencies/{township.abolished.id}/"' not in html


def test_agency_detail_shows_the_fields_of_article_6_and_its_valid_officers__D2(
    client: Client, township: Township, frozen_today: datetime
) -> None:
    text = _text(_html(client, f"/agencies/{township.justice_office.id}/"))
    for expected in [
        "白山司法所",
        "负责全乡行政执法监督",  # duties
        "所长负责全面工作",  # division of work
        "白山乡行政区域内的行政执法监督事项",  # jurisdiction
        "执法区域 白山乡行政区域",
        "法制组",  # internal unit
        "吉林省梨树县白山乡政府院内",
        "136504",
        "0434-5551001",
        "sfs@baishan.example.cn",
        "工作日 8:30—16:30",
        "赵有效",  # valid certificate
        "JL2201-0001",
    ]:
        assert expected in text, expected
    assert "已撤销组" not in text  # inactive unit
    assert "周注销" not in text  # revoked today: not an officer today
    assert "13900000000" not in text  # a person's phone is never public


def test_entrusted_agency_names_its_entrusting_agency__D2(
    client: Client, township: Township
) -> None:
    entrusted = Agency.objects.create(
        government=township.government,
        name="农业综合执法队白山中队",
        kind=Agency.Kind.OTHER,
        is_entrusted=True,
        entrusted_by=township.justice_office,
    )
    text = _text(_html(client, f"/agencies/{entrusted.id}/"))
    assert "委托机关 白山司法所" in text


def test_website_is_a_link_only_when_it_is_http__D2(client: Client, township: Township) -> None:
    agency = township.police_station
    agency.website = "javascript:alert(1)"
    agency.save(update_fields=["website"])
    html = _html(client, f"/agencies/{agency.id}/")
    assert 'href="javascript:' not in html
    agency.website = "https://gaj.example.gov.cn/"
    agency.save(update_fields=["website"])
    html = _html(client, f"/agencies/{agency.id}/")
    assert '<a href="https://gaj.example.gov.cn/" rel="noopener noreferrer nofollow">' in html


@pytest.mark.parametrize(
    "path",
    ["/agencies/999999/", "/agencies/99999999999999999999999/", "/agencies/0/", "/no-such-page/"],
)
def test_unknown_pages_answer_404_in_chinese(client: Client, township: Township, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_inactive_agency_is_not_published__D2(client: Client, township: Township) -> None:
    assert client.get(f"/agencies/{township.abolished.id}/").status_code == 404


def test_server_error_page_is_chinese_and_self_contained() -> None:
    response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "服务暂时不可用" in html
    assert "https://" not in html and "http://" not in html


def test_robots_txt_and_favicon_are_served(client: Client) -> None:
    robots = client.get("/robots.txt")
    assert robots.status_code == 200
    assert robots["Content-Type"].startswith("text/plain")
    assert "Disallow: /staff/" in robots.content.decode()
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 301
    assert favicon["Location"].endswith("portal/favicon.svg")
    assert 'rel="icon"' in _html(client, "/")


# --- officers (D-3) -------------------------------------------------------------------------------


def test_officer_list_shows_only_certificates_valid_today_by_default__D3(
    client: Client, township: Township, frozen_today: datetime
) -> None:
    text = _text(_html(client, "/officers/"))
    assert "赵有效" in text and "JL2201-0001" in text
    assert "钱末日" in text  # valid_to is today: still valid
    assert "吴将销" in text  # revoked from tomorrow: still valid today
    for absent in ["孙过期", "李明日", "周注销", "郑旧所"]:
        assert absent not in text, absent
    assert "共 3 条" in text
    # The published columns of 公示办法第七条: name, agency, number, area, validity.
    assert "白山司法所" in text and "白山乡行政区域" in text and "2024-01-01 至 2027-12-31" in text
    assert "13900000000" not in text


def test_officer_list_can_show_every_certificate_with_its_status__D3(
    client: Client, township: Township, frozen_today: datetime
) -> None:
    text = _text(_html(client, "/officers/?all=1"))
    for name, status in [
        ("赵有效", "有效"),
        ("孙过期", "已过期"),
        ("李明日", "尚未生效"),
        ("周注销", "已注销"),
    ]:
        assert re.search(rf"{name} .*? {status}", text), name
    assert "郑旧所" not in text  # agency no longer active
    assert "因违纪" not in text  # the reason for revocation is not public
    assert "共 6 条" in text


@pytest.mark.parametrize(
    ("query", "expected", "unexpected"),
    [
        ({"q": "赵有效"}, "赵有效", "钱末日"),
        ({"q": "赵"}, "赵有效", "钱末日"),
        ({"q": "jl2201-0002"}, "钱末日", "赵有效"),
        ({"q": "派出所"}, "钱末日", "赵有效"),
        ({"q": " 赵有效\u0000 "}, "赵有效", "钱末日"),
    ],
)
def test_officer_search_by_name_number_or_agency__D3(
    client: Client,
    township: Township,
    frozen_today: datetime,
    query: dict[str, str],
    expected: str,
    unexpected: str,
) -> None:
    text = _text(_html(client, "/officers/?" + "&".join(f"{k}={v}" for k, v in query.items())))
    assert expected in text and unexpected not in text


def test_officer_filter_by_agency__D3(
    client: Client, township: Township, frozen_today: datetime
) -> None:
    text = _text(_html(client, f"/officers/?agency={township.police_station.id}"))
    assert "钱末日" in text and "吴将销" in text and "赵有效" not in text
    for garbage in ["abc", "-1", "99999999999999999999999", "١٢"]:
        assert client.get("/officers/", {"agency": garbage}).status_code == 200


def test_officer_list_is_paginated_by_20__D3(
    client: Client, township: Township, frozen_today: datetime
) -> None:
    for index in range(25):
        officer = Officer.objects.create(
            person=Person.objects.create(government=township.government, name=f"测试{index:02d}"),
            agency=township.party_office,
        )
        Certificate.objects.create(
            officer=officer,
            number=f"PAGE-{index:02d}",
            issuing_body="梨树县人民政府",
            area="白山乡",
            valid_from=date(2026, 1, 1),
            valid_to=date(2026, 12, 31),
        )
    first = _text(_html(client, "/officers/?q=测试"))
    assert "共 25 条" in first and "第 1 页，共 2 页" in first
    assert first.count("PAGE-") == 20
    second_html = _html(client, "/officers/?q=测试&page=2")
    assert _text(second_html).count("PAGE-") == 5
    assert "q=%E6%B5%8B%E8%AF%95&amp;page=1" in second_html  # the search is kept across pages
    assert client.get("/officers/?q=测试&page=999").status_code == 200
    assert client.get("/officers/?q=测试&page=abc").status_code == 200


# --- verification (D-10) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "day", "headline"),
    [
        ("JL2201-0001", date(2026, 6, 15), "有效：该执法证件今天有效"),
        # valid_to is 2026-06-15: valid on that day, expired the next.
        ("JL2201-0002", date(2026, 6, 15), "有效：该执法证件今天有效"),
        ("JL2201-0002", date(2026, 6, 16), "已过期：该执法证件已经失效"),
        # valid_from is 2026-06-16: not yet valid the day before, valid on the day.
        ("JL2201-0004", date(2026, 6, 15), "尚未生效：该执法证件今天还不能使用"),
        ("JL2201-0004", date(2026, 6, 16), "有效：该执法证件今天有效"),
        # revoked_on 2026-06-16: still valid the day before, revoked on the day.
        ("JL2201-0006", date(2026, 6, 15), "有效：该执法证件今天有效"),
        ("JL2201-0006", date(2026, 6, 16), "已注销：该执法证件已经失效"),
        ("JL2201-0005", date(2026, 6, 15), "已注销：该执法证件已经失效"),
        ("JL2201-0003", date(2026, 6, 15), "已过期：该执法证件已经失效"),
        ("NO-SUCH-NUMBER", date(2026, 6, 15), "未查到：本平台没有这个编号的执法证件"),
    ],
)
def test_verify_page_answers_each_status_on_its_boundary_days__D10(
    client: Client, township: Township, number: str, day: date, headline: str
) -> None:
    with clock.frozen(datetime(day.year, day.month, day.day, 9, 0, tzinfo=clock.CHINA)):
        text = _text(_html(client, f"/verify/?no={number}"))
    assert headline in text
    assert f"{day.year}年{day.month}月{day.day}日" in text


def test_valid_verification_names_the_officer_agency_area_and_validity__D10(
    client: Client, township: Township, frozen_today: datetime
) -> None:
    text = _text(_html(client, "/verify/?no=JL2201-0002"))
    assert "持证人 钱末日 是 白山乡派出所 的执法人员" in text
    assert "白山乡行政区域" in text and "2021年6月16日 至 2026年6月15日" in text


def test_verification_shows_only_the_certificates_public_data__D10(
    client: Client, township: Township, frozen_today: datetime
) -> None:
    text = _text(_html(client, "/verify/?no=JL2201-0005"))
    assert "周注销" in text and "注销日期 2026年6月15日" in text
    assert "违纪" not in text and "13900000000" not in text and "梨树县人民政府" not in text


def test_verification_accepts_blanks_around_the_number_from_a_qr_link__D10(
    client: Client, township: Township, frozen_today: datetime
) -> None:
    assert "有效：该执法证件今天有效" in _text(_html(client, "/verify/?no=%20JL2201-0001%E3%80%80"))


@pytest.mark.parametrize("number", ["", "   ", "JL\u00002201", "x" * 41, "%", "'; drop table"])
def test_verification_of_garbage_is_unknown_not_an_error__D10(
    client: Client, township: Township, number: str
) -> None:
    response = client.get("/verify/", {"no": number})
    assert response.status_code == 200
    assert "未查到" in response.content.decode()


def test_verify_form_without_a_number_shows_only_the_form(client: Client) -> None:
    html = _html(client, "/verify/")
    assert 'name="no"' in html and "未查到" not in html


# --- complaints and supervision (D-9) -------------------------------------------------------------


def test_contact_page_gives_every_agencys_address_post_code_phone_and_email__D9(
    client: Client, township: Township
) -> None:
    html = _html(client, "/contact/")
    text = _text(html)
    for agency in township.public_agencies:
        assert f'href="/agencies/{agency.id}/"' in html
    for expected in [
        "吉林省梨树县白山乡中心街",
        "0434-5551110",
        "pcs@baishan.example.cn",
        "136504",
    ]:
        assert expected in text
    assert "领导小组办公室设在白山司法所" in text
    assert "受理反馈程序" in text and "本乡" in text
    assert "工作领导小组" in text
    assert "已撤销的水管所" not in text


def test_contact_page_falls_back_to_the_justice_office_without_a_group__D9(
    client: Client, township: Township
) -> None:
    township.leading_group.office_agency = None
    township.leading_group.save(update_fields=["office_agency"])
    assert "领导小组办公室设在白山司法所" in _text(_html(client, "/contact/"))


# --- queries ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "max_queries"),
    [
        ("/", 1),
        ("/agencies/", 1),
        ("/officers/?all=1", 3),
        ("/verify/?no=JL2201-0001", 1),
        ("/contact/", 2),
    ],
)
def test_pages_do_not_query_per_row(
    client: Client,
    township: Township,
    frozen_today: datetime,
    django_assert_max_num_queries: object,
    url: str,
    max_queries: int,
) -> None:
    # Many more rows than the fixture: the number of queries must not grow with them.
    for index in range(30):
        agency = Agency.objects.create(
            government=township.government, name=f"附加站{index}", kind=Agency.Kind.STATION
        )
        officer = Officer.objects.create(
            person=Person.objects.create(government=township.government, name=f"附加{index}"),
            agency=agency,
        )
        Certificate.objects.create(
            officer=officer,
            number=f"EXTRA-{index}",
            issuing_body="梨树县人民政府",
            area="白山乡",
            valid_from=date(2026, 1, 1),
            valid_to=date(2026, 12, 31),
        )
    with django_assert_max_num_queries(max_queries):  # type: ignore[operator]
        assert client.get(url).status_code == 200


def test_agency_detail_queries_do_not_grow_with_its_officers(
    client: Client,
    township: Township,
    frozen_today: datetime,
    django_assert_max_num_queries: object,
) -> None:
    for index in range(30):
        officer = Officer.objects.create(
            person=Person.objects.create(government=township.government, name=f"附加{index}"),
            agency=township.justice_office,
        )
        Certificate.objects.create(
            officer=officer,
            number=f"EXTRA-{index}",
            issuing_body="梨树县人民政府",
            area="白山乡",
            valid_from=date(2026, 1, 1),
            valid_to=date(2026, 12, 31),
        )
    with django_assert_max_num_queries(3):  # type: ignore[operator]
        assert client.get(f"/agencies/{township.justice_office.id}/").status_code == 200
