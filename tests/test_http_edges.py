"""What every answer obeys whichever view made it (``zhifa.core.middleware``, issue 10):

- defect 6: every ``/api/`` refusal is ``{"code", "message", "detail"}`` JSON with its status — a
  refused token on a POST is a 401 (it was the session's CSRF 403), a body over 2.5 MB a 413 (it
  was Django's HTML 400), a write to an address that names no operation a 404 (it was the HTML
  CSRF 403);
- defect 8: staff pages, the non-public API and evidence downloads answer ``Cache-Control:
  no-store``; anonymous reads of the public portal and public API keep their caching.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from tests.accounts.support import approved_token

# Fixtures shared with the evidence and API-error tests, found by name: F401/F811 would be wrong.
from tests.evidence.conftest import World, _evidence_root, meta, mp4_bytes, world  # noqa: F401
from tests.sessions import verified_client
from tests.test_api_errors import _error_of, _verified_client, agency_head  # noqa: F401
from zhifa.accounts import services as account_services
from zhifa.accounts.models import ApiToken, User
from zhifa.core import clock
from zhifa.evidence import services as evidence_services
from zhifa.evidence.models import Upload
from zhifa.evidence.tus import encode_metadata
from zhifa.ledger.models import LedgerEvent
from zhifa.org.models import Agency

# --- defect 6: the error shape --------------------------------------------------------------------


def _token(agency: Agency, **kwargs: Any) -> tuple[ApiToken, str]:
    admin = User.objects.create_user(
        username="sys", password="x-Sys-2026-pw", admin_role=User.AdminRole.SYSTEM
    )
    # an evidence token works only once its agency head approved it (issue 10, defect 1)
    return approved_token(
        admin=admin, name="执法记录仪", agency=agency, scopes=["evidence:upload"], **kwargs
    )


def _tus_create(client: Client, plaintext: str) -> Any:
    return client.post(
        "/api/v1/uploads/",
        headers={
            "Authorization": f"Bearer {plaintext}",
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "10",
            "Upload-Metadata": encode_metadata(meta()),
        },
    )


def test_a_revoked_token_on_a_post_is_a_401_not_the_csrf_403(world: World) -> None:  # noqa: F811
    token, plaintext = _token(world.agency)
    assert _tus_create(Client(), plaintext).status_code == 201  # the token works
    account_services.token_revoke(actor=User.objects.get(username="sys"), token=token)
    before = (Upload.objects.count(), LedgerEvent.objects.count())
    body = _error_of(_tus_create(Client(enforce_csrf_checks=True), plaintext), 401)
    assert body["code"] == "unauthenticated"  # was 403 "CSRF check Failed"
    assert (Upload.objects.count(), LedgerEvent.objects.count()) == before


def test_an_expired_or_unknown_token_on_a_post_is_a_401(world: World) -> None:  # noqa: F811
    _token_row, plaintext = _token(world.agency, expires_at=clock.now() + timedelta(hours=1))
    with clock.frozen(clock.now() + timedelta(hours=2)):
        expired = _tus_create(Client(enforce_csrf_checks=True), plaintext)
    assert _error_of(expired, 401)["code"] == "unauthenticated"
    unknown = _tus_create(Client(enforce_csrf_checks=True), "zf_abcdefgh_" + "0" * 64)
    assert _error_of(unknown, 401)["code"] == "unauthenticated"
    assert Upload.objects.count() == 0


def test_a_body_over_the_limit_is_a_413_in_the_error_shape_and_changes_nothing(
    agency_head: tuple[User, Agency],  # noqa: F811 — the fixture imported above
    settings: Any,
) -> None:
    user, agency = agency_head
    big = json.dumps({"reason": "更新职责", "changes": {"duties": "土" * 1_000_000}})
    assert len(big.encode()) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = _verified_client(user).patch(
        f"/api/v1/org/agencies/{agency.pk}", big, content_type="application/json"
    )
    body = _error_of(response, 413)  # was Django's HTML 400 page
    assert body["code"] == "request_too_large"
    assert body["detail"] == {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    agency.refresh_from_db()
    assert agency.duties == ""


@pytest.mark.parametrize(
    "path",
    ["/api/v1/uploads/..%2F..%2Fetc%2Fpasswd", "/api/v1/uploads/a/b", "/api/v1/cases/1/x/y/z"],
)
@pytest.mark.parametrize("method", ["patch", "post", "delete"])
def test_a_write_to_an_address_with_no_operation_is_a_404_not_the_html_csrf_403(
    path: str, method: str
) -> None:
    response = getattr(Client(enforce_csrf_checks=True), method)(path)
    body = _error_of(response, 404)  # was Django's HTML CSRF 403
    assert body["code"] == "not_found"


def test_any_other_html_error_under_api_is_given_the_error_shape() -> None:
    """An address under /api/ outside /api/v1/ falls to the portal's HTML 404 page."""
    body = _error_of(Client().get("/api/v2/cases/"), 404)
    assert body["code"] == "not_found"


def test_pages_outside_the_api_keep_their_html_errors() -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- defect 8: no-store -------------------------------------------------------------------------


def _no_store(response: Any) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_evidence_downloads_and_the_evidence_api_are_not_stored(world: World) -> None:  # noqa: F811
    evidence = evidence_services.evidence_register_file(
        actor=world.actor(world.officer_user),
        agency=world.agency,
        file=ContentFile(mp4_bytes(3000)),
        metadata=meta(),
    )
    client = verified_client(world.officer_user)
    download = client.get(f"/api/v1/uploads/evidence/{evidence.pk}/file")
    assert download.status_code == 200 and _no_store(download)  # was cacheable
    described = client.get(f"/api/v1/uploads/evidence/{evidence.pk}")
    assert described.status_code == 200 and _no_store(described)
    listed = client.get("/staff/evidence/")
    assert listed.status_code in (200, 302) and _no_store(listed)


def test_case_pages_and_the_case_api_are_not_stored(agency_head: tuple[User, Agency]) -> None:  # noqa: F811
    user, agency = agency_head
    client = _verified_client(user)
    for path in ("/staff/cases/", "/api/v1/cases/", "/staff/", f"/api/v1/org/agencies/{agency.pk}"):
        response = client.get(path)
        assert response.status_code < 500
        assert _no_store(response), path  # the case list and API were cacheable


def test_refusals_and_anonymous_staff_pages_are_not_stored() -> None:
    for path in ("/staff/cases/", "/staff/login/", "/api/v1/cases/", "/admin/"):
        assert _no_store(Client().get(path)), path


def test_a_public_read_with_a_session_or_token_is_not_stored(
    agency_head: tuple[User, Agency],  # noqa: F811
) -> None:
    user, _agency = agency_head
    assert _no_store(_verified_client(user).get("/api/v1/public/agencies"))
    assert _no_store(Client().get("/api/v1/public/agencies", HTTP_AUTHORIZATION="Bearer x"))


@pytest.mark.parametrize(
    "path",
    ["/", "/agencies/", "/officers/", "/contact/", "/integrity/", "/api/v1/public/agencies"],
)
def test_anonymous_reads_of_public_addresses_keep_their_caching(
    agency_head: tuple[User, Agency],  # noqa: F811
    path: str,
) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    assert not _no_store(response)
