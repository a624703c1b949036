"""Procedure definitions as data (architecture: "procedures are data"; R-7 – R-35, D-6).

A definition is a TOML file in ``catalogue/procedures/<slug>.toml``, loaded into the frozen
dataclasses below and validated on load. The case engine reads the same structure to know which
steps may follow, what is missing before a step can close, who approves and which time limits
run; supervision measures completeness against it; the portal draws its flowchart (D-6).

The file format (``docs/procedures.md`` has the full reference)::

    slug = "penalty_simple"               # must equal the file name
    name = "行政处罚简易程序"
    act_type = "penalty"                  # Power.ActType
    basis = ["行政处罚法第五十一条"]
    start = "decide_on_spot"              # the first step

    [[fine_limits]]                       # optional: ceilings of a procedure (simple procedure)
    party = "natural_person"              # natural_person | organisation
    max_yuan = "200"
    basis = "行政处罚法第五十一条"

    [[steps]]
    id = "decide_on_spot"
    name = "当场作出处罚决定"
    stage = "decision"                    # start | investigation | decision | service | execution
                                          # | archive
    basis = "行政处罚法第五十二条"
    next = [{ to = "hand_over" }, { to = "hearing", label = "要求听证" }]
    approval = ["handler", "checker", "approver"]   # R-35, in this order, different people
    approval_basis = "白山乡行政执法全过程记录办法第三十九条"
    hooks = ["legal_review_gate"]         # named hooks implemented elsewhere (HOOKS)
    min_officers = 2                      # with min_officers_basis
    av = "required"                       # none | required | if_disputed; with av_basis
    requires = [{ document = "inquiry_transcript", signatures = ["officers", "party"],
                  basis = "白山乡行政执法全过程记录办法第十三条" }]
    limits = [{ key = "hearing_request", name = "申请听证期限", limit = "PENALTY_HEARING_REQUEST" }]
    variants = [...]                      # alternatives of the same step (service methods …),
                                          # each with its own requires / av

A limit names a :class:`~zhifa.core.deadlines.LegalLimit` constant (``limit``) or gives
``amount``, ``unit`` and ``basis``; ``counted = "before"`` counts back from an event; ``from``
names the step whose completion starts it (default: the step itself is opened).

Loading refuses, naming the file and the step: an unknown stage, document kind, signature,
approval role, hook or limit constant; a requirement, AV rule, officer minimum, approval or limit
without its basis; a transition to an unknown step or to an earlier stage; a step that cannot be
reached from the start; a step other than an archive step with no way on; a step from which no
archive step can be reached; an approval chain out of order or naming one role twice.
"""

from __future__ import annotations

import enum
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhifa.core import deadlines
from zhifa.core.deadlines import Deadline, LegalLimit, Unit
from zhifa.core.errors import ValidationFailed
from zhifa.core.money import parse_yuan

PROCEDURES_DIR = Path(__file__).resolve().parent / "procedures"

_SLUG = re.compile(r"^[a-z][a-z0-9_]{1,49}$")
_ID = re.compile(r"^[a-z][a-z0-9_]{0,49}$")


class Stage(enum.StrEnum):
    """The stages of every procedure, in order (全过程记录办法 第二章至第六章)."""

    START = "start"
    INVESTIGATION = "investigation"
    DECISION = "decision"
    SERVICE = "service"
    EXECUTION = "execution"
    ARCHIVE = "archive"

    @property
    def label(self) -> str:
        return str(_STAGE_LABELS[self])

    @property
    def order(self) -> int:
        return list(Stage).index(self)


_STAGE_LABELS = {
    Stage.START: gettext_lazy("启动"),
    Stage.INVESTIGATION: gettext_lazy("调查取证"),
    Stage.DECISION: gettext_lazy("审查决定"),
    Stage.SERVICE: gettext_lazy("送达"),
    Stage.EXECUTION: gettext_lazy("执行"),
    Stage.ARCHIVE: gettext_lazy("结案归档"),
}


