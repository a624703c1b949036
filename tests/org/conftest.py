"""An organisation to test against: a township with two enforcement bodies and its justice office,
set up through the org services as the system; and the people who act on it.

Users and their roles are rows made directly (the accounts app's own services are tested in
``tests/accounts``): a system admin, the head of each enforcement body, an officer of one of them
and the justice office's supervisor.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
from django.db import models

from zhifa.accounts.actors import SYSTEM
from zhifa.accounts.models import RoleAssignment, User
from zhifa.core import clock
from zhifa.ledger.models import LedgerEvent
from zhifa.org import services
from zhifa.org.models import Agency, Certificate, Government, Officer, Unit

Role = RoleAssignment.Role

TODAY = date(2026, 6, 15)


@dataclass
class Org:
    county: Government
    township: Government
    land: Agency
    forest: Agency
    justice: Agency
    land_unit: Unit
    forest_unit: Unit
    land_officer: Officer
    forest_officer: Officer
    land_certificate: Certificate
    forest_certificate: Certificate
    system_admin: User
    land_head: User
    forest_head: User
    land_officer_user: User
    supervisor: User


def make_user(username: str, *, admin_role: str = "") -> User:
    return User.objects.create_user(
        username=username, password="x-Test-2026-pw", admin_role=admin_role
    )


def grant(user: User, agency: Agency, role: str) -> RoleAssignment:
    return RoleAssignment.objects.create(
        user=user, agency=agency, role=role, granted_at=clock.now()
    )


def ledger_size() -> int:
    return LedgerEvent.objects.count()


def rows(model: type[models.Model]) -> list[dict[str, Any]]:
    """Every row of ``model`` as plain values, to compare before and after a refused action."""
    return list(model._default_manager.order_by("pk").values())


@pytest.fixture
def frozen_today() -> Iterator[datetime]:
    with clock.frozen(datetime(2026, 6, 15, 10, 0, tzinfo=clock.CHINA)) as at:
        yield at


@pytest.fixture
def org(frozen_today: datetime) -> Org:
    county = services.government_create(
        actor=SYSTEM, name="梨树县", level=Government.Level.COUNTY, division_code="220322"
    )
    township = services.government_create(
        actor=SYSTEM, name="白山乡", level=Government.Level.TOWNSHIP, parent=county
    )

    def agency(name: str, kind: str) -> Agency:
        return services.agency_create(actor=SYSTEM, government=township, name=name, kind=kind)

    land = agency("国土资源所", Agency.Kind.INSTITUTE)
    forest = agency("林业服务站", Agency.Kind.STATION)
    justice = agency("司法所", Agency.Kind.JUSTICE_OFFICE)
    land_unit = services.unit_create(
        actor=SYSTEM, agency=land, name="综合业务组", kind=Unit.Kind.HANDLING
    )
    forest_unit = services.unit_create(
        actor=SYSTEM, agency=forest, name="综合业务组", kind=Unit.Kind.HANDLING
    )
    land_officer = services.officer_register(
        actor=SYSTEM, agency=land, name="测试执法员甲", unit=land_unit
    )
    forest_officer = services.officer_register(
        actor=SYSTEM, agency=forest, name="测试执法员乙", unit=forest_unit
    )

    def certificate(officer: Officer, number: str) -> Certificate:
        return services.certificate_issue(
            actor=SYSTEM,
            officer=officer,
            number=number,
            issuing_body="测试发证机关",
            area="白山乡行政区域",
            valid_from=date(2025, 1, 1),
            valid_to=date(2030, 12, 31),
        )

    system_admin = make_user("sysadmin", admin_role=User.AdminRole.SYSTEM)
    land_head = make_user("land_head")
    grant(land_head, land, Role.AGENCY_HEAD)
    forest_head = make_user("forest_head")
    grant(forest_head, forest, Role.AGENCY_HEAD)
    land_officer_user = make_user("land_officer")
    grant(land_officer_user, land, Role.OFFICER)
    supervisor = make_user("supervisor")
    grant(supervisor, justice, Role.SUPERVISOR)
    return Org(
        county=county,
        township=township,
        land=land,
        forest=forest,
        justice=justice,
        land_unit=land_unit,
        forest_unit=forest_unit,
        land_officer=land_officer,
        forest_officer=forest_officer,
        land_certificate=certificate(land_officer, "TEST-0001"),
        forest_certificate=certificate(forest_officer, "TEST-0002"),
        system_admin=system_admin,
        land_head=land_head,
        forest_head=forest_head,
        land_officer_user=land_officer_user,
        supervisor=supervisor,
    )


@contextmanager
def nothing_changes(*models_: type[models.Model]) -> Iterator[None]:
    """The rows of ``models_`` and the ledger are exactly the same after the block as before."""
    before = ([rows(model) for model in models_], ledger_size())
    yield
    assert ([rows(model) for model in models_], ledger_size()) == before
