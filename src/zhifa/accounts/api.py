"""API of accounts: a machine asks which token it holds (to check its set-up)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from zhifa.accounts.auth import ApiTokenAuth
from zhifa.accounts.models import ApiToken

router = Router(tags=["accounts"])


class AccountsErrorOut(Schema):
    """A refusal: ``{"code", "message", "detail"}``."""

    code: str = Field(description="稳定的错误代码，如 unauthenticated")
    message: str = Field(description="中文说明")
    detail: Any = Field(default=None, description="补充信息，可为空")


class TokenOut(Schema):
    name: str = Field(description="令牌名称")
    prefix: str = Field(description="令牌前缀（明文的第二段）")
    agency_id: int | None = Field(description="令牌所属执法主体；空表示不限（如上级平台）")
    scopes: list[str] = Field(description="权限范围，如 evidence:upload")
    expires_at: datetime | None = Field(description="过期时间；空表示长期有效")


@router.get(
    "/token",
    response={200: TokenOut, 401: AccountsErrorOut},
    auth=ApiTokenAuth(),
    summary="当前接口令牌的信息",
    description="设备或对接平台用于核对所持令牌。令牌无效、已撤销或已过期时返回 401。",
)
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