class ApprovalRole(enum.StrEnum):
    """R-35: 承办人 proposes, 审核人 reviews, 批准人 approves — in this order, three people."""

    HANDLER = "handler"
    CHECKER = "checker"
    APPROVER = "approver"

    @property
    def label(self) -> str:
        return str(_APPROVAL_LABELS[self])


_APPROVAL_LABELS = {
    ApprovalRole.HANDLER: gettext_lazy("承办人"),
    ApprovalRole.CHECKER: gettext_lazy("审核人"),
    ApprovalRole.APPROVER: gettext_lazy("批准人"),
}


class AvRule(enum.StrEnum):
    """Whether a step needs an audio-visual record (R-14, R-16, R-23, R-24, R-27)."""

    NONE = "none"
    REQUIRED = "required"  # AV evidence linked, or a recorded reason why AV was unsuitable
    IF_DISPUTED = "if_disputed"  # where a dispute is likely


# Signatures a document may need: who signs it (or whose refusal is recorded).
SIGNATURES: dict[str, Any] = {
    "officers": gettext_lazy("执法人员"),
    "party": gettext_lazy("当事人"),
    "witness": gettext_lazy("见证人"),
    "recorder": gettext_lazy("记录人"),
    "presider": gettext_lazy("主持人"),
    "head": gettext_lazy("负责人"),
    "reviewer": gettext_lazy("审核人员"),
    "recipient": gettext_lazy("受送达人"),
    "agency_seal": gettext_lazy("机关印章"),
}

# Every kind of document a step may require (全过程记录办法 第七条至第三十三条).
DOCUMENT_KINDS: dict[str, Any] = {
    # start
    "application": gettext_lazy("申请书及申请材料"),
    "application_receipt": gettext_lazy("申请材料接收凭证"),
    "supplement_notice": gettext_lazy("一次性补正材料告知书"),
    "acceptance_notice": gettext_lazy("受理通知书"),
    "refusal_notice": gettext_lazy("不予受理决定书"),
    "start_approval": gettext_lazy("立案审批表"),
    "emergency_start_form": gettext_lazy("紧急情况立案补办审批表"),
    "complaint_record": gettext_lazy("投诉举报登记表"),
    "inspection_plan": gettext_lazy("检查方案（抽查名单）"),
    # investigation
    "inquiry_transcript": gettext_lazy("询问笔录"),
    "evidence_notice": gettext_lazy("调取证据通知书"),
    "evidence_register": gettext_lazy("证据登记清单"),
    "inspection_transcript": gettext_lazy("现场检查（勘验）笔录"),
    "sampling_notice": gettext_lazy("抽样取证通知书"),
    "sampling_list": gettext_lazy("抽样物品清单"),
    "appraisal_opinion": gettext_lazy("检测、检验、鉴定意见"),
    "preservation_notice": gettext_lazy("证据先行登记保存通知书"),
    "rights_notice": gettext_lazy("行政处罚事先告知书"),
    "statement_transcript": gettext_lazy("陈述申辩笔录"),
    "hearing_notice": gettext_lazy("听证通知书"),
    "hearing_record": gettext_lazy("听证笔录"),
    "hearing_report": gettext_lazy("听证报告"),
    "investigation_report": gettext_lazy("案件调查终结报告"),
    "coercion_approval": gettext_lazy("行政强制措施审批表"),
    "coercion_decision": gettext_lazy("查封、扣押决定书"),
    "seizure_list": gettext_lazy("查封、扣押清单"),
    "freezing_notice": gettext_lazy("冻结通知书"),
    "liberty_restriction_record": gettext_lazy("限制人身自由记录"),
    "on_site_record": gettext_lazy("现场笔录"),
    "emergency_report": gettext_lazy("紧急情况报告及负责人补办批准"),
    "extension_approval": gettext_lazy("延长期限审批表"),
    "extension_notice": gettext_lazy("延长期限告知书"),
    "release_decision": gettext_lazy("解除行政强制措施决定书"),
    "inspection_record": gettext_lazy("检查记录"),
    "rectification_notice": gettext_lazy("责令改正（整改）通知书"),
    "levy_notice": gettext_lazy("征收告知书"),
    "valuation_report": gettext_lazy("核定（评估）报告"),
    # decision
    "decision_draft": gettext_lazy("处理决定审批表（拟办意见）"),
    "legal_review_opinion": gettext_lazy("法制审核意见书"),
    "expert_opinion": gettext_lazy("专家论证意见"),
    "collective_minutes": gettext_lazy("集体讨论记录"),
    "head_approval": gettext_lazy("负责人审批意见"),
    "penalty_decision": gettext_lazy("行政处罚决定书"),
    "no_penalty_decision": gettext_lazy("不予行政处罚决定书"),
    "simple_penalty_decision": gettext_lazy("当场行政处罚决定书"),
    "permit_decision": gettext_lazy("准予行政许可决定书"),
    "permit_refusal": gettext_lazy("不予行政许可决定书"),
    "permit_certificate": gettext_lazy("行政许可证件"),
    "permit_extension_notice": gettext_lazy("延长许可期限告知书"),
    "levy_decision": gettext_lazy("征收决定书"),
    "inspection_result": gettext_lazy("检查结果告知书"),
    # service
    "service_receipt": gettext_lazy("送达回证"),
    "mail_receipt": gettext_lazy("邮寄凭单及回执"),
    "leaving_record": gettext_lazy("留置送达记录"),
    "entrusted_service_record": gettext_lazy("委托（转交）送达记录"),
    "public_notice_record": gettext_lazy("公告送达记录"),
    # execution
    "compliance_record": gettext_lazy("履行情况记录"),
    "payment_receipt": gettext_lazy("罚没款缴纳凭证"),
    "rectification_check": gettext_lazy("整改复查记录"),
    "reminder": gettext_lazy("催告书"),
    "enforcement_decision": gettext_lazy("行政强制执行决定书"),
    "execution_record": gettext_lazy("强制执行记录"),
    "court_application": gettext_lazy("强制执行申请书"),
    "court_ruling": gettext_lazy("人民法院裁定书"),
    # archive
    "closing_report": gettext_lazy("结案报告"),
    "archive_register": gettext_lazy("案卷归档登记"),
}

