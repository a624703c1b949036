"""The parameters a procedure definition gives its hooks (``[hooks.<name>]`` in the TOML).

A hook is code (``cases/gates.py`` implements them); what it looks at is data: which step holds
the discussion minutes, how many must take part, which record carries the fine and in which
field, which step is the on-the-spot collection, which limit the duty to publish runs. Each hook
has a frozen dataclass of parameters; the loader reads the table into it and refuses, naming the
file, a missing or unknown parameter, a step or record kind the definition does not know, a field
the record kind does not have, a role or limit constant that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import MISSING, dataclass, field, fields
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from zhifa.core import deadlines
from zhifa.core.deadlines import LegalLimit
from zhifa.core.errors import ValidationFailed
from zhifa.core.money import parse_yuan


@dataclass(frozen=True)
class HookParams:
    """The parameters of one hook in one definition (subclassed per hook)."""


# What a parameter refers to (checked on load): a step of the definition, a record kind, a
# list of record kinds, a field of the kind named by parameter ``of`` (any kind without it).
_STEP = {"ref": "step"}
_RECORD = {"ref": "record"}
_RECORDS = {"ref": "records"}


def _field_of(of: str = "") -> dict[str, str]:
    return {"ref": "field", "of": of}


@dataclass(frozen=True)
class NoParams(HookParams):
    """A hook that needs nothing from the definition (``officer_minimum``)."""


@dataclass(frozen=True)
class SimpleProcedureParams(HookParams):
    """行政处罚法第五十一条 (warning or a fine within the procedure's ``fine_limits``) and
    第六十八条、第六十九条 (on-the-spot collection)."""

    measure_field: str = field(
        metadata=_field_of()
    )  # in any record: the measure it proposes or decides
    measures: tuple[str, ...] = field()  # the only measures the procedure may give
    fine_field: str = field(metadata=_field_of())  # in any record: the fine it proposes or decides
    collection_step: str = field(metadata=_STEP)  # where the fine is collected on the spot
    decision_record: str = field(metadata=_RECORD)  # whose fine the collection must equal
    receipt_record: str = field(metadata=_RECORD)
    receipt_amount_field: str = field(metadata=_field_of("receipt_record"))
    remote_reason_field: str = field(
        metadata=_field_of("receipt_record")
    )  # 第六十九条: the reason, recorded
    on_the_spot_max_yuan: Decimal = field()  # 第六十八条: 一百元以下


@dataclass(frozen=True)
class CollectiveDiscussionParams(HookParams):
    """行政处罚法第五十七条: at ``discussion_step`` the minutes name enough participants; at any
    other step declaring the hook, a major case must have closed ``discussion_step``."""

    discussion_step: str = field(metadata=_STEP)
    minutes_record: str = field(metadata=_RECORD)
    participants_field: str = field(metadata=_field_of("minutes_record"))
    min_participants: int = field()
    major_records: tuple[str, ...] = field(metadata=_RECORDS)  # the records that make a case major
    measure_field: str = field(metadata=_field_of())
    heavy_measures: tuple[str, ...] = field()
    fine_field: str = field(
        metadata=_field_of()
    )  # a fine at or above ZHIFA_MAJOR_FINE_YUAN is major


@dataclass(frozen=True)
class LegalReviewParams(HookParams):
    """法制审核: a current ``opinion_record`` concluding ``agree``, written by ``reviewer_role`` of
    the agency who is not on the case."""

    opinion_record: str = field(metadata=_RECORD)
    conclusion_field: str = field(metadata=_field_of("opinion_record"))
    agree: str = field()
    reviewer_role: str = field(metadata={"ref": "role"})


@dataclass(frozen=True)
class DisclosureParams(HookParams):
    """D-20: closing the step opens the limit to publish (met by the disclosure module)."""

    key: str = field()
    name: str = field()
    limit: LegalLimit = field(metadata={"ref": "limit"})


# Every hook a step may declare and the parameters it takes (keys: ``procedures.HOOKS``).
PARAMS: dict[str, type[HookParams]] = {
    "officer_minimum": NoParams,
    "simple_procedure_limits": SimpleProcedureParams,
    "collective_discussion_gate": CollectiveDiscussionParams,
    "legal_review_gate": LegalReviewParams,
    "disclosure_publish": DisclosureParams,
}


@dataclass(frozen=True)
class References:
    """What a parameter may refer to: the definition's steps and the record kinds' fields."""

    steps: Collection[str]
    fields_of: Mapping[str, Collection[str]]  # record kind -> its field names
    roles: Collection[str]


def parse(
    name: str, raw: Any, refs: References, problem: Callable[[str], None]
) -> HookParams | None:
    """The parameters of hook ``name`` from its TOML table, or None (each problem reported)."""
    cls = PARAMS[name]
    if not isinstance(raw, dict):
        problem(_("挂钩“%(hook)s”的参数格式不正确。") % {"hook": name})
        return None
    specs = {f.name: f for f in fields(cls)}
    for key in sorted(set(raw) - set(specs)):
        problem(_("挂钩“%(hook)s”没有参数“%(key)s”。") % {"hook": name, "key": key})
    values: dict[str, Any] = {}
    for spec in specs.values():
        if spec.name not in raw:
            if spec.default is MISSING:
                problem(_("挂钩“%(hook)s”缺少参数“%(key)s”。") % {"hook": name, "key": spec.name})
            continue
        value = _value(spec.type, raw[spec.name], spec.metadata, raw, refs)
        if value is None:
            problem(
                _("挂钩“%(hook)s”的参数“%(key)s”无效：%(value)s。")
                % {"hook": name, "key": spec.name, "value": raw[spec.name]}
            )
            continue
        values[spec.name] = value
    if len(values) != len(specs):
        return None
    return cls(**values)


def _value(
    type_: Any, raw: Any, meta: Mapping[str, Any], table: Mapping[str, Any], refs: References
) -> Any:
    """``raw`` as ``type_`` (the annotation text), checked against its reference; None if bad."""
    ref = meta.get("ref", "")
    if type_ == "int":
        return raw if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0 else None
    if type_ == "Decimal":
        try:
            return parse_yuan(str(raw))
        except ValidationFailed:
            return None
    if type_ == "LegalLimit":
        found = getattr(deadlines, str(raw), None)
        return found if isinstance(found, LegalLimit) else None
    if type_ == "tuple[str, ...]":
        if not isinstance(raw, list) or not all(isinstance(x, str) and x for x in raw):
            return None
        if ref == "records" and not all(x in refs.fields_of for x in raw):
            return None
        return tuple(raw)
    if not isinstance(raw, str) or not raw:
        return None
    if ref == "step" and raw not in refs.steps:
        return None
    if ref == "record" and raw not in refs.fields_of:
        return None
    if ref == "role" and raw not in refs.roles:
        return None
    if ref == "field":
        of = meta.get("of", "")
        kinds = [str(table.get(of, ""))] if of else list(refs.fields_of)
        if not any(raw in refs.fields_of.get(kind, ()) for kind in kinds):
            return None
    return raw
