"""The public ledger API (R-34, O-6): read-only and anonymous, mounted at ``/api/v1/ledger/``.

What anyone may fetch: the latest signed checkpoint, the verifier key, the leaf data (hashes and
ids only, never a record's content), and inclusion and consistency proofs against any tree size.
``python -m zhifa.ledger.audit URL`` is a client of exactly these endpoints.
"""

from __future__ import annotations

import base64
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from zhifa.core.api import ErrorOut
from zhifa.core.errors import NotFound
from zhifa.ledger import keys, selectors
from zhifa.ledger.errors import Code

router = Router(tags=["ledger"], auth=None)

MAX_INDEX = 2**62


class EntriesOut(Schema):
    start: int = Field(description="第一条的序号")
    end: int = Field(description="最后一条之后的序号（不含）")
    tree_size: int = Field(description="账本当前的树大小")
    entries: list[str] = Field(description="各条叶数据（规范 JSON）的 base64")


class InclusionOut(Schema):
    index: int
    tree_size: int
    leaf_hash: str = Field(description="叶哈希 SHA-256(0x00‖叶数据)，base64")
    root_hash: str = Field(description="该树大小下的根哈希，base64")
    proof: list[str] = Field(description="RFC 6962 包含证明，自下而上，base64")


class ConsistencyOut(Schema):
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str] = Field(description="RFC 6962 一致性证明，base64")


class EventOut(Schema):
    index: int = Field(description="事件在账本中的序号（叶序号）")
    action: str
    recorded_at: str
    sha256: str = Field(description="对象内容的规范 JSON 的 SHA-256")


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


_TEXT = {"content": {"text/plain": {"schema": {"type": "string"}}}}


def _text(body: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@router.get(
    "/checkpoint",
    response={200: None, 404: ErrorOut},
    summary="最新检查点",
    description="最新的已签名树头：C2SP tlog-checkpoint 正文，signed-note 格式，Ed25519 签名。",
    openapi_extra={"responses": {"200": {"description": "signed note", **_TEXT}}},
)
def checkpoint(request: HttpRequest) -> HttpResponse:
    latest = selectors.latest_checkpoint()
    if latest is None:
        raise NotFound(_("账本尚未签署任何检查点。"), code=Code.NOT_FOUND)
    return _text(latest.note)


@router.get(
    "/key",
    response={200: None},
    summary="验证公钥",
    description="检查点签名的验证公钥，signed-note 格式：名称+密钥编号+base64(0x01‖公钥)。",
    openapi_extra={"responses": {"200": {"description": "verifier key", **_TEXT}}},
)
def key(request: HttpRequest) -> HttpResponse:
    return _text(keys.verifier_key() + "\n")


@router.get(
    "/entries",
    response={200: EntriesOut, 404: ErrorOut, 422: ErrorOut},
    summary="叶数据",
    description="序号 [start, end) 的事件叶数据，每次最多 1000 条；只含哈希和编号，不含记录内容。",
)
def entries(
    request: HttpRequest,
    start: int = Query(..., ge=0, le=MAX_INDEX),
    end: int = Query(..., ge=1, le=MAX_INDEX),
) -> dict[str, Any]:
    data = selectors.entries(start, end)
    return {
        "start": start,
        "end": start + len(data),
        "tree_size": selectors.tree_size(),
        "entries": [_b64(item) for item in data],
    }


@router.get(
    "/proof/inclusion",
    response={200: InclusionOut, 404: ErrorOut, 422: ErrorOut},
    summary="包含证明",
    description="证明序号为 index 的事件包含在大小为 size 的树中。",
)
def inclusion(
    request: HttpRequest,
    index: int = Query(..., ge=0, le=MAX_INDEX),
    size: int = Query(..., ge=1, le=MAX_INDEX),
) -> dict[str, Any]:
    proof = selectors.inclusion_proof(index, size)
    return {
        "index": proof.index,
        "tree_size": proof.size,
        "leaf_hash": _b64(proof.leaf_hash),
        "root_hash": _b64(proof.root),
        "proof": [_b64(item) for item in proof.proof],
    }


@router.get(
    "/proof/consistency",
    response={200: ConsistencyOut, 404: ErrorOut, 422: ErrorOut},
    summary="一致性证明",
    description="证明大小为 first 的树是大小为 second 的树的前缀（账本从未被改写）。",
)
def consistency(
    request: HttpRequest,
    first: int = Query(..., ge=1, le=MAX_INDEX),
    second: int = Query(..., ge=1, le=MAX_INDEX),
) -> dict[str, Any]:
    proof = selectors.consistency_proof(first, second)
    return {
        "first": proof.first,
        "second": proof.second,
        "first_root": _b64(proof.first_root),
        "second_root": _b64(proof.second_root),
        "proof": [_b64(item) for item in proof.proof],
    }


@router.get(
    "/events",
    response={200: list[EventOut], 422: ErrorOut},
    summary="对象的账本事件",
    description="一个对象（类型如 org.agency，编号）在账本中的全部事件序号，用于出具包含证明。",
)
def events(
    request: HttpRequest,
    type: str = Query(..., min_length=3, max_length=64, description="对象类型，如 org.agency"),
    id: str = Query(..., min_length=1, max_length=64, description="对象编号"),
) -> list[dict[str, Any]]:
    return [
        {
            "index": event.seq,
            "action": event.action,
            "recorded_at": event.recorded_at.isoformat(),
            "sha256": event.content_sha256,
        }
        for event in selectors.object_events(type, id)
    ]
