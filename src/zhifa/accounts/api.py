"""API of accounts: a machine asks which token it holds (to check its set-up)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from zhifa.accounts.auth import ApiTokenAuth
from zhifa.accounts.models import ApiToken

router = Router(tags=["accounts"])


class TokenOut(Schema):
    name: str
    prefix: str
    agency_id: int | None
    scopes: list[str]
    expires_at: datetime | None


@router.get("/token", response=TokenOut, auth=ApiTokenAuth(), summary="当前接口令牌的信息")
def token_whoami(request: HttpRequest) -> TokenOut:
    token = request.auth  # type: ignore[attr-defined]
    assert isinstance(token, ApiToken)
    return TokenOut(
        name=token.name,
        prefix=token.prefix,
        agency_id=token.agency_id,
        scopes=list(token.scopes or []),
        expires_at=token.expires_at,
    )
