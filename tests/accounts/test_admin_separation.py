"""三员分立 (S-6; issue 10, "Done when"): the system, security and audit administrators reach no
case or evidence content — not through any page of the admin site, not through the staff pages, not
through any operation of the API (read from its OpenAPI document), and not with any token the
system administrator can issue.

The demo is loaded; its content is what must not show: case numbers and titles, party names,
record and complaint texts, evidence file names. What the anonymous public API itself publishes
(双公示) is public and left out of that list. A page or answer that names one case, record,
evidence item or complaint must refuse the administrators (401, 403, 404 or 405; a write
with an empty body may also be a 422): lists may answer, empty of content.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.accounts.support import signed_in_client
from zhifa.accounts import rules, services
from zhifa.accounts.models import User
from zhifa.api import api
from zhifa.cases import documents
from zhifa.cases.models import Case, Complaint, Notification, Record
from zhifa.catalogue import procedures
from zhifa.core.errors import DomainError, PermissionDenied
from zhifa.evidence.models import Evidence
from zhifa.org.models import Agency, Person, Unit

DEMO_PASSWORD = "Zhifa#Demo2026"
ADMINS = ("demo_system_admin", "demo_security_admin", "demo_auditor")
REFUSED = {401, 403, 404, 405}
# Path parameters that name one piece of case or evidence content.
CONTENT_PARAMS = {
    "case_id",
    "record_id",
    "party_id",
    "deadline_id",
    "evidence_id",
    "complaint_id",
    "notification_id",
    "notice_id",
    "copy_id",
    "upload_id",
}
UNSAFE = set("\"'<>&\\")
CJK = re.compile(r"[\u4e00-\u9fff]")
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    names_content: bool


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield from (line.strip() for line in value.splitlines())
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def _content_markers() -> set[str]:
    """Strings of the demo's case and evidence content, each specific enough to be a leak."""
    markers: set[str] = set()
    for case in Case.objects.prefetch_related("parties"):
        markers |= {case.number, case.title, case.summary}
        markers |= {party.name for party in case.parties.all()}
    for record in Record.objects.all():
        # Texts written by people (not choice keys such as ``not_complied``).
        markers |= {text for text in _texts(record.fields) if len(text) >= 8 and CJK.search(text)}
    for complaint in Complaint.objects.all():
        markers |= {complaint.subject, complaint.content, complaint.complainant_name}
    markers |= set(Evidence.objects.values_list("original_name", flat=True))
    return {m for m in markers if len(m) >= 3 and not (set(m) & UNSAFE)}


def _probes() -> dict[str, list[str]]:
    """Values for the path parameters: one case of each agency with its own record, party …"""
    cases = [
        case
        for agency_id in Case.objects.values_list("agency_id", flat=True).distinct()
        if (case := Case.objects.filter(agency_id=agency_id).order_by("id").first()) is not None
    ]
    first = {
        "record_id": Record.objects.order_by("id").values_list("id", flat=True)[:2],
        "evidence_id": Evidence.objects.order_by("id").values_list("id", flat=True)[:2],
        "complaint_id": Complaint.objects.order_by("id").values_list("id", flat=True)[:2],
        "notification_id": Notification.objects.order_by("id").values_list("id", flat=True)[:2],
        "agency_id": Agency.objects.filter(cases__isnull=False)
        .distinct()
        .order_by("id")
        .values_list("id", flat=True)[:4],
    }
    probes = {name: [str(value) for value in values] for name, values in first.items()}
    probes["case_id"] = [str(case.pk) for case in cases]
    probes["notice_id"] = probes["notification_id"]
    probes["kind"] = ["start_approval"]
    probes["slug"] = ["penalty_general"]
    probes["number"] = ["DEMO-BS-0001"]
    probes["upload_id"] = ["00000000000000000000000000000000"]
    return probes


def _fill(template: str, names: list[str], probes: dict[str, list[str]]) -> list[str]:
    choices = [probes.get(name, ["1"]) for name in names]
    filled = []
    for values in itertools.islice(itertools.product(*choices), 6):
        path = template
        for name, value in zip(names, values, strict=True):
            path = path.replace("{" + name + "}", value)
        filled.append(path)
    return filled


def _api_requests(probes: dict[str, list[str]]) -> list[Request]:
    schema = api.get_openapi_schema()
    requests = []
    for template, operations in schema["paths"].items():
        for method, operation in operations.items():
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            for path in _fill(template, names, probes):
                requests.append(Request(method.upper(), path, bool(set(names) & CONTENT_PARAMS)))
    return list(dict.fromkeys(requests))


