"""Staff reads, scoped to the actor (O-3, D-3), the history of an object, and "is this a valid
officer today?" (D-10)."""

from __future__ import annotations

from datetime import date

import pytest

from zhifa.accounts.actors import SYSTEM
from zhifa.accounts.models import ApiToken
from zhifa.core import clock
from zhifa.core.errors import NotFound
from zhifa.org import selectors, services
from zhifa.org.rules import CertificateStatus

from .conftest import Org, make_user


def names(queryset: object) -> set[str]:
    return {agency.name for agency in queryset}  # type: ignore[attr-defined]


def test_agency_staff_read_their_own_agency_only__O3(org: Org) -> None:
    assert names(selectors.agencies_visible_to(org.land_head)) == {"国土资源所"}
    assert names(selectors.agencies_visible_to(org.land_officer_user)) == {"国土资源所"}
    with pytest.raises(NotFound):
        selectors.agency_get_for_actor(actor=org.land_head, agency_id=org.forest.pk)
    with pytest.raises(NotFound):
        selectors.officer_get_for_actor(actor=org.land_head, officer_id=org.forest_officer.pk)
    with pytest.raises(NotFound):
        selectors.certificate_get_for_actor(
            actor=org.land_head, certificate_id=org.forest_certificate.pk
        )


def test_the_supervisor_reads_every_agency_of_the_township__O3(org: Org) -> None:
    assert names(selectors.agencies_visible_to(org.supervisor)) == {
        "国土资源所",
        "林业服务站",
        "司法所",
    }
    assert set(selectors.officers_visible_to(org.supervisor)) == {
        org.land_officer,
        org.forest_officer,
    }


def test_someone_without_a_role_reads_nothing__O3(org: Org) -> None:
    nobody = make_user("nobody")
    assert not selectors.agencies_visible_to(nobody).exists()
    assert not selectors.certificates_visible_to(nobody).exists()


def test_the_system_admin_reads_the_organisation__O1(org: Org) -> None:
    assert names(selectors.agencies_visible_to(org.system_admin)) == {
        "国土资源所",
        "林业服务站",
        "司法所",
    }


def test_a_token_reads_its_own_agency_with_org_read__O1(org: Org) -> None:
    def token(scopes: list[str], agency: object) -> ApiToken:
        return ApiToken.objects.create(
            name="t",
            prefix=f"p{ApiToken.objects.count()}",
            secret_sha256="0" * 64,
            agency=agency,
            scopes=scopes,
            created_at=clock.now(),
        )

    assert names(selectors.agencies_visible_to(token(["org:read"], org.land))) == {"国土资源所"}
    assert not selectors.agencies_visible_to(token(["evidence:upload"], org.land)).exists()
    assert selectors.agencies_visible_to(token(["org:read", "x:y"], None)).count() == 3


def test_history_lists_every_version_with_who_when_why__O1(org: Org) -> None:
    services.agency_update(actor=org.land_head, agency=org.land, reason="第一次", duties="一")
    services.agency_update(actor=org.land_head, agency=org.land, reason="第二次", duties="二")
    history = selectors.history_of(org.land)
    assert [(entry.action, entry.reason, entry.content["duties"]) for entry in history] == [
        ("org.agency.create", "", ""),
        ("org.agency.update", "第一次", "一"),
        ("org.agency.update", "第二次", "二"),
    ]
    assert [entry.actor_name for entry in history] == ["系统", "land_head", "land_head"]
    assert history[0].seq < history[1].seq < history[2].seq
    assert all(entry.at == clock.now() for entry in history)


def certificate_on(number: str, day: date) -> CertificateStatus:
    return selectors.certificate_status(number, on=day).status


def test_certificate_status_boundaries_from_the_database__D10(org: Org) -> None:
    number = org.land_certificate.number  # valid 2025-01-01 .. 2030-12-31
    assert certificate_on(number, date(2024, 12, 31)) == CertificateStatus.NOT_YET_VALID
    assert certificate_on(number, date(2025, 1, 1)) == CertificateStatus.VALID
    assert certificate_on(number, date(2030, 12, 31)) == CertificateStatus.VALID
    assert certificate_on(number, date(2031, 1, 1)) == CertificateStatus.EXPIRED
    services.certificate_revoke(
        actor=SYSTEM, certificate=org.land_certificate, reason="注销", on=date(2026, 3, 1)
    )
    assert certificate_on(number, date(2026, 2, 28)) == CertificateStatus.VALID
    assert certificate_on(number, date(2026, 3, 1)) == CertificateStatus.REVOKED


def test_certificate_status_today_unknown_and_typed_loosely__D10(org: Org) -> None:
    check = selectors.certificate_status(" test-0001 ")
    assert check.is_valid and check.checked_on == clock.today()
    assert check.certificate is not None
    assert check.certificate.officer.person.name == "测试执法员甲"
    assert selectors.certificate_status("NO-SUCH").status == CertificateStatus.UNKNOWN
    assert selectors.certificate_status("").status == CertificateStatus.UNKNOWN
    assert selectors.certificate_status("A\x00B").status == CertificateStatus.UNKNOWN
    assert selectors.certificate_status("9" * 41).status == CertificateStatus.UNKNOWN
