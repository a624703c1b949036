"""Record kinds as data (ADR 0005): what each kind of document holds, who signs, who may refuse.

The specifications live in one TOML file, ``catalogue/record_kinds.toml``, loaded into the frozen
dataclasses below and validated on load like the procedure definitions are. The procedures name
these kinds in their requirements (``requires = [{ document = "inquiry_transcript", … }]``), the
case engine checks every record against its kind (:mod:`zhifa.cases.documents`), the pages and the
API draw their forms from them. The format (``docs/procedures.md``, "Record kinds")::

    [signers.party]                      # who may sign (R-11, R-13)
    label = "当事人"
    may_refuse = true                    # a refusal, with its circumstances, counts as done

    [choices]                            # named lists of choices a field may take
    measures = [{ key = "warning", label = "警告" }, …]

    [kinds.hearing_notice]
    label = "听证通知书"
    also_written_by = ["legal_reviewer"] # agency roles who may write it without being on the case
    fields = [
      { name = "notified_on", label = "通知送达日期", type = "date", event = true },
      { name = "presider", label = "听证主持人", role = "presider" },
    ]

A field: ``type`` (text, date, datetime, bool, yuan, choice, list; default text), ``required``
(default true), ``choices`` (a named list, optionally narrowed by ``only``), ``event`` (the date
of something that happened: neither in the future nor before its step began), ``served`` (the day
the document reached the party, from which a limit counted from service runs; ``{ after_days = 30,
basis = … }`` for a public notice), ``role`` (``presider`` / ``investigators``: who presided the
hearing and who investigated, 行政处罚法第六十四条) and ``when_false`` (a bool that, recorded
false, keeps the step open: ``{ code, gap, basis }``).
"""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from zhifa.catalogue.errors import Code
from zhifa.core.errors import ValidationFailed

RECORD_KINDS_FILE = Path(__file__).resolve().parent / "record_kinds.toml"


class FieldType(enum.StrEnum):
    TEXT = "text"
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"
    YUAN = "yuan"
    CHOICE = "choice"
    LIST = "list"  # several lines of text


class FieldRole(enum.StrEnum):
    """What the engine reads a field as, beyond its type (closed: an unknown role is an error)."""

    PRESIDER = "presider"  # who presided a hearing (行政处罚法第六十四条)
    INVESTIGATORS = "investigators"  # who investigated the case (may not preside)


@dataclass(frozen=True)
class WhenFalse:
    """A yes/no field that, recorded as no, keeps the step open (R-11: certificates shown …)."""

    code: str
    gap: str
    basis: str


@dataclass(frozen=True)
class Served:
    """The field is the day the document reached the party; ``after_days``: deemed served that
    many days later (公告送达: 民事诉讼法第九十五条)."""

    after_days: int = 0
    basis: str = ""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: FieldType = FieldType.TEXT
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()
    event: bool = False
    served: Served | None = None
    role: FieldRole | None = None
    when_false: WhenFalse | None = None


@dataclass(frozen=True)
class Signer:
    key: str
    label: str
    may_refuse: bool = False


@dataclass(frozen=True)
class RecordKind:
    key: str
    label: str
    fields: tuple[FieldSpec, ...]
    also_written_by: tuple[str, ...] = ()

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class RecordKinds:
    """Every record kind and signer, in the file's order."""

    kinds: Mapping[str, RecordKind]
    signers: Mapping[str, Signer]

    def get(self, kind: str) -> RecordKind | None:
        return self.kinds.get(kind)