# Named hooks a step may declare; implementations are registered by the issue that owns them
# (:func:`register_hook`). A declared hook with no implementation is for the engine to treat as
# not passed.
HOOKS: dict[str, Any] = {
    "legal_review_gate": gettext_lazy("重大执法决定法制审核（法制审核办法）"),
    "collective_discussion_gate": gettext_lazy(
        "情节复杂或重大违法行为的集体讨论（行政处罚法第五十七条）"
    ),
    "simple_procedure_limits": gettext_lazy("简易程序的适用条件（行政处罚法第五十一条）"),
    "officer_minimum": gettext_lazy("执法人员人数与执法证（行政处罚法第四十二条）"),
    "disclosure_publish": gettext_lazy("执法决定公示（公示办法第二十七条）"),
}

FINE_PARTIES: dict[str, Any] = {
    "natural_person": gettext_lazy("公民"),
    "organisation": gettext_lazy("法人或者其他组织"),
}


# --- the structure ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """A document the step needs before it can close, and who must sign it."""

    document: str
    signatures: tuple[str, ...]
    basis: str
    note: str = ""

    @property
    def label(self) -> str:
        return str(DOCUMENT_KINDS[self.document])


@dataclass(frozen=True)
class TimeLimit:
    """A legal time limit that runs for a step, in the form :mod:`zhifa.core.deadlines` takes."""

    key: str
    name: str
    amount: int
    unit: Unit
    basis: str
    counted: str = "after"  # "after" an event (default) or "before" it
    from_step: str = ""  # the step whose completion starts it; "" = this step is opened
    extension: LegalLimit | None = None
    until: tuple[str, ...] = ()  # the steps whose completion meets it; () = this step's own
    wait: bool = False  # a waiting period: the step may not close until it has run out
    extends: str = ""  # instead of a new limit, lengthens the open limit with this key
    blocks: tuple[str, ...] = ()  # a wait that holds back only the moves to these steps
    unless: str = ""  # a record field that, when true, lifts the wait (the party's waiver)

    @property
    def legal_limit(self) -> LegalLimit:
        return LegalLimit(self.amount, self.unit, self.basis)

    def deadline(self, event: date) -> Deadline:
        """The deadline counted from (or, for ``before``, back from) ``event``."""
        if self.counted == "before":
            return self.legal_limit.before(event)
        return self.legal_limit.from_(event)

    def describe(self) -> str:
        text = _("%(amount)s%(unit)s（%(basis)s）") % {
            "amount": self.amount,
            "unit": self.unit.label,
            "basis": self.basis,
        }
        if self.counted == "before":
            text = _("提前%(limit)s") % {"limit": text}
        return text


