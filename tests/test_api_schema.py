"""Every operation of the API, fuzzed from its own OpenAPI document (schemathesis).

The schema is loaded from ``/api/v1/openapi.json`` through the WSGI application, so a router added
to ``zhifa.api`` is tested here without touching this file. Each operation is called with
generated data (valid and invalid) as an anonymous client, as a logged-in staff member whose OTP
device is verified, and as a machine with an API token. A response fails the test when it is a
server error (5xx), has a status code the operation does not declare, has another content type
than declared, or does not match the declared schema.

The schema is built when the first of these tests runs, once per process (``whole_api_schema``
in ``tests/conftest.py``), not when the module is collected: building it and the test of every
operation cost about 10 s of CPU, paid before in every xdist worker for every operation, run there
or not. The operations are dealt into ``SHARDS`` tests per identity (every operation in exactly
one, by its place in the sorted list); each operation is a subtest, failing on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.accounts.support import approved_token
from tests.budget import budget
from zhifa.accounts.models import RoleAssignment, User
from zhifa.accounts.rules import KNOWN_SCOPES
from zhifa.core import clock
from zhifa.org.models import Agency, Certificate, Government, Officer, Person

SHARDS = 12
# Random examples per operation and identity, after schemathesis's deterministic coverage cases
# (about 50 per operation and identity: boundaries, missing and wrong-typed values, every declared
# status), which run in full in both (docs/CONTRIBUTING.md).
EXAMPLES = budget(gate=10, deep=25)
schema = schemathesis.pytest.from_fixture("api_schema")

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Bounded so that the whole API stays a matter of seconds per operation.
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _labels(whole: Any) -> list[str]:
    paths = whole.raw_schema["paths"]
    return sorted(f"{m.upper()} {p}" for p, item in paths.items() for m in item if m in METHODS)


@pytest.fixture
def api_schema(request: pytest.FixtureRequest, whole_api_schema: Any) -> Any:
    """The document with the operations of shard ``request.param`` only (every ``SHARDS``-th of
    the sorted list), served by the same application."""
    chosen = set(_labels(whole_api_schema)[request.param :: SHARDS])
    paths = {}
    for path, item in whole_api_schema.raw_schema["paths"].items():
        kept = {
            key: value
            for key, value in item.items()
            if key not in METHODS or f"{key.upper()} {path}" in chosen
        }
        if METHODS & set(kept):
            paths[path] = kept
    shard = schemathesis.openapi.from_dict({**whole_api_schema.raw_schema, "paths": paths})
    shard.app = whole_api_schema.app
    shard.location = whole_api_schema.location
    return shard


@dataclass
class Credentials:
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)


@pytest.fixture(autouse=True)
def _requests_keep_the_test_transaction() -> Iterator[None]:
    """The WSGI application would close the database connection at the start and end of each
    request, ending the test's transaction (PostgreSQL); Django's own test client detaches the
    same handlers for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def public_data() -> None:
    """A little of everything the public endpoints read, so that they answer with content."""
    government = Government.objects.create(name="白山乡人民政府", level=Government.Level.TOWNSHIP)
    agency = Agency.objects.create(
        government=government, name="白山司法所", kind=Agency.Kind.JUSTICE_OFFICE
    )
    Agency.objects.create(
        government=government,
        name="党政办公室",
        kind=Agency.Kind.OFFICE,
        is_enforcement_body=False,
    )
    officer = Officer.objects.create(
        person=Person.objects.create(government=government, name="赵有效", is_synthetic=True),
        agency=agency,
    )
    Certificate.objects.create(
        officer=officer,
        number="JL2201-0001",
        issuing_body="梨树县人民政府",
        area="白山乡行政区域",
        valid_from=date(2020, 1, 1),
        valid_to=date(2099, 12, 31),
    )


@pytest.fixture
def staff_session(public_data: None) -> Credentials:
    """A staff member (the justice office's supervisor) logged in with a verified OTP device,
    carrying the session cookie and a CSRF token as a browser would."""
    agency = Agency.objects.get(name="白山司法所")
    user = User.objects.create_user(username="fuzz-supervisor", password="x-Fuzz-2026-pw")
    RoleAssignment.objects.create(
        user=user, agency=agency, role=RoleAssignment.Role.SUPERVISOR, granted_at=clock.now()
    )
    device = TOTPDevice.objects.create(user=user, name="fuzz", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    request = RequestFactory().get("/")
    csrf_token = get_token(request)
    return Credentials(
        headers={"X-CSRFToken": csrf_token},
        cookies={
            django_settings.SESSION_COOKIE_NAME: session.session_key or "",
            django_settings.CSRF_COOKIE_NAME: request.META["CSRF_COOKIE"],
        },
    )


@pytest.fixture
def machine_token(public_data: None) -> Credentials:
    """A machine's bearer token with every scope known today, made by the system admin."""
    admin = User.objects.create_user(
        username="fuzz-sysadmin", password="x-Fuzz-2026-pw", admin_role=User.AdminRole.SYSTEM
    )
    _token, plaintext = approved_token(
        admin=admin,
        name="schemathesis",
        agency=Agency.objects.get(name="白山司法所"),
        scopes=list(KNOWN_SCOPES),
    )
    return Credentials(headers={"Authorization": f"Bearer {plaintext}"})


def _call_and_check(case: Any, credentials: Credentials | None = None) -> None:
    if credentials is None:
        response = case.call()
    else:
        response = case.call(headers=credentials.headers, cookies=credentials.cookies)
    case.validate_response(response, checks=CHECKS)


@pytest.mark.parametrize("api_schema", range(SHARDS), indirect=True)
@schema.parametrize()
@FUZZ
def test_every_operation_as_an_anonymous_client(case: Any, public_data: None) -> None:
    _call_and_check(case)


@pytest.mark.parametrize("api_schema", range(SHARDS), indirect=True)
@schema.parametrize()
@FUZZ
def test_every_operation_as_a_staff_member_with_a_verified_otp_session(
    case: Any, staff_session: Credentials
) -> None:
    _call_and_check(case, staff_session)


@pytest.mark.parametrize("api_schema", range(SHARDS), indirect=True)
@schema.parametrize()
@FUZZ
def test_every_operation_as_a_machine_with_an_api_token(
    case: Any, machine_token: Credentials
) -> None:
    _call_and_check(case, machine_token)


def test_the_schema_covers_the_public_api(whole_api_schema: Any) -> None:
    """The fuzzing above really reaches the routers: the public read API is in the schema."""
    paths = set(whole_api_schema.raw_schema["paths"])
    assert {
        "/api/v1/public/agencies",
        "/api/v1/public/agencies/{agency_id}",
        "/api/v1/public/officers",
        "/api/v1/public/certificates/{number}",
    } <= paths


def test_the_shards_deal_out_every_operation_once(whole_api_schema: Any) -> None:
    labels = _labels(whole_api_schema)
    dealt = [label for shard in range(SHARDS) for label in labels[shard::SHARDS]]
    assert sorted(dealt) == labels and len(set(labels)) == len(labels)
    assert len(labels) >= 2 * SHARDS  # no shard is empty