def _patterns(resolver: URLResolver, prefix: str = "") -> Iterator[str]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _page_requests(probes: dict[str, list[str]]) -> list[Request]:
    """Every staff page (GET; parameters filled from the probes) and every admin site page: the
    index, each app, and each registered model's list, add form, and the change, history and
    delete pages of its first objects."""
    requests = []
    for pattern in _patterns(get_resolver()):
        if not pattern.startswith(("staff/", "integrity/")):
            continue
        names = PARAMETER.findall(pattern)
        template = PARAMETER.sub(lambda match: "{" + match[1] + "}", pattern)
        for path in _fill(template, names, probes):
            requests.append(Request("GET", "/" + path, bool(set(names) & CONTENT_PARAMS)))
    requests.append(Request("GET", reverse("admin:index"), False))
    for model in admin.site._registry:
        app, name = model._meta.app_label, model._meta.model_name
        requests.append(Request("GET", reverse("admin:app_list", args=[app]), False))
        for view in ("changelist", "add"):
            requests.append(Request("GET", reverse(f"admin:{app}_{name}_{view}"), False))
        for pk in model._default_manager.order_by("pk").values_list("pk", flat=True)[:3]:
            for view in ("change", "history", "delete"):
                path = reverse(f"admin:{app}_{name}_{view}", args=[pk])
                requests.append(Request("GET", path, False))
    return list(dict.fromkeys(requests))


def _call(client: Client, request: Request, headers: dict[str, str] | None = None) -> Any:
    if request.method == "GET":
        return client.get(request.path, headers=headers or {})
    return client.generic(
        request.method, request.path, "{}", content_type="application/json", headers=headers or {}
    )


def _tokens_the_system_admin_can_issue(system_admin: User) -> dict[str, str]:
    """Try every token the system admin might issue; keep those that were issued."""
    agency = Agency.objects.filter(cases__isnull=False).order_by("id").first()
    attempts: list[tuple[str, Agency | None, list[str]]] = [
        ("no agency, every known scope", None, list(rules.KNOWN_SCOPES)),
        ("bound, every known scope (pending)", agency, list(rules.KNOWN_SCOPES)),
    ]
    attempts += [(f"no agency, {scope}", None, [scope]) for scope in rules.KNOWN_SCOPES]
    issued = {}
    for label, bound_to, scopes in attempts:
        try:
            _token, plaintext = services.token_create(
                actor=system_admin, name=label[:100], agency=bound_to, scopes=scopes
            )
        except DomainError:
            continue
        issued[label] = plaintext
    return issued


def test_no_administrator_reaches_case_or_evidence_content__S6() -> None:
    call_command("demo", "load", stdout=StringIO())
    probes = _probes()
    public_corpus = "".join(
        _call(Client(), r).content.decode(errors="replace")
        for r in _api_requests(probes)
        if r.method == "GET"
    )
    # Not content either: the names of staff, officers and organisations (whom the system admin
    # manages), and the record kinds' form definitions (labels and choices of the procedures).
    staff_and_forms = (
        set(User.objects.values_list("first_name", flat=True))
        | set(Person.objects.values_list("name", flat=True))
        | set(Agency.objects.values_list("name", flat=True))
        | set(Unit.objects.values_list("name", flat=True))
    )
    forms = " ".join(
        f"{spec.label} {' '.join(str(label) for _key, label in spec.choices)}"
        for kind in procedures.DOCUMENT_KINDS
        for spec in documents.specs(kind)
    )
    markers = {
        m
        for m in _content_markers()
        if m not in public_corpus and m not in staff_and_forms and m not in forms
    }
    assert len(markers) >= 50 and len(probes["case_id"]) >= 4  # the demo has content to leak
    admins = {name: User.objects.get(username=name) for name in ADMINS}
    identities: dict[str, tuple[Client, dict[str, str]]] = {
        name: (signed_in_client(user, DEMO_PASSWORD), {}) for name, user in admins.items()
    }
    tokens = _tokens_the_system_admin_can_issue(admins["demo_system_admin"])
    assert "no agency, org:read" in tokens  # platform tokens are issued, and walked too
    for label, plaintext in tokens.items():
        identities[f"token: {label}"] = (Client(), {"Authorization": f"Bearer {plaintext}"})
    for name in ("demo_security_admin", "demo_auditor"):  # the other two issue none at all
        for bound_to in (None, Agency.objects.first()):
            with pytest.raises(PermissionDenied):
                services.token_create(
                    actor=admins[name], name="x", agency=bound_to, scopes=["org:read"]
                )

    api_requests = _api_requests(probes)
    page_requests = _page_requests(probes)
    leaks: list[str] = []
    not_refused: list[str] = []
    for identity, (client, headers) in identities.items():
        walk = api_requests + (page_requests if not headers else [])
        for request in walk:
            response = _call(client, request, headers)
            body = response.content.decode(errors="replace") if not response.streaming else ""
            if response.get("Content-Type", "").startswith("application/json"):
                body += json.dumps(response.json(), ensure_ascii=False) if body else ""
            found = sorted(m for m in markers if m in body)
            if found:
                leaks.append(f"{identity} {request.method} {request.path}: {found[:3]}")
            # Refused: 401/403/404/405, a redirect to the login page, or 422 for an empty write.
            allowed = REFUSED | ({422} if request.method != "GET" else set())
            status = response.status_code
            if request.names_content and status not in allowed and not 300 <= status < 400:
                not_refused.append(f"{identity} {request.method} {request.path}: {status}")

    assert leaks == [], "\n".join(leaks)
    assert not_refused == [], "\n".join(not_refused)
