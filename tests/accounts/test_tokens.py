"""API tokens for machines: shown once, SHA-256 stored, refused when unknown, revoked, expired or
without the scope — 401, logged, nothing changed (security model S-5)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.test import Client

from tests.accounts.support import approved_token, make_user
from zhifa.accounts import rules, services
from zhifa.accounts.access import require_scope, token_has_scope
from zhifa.accounts.actors import actor_label
from zhifa.accounts.models import ApiToken, SecurityEvent, User
from zhifa.core import clock
from zhifa.core.errors import PermissionDenied, ValidationFailed
from zhifa.ledger.models import LedgerEvent
from zhifa.org.models import Agency

Kind = SecurityEvent.Kind
WHOAMI = "/api/v1/accounts/token"


@pytest.fixture
def system_admin() -> User:
    return make_user("sys.admin", admin_role=User.AdminRole.SYSTEM)


def _bearer(plaintext: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


def _state() -> tuple[int, int, list[tuple[int, object]]]:
    """What a refused request must leave alone: ledger, tokens and their last use."""
    return (
        LedgerEvent.objects.count(),
        ApiToken.objects.count(),
        list(ApiToken.objects.order_by("id").values_list("id", "last_used_at")),
    )


def test_token_is_shown_once_and_only_its_sha256_is_stored__S5(
    system_admin: User, land_agency: Agency
) -> None:
    token, plaintext = services.token_create(
        actor=system_admin, name="执法记录仪 01", agency=land_agency, scopes=["evidence:upload"]
    )

    parsed = rules.parse_token(plaintext)
    assert parsed is not None and parsed.prefix == token.prefix
    assert plaintext.startswith(f"zf_{token.prefix}_") and len(parsed.secret) == 64
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert stored["secret_sha256"] == hashlib.sha256(parsed.secret.encode()).hexdigest()
    assert parsed.secret not in repr(stored)
    event = LedgerEvent.objects.get(action="accounts.token.create")
    assert event.actor == f"user:{system_admin.pk}"
    assert SecurityEvent.objects.filter(kind=Kind.TOKEN_CREATED, actor=system_admin).exists()


def test_a_valid_token_authenticates_and_its_last_use_is_recorded__S5(
    system_admin: User, land_agency: Agency
) -> None:
    token, plaintext = services.token_create(
        actor=system_admin, name="执法记录仪 01", agency=land_agency, scopes=["org:read"]
    )

    response = Client().get(WHOAMI, **_bearer(plaintext))

    assert response.status_code == 200
    assert response.json()["prefix"] == token.prefix
    assert response.json()["scopes"] == ["org:read"]
    token.refresh_from_db()
    assert token.last_used_at is not None


def _refused(plaintext: str, path: str = WHOAMI, method: str = "get") -> None:
    before = _state()
    events_before = SecurityEvent.objects.filter(kind=Kind.TOKEN_REJECTED).count()

    response = getattr(Client(), method)(path, **_bearer(plaintext))

    assert response.status_code == 401
    assert _state() == before  # nothing changed, not even the last use
    assert SecurityEvent.objects.filter(kind=Kind.TOKEN_REJECTED).count() == events_before + 1


def test_revoked_token_is_refused_and_logged__S5(system_admin: User) -> None:
    token, plaintext = services.token_create(
        actor=system_admin, name="上级平台", agency=None, scopes=["org:read"]
    )
    services.token_revoke(actor=system_admin, token=token, reason="设备报废")

    _refused(plaintext)

    rejected = SecurityEvent.objects.get(kind=Kind.TOKEN_REJECTED)
    assert "令牌已撤销" in rejected.detail and token.prefix in rejected.detail
    assert rejected.ip_address == "127.0.0.1"


def test_expiry_boundary_the_instant_of_expiry_is_already_expired__S5(system_admin: User) -> None:
    expires = clock.now() + timedelta(days=30)
    _token, plaintext = services.token_create(
        actor=system_admin, name="上级平台", agency=None, scopes=["org:read"], expires_at=expires
    )

    with clock.frozen(expires - timedelta(seconds=1)):
        assert Client().get(WHOAMI, **_bearer(plaintext)).status_code == 200
    with clock.frozen(expires):
        _refused(plaintext)

    assert "令牌已过期" in SecurityEvent.objects.get(kind=Kind.TOKEN_REJECTED).detail


@pytest.mark.parametrize(
    ("presented", "why"),
    [
        ("zf_0123abcd_" + "0" * 64, "令牌不存在"),
        ("not-a-token", "格式不正确"),
    ],
)
def test_unknown_or_malformed_token_is_refused_and_logged__S5(presented: str, why: str) -> None:
    _refused(presented)

    assert why in SecurityEvent.objects.get(kind=Kind.TOKEN_REJECTED).detail


def test_right_prefix_with_a_wrong_secret_is_refused__S5(system_admin: User) -> None:
    token, plaintext = services.token_create(
        actor=system_admin, name="上级平台", agency=None, scopes=["org:read"]
    )
    forged = rules.format_token(token.prefix, "f" * 64)
    assert forged != plaintext

    _refused(forged)

    assert "密钥不匹配" in SecurityEvent.objects.get(kind=Kind.TOKEN_REJECTED).detail


@pytest.mark.urls("tests.accounts.scoped_api_urls")
def test_token_without_the_scope_is_refused_and_logged__S5(
    system_admin: User, land_agency: Agency
) -> None:
    _token, reader = services.token_create(
        actor=system_admin, name="只读", agency=land_agency, scopes=["org:read"]
    )
    uploader, camera = approved_token(
        admin=system_admin, name="执法记录仪", agency=land_agency, scopes=["evidence:upload"]
    )

    _refused(reader, path="/scoped/upload", method="post")
    accepted = Client().post("/scoped/upload", **_bearer(camera))

    assert (
        "缺少权限范围 evidence:upload" in SecurityEvent.objects.get(kind=Kind.TOKEN_REJECTED).detail
    )
    assert accepted.status_code == 200
    assert accepted.json() == {"actor": f"token:{uploader.prefix}"}  # request.auth is the actor


def test_tokens_act_for_their_agency_only__S5(
    system_admin: User, land_agency: Agency, justice_office: Agency
) -> None:
    bound, _p1 = services.token_create(
        actor=system_admin, name="记录仪", agency=land_agency, scopes=["evidence:upload"]
    )
    platform, _p2 = services.token_create(
        actor=system_admin, name="上级平台", agency=None, scopes=["org:read"]
    )

    assert token_has_scope(bound, "evidence:upload", land_agency)
    assert not token_has_scope(bound, "evidence:upload", justice_office)
    assert not token_has_scope(bound, "ledger:read", land_agency)
    assert token_has_scope(platform, "org:read", justice_office)
    assert token_has_scope(platform, "org:read", land_agency)
    with pytest.raises(PermissionDenied):
        require_scope(bound, "evidence:upload", justice_office)
    assert actor_label(bound) == f"token:{bound.prefix}"


def test_only_the_system_admin_creates_tokens__S5(land_agency: Agency) -> None:
    security_admin = make_user("sec.admin", admin_role=User.AdminRole.SECURITY)
    officer = make_user("li.wei")
    before = _state()

    for actor in (security_admin, officer):
        with pytest.raises(PermissionDenied):
            services.token_create(
                actor=actor, name="x", agency=land_agency, scopes=["evidence:upload"]
            )

    assert _state() == before


@pytest.mark.parametrize(
    ("scopes", "expires_in"),
    [
        ([], None),
        (["Evidence Upload"], None),
        (["cases:everything"], None),  # well formed, but no known scope
        (["cases:read"], None),  # a content scope on a token without an agency
        (["org:read", "evidence:upload"], None),
        (["org:read"], timedelta(seconds=0)),
    ],
)
def test_token_needs_valid_scopes_and_a_future_expiry__S5(
    system_admin: User, scopes: list[str], expires_in: timedelta | None
) -> None:
    before = _state()
    now = clock.now()

    with clock.frozen(now), pytest.raises(ValidationFailed):
        services.token_create(
            actor=system_admin,
            name="x",
            agency=None,
            scopes=scopes,
            expires_at=now + expires_in if expires_in is not None else None,
        )

    assert _state() == before
