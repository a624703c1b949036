"""Every operation of the org staff API, fuzzed from the OpenAPI document as the people who may
write: an agency's head and the system admin (the project-wide fuzz in ``tests/test_api_schema.py``
calls them anonymously, as a supervisor and as a machine). A response fails when it is a server
error, has a status the operation does not declare, or does not match the declared schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import get_token
from django.test import RequestFactory
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.budget import budget
from tests.sessions import verified_client
from zhifa.accounts.models import User

from .conftest import Org

# Built when the tests run (``whole_api_schema`` in tests/conftest.py), not at collection.
schema = schemathesis.pytest.from_fixture("whole_api_schema").include(path_regex="^/api/v1/org/")

# Random examples per operation, after the deterministic coverage cases (tests/test_api_schema.py).
EXAMPLES = budget(gate=10, deep=20)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

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


@pytest.fixture(autouse=True)
def _requests_keep_the_test_transaction() -> Iterator[None]:
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def session_of(user: User) -> dict[str, Any]:
    client = verified_client(user)
    request = RequestFactory().get("/")
    token = get_token(request)
    return {
        "headers": {"X-CSRFToken": token},
        "cookies": {
            django_settings.SESSION_COOKIE_NAME: client.session.session_key or "",
            django_settings.CSRF_COOKIE_NAME: request.META["CSRF_COOKIE"],
        },
    }


@schema.parametrize()
@FUZZ
def test_every_org_operation_as_an_agency_head__D2(case: Any, org: Org) -> None:
    response = case.call(**session_of(org.land_head))
    case.validate_response(response, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_every_org_operation_as_the_system_admin__O1(case: Any, org: Org) -> None:
    response = case.call(**session_of(org.system_admin))
    case.validate_response(response, checks=CHECKS)