@dataclass(frozen=True)
class Transition:
    to: str
    label: str = ""


@dataclass(frozen=True)
class Variant:
    """One way of doing a step (a service method, an execution method) with its requirements."""

    key: str
    name: str
    requires: tuple[Requirement, ...]
    av: AvRule
    av_basis: str


@dataclass(frozen=True)
class Step:
    id: str
    name: str
    stage: Stage
    basis: str
    next: tuple[Transition, ...]
    requires: tuple[Requirement, ...] = ()
    av: AvRule = AvRule.NONE
    av_basis: str = ""
    approval: tuple[ApprovalRole, ...] = ()
    approval_basis: str = ""
    min_officers: int = 0
    min_officers_basis: str = ""
    hooks: tuple[str, ...] = ()
    limits: tuple[TimeLimit, ...] = ()
    variants: tuple[Variant, ...] = ()
    optional: bool = False

    @property
    def is_final(self) -> bool:
        return not self.next

    @property
    def distinct_approvers(self) -> bool:
        """R-35: every role of the chain is held by a different person."""
        return len(self.approval) > 1


@dataclass(frozen=True)
class FineLimit:
    party: str
    max_yuan: Decimal
    basis: str


@dataclass(frozen=True)
class ProcedureDefinition:
    slug: str
    name: str
    act_type: str
    basis: tuple[str, ...]
    start: str
    steps: tuple[Step, ...]
    description: str = ""
    fine_limits: tuple[FineLimit, ...] = ()
    measures: tuple[str, ...] = ()
    source: str = ""
    _index: Mapping[str, Step] = field(default_factory=dict, compare=False, repr=False)

    def step(self, step_id: str) -> Step:
        return self._index[step_id]

    def next_steps(self, step_id: str) -> list[Step]:
        return [self._index[t.to] for t in self._index[step_id].next]

    def steps_in(self, stage: Stage) -> list[Step]:
        return [s for s in self.steps if s.stage is stage]

    def max_fine(self, party: str) -> Decimal | None:
        for limit in self.fine_limits:
            if limit.party == party:
                return limit.max_yuan
        return None

    def hooks(self) -> set[str]:
        return {hook for s in self.steps for hook in s.hooks}


