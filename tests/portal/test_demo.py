"""The portal over the Baishan demo: the home page lists every agency of the founding document."""

from __future__ import annotations

import re

from django.test import Client

from zhifa.org.demo import load_baishan
from zhifa.org.models import Agency, Certificate

# Every department and station of 附件1 (the leading group's list), as the document names them.
FOUNDING_DOCUMENT_AGENCIES = [
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


def test_home_lists_every_agency_of_the_founding_document__D2_O1(client: Client) -> None:
    load_baishan()
    html = client.get("/").content.decode()
    linked = re.findall(r'<a href="/agencies/(\d+)/">([^<]+)</a>', html)
    names = {name for _, name in linked}
    for name in FOUNDING_DOCUMENT_AGENCIES:
        assert name in names, name
    assert "白山乡" in html
    assert {int(pk) for pk, _ in linked} == set(
        Agency.objects.filter(is_active=True).values_list("id", flat=True)
    )


def test_every_demo_agency_page_and_certificate_check_renders__D2_D10(client: Client) -> None:
    load_baishan()
    for agency in Agency.objects.filter(is_active=True):
        response = client.get(f"/agencies/{agency.id}/")
        assert response.status_code == 200, agency.name
    for certificate in Certificate.objects.all():
        response = client.get("/verify/", {"no": certificate.number})
        assert certificate.officer.person.name in response.content.decode()
    contact = client.get("/contact/").content.decode()
    assert re.search(r"领导小组办公室设在\s*司法所", contact)
