"""No input from outside makes a 5xx (issue 10, "done when": the fuzz pass).

Over the demo installation (``zhifa demo load``), as each demo role and anonymously:

- every staff page (every URL pattern under ``/staff/``, found by walking the URL configuration),
  its path ids replaced by real ones and by ids out of range, and each query parameter the page
  reads given Unicode digits (``²``, ``¹``, ``٣``), a huge number, negative, zero, empty, blank,
  NUL, bidi and repeated values;
- every tus request (create, offset, append, status, options) with each tus header given the
  same values, also inside ``Upload-Metadata``.

Which query parameters a page reads is a maintained table, :data:`QUERY_PARAMETERS`. Two checks
keep it true: it names every staff URL pattern, and while the pass runs every page's
``request.GET`` records the names the view asked for, which must be exactly the table's — a
parameter added to a view joins the fuzz or breaks the build.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Callable, Iterator
from io import StringIO
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.http import HttpRequest, HttpResponse, QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhifa.accounts import services as account_services
from zhifa.accounts.demo import DEMO_ACCOUNTS
from zhifa.accounts.models import RoleAssignment, User
from zhifa.cases.models import Case, CaseDeadline, Complaint, Notification
from zhifa.catalogue import procedures
from zhifa.evidence.models import Upload
from zhifa.evidence.tus import encode_metadata
from zhifa.org.models import Agency

pytestmark = pytest.mark.slow

#: The query parameters each staff page reads, by URL name. Pages that read none are listed empty.
QUERY_PARAMETERS: dict[str, tuple[str, ...]] = {
    "accounts:home": (),
    "accounts:login": ("next",),
    "accounts:otp_verify": (),
    "accounts:otp_enrol": (),
    "accounts:logout": (),
    "accounts:password_change": (),
    "accounts:security_log": ("kind", "username", "page"),
    "accounts:roles": (),
    "accounts:role_revoke": (),
    "accounts:password_reset": (),
    "accounts:tokens": (),
    "accounts:token_decide": (),
    "accounts:resets": (),
    "accounts:reset_decide": (),
    "notices:outbox": ("page",),
    "notices:retry": (),
    "cases:list": ("mine", "state", "agency"),
    "cases:new": (),
    "cases:deadlines": (),
    "cases:notifications": (),
    "cases:notification_read": (),
    "cases:complaints": ("state",),
    "cases:complaint": (),
    "cases:complaint_case": (),
    "cases:complaint_close": (),
    "cases:detail": ("kind", "correct", "party"),
    "cases:advance": (),
    "cases:record_add": (),
    "cases:record_correct": (),
    "cases:party_add": (),
    "cases:party_correct": (),
    "cases:officer_assign": (),
    "cases:officer_remove": (),
    "cases:step_officers": (),
    "cases:step_variant": (),
    "cases:step_av_reason": (),
    "cases:step_disputed": (),
    "cases:evidence_link": (),
    "cases:approval": (),
    "cases:deadline_extend": (),
    "evidence:list": (),
    "evidence:upload": (),
}

#: What an outsider may type: Unicode digits, a number past any database id, negative, zero,
#: empty, a decimal, NUL, a bidi override, a very long value.
VALUES: tuple[str, ...] = (
    "²",
    "¹",
    "٣",
    "99999999999999999999999",
    "-1",
    "0",
    "",
    "1.5",
    "\x00",
    "\u202e1",
    "9" * 5000,
)
OUT_OF_RANGE_IDS = ("99999999999999999999999",)

# --- what the views read --------------------------------------------------------------------------


class _RecordingQueryDict(QueryDict):
    """``request.GET`` that remembers the names a view asked for."""

    def _note(self, key: str) -> None:
        self.__dict__.setdefault("names_read", set()).add(key)

    def __getitem__(self, key: str) -> Any:
        self._note(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self._note(key)
        return super().get(key, default)

    def getlist(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self._note(key)
        return super().getlist(key, default)

    def __contains__(self, key: object) -> bool:
        self._note(str(key))
        return super().__contains__(key)


class RecordQueryReads:
    """Test-only middleware: gives each request a recording ``GET`` and hangs the names read on
    the response (``response.query_names_read``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        recording = _RecordingQueryDict(request.META.get("QUERY_STRING", ""))
        request.GET = recording
        response = self.get_response(request)
        response.query_names_read = set(recording.__dict__.get("names_read", set()))  # type: ignore[attr-defined]
        return response


# --- the installation -----------------------------------------------------------------------------


def _load_demo() -> None:
    call_command("demo", "load", stdout=StringIO())


def _clients() -> Iterator[tuple[str, Client]]:
    """Each demo role signed in with its second factor, then anonymous."""
    for spec in DEMO_ACCOUNTS:
        user = User.objects.get(username=spec.username)
        client = Client(raise_request_exception=False)
        client.force_login(user)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        assert device is not None, spec.username
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        yield spec.username, client
    yield "anonymous", Client(raise_request_exception=False)


def staff_patterns() -> list[tuple[str, list[str]]]:
    """(URL name, names of its path parameters) of every URL pattern under ``/staff/``."""
    found: list[tuple[str, list[str]]] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and route.startswith("staff/"):
                found.append((f"{namespace}:{pattern.name}", list(pattern.pattern.converters)))

    walk(get_resolver().url_patterns, "", "")
    return found


def _path_samples() -> dict[str, str]:
    """A real value for each path parameter of a staff URL (of the land agency's demo data)."""
    case = Case.objects.filter(agency__name="国土资源所", archived_at__isnull=True).first()
    assert case is not None
    record = case.records.first()
    party = case.parties.first()
    deadline = CaseDeadline.objects.filter(case=case).first() or CaseDeadline.objects.first()
    complaint = Complaint.objects.first()
    notice = Notification.objects.first()
    assignment = RoleAssignment.objects.first()
    found = {
        "case_id": case,
        "record_id": record,
        "party_id": party,
        "deadline_id": deadline,
        "complaint_id": complaint,
        "notice_id": notice,
        "assignment_id": assignment,
    }
    samples = {name: str(row.pk) for name, row in found.items() if row is not None}
    # the token, reset and outbox pages: the demo has no such rows, so an id that names none
    for name in ("token_id", "reset_id", "email_id"):
        samples.setdefault(name, "1")
    samples["kind"] = next(iter(procedures.DOCUMENT_KINDS))
    return samples


def _queries(names: tuple[str, ...]) -> Iterator[list[tuple[str, str]]]:
    yield []
    for name, value in itertools.product(names, VALUES):
        yield [(name, value)]
    for name in names:  # repeated: the view may read the first or the last
        yield [(name, "1"), (name, "²")]
        yield [(name, "²"), (name, "1")]
        yield [(name, "")] * 3
    if len(names) > 1:
        for value in ("²", "99999999999999999999999", ""):  # every parameter at once
            yield [(name, value) for name in names]


def _paths(name: str, parameters: list[str], samples: dict[str, str]) -> Iterator[str]:
    yield reverse(name, kwargs={p: samples[p] for p in parameters})
    for wrong in parameters:
        if wrong == "kind":
            continue
        for value in OUT_OF_RANGE_IDS:
            yield reverse(name, kwargs={p: value if p == wrong else samples[p] for p in parameters})


def test_the_table_names_every_staff_page() -> None:
    assert {name for name, _params in staff_patterns()} == set(QUERY_PARAMETERS)


def test_no_staff_page_answers_5xx_to_any_query_as_any_role(settings: Any) -> None:
    settings.MIDDLEWARE = ["tests.test_fuzz_inputs.RecordQueryReads", *settings.MIDDLEWARE]
    settings.SESSION_SAVE_EVERY_REQUEST = False  # idle expiry is not under test: spare the writes
    _load_demo()
    samples = _path_samples()
    patterns = staff_patterns()
    for _name, parameters in patterns:
        assert set(parameters) <= set(samples), parameters  # a new kind of path id: add a sample
    failures: list[str] = []
    read: dict[str, set[str]] = {}
    requests = 0
    for who, client in _clients():
        for name, parameters in patterns:
            paths = list(_paths(name, parameters, samples))
            for path, query in itertools.chain(
                ((paths[0], q) for q in _queries(QUERY_PARAMETERS[name])),
                ((p, []) for p in paths[1:]),
            ):
                url = f"{path}?{urlencode(query)}" if query else path
                response = client.get(url)
                requests += 1
                if response.status_code >= 500:
                    failures.append(f"{who} GET {url[:200]} → {response.status_code}")
                read.setdefault(name, set()).update(response.query_names_read)
    assert failures == []
    # The table is exact: what the views read is what it says, no more (a parameter a view
    # reads would escape the fuzz) and no less (a stale entry would be fuzzed for nothing).
    assert {name: read.get(name, set()) for name in QUERY_PARAMETERS} == {
        name: set(params) for name, params in QUERY_PARAMETERS.items()
    }
    assert requests > 1000, requests


# --- tus ----------------------------------------------------------------------------------------

#: The headers a tus request reads, by the request that reads them.
CREATE_HEADERS = (
    "Tus-Resumable",
    "Upload-Length",
    "Upload-Metadata",
    "Upload-Checksum",
    "X-HTTP-Method-Override",
)
APPEND_HEADERS = ("Tus-Resumable", "Upload-Offset", "Upload-Checksum", "X-HTTP-Method-Override")
METADATA_KEYS = ("kind", "captured_at", "agency", "device", "officer", "filename", "place")
METADATA_VALUES = ("²", "99999999999999999999999", "-1", "", "\u202e1", "\x00")


def _b64(value: str) -> str:
    return base64.b64encode(value.encode("utf-8")).decode("ascii")


def _header_values(header: str) -> Iterator[str]:
    yield from VALUES
    yield "1, 1"  # a header sent twice arrives joined
    yield "², 1"
    if header == "Upload-Metadata":
        for key, value in itertools.product(METADATA_KEYS, METADATA_VALUES):
            yield f"kind {_b64('document')},{key} {_b64(value)}"
        yield "kind ²"  # not base64
        yield "kind"
        yield ",,,"
    if header == "Upload-Checksum":
        yield "sha256 ²"
        yield "sha256"
        yield "md5 AAAA"


def _token_client(agency: Agency) -> tuple[str, Client]:
    admin = User.objects.get(username="demo_system_admin")
    _token, plaintext = account_services.token_create(
        actor=admin, name="模糊测试记录仪", agency=agency, scopes=["evidence:upload"]
    )
    return "token", Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {plaintext}")


def test_no_tus_request_answers_5xx_to_any_header_as_any_role(settings: Any) -> None:
    settings.SESSION_SAVE_EVERY_REQUEST = False
    _load_demo()
    land = Agency.objects.get(name="国土资源所", government__name="白山乡")
    valid = {
        "Tus-Resumable": "1.0.0",
        "Upload-Length": "10",
        "Upload-Metadata": encode_metadata(
            {"kind": "document", "captured_at": "2026-12-01T10:00:00+08:00", "filename": "a.pdf"}
        ),
    }
    failures: list[str] = []
    requests = 0

    def check(who: str, method: str, path: str, response: Any, headers: dict[str, str]) -> None:
        nonlocal requests
        requests += 1
        if response.status_code >= 500:
            failures.append(f"{who} {method} {path} {headers} → {response.status_code}")

    for who, client in [*_clients(), _token_client(land)]:
        created = client.post("/api/v1/uploads/", headers=valid)
        check(who, "POST", "/api/v1/uploads/", created, valid)
        upload = Upload.objects.order_by("-created_at").first()
        if created.status_code != 201 or upload is None:
            upload_path = "/api/v1/uploads/00000000-0000-0000-0000-000000000000"
        else:
            upload_path = f"/api/v1/uploads/{upload.pk}"
        for header in CREATE_HEADERS:
            for value in _header_values(header):
                headers = {**valid, header: value}
                response = client.post("/api/v1/uploads/", headers=headers)
                check(who, "POST", "/api/v1/uploads/", response, headers)
        for header in APPEND_HEADERS:
            for value in _header_values(header):
                headers = {"Tus-Resumable": "1.0.0", "Upload-Offset": "0", header: value}
                response = client.patch(
                    upload_path,
                    b"%PDF-1.4\n%%",
                    content_type="application/offset+octet-stream",
                    headers=headers,
                )
                check(who, "PATCH", upload_path, response, headers)
        for value in _header_values("Tus-Resumable"):
            for method in ("head", "get", "options"):
                headers = {"Tus-Resumable": value}
                response = getattr(client, method)(upload_path, headers=headers)
                check(who, method.upper(), upload_path, response, headers)
        for wrong in ("²", "99999999999999999999999", "..%2F..%2Fetc%2Fpasswd", "%00", "-1"):
            path = f"/api/v1/uploads/{wrong}"
            for method in ("head", "get", "patch", "delete", "options"):
                response = getattr(client, method)(path, headers={"Tus-Resumable": "1.0.0"})
                check(who, method.upper(), path, response, {})
    assert failures == []
    assert requests > 1000, requests