class ProcedureDefinitionError(ValidationFailed):
    """A definition that may not be used; ``problems`` lists each, naming file and step."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        lines = [
            _("%(file)s，步骤“%(step)s”：%(problem)s") % {"file": source, "step": s, "problem": p}
            if s
            else _("%(file)s：%(problem)s") % {"file": source, "problem": p}
            for s, p in problems
        ]
        super().__init__(
            "\n".join(lines),
            code="invalid_procedure",
            detail=[{"file": source, "step": s, "problem": p} for s, p in problems],
        )
        self.source = source
        self.problems = problems


# --- loading and validation ---------------------------------------------------------------------


class _Reader:
    """Reads one TOML document into the dataclasses, collecting every problem."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[tuple[str, str]] = []

    def problem(self, step: str, message: str) -> None:
        self.problems.append((step, message))

    def text(self, data: Mapping[str, Any], key: str, step: str, *, required: bool = True) -> str:
        value = data.get(key, "")
        if not isinstance(value, str):
            self.problem(step, _("“%(key)s”必须是文字。") % {"key": key})
            return ""
        value = value.strip()
        if required and not value:
            self.problem(step, _("缺少“%(key)s”。") % {"key": key})
        return value

    def basis(self, data: Mapping[str, Any], key: str, step: str, what: str) -> str:
        value = data.get(key, "")
        if not isinstance(value, str) or not value.strip():
            self.problem(
                step, _("%(what)s没有写明法律依据（%(key)s）。") % {"what": what, "key": key}
            )
            return ""
        return value.strip()

    def items(self, data: Mapping[str, Any], key: str, step: str) -> list[Any]:
        value = data.get(key, [])
        if not isinstance(value, list):
            self.problem(step, _("“%(key)s”必须是列表。") % {"key": key})
            return []
        return value

    def requirement(self, raw: Any, step: str) -> Requirement | None:
        if not isinstance(raw, dict):
            self.problem(step, _("材料要求的格式不正确。"))
            return None
        kind = self.text(raw, "document", step)
        if kind and kind not in DOCUMENT_KINDS:
            self.problem(step, _("未知的文书种类“%(kind)s”。") % {"kind": kind})
        signatures = tuple(str(s) for s in self.items(raw, "signatures", step))
        for signature in signatures:
            if signature not in SIGNATURES:
                self.problem(step, _("未知的签名人“%(who)s”。") % {"who": signature})
        label = str(DOCUMENT_KINDS.get(kind, kind))
        basis = self.basis(raw, "basis", step, _("材料“%(doc)s”") % {"doc": label})
        return Requirement(kind, signatures, basis, self.text(raw, "note", step, required=False))

    def av(self, raw: Mapping[str, Any], step: str) -> tuple[AvRule, str]:
        value = raw.get("av", AvRule.NONE.value)
        try:
            rule = AvRule(value)
        except ValueError:
            self.problem(step, _("未知的音像记录要求“%(value)s”。") % {"value": value})
            return AvRule.NONE, ""
        basis = ""
        if rule is not AvRule.NONE:
            basis = self.basis(raw, "av_basis", step, _("音像记录要求"))
        return rule, basis

    def limit(self, raw: Any, step: str) -> TimeLimit | None:
        if not isinstance(raw, dict):
            self.problem(step, _("期限的格式不正确。"))
            return None
        key = self.text(raw, "key", step)
        name = self.text(raw, "name", step)
        counted = raw.get("counted", "after")
        if counted not in ("after", "before"):
            self.problem(
                step, _("期限“%(name)s”的计算方向只能是 after 或 before。") % {"name": name}
            )
        extension: LegalLimit | None = None
        if "extension" in raw:
            extension = self.legal_limit(raw["extension"], step, _("延长期限"))
        legal = self.legal_limit(raw, step, _("期限“%(name)s”") % {"name": name})
        if legal is None:
            return None
        return TimeLimit(
            key=key,
            name=name,
            amount=legal.amount,
            unit=legal.unit,
            basis=legal.basis,
            counted=str(counted),
            from_step=str(raw.get("from", "")),
            extension=extension,
            until=tuple(str(u) for u in self.items(raw, "until", step)),
            wait=bool(raw.get("wait", False)),
            extends=str(raw.get("extends", "")),
            blocks=tuple(str(b) for b in self.items(raw, "blocks", step)),
            unless=str(raw.get("unless", "")),
        )

    def legal_limit(self, raw: Any, step: str, what: str) -> LegalLimit | None:
        if isinstance(raw, str):
            raw = {"limit": raw}
        if not isinstance(raw, dict):
            self.problem(step, _("%(what)s的格式不正确。") % {"what": what})
            return None
        constant = raw.get("limit")
        if constant is not None:
            found = getattr(deadlines, str(constant), None)
            if not isinstance(found, LegalLimit):
                self.problem(
                    step,
                    _("%(what)s引用了不存在的法定期限“%(name)s”。")
                    % {"what": what, "name": constant},
                )
                return None
            return found
        amount = raw.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
            self.problem(step, _("%(what)s的天数必须是正整数。") % {"what": what})
            return None
        try:
            unit = Unit(str(raw.get("unit")))
        except ValueError:
            self.problem(
                step, _("%(what)s的单位“%(unit)s”无效。") % {"what": what, "unit": raw.get("unit")}
            )
            return None
        basis = self.basis(raw, "basis", step, what)
        if not basis:
            return None
        return LegalLimit(amount, unit, basis)

    def variant(self, raw: Any, step: str) -> Variant | None:
        if not isinstance(raw, dict):
            self.problem(step, _("办理方式的格式不正确。"))
            return None
        key = self.text(raw, "key", step)
        requires = tuple(
            r for r in (self.requirement(x, step) for x in self.items(raw, "requires", step)) if r
        )
        av, av_basis = self.av(raw, step)
        return Variant(key, self.text(raw, "name", step), requires, av, av_basis)

    def step(self, raw: Any) -> Step | None:
        if not isinstance(raw, dict):
            self.problem("", _("步骤的格式不正确。"))
            return None
        step_id = raw.get("id", "")
        if not isinstance(step_id, str) or not _ID.match(step_id):
            self.problem(str(step_id), _("步骤标识必须是小写字母、数字和下划线。"))
            step_id = str(step_id)
        name = self.text(raw, "name", step_id)
        try:
            stage = Stage(str(raw.get("stage")))
        except ValueError:
            self.problem(step_id, _("未知的阶段“%(stage)s”。") % {"stage": raw.get("stage")})
            stage = Stage.START
        basis = self.basis(raw, "basis", step_id, _("步骤"))
        transitions: list[Transition] = []
        for item in self.items(raw, "next", step_id):
            if isinstance(item, str):
                transitions.append(Transition(item))
            elif isinstance(item, dict) and isinstance(item.get("to"), str):
                transitions.append(Transition(item["to"], str(item.get("label", ""))))
            else:
                self.problem(step_id, _("后续步骤的格式不正确。"))
        requires = tuple(
            r
            for r in (self.requirement(x, step_id) for x in self.items(raw, "requires", step_id))
            if r
        )
        av, av_basis = self.av(raw, step_id)
        approval: list[ApprovalRole] = []
        for role in self.items(raw, "approval", step_id):
            try:
                approval.append(ApprovalRole(role))
            except ValueError:
                self.problem(step_id, _("未知的审批角色“%(role)s”。") % {"role": role})
        approval_basis = ""
        if approval:
            approval_basis = self.basis(raw, "approval_basis", step_id, _("审批"))
            order = [list(ApprovalRole).index(r) for r in approval]
            if order != sorted(set(order)):
                self.problem(
                    step_id,
                    _("审批顺序必须是承办人、审核人、批准人，且同一角色只出现一次（R-35）。"),
                )
        min_officers = raw.get("min_officers", 0)
        min_officers_basis = ""
        if isinstance(min_officers, bool) or not isinstance(min_officers, int) or min_officers < 0:
            self.problem(step_id, _("执法人员人数必须是非负整数。"))
            min_officers = 0
        if min_officers:
            min_officers_basis = self.basis(raw, "min_officers_basis", step_id, _("执法人员人数"))
        hooks = tuple(str(h) for h in self.items(raw, "hooks", step_id))
        for hook in hooks:
            if hook not in HOOKS:
                self.problem(step_id, _("未知的挂钩“%(hook)s”。") % {"hook": hook})
        limits = tuple(
            x for x in (self.limit(x, step_id) for x in self.items(raw, "limits", step_id)) if x
        )
        variants = tuple(
            v for v in (self.variant(x, step_id) for x in self.items(raw, "variants", step_id)) if v
        )
        return Step(
            id=step_id,
            name=name,
            stage=stage,
            basis=basis,
            next=tuple(transitions),
            requires=requires,
            av=av,
            av_basis=av_basis,
            approval=tuple(approval),
            approval_basis=approval_basis,
            min_officers=min_officers,
            min_officers_basis=min_officers_basis,
            hooks=hooks,
            limits=limits,
            variants=variants,
            optional=bool(raw.get("optional", False)),
        )

    def fine_limit(self, raw: Any) -> FineLimit | None:
        if not isinstance(raw, dict):
            self.problem("", _("罚款上限的格式不正确。"))
            return None
        party = str(raw.get("party", ""))
        if party not in FINE_PARTIES:
            self.problem("", _("未知的当事人类别“%(party)s”。") % {"party": party})
        try:
            amount = parse_yuan(str(raw.get("max_yuan", "")))
        except ValidationFailed as exc:
            self.problem("", exc.message)
            return None
        return FineLimit(party, amount, self.basis(raw, "basis", "", _("罚款上限")))


