from __future__ import annotations

import pytest

from zhifa.org.models import Agency, Government, Unit


@pytest.fixture
def government() -> Government:
    return Government.objects.create(name="梨树镇人民政府", level=Government.Level.TOWNSHIP)


@pytest.fixture
def land_agency(government: Government) -> Agency:
    return Agency.objects.create(
        government=government, name="国土资源所", kind=Agency.Kind.INSTITUTE
    )


@pytest.fixture
def justice_office(government: Government) -> Agency:
    return Agency.objects.create(
        government=government, name="司法所", kind=Agency.Kind.JUSTICE_OFFICE
    )


@pytest.fixture
def land_unit(land_agency: Agency) -> Unit:
    return Unit.objects.create(agency=land_agency, name="执法组", kind=Unit.Kind.HANDLING)
