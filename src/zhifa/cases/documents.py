"""Checking a record against its kind (``catalogue/record_kinds.toml``): its fields, which are
required, and how a value is checked; its signatures. Pure: no database.

The kinds themselves are data (:mod:`zhifa.catalogue.record_kinds`); this module only reads them.
Every kind also takes ``content`` (the body of the document: questions and answers, findings,
reasons …). Unknown fields are refused so that nothing entered is silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from zhifa.cases.errors import Code
from zhifa.catalogue import record_kinds
from zhifa.catalogue.record_kinds import FieldSpec, FieldType, RecordKind
from zhifa.core.clock import CHINA
from zhifa.core.errors import ValidationFailed
from zhifa.core.money import parse_yuan

__all__ = ["FieldSpec", "FieldType", "clean_fields", "clean_signatures", "kind_of", "specs"]

CONTENT = FieldSpec("content", "正文", required=False)

SIGNATURE_STATES = ("signed", "refused")


def kind_of(kind: str) -> RecordKind | None:
    """The shipped specification of ``kind`` (None for an unknown kind)."""
    return record_kinds.shipped().get(kind)


def may_refuse(who: str) -> bool:
    """May ``who`` refuse to sign and have the refusal recorded (R-11, R-13)?"""
    signer = record_kinds.shipped().signers.get(who)
    return signer is not None and signer.may_refuse


def specs(kind: str) -> tuple[FieldSpec, ...]:
    found = kind_of(kind)
    return (*(found.fields if found else ()), CONTENT)


def _problem(spec: FieldSpec, message: str) -> dict[str, str]:
    return {"field": spec.name, "message": message % {"label": spec.label}}


def clean_fields(kind: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The record's fields, checked and normalised to JSON values; ``ValidationFailed`` naming
    every bad field (nothing is written)."""
    if kind_of(kind) is None:
        raise ValidationFailed(
            _("未知的文书种类“%(kind)s”。") % {"kind": kind},
            code=Code.UNKNOWN_RECORD_KIND,
            detail={"field": "kind"},
        )
    problems: list[dict[str, str]] = []
    known = {s.name: s for s in specs(kind)}
    for name in raw:
        if name not in known:
            problems.append({"field": str(name), "message": _("该文书没有此项内容。")})
    cleaned: dict[str, Any] = {}
    for spec in known.values():
        value = raw.get(spec.name)
        empty = value is None or (isinstance(value, str | list) and not value)
        if empty:
            if spec.required:
                problems.append(_problem(spec, _("请填写“%(label)s”。")))
            continue
        try:
            cleaned[spec.name] = _clean_value(spec, value)
        except (ValueError, TypeError, ValidationFailed):
            problems.append(_problem(spec, _("“%(label)s”的格式不正确。")))
    if problems:
        raise ValidationFailed(
            "；".join(p["message"] for p in problems), code=Code.INVALID_RECORD, detail=problems
        )
    return cleaned


def _clean_value(spec: FieldSpec, value: Any) -> Any:
    if spec.type is FieldType.BOOL:
        if isinstance(value, bool):
            return value
        if value in ("true", "1", "on", "yes"):
            return True
        if value in ("false", "0", "off", "no"):
            return False
        raise ValueError(value)
    if spec.type is FieldType.LIST:
        items = value.splitlines() if isinstance(value, str) else list(value)
        lines = [str(item).strip()[:500] for item in items if str(item).strip()]
        if not lines:
            raise ValueError(value)
        return lines
    if not isinstance(value, str | int | float | Decimal):
        raise TypeError(value)
    text = str(value).strip()
    if "\x00" in text:
        raise ValueError(value)
    if spec.type is FieldType.DATE:
        return date.fromisoformat(text).isoformat()
    if spec.type is FieldType.DATETIME:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:  # a form's local time is China time (datetime-local sends none)
            moment = moment.replace(tzinfo=CHINA)
        return moment.isoformat()
    if spec.type is FieldType.YUAN:
        return str(parse_yuan(text))
    if spec.type is FieldType.CHOICE:
        if text not in {key for key, _label in spec.choices}:
            raise ValueError(text)
        return text
    if not text:
        raise ValueError(value)
    return text[:20000]


def clean_signatures(raw: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """``{who: {"state": "signed"|"refused", "name": …, "reason": …}}``; a refusal to sign needs
    its reason (R-11: signed, or the refusal recorded)."""
    problems: list[dict[str, str]] = []
    cleaned: dict[str, dict[str, str]] = {}
    for who, value in raw.items():
        signer = record_kinds.shipped().signers.get(who)
        if signer is None:
            problems.append({"field": str(who), "message": _("未知的签名人。")})
            continue
        if not isinstance(value, Mapping):
            problems.append({"field": who, "message": _("签名情况的格式不正确。")})
            continue
        state = str(value.get("state", ""))
        name = str(value.get("name", "")).strip()[:100]
        reason = str(value.get("reason", "")).strip()[:500]
        if state not in SIGNATURE_STATES:
            problems.append({"field": who, "message": _("签名情况只能是已签名或者拒绝签名。")})
        elif state == "refused" and not signer.may_refuse:
            problems.append(
                {
                    "field": who,
                    "message": _("%(who)s不能“拒绝签名”；未签名的，文书尚未完成。")
                    % {"who": signer.label},
                }
            )
        elif state == "refused" and not reason:
            problems.append(
                {
                    "field": who,
                    "message": _("%(who)s拒绝签名的，须记明拒签情况。") % {"who": signer.label},
                }
            )
        else:
            cleaned[who] = {"state": state, "name": name, "reason": reason}
    if problems:
        raise ValidationFailed(
            "；".join(p["message"] for p in problems), code=Code.INVALID_SIGNATURES, detail=problems
        )
    return cleaned