def _check_graph(reader: _Reader, start: str, steps: list[Step]) -> None:
    index: dict[str, Step] = {}
    for step in steps:
        if step.id in index:
            reader.problem(step.id, _("步骤标识重复。"))
        index[step.id] = step
    if start not in index:
        reader.problem("", _("起始步骤“%(start)s”不存在。") % {"start": start})
        return
    for step in steps:
        for transition in step.next:
            target = index.get(transition.to)
            if target is None:
                reader.problem(step.id, _("后续步骤“%(to)s”不存在。") % {"to": transition.to})
            elif target.stage.order < step.stage.order:
                reader.problem(
                    step.id,
                    _("不能从“%(from)s”阶段回到更早的“%(to)s”阶段。")
                    % {"from": step.stage.label, "to": target.stage.label},
                )
        if step.is_final and step.stage is not Stage.ARCHIVE:
            reader.problem(step.id, _("没有后续步骤，但不是结案归档步骤（死路）。"))
        for limit in step.limits:
            if limit.from_step and limit.from_step not in index:
                reader.problem(
                    step.id,
                    _("期限“%(name)s”的起算步骤“%(from)s”不存在。")
                    % {"name": limit.name, "from": limit.from_step},
                )
            if limit.blocks and not limit.wait:
                reader.problem(
                    step.id, _("期限“%(name)s”写了 blocks，但不是等待期。") % {"name": limit.name}
                )
            for blocked in limit.blocks:
                if blocked not in index:
                    reader.problem(
                        step.id,
                        _("期限“%(name)s”阻止的步骤“%(to)s”不存在。")
                        % {"name": limit.name, "to": blocked},
                    )
            for until in limit.until:
                if until not in index:
                    reader.problem(
                        step.id,
                        _("期限“%(name)s”的完成步骤“%(until)s”不存在。")
                        % {"name": limit.name, "until": until},
                    )
            if limit.extends and not any(
                other.key == limit.extends
                for s in steps
                for other in s.limits
                if other is not limit
            ):
                reader.problem(
                    step.id,
                    _("期限“%(name)s”要延长的期限“%(key)s”不存在。")
                    % {"name": limit.name, "key": limit.extends},
                )
    reachable = _reachable(start, index)
    for step in steps:
        if step.id not in reachable:
            reader.problem(step.id, _("从起始步骤无法到达该步骤。"))
    finals = {s.id for s in steps if s.stage is Stage.ARCHIVE and s.is_final}
    if not finals:
        reader.problem("", _("没有结案归档步骤。"))
        return
    for step in steps:
        if step.id in reachable and not (_reachable(step.id, index) & finals):
            reader.problem(step.id, _("从该步骤无法到达结案归档。"))


