"""Roles and the separation of the three admin duties (security model S-6; 记录办法 第三十六条:
access rights)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.accounts.support import grant, make_user, signed_in_client
from zhifa.accounts import access, services
from zhifa.accounts.models import RoleAssignment, SecurityEvent, User
from zhifa.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhifa.ledger.models import LedgerEvent
from zhifa.org.models import Agency, Government, Unit
from zhifa.org.selectors import agencies_readable_by

Role = RoleAssignment.Role
AdminRole = User.AdminRole
Kind = SecurityEvent.Kind


@pytest.fixture
def security_admin() -> User:
    return make_user("sec.admin", admin_role=AdminRole.SECURITY)


def _counts() -> tuple[int, int, int]:
    return (
        RoleAssignment.objects.count(),
        LedgerEvent.objects.count(),
        SecurityEvent.objects.count(),
    )


def test_security_admin_grants_a_role_with_a_ledger_event__S6(
    security_admin: User, land_agency: Agency, land_unit: Unit
) -> None:
    officer = make_user("li.wei")

    assignment = services.role_grant(
        actor=security_admin, user=officer, agency=land_agency, role=Role.OFFICER, unit=land_unit
    )

    assert access.has_role(officer, land_agency, Role.OFFICER)
    assert assignment.granted_by == security_admin
    event = LedgerEvent.objects.get(action="accounts.role.grant")
    assert event.object_id == str(assignment.pk)
    assert event.actor == f"user:{security_admin.pk}"
    logged = SecurityEvent.objects.get(kind=Kind.ROLE_GRANTED)
    assert logged.actor == security_admin and logged.user == officer
    assert "国土资源所" in logged.detail


def test_security_admin_cannot_grant_a_role_to_themselves__S6(
    security_admin: User, land_agency: Agency
) -> None:
    before = _counts()

    with pytest.raises(PermissionDenied) as refused:
        services.role_grant(
            actor=security_admin, user=security_admin, agency=land_agency, role=Role.OFFICER
        )

    assert refused.value.code == "separation_of_duties"
    assert "自己" in refused.value.message
    assert _counts() == before


@pytest.mark.parametrize("admin_role", [AdminRole.SYSTEM, AdminRole.AUDITOR])
def test_only_the_security_admin_grants_roles__S6(admin_role: str, land_agency: Agency) -> None:
    actor = make_user("some.admin", admin_role=admin_role)
    officer = make_user("li.wei")
    before = _counts()

    with pytest.raises(PermissionDenied):
        services.role_grant(actor=actor, user=officer, agency=land_agency, role=Role.OFFICER)

    assert _counts() == before


@pytest.mark.parametrize("admin_role", [AdminRole.SYSTEM, AdminRole.SECURITY, AdminRole.AUDITOR])
def test_no_admin_may_hold_an_agency_role__S6(
    admin_role: str, security_admin: User, land_agency: Agency
) -> None:
    admin = make_user("other.admin", admin_role=admin_role)
    before = _counts()

    with pytest.raises(PermissionDenied) as refused:
        services.role_grant(actor=security_admin, user=admin, agency=land_agency, role=Role.OFFICER)

    assert refused.value.code == "separation_of_duties"
    assert _counts() == before


@pytest.mark.parametrize("admin_role", [AdminRole.SYSTEM, AdminRole.SECURITY, AdminRole.AUDITOR])
def test_admin_roles_read_no_agency_even_with_a_stray_role_row__S6(
    admin_role: str, land_agency: Agency, justice_office: Agency
) -> None:
    admin = make_user("x.admin", admin_role=admin_role)
    # A row written around role_grant (e.g. by hand in the database) still gives an admin nothing.
    RoleAssignment.objects.create(
        user=admin, agency=justice_office, role=Role.SUPERVISOR, granted_at=services.clock.now()
    )

    assert list(agencies_readable_by(admin)) == []
    assert not access.has_role(admin, None, *Role.values)
    assert not access.is_supervisor(admin)


def test_supervisor_role_only_in_the_justice_office_and_reads_every_agency__S6(
    security_admin: User, government: Government, land_agency: Agency, justice_office: Agency
) -> None:
    supervisor = make_user("zhang.jian")
    before = _counts()

    with pytest.raises(ValidationFailed):
        services.role_grant(
            actor=security_admin, user=supervisor, agency=land_agency, role=Role.SUPERVISOR
        )
    assert _counts() == before

    services.role_grant(
        actor=security_admin, user=supervisor, agency=justice_office, role=Role.SUPERVISOR
    )
    assert set(agencies_readable_by(supervisor)) == {land_agency, justice_office}


def test_officer_reads_only_their_own_agency__S6(
    land_agency: Agency, justice_office: Agency
) -> None:
    officer = make_user("li.wei")
    grant(officer, land_agency, Role.OFFICER)

    assert list(agencies_readable_by(officer)) == [land_agency]


def test_revoking_ends_the_role_and_keeps_the_row__S6(
    security_admin: User, land_agency: Agency
) -> None:
    officer = make_user("li.wei")
    services.role_grant(actor=security_admin, user=officer, agency=land_agency, role=Role.OFFICER)

    revoked = services.role_revoke(
        actor=security_admin, user=officer, agency=land_agency, role=Role.OFFICER, reason="调岗"
    )

    assert revoked.revoked_at is not None
    assert not access.has_role(officer, land_agency, Role.OFFICER)
    assert RoleAssignment.objects.filter(user=officer).count() == 1
    assert LedgerEvent.objects.filter(action="accounts.role.revoke").count() == 1
    with pytest.raises(NotFound):
        services.role_revoke(
            actor=security_admin, user=officer, agency=land_agency, role=Role.OFFICER
        )


def test_a_role_is_not_granted_twice__S6(security_admin: User, land_agency: Agency) -> None:
    officer = make_user("li.wei")
    services.role_grant(actor=security_admin, user=officer, agency=land_agency, role=Role.OFFICER)
    before = _counts()

    with pytest.raises(Conflict):
        services.role_grant(
            actor=security_admin, user=officer, agency=land_agency, role=Role.OFFICER
        )

    assert _counts() == before


def test_unit_must_belong_to_the_agency__S6(
    security_admin: User, justice_office: Agency, land_unit: Unit
) -> None:
    officer = make_user("li.wei")

    with pytest.raises(ValidationFailed):
        services.role_grant(
            actor=security_admin,
            user=officer,
            agency=justice_office,
            role=Role.OFFICER,
            unit=land_unit,
        )


def test_role_page_grants_and_revokes_over_http__S6(
    security_admin: User, land_agency: Agency
) -> None:
    officer = make_user("li.wei")
    client = signed_in_client(security_admin)

    granted = client.post(
        "/staff/roles/",
        {"username": "li.wei", "agency": land_agency.pk, "role": Role.OFFICER, "reason": "新任"},
    )
    assignment = RoleAssignment.objects.get(user=officer)
    listed = client.get("/staff/roles/")
    revoked = client.post(f"/staff/roles/{assignment.pk}/revoke/", {"reason": "调岗"})

    assert granted.status_code == 302
    assert "li.wei" in listed.content.decode()
    assert revoked.status_code == 302
    assignment.refresh_from_db()
    assert assignment.revoked_at is not None


def test_role_page_shows_the_refusal_when_granting_to_oneself__S6(
    security_admin: User, land_agency: Agency
) -> None:
    client = signed_in_client(security_admin)
    before = _counts()

    response = client.post(
        "/staff/roles/",
        {"username": "sec.admin", "agency": land_agency.pk, "role": Role.OFFICER},
    )

    assert response.status_code == 200
    assert "管理员不能给自己授予角色" in response.content.decode()
    # Signing in wrote its own LOGIN line before; the refusal wrote nothing.
    assert _counts() == before


@pytest.mark.parametrize(
    ("admin_role", "path", "status"),
    [
        (AdminRole.SECURITY, "/staff/roles/", 200),
        (AdminRole.SYSTEM, "/staff/roles/", 403),
        (AdminRole.AUDITOR, "/staff/roles/", 403),
        ("", "/staff/roles/", 403),
        (AdminRole.AUDITOR, "/staff/security-log/", 200),
        (AdminRole.SYSTEM, "/staff/security-log/", 403),
        (AdminRole.SECURITY, "/staff/security-log/", 403),
        ("", "/staff/security-log/", 403),
        (AdminRole.SYSTEM, "/admin/", 200),
        (AdminRole.SECURITY, "/admin/", 403),
        (AdminRole.AUDITOR, "/admin/", 403),
        ("", "/admin/", 403),
    ],
)
def test_each_admin_page_is_for_its_admin_only__S6(admin_role: str, path: str, status: int) -> None:
    client = signed_in_client(make_user("someone", admin_role=admin_role))

    response = client.get(path, follow=True)

    assert response.status_code == status


def test_auditor_reads_the_security_log_page__S6() -> None:
    auditor = make_user("shen.ji", admin_role=AdminRole.AUDITOR)
    Client().post("/staff/login/", {"username": "li.wei", "password": "Wrong#Pass1"})
    client = signed_in_client(auditor)

    page = client.get("/staff/security-log/", {"kind": Kind.LOGIN_FAILED})

    html = page.content.decode()
    assert page.status_code == 200
    assert "li.wei" in html and "登录失败" in html
    assert "shen.ji" not in html.split("<tbody>")[1]  # the filter left out the auditor's login


def test_the_staff_home_lists_the_roles_in_force_by_agency__S6(
    security_admin: User, land_agency: Agency, justice_office: Agency, land_unit: Unit
) -> None:
    user = make_user("li.wei")
    grant(user, land_agency, Role.OFFICER, unit=land_unit)
    grant(user, justice_office, Role.SUPERVISOR)
    grant(user, land_agency, Role.RECORDS_KEEPER)
    services.role_revoke(
        actor=security_admin,
        user=user,
        agency=land_agency,
        role=Role.RECORDS_KEEPER,
        reason="调岗",
    )

    html = signed_in_client(user).get("/staff/").content.decode()
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td></tr>", html)

    assert rows == [("国土资源所", "执法人员（执法组）"), ("司法所", "监督人员（司法所）")]
    assert "档案管理人员" not in html


def test_the_staff_home_of_an_admin_shows_the_admin_role_and_no_agency_role__S6() -> None:
    auditor = make_user("audit", admin_role=AdminRole.AUDITOR)

    html = signed_in_client(auditor).get("/staff/").content.decode()

    assert "安全审计员" in html
    assert 'href="/staff/security-log/"' in html and 'href="/admin/"' not in html
    assert "管理员账户不担任执法主体的角色。" in html
