"""Tokens that read or write case or evidence content (issue 10, defect 1; S-5, S-6): bound to one
agency, scopes from the known list, and working only after the head of that agency — a second
person, not an administrator — approved them. Issue, approval, refusal and the daily use of a
content token are ledgered; a pending or refused token authenticates nothing (401, the error
shape)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from tests.accounts.support import grant, make_user, signed_in_client
from zhifa.accounts import rules, services
from zhifa.accounts.models import ApiToken, ApiTokenApproval, ApiTokenUse, SecurityEvent, User
from zhifa.core import clock
from zhifa.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhifa.ledger.models import LedgerEvent
from zhifa.org.models import Agency

Kind = SecurityEvent.Kind
Role = User.AdminRole
CASES = "/api/v1/cases/"
WHOAMI = "/api/v1/accounts/token"


@pytest.fixture
def system_admin() -> User:
    return make_user("sys.admin", admin_role=Role.SYSTEM)


@pytest.fixture
def land_head(land_agency: Agency) -> User:
    head = make_user("land.head")
    grant(head, land_agency, "agency_head")
    return head


def _bearer(plaintext: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


def _state() -> tuple[int, int, int, int]:
    return (
        LedgerEvent.objects.count(),
        ApiToken.objects.count(),
        ApiTokenApproval.objects.count(),
        ApiTokenUse.objects.count(),
    )


def test_the_system_admin_alone_issues_no_token_that_reads_every_agencys_cases__S6(
    system_admin: User,
) -> None:
    """The reproduction: no agency, the scope ``cases:read`` — refused, nothing written."""
    before = _state()

    with pytest.raises(ValidationFailed) as refused:
        services.token_create(actor=system_admin, name="x", agency=None, scopes=["cases:read"])

    assert refused.value.code == "content_scope_needs_agency"
    assert _state() == before


@pytest.mark.parametrize(
    "scope", ["cases:everything", "cases:read_all", "admin:root", "cases:read personal"]
)
def test_scopes_come_from_the_known_list_only__S5(
    system_admin: User, land_agency: Agency, scope: str
) -> None:
    before = _state()

    with pytest.raises(ValidationFailed) as refused:
        services.token_create(actor=system_admin, name="x", agency=land_agency, scopes=[scope])

    assert refused.value.code in ("unknown_scope", "invalid_scope")
    assert _state() == before


@pytest.mark.parametrize("scope", sorted(rules.PLATFORM_SCOPES))
def test_a_token_without_an_agency_holds_public_and_platform_scopes_and_works_at_once__S5(
    system_admin: User, scope: str
) -> None:
    token, plaintext = services.token_create(
        actor=system_admin, name="上级平台", agency=None, scopes=[scope]
    )

    assert not token.needs_approval
    assert Client().get(WHOAMI, **_bearer(plaintext)).status_code == 200


@pytest.mark.parametrize("scope", sorted(rules.CONTENT_SCOPES))
def test_a_content_token_authenticates_nothing_until_its_agency_head_approves__S5(
    system_admin: User, land_agency: Agency, land_head: User, scope: str
) -> None:
    token, plaintext = services.token_create(
        actor=system_admin, name="同步程序", agency=land_agency, scopes=[scope]
    )
    before = _state()

    for path in (WHOAMI, CASES):
        pending = Client().get(path, **_bearer(plaintext))
        assert pending.status_code == 401
        assert pending.json()["code"] == "unauthenticated"
        assert set(pending.json()) == {"code", "message", "detail"}
    assert _state() == before
    assert (
        "令牌待执法主体负责人批准"
        in SecurityEvent.objects.filter(kind=Kind.TOKEN_REJECTED)
        .values_list("detail", flat=True)
        .first()
    )

    services.token_approve(actor=land_head, token=token, reason="同步需要")

    assert Client().get(WHOAMI, **_bearer(plaintext)).status_code == 200
    approve = LedgerEvent.objects.get(action="accounts.token.approve")
    assert approve.actor == f"user:{land_head.pk}"
    assert SecurityEvent.objects.filter(kind=Kind.TOKEN_APPROVED, actor=land_head).exists()


def test_a_refused_token_never_works_and_a_refusal_needs_a_reason__S5(
    system_admin: User, land_agency: Agency, land_head: User
) -> None:
    token, plaintext = services.token_create(
        actor=system_admin, name="同步程序", agency=land_agency, scopes=["cases:read"]
    )
    before = _state()
    with pytest.raises(ValidationFailed):
        services.token_refuse(actor=land_head, token=token, reason=" ")
    assert _state() == before

    services.token_refuse(actor=land_head, token=token, reason="用途不明")

    assert Client().get(CASES, **_bearer(plaintext)).status_code == 401
    assert LedgerEvent.objects.filter(action="accounts.token.refuse").count() == 1
    with pytest.raises(Conflict):
        services.token_approve(actor=land_head, token=token)
    assert Client().get(CASES, **_bearer(plaintext)).status_code == 401


@pytest.mark.parametrize(
    "who", ["system_admin", "security_admin", "auditor", "officer", "other_head", "unit_head"]
)
def test_only_the_head_of_the_tokens_agency_approves__S6(
    system_admin: User, land_agency: Agency, justice_office: Agency, who: str
) -> None:
    token, _plaintext = services.token_create(
        actor=system_admin, name="同步程序", agency=land_agency, scopes=["cases:write"]
    )
    actors = {
        "system_admin": system_admin,
        "security_admin": make_user("sec.admin", admin_role=Role.SECURITY),
        "auditor": make_user("auditor", admin_role=Role.AUDITOR),
    }
    if who not in actors:
        person = make_user(who)
        role, agency = {
            "officer": ("officer", land_agency),
            "other_head": ("agency_head", justice_office),
            "unit_head": ("unit_head", land_agency),
        }[who]
        grant(person, agency, role)
        actors[who] = person
    before = _state()

    with pytest.raises(PermissionDenied):
        services.token_approve(actor=actors[who], token=token)

    assert _state() == before


def test_a_revoked_or_expired_token_cannot_be_approved__S5(
    system_admin: User, land_agency: Agency, land_head: User
) -> None:
    expires = clock.now() + timedelta(days=1)
    expiring, _p1 = services.token_create(
        actor=system_admin, name="a", agency=land_agency, scopes=["cases:read"], expires_at=expires
    )
    revoked, _p2 = services.token_create(
        actor=system_admin, name="b", agency=land_agency, scopes=["cases:read"]
    )
    services.token_revoke(actor=system_admin, token=revoked)
    platform, _p3 = services.token_create(
        actor=system_admin, name="c", agency=land_agency, scopes=["org:read"]
    )
    before = _state()

    with pytest.raises(Conflict):
        services.token_approve(actor=land_head, token=revoked)
    with pytest.raises(Conflict):
        services.token_approve(actor=land_head, token=platform)
    with clock.frozen(expires), pytest.raises(Conflict):
        services.token_approve(actor=land_head, token=expiring)

    assert _state() == before


def test_a_content_token_is_ledgered_once_a_day_when_used__S5(
    system_admin: User, land_agency: Agency, land_head: User
) -> None:
    token, plaintext = services.token_create(
        actor=system_admin, name="同步程序", agency=land_agency, scopes=["cases:read", "org:read"]
    )
    services.token_approve(actor=land_head, token=token)
    day_one = clock.now()

    with clock.frozen(day_one):
        for _ in range(3):
            assert Client().get(CASES, **_bearer(plaintext)).status_code == 200
    with clock.frozen(day_one + timedelta(days=1)):
        assert Client().get(CASES, **_bearer(plaintext)).status_code == 200

    uses = LedgerEvent.objects.filter(action="accounts.token.use").order_by("seq")
    assert [event.actor for event in uses] == [f"token:{token.prefix}"] * 2
    first = ApiTokenUse.objects.order_by("day").first()
    assert first is not None
    assert (first.scopes, first.method, first.path) == (["cases:read"], "GET", CASES)


def test_a_platform_token_is_not_ledgered_per_use__S5(system_admin: User) -> None:
    _token, plaintext = services.token_create(
        actor=system_admin, name="上级平台", agency=None, scopes=["org:read"]
    )
    before = LedgerEvent.objects.count()

    assert Client().get(WHOAMI, **_bearer(plaintext)).status_code == 200

    assert LedgerEvent.objects.count() == before


def test_a_row_written_around_the_service_gives_an_agencyless_token_no_content__S6() -> None:
    token = ApiToken.objects.create(
        name="绕过服务",
        prefix="0badc0de",
        secret_sha256="0" * 64,
        scopes=["cases:read", "evidence:upload"],
        created_at=clock.now(),
    )

    assert not token.has_scope("cases:read") and not token.has_scope("evidence:upload")


# --- the pages ----------------------------------------------------------------------------------


def test_the_admin_form_offers_the_known_scopes_as_a_multiple_choice__S5(
    system_admin: User, land_agency: Agency
) -> None:
    admin_client = signed_in_client(system_admin)

    form = admin_client.get("/admin/accounts/apitoken/add/").content.decode()
    free_text = admin_client.post(
        "/admin/accounts/apitoken/add/",
        {"name": "x", "agency": land_agency.pk, "scopes": ["cases:everything"]},
    )
    no_agency = admin_client.post(
        "/admin/accounts/apitoken/add/", {"name": "x", "agency": "", "scopes": ["cases:read"]}
    )
    issued = admin_client.post(
        "/admin/accounts/apitoken/add/",
        {"name": "同步程序", "agency": land_agency.pk, "scopes": ["cases:read"]},
    )

    for scope in rules.KNOWN_SCOPES:
        assert f'type="checkbox" name="scopes" value="{scope}"' in form
    assert 'name="scopes_text"' not in form
    assert free_text.status_code == 200 and "secret-once" not in free_text.content.decode()
    assert no_agency.status_code == 200 and "secret-once" not in no_agency.content.decode()
    assert "必须绑定一个执法主体" in no_agency.content.decode()
    assert "须经其执法主体负责人在工作平台批准" in issued.content.decode()
    assert list(ApiToken.objects.values_list("name", "scopes")) == [("同步程序", ["cases:read"])]
    listing = admin_client.get("/admin/accounts/apitoken/").content.decode()
    assert "待执法主体负责人批准" in listing


def test_the_agency_head_approves_on_a_staff_page_with_csrf__S5(
    system_admin: User, land_agency: Agency, land_head: User, justice_office: Agency
) -> None:
    token, plaintext = services.token_create(
        actor=system_admin, name="同步程序", agency=land_agency, scopes=["cases:read"]
    )
    other, _plain = services.token_create(
        actor=system_admin, name="别处的令牌", agency=justice_office, scopes=["cases:read"]
    )
    head = signed_in_client(land_head)

    page = head.get("/staff/tokens/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "接口令牌审批" in html and token.prefix in html and other.prefix not in html
    assert "读取本主体的案件" in html  # the scope's Chinese label
    assert "1 个令牌待审批" in head.get("/staff/").content.decode()

    strict = Client(enforce_csrf_checks=True)
    strict.cookies = head.cookies
    forged = strict.post(f"/staff/tokens/{token.pk}/decide/", {"decision": "approve"})
    assert forged.status_code == 403 and not ApiTokenApproval.objects.exists()
    foreign = head.post(f"/staff/tokens/{other.pk}/decide/", {"decision": "approve"})
    assert foreign.status_code == 302 and not ApiTokenApproval.objects.exists()

    done = head.post(f"/staff/tokens/{token.pk}/decide/", {"decision": "approve", "reason": "同意"})

    assert done.status_code == 302
    assert Client().get(CASES, **_bearer(plaintext)).status_code == 200
    assert "同意" in head.get("/staff/tokens/").content.decode()


@pytest.mark.parametrize("role", [Role.SYSTEM, Role.SECURITY, Role.AUDITOR, Role.NONE])
def test_the_approval_page_is_for_agency_heads_only__S6(role: str) -> None:
    client = signed_in_client(make_user("someone", admin_role=role))

    assert client.get("/staff/tokens/").status_code == 403