def _reachable(start: str, index: Mapping[str, Step]) -> set[str]:
    seen = {start}
    frontier = [start]
    while frontier:
        current = index.get(frontier.pop())
        if current is None:
            continue
        for transition in current.next:
            if transition.to in index and transition.to not in seen:
                seen.add(transition.to)
                frontier.append(transition.to)
    return seen


def parse_definition(data: Mapping[str, Any], *, source: str) -> ProcedureDefinition:
    """Build and validate a definition from parsed TOML; :class:`ProcedureDefinitionError`
    (naming ``source`` and each step) when anything is wrong."""
    from zhifa.catalogue.models import Power

    reader = _Reader(source)
    slug = reader.text(data, "slug", "")
    if slug and not _SLUG.match(slug):
        reader.problem("", _("标识“%(slug)s”只能用小写字母、数字和下划线。") % {"slug": slug})
    expected = Path(source).stem
    if source.endswith(".toml") and slug and slug != expected:
        reader.problem("", _("标识“%(slug)s”与文件名不一致。") % {"slug": slug})
    name = reader.text(data, "name", "")
    act_type = reader.text(data, "act_type", "")
    if act_type and act_type not in Power.ActType.values:
        reader.problem("", _("未知的执法类别“%(type)s”。") % {"type": act_type})
    basis = tuple(str(b) for b in reader.items(data, "basis", ""))
    if not basis:
        reader.problem("", _("程序没有写明法律依据（basis）。"))
    start = reader.text(data, "start", "")
    steps = [s for s in (reader.step(raw) for raw in reader.items(data, "steps", "")) if s]
    if not steps:
        reader.problem("", _("程序没有任何步骤。"))
    else:
        _check_graph(reader, start, steps)
    fine_limits = tuple(
        f for f in (reader.fine_limit(x) for x in reader.items(data, "fine_limits", "")) if f
    )
    measures = tuple(str(m) for m in reader.items(data, "measures", ""))
    if reader.problems:
        raise ProcedureDefinitionError(source, reader.problems)
    return ProcedureDefinition(
        slug=slug,
        name=name,
        act_type=act_type,
        basis=basis,
        start=start,
        steps=tuple(steps),
        description=reader.text(data, "description", "", required=False),
        fine_limits=fine_limits,
        measures=measures,
        source=source,
        _index={s.id: s for s in steps},
    )


