"""Refused reads and writes leave a trace (issue 10, defect 7; security model S-7).

A read or write of another agency's object, or of a confidential case one is not on, is refused
as before and changes nothing — and it is a line of the security log naming who, what (object
type and id, read or write) and why (the refusal's code). The line is not ledgered, and one actor
writes at most ``SECURITY_REFUSAL_LOG_LIMIT`` of them per window, then one line counting the
rest: refusals cannot flood the ledger or the log.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.cases.conftest import Desk, start, unchanged
from tests.cases.test_pages import staff_client
from tests.org.conftest import ledger_size
from zhifa.accounts.models import SecurityEvent, User
from zhifa.accounts.services import refusals_deferred, suppressed_count
from zhifa.cases.models import Case
from zhifa.core.errors import PermissionDenied
from zhifa.evidence.models import Confidentiality
from zhifa.ledger.verify import verify_ledger
from zhifa.org import services as org_services
from zhifa.org.models import Unit

API = "/api/v1/cases"


def denials(user: User) -> list[tuple[str, str]]:
    """The refusal lines of ``user``, oldest first: (kind, detail)."""
    return list(
        SecurityEvent.objects.filter(user=user, kind__startswith="access_denied")
        .order_by("id")
        .values_list("kind", "detail")
    )


def test_a_refused_cross_agency_case_read_by_api_and_page_is_logged__S7(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    stranger = staff_client(desk.org.forest_head)
    before = ledger_size()
    with unchanged():
        assert stranger.get(f"{API}/{case.pk}").status_code == 404
    assert denials(desk.org.forest_head) == [
        ("access_denied", f"read cases.case#{case.pk}: case_not_found")
    ]
    with unchanged():
        assert stranger.get(f"/staff/cases/{case.pk}/").status_code == 404
    assert len(denials(desk.org.forest_head)) == 2
    line = SecurityEvent.objects.filter(user=desk.org.forest_head).latest("id")
    assert line.username == desk.org.forest_head.username and line.actor is None
    assert line.detail == f"read cases.case#{case.pk}: case_not_found"
    assert ledger_size() == before  # refusals are not ledgered
    # a case that does not exist is no refusal of an object: nothing to name
    assert stranger.get(f"{API}/{case.pk + 1000}").status_code == 404
    assert len(denials(desk.org.forest_head)) == 2
    # the agency's own staff read it without a line
    assert staff_client(desk.officer).get(f"{API}/{case.pk}").status_code == 200
    assert denials(desk.officer) == []


def test_a_confidential_case_refused_to_a_colleague_is_logged__S7(desk: Desk) -> None:
    case = start(
        desk, "penalty_general", officers=[desk.officer_a], confidentiality=Confidentiality.PRIVACY
    )
    with unchanged():
        assert staff_client(desk.officer2).get(f"/staff/cases/{case.pk}/").status_code == 404
    assert denials(desk.officer2) == [
        ("access_denied", f"read cases.case#{case.pk}: case_not_found")
    ]


def test_a_refused_write_inside_its_transaction_is_logged_and_changes_nothing__S7(
    desk: Desk,
) -> None:
    # the colleague reads the ordinary case but is not on it: the service refuses the write
    # inside its transaction; the line survives the rollback
    case = start(desk, "penalty_general", officers=[desk.officer_a])
    client = staff_client(desk.officer2)
    with unchanged():
        response = client.post(
            f"{API}/{case.pk}/step/variant", {"variant": "x"}, content_type="application/json"
        )
    assert response.status_code == 403
    assert response.json()["code"] == "case_not_writable"
    assert denials(desk.officer2) == [
        ("access_denied", f"write cases.case#{case.pk}: case_not_writable")
    ]


def test_refusals_are_rate_limited_per_actor_and_never_ledgered__S7(
    desk: Desk, settings: Any
) -> None:
    settings.SECURITY_REFUSAL_LOG_LIMIT = 20
    case = start(desk, "penalty_general")
    stranger = staff_client(desk.org.forest_head)
    before = ledger_size()
    cases_before = list(Case.objects.order_by("pk").values())
    for _ in range(100):
        assert stranger.get(f"{API}/{case.pk}").status_code == 404
    lines = denials(desk.org.forest_head)
    assert [kind for kind, _detail in lines] == ["access_denied"] * 20 + [
        "access_denied_suppressed"
    ]
    summary = SecurityEvent.objects.get(kind="access_denied_suppressed")
    assert suppressed_count(summary) == 80
    assert f"read cases.case#{case.pk}: case_not_found" in summary.detail
    assert ledger_size() == before
    assert list(Case.objects.order_by("pk").values()) == cases_before
    # another actor has a limit of their own
    assert staff_client(desk.officer2).get(f"{API}/{case.pk}").status_code == 200
    assert verify_ledger(blobs=False, mirror=None).ok  # zhifa ledger verify stays clean


def test_a_refused_org_read_and_write_are_logged__S7(desk: Desk) -> None:
    land_unit = desk.org.land_unit
    stranger = staff_client(desk.org.forest_head)
    assert stranger.get(f"/api/v1/org/units/{land_unit.pk}/history").status_code == 404
    assert denials(desk.org.forest_head) == [
        ("access_denied", f"read org.unit#{land_unit.pk}: not_found")
    ]
    before = list(Unit.objects.order_by("pk").values()), ledger_size()
    with refusals_deferred(), pytest.raises(PermissionDenied):
        org_services.unit_update(
            actor=desk.org.forest_head, unit=land_unit, reason="改名", name="别人的组"
        )
    assert (list(Unit.objects.order_by("pk").values()), ledger_size()) == before
    kind, detail = denials(desk.org.forest_head)[-1]
    assert kind == "access_denied"
    assert detail.startswith(f"write org.agency#{desk.org.land.pk}: ")
    assert verify_ledger(blobs=False, mirror=None).ok
