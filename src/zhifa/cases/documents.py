"""What each kind of record holds (全过程记录办法 第八条至第三十三条): its fields, which are
required, and how a value is checked. Pure: no database.

Every kind also takes ``content`` (the body of the document: questions and answers, findings,
reasons …). Unknown fields are refused so that nothing entered is silently dropped.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhifa.catalogue.procedures import DOCUMENT_KINDS, SIGNATURES
from zhifa.core.clock import CHINA
from zhifa.core.errors import ValidationFailed
from zhifa.core.money import parse_yuan


class FieldType(enum.StrEnum):
    TEXT = "text"
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"
    YUAN = "yuan"
    CHOICE = "choice"
    LIST = "list"  # several lines of text


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: Any
    type: FieldType = FieldType.TEXT
    required: bool = True
    choices: tuple[tuple[str, Any], ...] = ()


T, D, DT, B, Y, C, L = (
    FieldType.TEXT,
    FieldType.DATE,
    FieldType.DATETIME,
    FieldType.BOOL,
    FieldType.YUAN,
    FieldType.CHOICE,
    FieldType.LIST,
)

MEASURES: tuple[tuple[str, Any], ...] = (
    ("warning", gettext_lazy("警告")),
    ("fine", gettext_lazy("罚款")),
    ("confiscation", gettext_lazy("没收违法所得、没收非法财物")),
    ("suspension", gettext_lazy("暂扣许可证件、降低资质等级、吊销许可证件")),
    ("restriction", gettext_lazy("限制开展生产经营活动、责令停产停业、责令关闭、限制从业")),
    ("detention_other", gettext_lazy("法律、行政法规规定的其他行政处罚")),
    ("no_penalty", gettext_lazy("不予行政处罚")),
)

_PLACE = FieldSpec("place", gettext_lazy("地点"))
_STARTED = FieldSpec("started_at", gettext_lazy("开始时间"), DT)
_ENDED = FieldSpec("ended_at", gettext_lazy("结束时间"), DT)
# how many officers, their names and certificate numbers, and that they were shown.
_SHOWN = FieldSpec("certificates_shown", gettext_lazy("执法人员已出示执法证件"), B)
_TOLD_AV = FieldSpec("party_told_recording", gettext_lazy("已告知当事人同步录音录像"), B)
_RECIPIENT = FieldSpec("recipient", gettext_lazy("受送达人"))
_SERVED_ON = FieldSpec("served_on", gettext_lazy("送达日期"), D)
_DOCUMENT = FieldSpec("document", gettext_lazy("送达的文书"))

FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "application": (
        FieldSpec("applicant", gettext_lazy("申请人")),
        FieldSpec("matter", gettext_lazy("申请事项")),
        FieldSpec("oral", gettext_lazy("口头申请（由工作人员记录）"), B, required=False),
        FieldSpec("materials", gettext_lazy("提交的材料"), L),
        FieldSpec("corrected_on_spot", gettext_lazy("当场更正的内容"), required=False),
    ),
    "application_receipt": (
        FieldSpec("received_on", gettext_lazy("接收日期"), D),
        FieldSpec("materials", gettext_lazy("接收的材料"), L),
    ),
    "supplement_notice": (
        FieldSpec("items", gettext_lazy("需要补正的全部内容"), L),
        FieldSpec("notified_on", gettext_lazy("告知日期"), D),
    ),
    "acceptance_notice": (FieldSpec("accepted_on", gettext_lazy("受理日期"), D),),
    "refusal_notice": (
        FieldSpec("reason", gettext_lazy("不予受理的理由")),
        FieldSpec("remedy", gettext_lazy("告知的权利和途径")),
    ),
    "start_approval": (
        FieldSpec("reason", gettext_lazy("启动原因")),
        FieldSpec("party_summary", gettext_lazy("当事人基本情况")),
        FieldSpec("handler_opinion", gettext_lazy("承办人意见")),
        FieldSpec("unit_opinion", gettext_lazy("承办机构意见")),
        FieldSpec("head_opinion", gettext_lazy("负责人意见")),
    ),
    "emergency_start_form": (
        FieldSpec("emergency", gettext_lazy("紧急情况")),
        FieldSpec("head_opinion", gettext_lazy("负责人补办批准意见")),
    ),
    "complaint_record": (
        FieldSpec("received_on", gettext_lazy("接收日期"), D),
        FieldSpec("source", gettext_lazy("投诉举报人或者来源")),
        FieldSpec("summary", gettext_lazy("投诉举报内容摘要")),
    ),
    "inquiry_transcript": (_PLACE, _STARTED, _ENDED, _SHOWN, _TOLD_AV),
    "inspection_transcript": (_PLACE, _STARTED, _ENDED, _SHOWN, _TOLD_AV),
    "on_site_record": (
        _PLACE,
        _SHOWN,
        FieldSpec("facts", gettext_lazy("违法事实")),
        FieldSpec("legal_basis", gettext_lazy("法律依据")),
        FieldSpec("measure", gettext_lazy("拟处罚种类"), C, required=False, choices=MEASURES[:2]),
        FieldSpec("fine_yuan", gettext_lazy("拟罚款金额（元）"), Y, required=False),
    ),
    "evidence_notice": (FieldSpec("items", gettext_lazy("调取的证据"), L),),
    "evidence_register": (FieldSpec("items", gettext_lazy("证据清单"), L),),
    "sampling_notice": (_PLACE, FieldSpec("items", gettext_lazy("抽样物品"), L)),
    "sampling_list": (FieldSpec("items", gettext_lazy("物品名称、数量、规格"), L),),
    "appraisal_opinion": (
        FieldSpec("appraiser", gettext_lazy("检测、检验、鉴定机构")),
        FieldSpec("conclusion", gettext_lazy("结论")),
    ),
    "preservation_notice": (
        FieldSpec("reason", gettext_lazy("保全理由")),
        FieldSpec("items", gettext_lazy("保全标的"), L),
        FieldSpec("form", gettext_lazy("保全形式")),
    ),
    # how the party was told of the rights to state, defend, ask for withdrawal and hearing.
    "rights_notice": (
        FieldSpec("method", gettext_lazy("告知方式")),
        FieldSpec("told_on", gettext_lazy("告知日期"), D),
        FieldSpec("rights", gettext_lazy("告知的权利（陈述、申辩、申请回避、听证）"), L),
        FieldSpec("proposed", gettext_lazy("拟作出的处理及事实、理由、依据")),
        FieldSpec(
            "waived",
            gettext_lazy("当事人明确表示放弃陈述、申辩和听证权利（须本人签名确认）"),
            B,
            required=False,
        ),
    ),
    "statement_transcript": (
        FieldSpec("statement", gettext_lazy("陈述、申辩的事实、理由、证据")),
        FieldSpec("review", gettext_lazy("复核意见及是否采纳的理由")),
    ),
    "hearing_notice": (
        FieldSpec("notified_on", gettext_lazy("通知送达日期"), D),
        FieldSpec("hearing_date", gettext_lazy("听证日期"), D),
        _PLACE,
        FieldSpec("presider", gettext_lazy("听证主持人")),
    ),
    "hearing_record": (
        FieldSpec("presider", gettext_lazy("主持人")),
        FieldSpec("recorder", gettext_lazy("记录人")),
        FieldSpec("investigators", gettext_lazy("本案调查人员"), L),
        FieldSpec("held_on", gettext_lazy("听证日期"), D),
    ),
    "hearing_report": (FieldSpec("opinion", gettext_lazy("听证意见")),),
    "investigation_report": (
        FieldSpec("facts", gettext_lazy("违法事实")),
        FieldSpec("evidence", gettext_lazy("证据")),
        FieldSpec("proposal", gettext_lazy("处理建议")),
    ),
    "coercion_approval": (
        FieldSpec("measure", gettext_lazy("强制措施")),
        FieldSpec("reason", gettext_lazy("理由和依据")),
    ),
    "coercion_decision": (
        FieldSpec("items", gettext_lazy("查封、扣押的场所、设施或者财物"), L),
        FieldSpec("term_days", gettext_lazy("期限（日）")),
    ),
    "seizure_list": (FieldSpec("items", gettext_lazy("物品名称、数量"), L),),
    "freezing_notice": (
        FieldSpec("institution", gettext_lazy("金融机构")),
        FieldSpec("amount_yuan", gettext_lazy("冻结金额（元）"), Y),
    ),
    "liberty_restriction_record": (
        FieldSpec("family_notified", gettext_lazy("当场告知或者立即通知家属的情况")),
    ),
    "emergency_report": (FieldSpec("head_opinion", gettext_lazy("负责人补办批准意见")),),
    "extension_approval": (FieldSpec("reason", gettext_lazy("延长理由（情况复杂）")),),
    "extension_notice": (FieldSpec("notified_on", gettext_lazy("告知日期"), D),),
    "release_decision": (FieldSpec("reason", gettext_lazy("解除理由")),),
    "inspection_plan": (FieldSpec("targets", gettext_lazy("检查对象"), L),),
    "inspection_record": (_PLACE, _SHOWN, FieldSpec("findings", gettext_lazy("检查情况"))),
    "rectification_notice": (
        FieldSpec("items", gettext_lazy("整改事项"), L),
        FieldSpec("due_on", gettext_lazy("整改期限"), D),
    ),
    "levy_notice": (FieldSpec("amount_yuan", gettext_lazy("征收金额（元）"), Y),),
    "valuation_report": (FieldSpec("conclusion", gettext_lazy("核定结论")),),
    # drafter, reviewing unit, legal basis, evidence, factors considered.
    "decision_draft": (
        FieldSpec("drafter", gettext_lazy("起草人")),
        FieldSpec("reviewing_unit", gettext_lazy("起草机构审查人")),
        FieldSpec("legal_basis", gettext_lazy("法律依据")),
        FieldSpec("evidence", gettext_lazy("证据材料")),
        FieldSpec("factors", gettext_lazy("考虑因素（裁量情节）")),
        FieldSpec("measure", gettext_lazy("拟处理"), C, required=False, choices=MEASURES),
        FieldSpec("fine_yuan", gettext_lazy("拟罚款金额（元）"), Y, required=False),
    ),
    # the reviewer, opinion and advice.
    "legal_review_opinion": (
        FieldSpec("reviewer", gettext_lazy("审核人员")),
        FieldSpec("opinion", gettext_lazy("审核意见")),
        FieldSpec("advice", gettext_lazy("建议"), required=False),
        FieldSpec(
            "conclusion",
            gettext_lazy("审核结论"),
            C,
            choices=(("agree", gettext_lazy("同意")), ("disagree", gettext_lazy("不同意"))),
        ),
    ),
    "expert_opinion": (FieldSpec("experts", gettext_lazy("专家"), L),),
    "collective_minutes": (
        FieldSpec("participants", gettext_lazy("参加人员"), L),
        FieldSpec("discussion", gettext_lazy("讨论情况")),
        FieldSpec("conclusion", gettext_lazy("讨论决定")),
    ),
    "head_approval": (FieldSpec("opinion", gettext_lazy("负责人审批意见")),),
    "penalty_decision": (
        FieldSpec("document_no", gettext_lazy("文书编号")),
        FieldSpec("facts", gettext_lazy("违法事实和证据")),
        FieldSpec("legal_basis", gettext_lazy("法律依据")),
        FieldSpec("measure", gettext_lazy("处罚种类"), C, choices=MEASURES),
        FieldSpec("fine_yuan", gettext_lazy("罚款金额（元）"), Y, required=False),
        FieldSpec("reasons", gettext_lazy("理由（含裁量说明）")),
        FieldSpec("remedy", gettext_lazy("救济途径和期限")),
        FieldSpec("decided_on", gettext_lazy("决定日期"), D),
    ),
    "no_penalty_decision": (
        FieldSpec("reasons", gettext_lazy("不予处罚的理由")),
        FieldSpec("decided_on", gettext_lazy("决定日期"), D),
    ),
    "simple_penalty_decision": (
        FieldSpec("document_no", gettext_lazy("文书编号（预定格式、编有号码）")),
        FieldSpec("facts", gettext_lazy("违法行为")),
        FieldSpec("legal_basis", gettext_lazy("法律依据")),
        FieldSpec("measure", gettext_lazy("处罚种类"), C, choices=MEASURES[:2]),
        FieldSpec("fine_yuan", gettext_lazy("罚款金额（元）"), Y, required=False),
        FieldSpec("decided_on", gettext_lazy("决定日期"), D),
    ),
    "permit_decision": (
        FieldSpec("document_no", gettext_lazy("文书编号")),
        FieldSpec("decided_on", gettext_lazy("决定日期"), D),
    ),
    "permit_refusal": (
        FieldSpec("reasons", gettext_lazy("不予许可的理由")),
        FieldSpec("remedy", gettext_lazy("救济途径和期限")),
    ),
    "permit_certificate": (FieldSpec("certificate_no", gettext_lazy("证件编号")),),
    "permit_extension_notice": (FieldSpec("reason", gettext_lazy("延长理由")),),
    "levy_decision": (FieldSpec("amount_yuan", gettext_lazy("征收金额（元）"), Y),),
    "inspection_result": (FieldSpec("result", gettext_lazy("检查结果")),),
    # each method of service with its particular record.
    "service_receipt": (_DOCUMENT, _RECIPIENT, _SERVED_ON),
    "mail_receipt": (
        _DOCUMENT,
        _RECIPIENT,
        FieldSpec("tracking_no", gettext_lazy("邮件号码")),
        FieldSpec("sent_on", gettext_lazy("寄出日期"), D),
        FieldSpec("returned_on", gettext_lazy("回执签收日期"), D),
    ),
    "leaving_record": (
        _DOCUMENT,
        _RECIPIENT,
        FieldSpec("refusal_reason", gettext_lazy("拒收事由")),
        FieldSpec("left_on", gettext_lazy("留置日期"), D),
        FieldSpec("place", gettext_lazy("留置地点")),
        FieldSpec("witness", gettext_lazy("见证人")),
    ),
    "entrusted_service_record": (
        _DOCUMENT,
        _RECIPIENT,
        FieldSpec("reason", gettext_lazy("委托、转交原因")),
        FieldSpec("via", gettext_lazy("受委托、转交单位")),
        _SERVED_ON,
    ),
    "public_notice_record": (
        _DOCUMENT,
        FieldSpec("why_others_failed", gettext_lazy("其他方式无法送达的情况")),
        FieldSpec("medium", gettext_lazy("公告方式和载体")),
        FieldSpec("published_on", gettext_lazy("公告日期"), D),
    ),
    "compliance_record": (
        FieldSpec(
            "complied",
            gettext_lazy("履行情况"),
            C,
            choices=(
                ("complied", gettext_lazy("已履行")),
                ("partly", gettext_lazy("部分履行")),
                ("not_complied", gettext_lazy("未履行")),
            ),
        ),
        FieldSpec("checked_on", gettext_lazy("核查日期"), D),
    ),
    "payment_receipt": (
        FieldSpec("amount_yuan", gettext_lazy("金额（元）"), Y),
        FieldSpec("receipt_no", gettext_lazy("票据号码")),
        FieldSpec(
            "on_spot_reason",
            gettext_lazy("一百元以上当场收缴的理由（边远、水上、交通不便地区，当事人提出）"),
            required=False,
        ),
    ),
    "rectification_check": (
        FieldSpec("checked_on", gettext_lazy("复查日期"), D),
        FieldSpec("result", gettext_lazy("复查结果")),
    ),
    "reminder": (
        FieldSpec("obligation", gettext_lazy("履行义务的内容、方式和期限")),
        FieldSpec("rights", gettext_lazy("告知陈述、申辩的权利")),
        FieldSpec("served_on", gettext_lazy("催告书送达日期"), D),
    ),
    "enforcement_decision": (
        FieldSpec("method", gettext_lazy("强制执行方式")),
        FieldSpec("decided_on", gettext_lazy("决定日期"), D),
    ),
    "execution_record": (FieldSpec("result", gettext_lazy("执行情况")),),
    "court_application": (
        FieldSpec("court", gettext_lazy("受理法院")),
        FieldSpec("applied_on", gettext_lazy("申请日期"), D),
    ),
    "court_ruling": (
        FieldSpec("ruling", gettext_lazy("裁定结果")),
        FieldSpec("result", gettext_lazy("执行结果"), required=False),
    ),
    "closing_report": (FieldSpec("result", gettext_lazy("处理结果和执行情况")),),
    "archive_register": (
        FieldSpec("archive_no", gettext_lazy("档案号")),
        FieldSpec("keeper", gettext_lazy("立卷人")),
        FieldSpec("volumes", gettext_lazy("卷数、页数"), required=False),
    ),
}

CONTENT = FieldSpec("content", gettext_lazy("正文"), required=False)

SIGNATURE_STATES = ("signed", "refused")
# Only the people outside the agency may refuse to sign and have the refusal recorded (R-11, R-13;
# 留置送达: 民事诉讼法第八十九条). An officer, head, reviewer or the seal that "refuses" has simply
# not signed: the document is not done.
MAY_REFUSE = ("party", "witness", "recipient")


def specs(kind: str) -> tuple[FieldSpec, ...]:
    return (*FIELDS.get(kind, ()), CONTENT)


def _problem(spec: FieldSpec, message: str) -> dict[str, str]:
    return {"field": spec.name, "message": message % {"label": spec.label}}


def clean_fields(kind: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The record's fields, checked and normalised to JSON values; ``ValidationFailed`` naming
    every bad field (nothing is written)."""
    if kind not in DOCUMENT_KINDS:
        raise ValidationFailed(
            _("未知的文书种类“%(kind)s”。") % {"kind": kind}, detail={"field": "kind"}
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
            "；".join(p["message"] for p in problems), code="invalid_record", detail=problems
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
        if who not in SIGNATURES:
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
        elif state == "refused" and who not in MAY_REFUSE:
            problems.append(
                {
                    "field": who,
                    "message": _("%(who)s不能“拒绝签名”；未签名的，文书尚未完成。")
                    % {"who": SIGNATURES[who]},
                }
            )
        elif state == "refused" and not reason:
            problems.append(
                {
                    "field": who,
                    "message": _("%(who)s拒绝签名的，须记明拒签情况。") % {"who": SIGNATURES[who]},
                }
            )
        else:
            cleaned[who] = {"state": state, "name": name, "reason": reason}
    if problems:
        raise ValidationFailed(
            "；".join(p["message"] for p in problems), code="invalid_signatures", detail=problems
        )
    return cleaned


def check_complete() -> None:
    """Every document kind a procedure may require has its field list (checked by a test)."""
    missing = sorted(set(DOCUMENT_KINDS) - set(FIELDS))
    if missing:
        raise AssertionError(f"document kinds without fields: {missing}")