def load_file(path: Path) -> ProcedureDefinition:
    """Read and validate one definition file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProcedureDefinitionError(
            path.name, [("", _("不是有效的 TOML：%(e)s") % {"e": exc})]
        ) from None
    return parse_definition(data, source=path.name)


def load_all(directory: Path = PROCEDURES_DIR) -> dict[str, ProcedureDefinition]:
    """Every definition in ``directory`` by slug (all validated)."""
    return {d.slug: d for d in (load_file(p) for p in sorted(directory.glob("*.toml")))}


@cache
def shipped() -> dict[str, ProcedureDefinition]:
    """The definitions shipped with the system, loaded and validated once per process."""
    return load_all()


def get(slug: str) -> ProcedureDefinition:
    """A shipped definition; :class:`~zhifa.core.errors.ValidationFailed` for an unknown slug."""
    found = shipped().get(slug)
    if found is None:
        raise ValidationFailed(
            _("未知的办理程序“%(slug)s”。") % {"slug": slug},
            code="unknown_procedure",
            detail={"field": "procedure", "choices": sorted(shipped())},
        )
    return found


def slugs() -> list[str]:
    return sorted(shipped())


# --- hooks --------------------------------------------------------------------------------------

HookFunction = Any  # a callable the owning issue defines; the case engine decides its signature

_HOOK_IMPLEMENTATIONS: dict[str, HookFunction] = {}


def register_hook(name: str, implementation: HookFunction) -> None:
    """Install the implementation of a declared hook (by the issue that owns it)."""
    if name not in HOOKS:
        raise KeyError(f"undeclared hook {name!r}; declare it in catalogue.procedures.HOOKS")
    _HOOK_IMPLEMENTATIONS[name] = implementation


def hook_implementation(name: str) -> HookFunction | None:
    return _HOOK_IMPLEMENTATIONS.get(name)


def describe_requirements(step: Step) -> Iterable[str]:
    """Plain Chinese lines: what the step needs (for pages and the flowchart)."""
    for requirement in step.requires:
        yield requirement.label
    if step.av is AvRule.REQUIRED:
        yield _("音像记录（或记录不宜录像的理由）")
    elif step.av is AvRule.IF_DISPUTED:
        yield _("可能引起争议的，音像记录")
