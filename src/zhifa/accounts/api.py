"""API of accounts: a machine asks which token it holds (to check its set-up)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from zhifa.accounts.auth import ApiTokenAuth
from zhifa.apikit import ErrorOut, is_machine

# Machines only: a staff member has no token to ask about.
router = Router(tags=["accounts"], auth=ApiTokenAuth())


class TokenOut(Schema):
    name: str = Field(description="令牌名称")
    prefix: str = Field(description="令牌前缀（明文的第二段）")
    agency_id: int | None = Field(description="令牌所属执法主体；空表示不限（如上级平台）")
    scopes: list[str] = Field(description="权限范围，如 evidence:upload")
    expires_at: datetime | None = Field(description="过期时间；空表示长期有效")


@router.get(
    "/token",
    response={200: TokenOut, 401: ErrorOut},
    summary="当前接口令牌的信息",
    description="设备或对接平台用于核对所持令牌。令牌无效、已撤销或已过期时返回 401。",
)
def token_whoami(request: HttpRequest) -> TokenOut:
    token = request.auth  # type: ignore[attr-defined]
    assert is_machine(token)
    return TokenOut(
        name=token.name,
        prefix=token.prefix,
        agency_id=token.agency_id,
        scopes=list(token.scopes or []),
        expires_at=token.expires_at,
    )