class RecordKindsError(ValidationFailed):
    """The record kinds file may not be used; ``problems`` lists each, naming the kind."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        lines = [
            _("%(file)s，文书“%(kind)s”：%(problem)s") % {"file": source, "kind": k, "problem": p}
            if k
            else _("%(file)s：%(problem)s") % {"file": source, "problem": p}
            for k, p in problems
        ]
        super().__init__(
            "\n".join(lines),
            code=Code.INVALID_RECORD_KINDS,
            detail=[{"file": source, "kind": k, "problem": p} for k, p in problems],
        )
        self.problems = problems


class _Reader:
    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def problem(self, kind: str, message: str) -> None:
        self.problems.append((kind, message))

    def text(self, data: Mapping[str, Any], key: str, kind: str) -> str:
        value = data.get(key, "")
        if not isinstance(value, str) or not value.strip():
            self.problem(kind, _("缺少“%(key)s”。") % {"key": key})
            return ""
        return value.strip()

    def table(self, data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.problem("", _("“%(key)s”必须是表。") % {"key": key})
            return {}
        return value

    def choices(self, raw: Any, name: str) -> tuple[tuple[str, str], ...]:
        if not isinstance(raw, list) or not raw:
            self.problem("", _("选项“%(name)s”必须是非空列表。") % {"name": name})
            return ()
        out = []
        for item in raw:
            if not isinstance(item, dict):
                self.problem("", _("选项“%(name)s”的格式不正确。") % {"name": name})
                continue
            out.append((self.text(item, "key", ""), self.text(item, "label", "")))
        return tuple(out)

    def field(
        self, raw: Any, kind: str, choices: Mapping[str, tuple[tuple[str, str], ...]]
    ) -> FieldSpec | None:
        known = {
            "name",
            "label",
            "type",
            "required",
            "choices",
            "only",
            "event",
            "served",
            "role",
            "when_false",
        }
        if not isinstance(raw, dict):
            self.problem(kind, _("内容项的格式不正确。"))
            return None
        for key in set(raw) - known:
            self.problem(kind, _("内容项有未知的设置“%(key)s”。") % {"key": key})
        name = self.text(raw, "name", kind)
        label = self.text(raw, "label", kind)
        try:
            type_ = FieldType(str(raw.get("type", FieldType.TEXT.value)))
        except ValueError:
            self.problem(
                kind, _("“%(name)s”的类型“%(type)s”无效。") % {"name": name, "type": raw["type"]}
            )
            type_ = FieldType.TEXT
        options: tuple[tuple[str, str], ...] = ()
        if type_ is FieldType.CHOICE:
            listed = choices.get(str(raw.get("choices", "")))
            if listed is None:
                self.problem(kind, _("“%(name)s”没有写明有效的选项（choices）。") % {"name": name})
            else:
                only = raw.get("only")
                options = listed
                if only is not None:
                    keys = {key for key, _label in listed}
                    if not isinstance(only, list) or not set(map(str, only)) <= keys:
                        self.problem(kind, _("“%(name)s”的 only 不在选项之中。") % {"name": name})
                    else:
                        options = tuple(c for c in listed if c[0] in only)
        elif "choices" in raw or "only" in raw:
            self.problem(kind, _("只有选择项才能写 choices。"))
        event = raw.get("event", False) is True
        served: Served | None = None
        if "served" in raw:
            served = self.served(raw["served"], kind, name)
        if (event or served) and type_ is not FieldType.DATE:
            self.problem(kind, _("“%(name)s”是事件日期，类型必须是 date。") % {"name": name})
        role: FieldRole | None = None
        if "role" in raw:
            try:
                role = FieldRole(str(raw["role"]))
            except ValueError:
                self.problem(kind, _("未知的内容项角色“%(role)s”。") % {"role": raw["role"]})
        when_false: WhenFalse | None = None
        if "when_false" in raw:
            when_false = self.when_false(raw["when_false"], kind, name, type_)
        return FieldSpec(
            name=name,
            label=label,
            type=type_,
            required=raw.get("required", True) is not False,
            choices=options,
            event=event,
            served=served,
            role=role,
            when_false=when_false,
        )

    def served(self, raw: Any, kind: str, name: str) -> Served | None:
        if raw is True:
            return Served()
        if isinstance(raw, dict):
            days = raw.get("after_days", 0)
            if isinstance(days, bool) or not isinstance(days, int) or days < 0:
                self.problem(kind, _("“%(name)s”的 after_days 必须是非负整数。") % {"name": name})
                return None
            basis = self.text(raw, "basis", kind) if days else ""
            return Served(days, basis)
        self.problem(kind, _("“%(name)s”的 served 格式不正确。") % {"name": name})
        return None

    def when_false(self, raw: Any, kind: str, name: str, type_: FieldType) -> WhenFalse | None:
        if type_ is not FieldType.BOOL or not isinstance(raw, dict):
            self.problem(
                kind,
                _("“%(name)s”的 when_false 只用于是否项，且须写明 code、gap、basis。")
                % {"name": name},
            )
            return None
        return WhenFalse(
            self.text(raw, "code", kind), self.text(raw, "gap", kind), self.text(raw, "basis", kind)
        )


def parse_record_kinds(data: Mapping[str, Any], *, source: str) -> RecordKinds:
    """Build and validate the record kinds from parsed TOML (:class:`RecordKindsError`)."""
    from zhifa.accounts.models import RoleAssignment

    reader = _Reader()
    signers: dict[str, Signer] = {}
    for key, raw in reader.table(data, "signers").items():
        if not isinstance(raw, dict):
            reader.problem("", _("签名人“%(key)s”的格式不正确。") % {"key": key})
            continue
        signers[key] = Signer(key, reader.text(raw, "label", ""), raw.get("may_refuse") is True)
    if not signers:
        reader.problem("", _("没有任何签名人（signers）。"))
    choices = {
        name: reader.choices(raw, name) for name, raw in reader.table(data, "choices").items()
    }
    kinds: dict[str, RecordKind] = {}
    for key, raw in reader.table(data, "kinds").items():
        if not isinstance(raw, dict):
            reader.problem(key, _("文书种类的格式不正确。"))
            continue
        fields = [reader.field(f, key, choices) for f in raw.get("fields", [])]
        specs = tuple(f for f in fields if f is not None)
        names = [f.name for f in specs]
        for name in {n for n in names if names.count(n) > 1}:
            reader.problem(key, _("内容项“%(name)s”重复。") % {"name": name})
        if "content" in names:
            reader.problem(key, _("“content”（正文）是每种文书都有的内容项，不必列出。"))
        authors = tuple(str(r) for r in raw.get("also_written_by", []))
        for role in authors:
            if role not in RoleAssignment.Role.values:
                reader.problem(key, _("未知的角色“%(role)s”。") % {"role": role})
        kinds[key] = RecordKind(key, reader.text(raw, "label", key), specs, authors)
    if not kinds:
        reader.problem("", _("没有任何文书种类（kinds）。"))
    if reader.problems:
        raise RecordKindsError(source, reader.problems)
    return RecordKinds(kinds, signers)


def load_record_kinds(path: Path = RECORD_KINDS_FILE) -> RecordKinds:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RecordKindsError(
            path.name, [("", _("不是有效的 TOML：%(e)s") % {"e": exc})]
        ) from None
    return parse_record_kinds(data, source=path.name)


@cache
def shipped() -> RecordKinds:
    """The record kinds shipped with the system, loaded and validated once per process."""
    return load_record_kinds()


class LabelsOf(Mapping[str, str]):
    """A read-only view ``key -> label`` of the shipped kinds or signers, loaded at first use
    (so that importing a module never reads or validates the file)."""

    def __init__(self, what: str) -> None:
        self._what = what

    def _items(self) -> Mapping[str, RecordKind] | Mapping[str, Signer]:
        data = shipped()
        return data.kinds if self._what == "kinds" else data.signers

    def __getitem__(self, key: str) -> str:
        return self._items()[key].label

    def __iter__(self) -> Iterator[str]:
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())
