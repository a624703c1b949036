"""The portal over the Baishan demo: the home page lists every agency of the founding document."""

from __future__ import annotations

import re

from django.test import Client

from tests.org.test_demo import ANNEX_1_AGENCIES as FOUNDING_DOCUMENT_AGENCIES
from zhifa.org.demo import load_baishan
from zhifa.org.models import Agency, Certificate


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
