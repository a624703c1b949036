"""Demo cases for the Baishan demo (``zhifa demo load``): a lived-in case list for several agencies.

Every case is written through ``zhifa.cases.services`` (and the evidence, org and accounts
services) at past moments with :func:`zhifa.core.clock.frozen`, so that records, limits and
timelines are real: each moment falls on a working day of the official calendar, between June and
November 2026. The officers on a case write its records and sign as handler; the heads and the
legal reviewer of the agency sign their parts of the approval chain (R-35) under their own logins.

All names are plainly invented (张某某, 某某有限公司); identity numbers and credit codes pass their
checksums but are made up. Idempotent: a case is looked up by agency and title, a complaint by
agency and subject, a user by name, an officer by name, a certificate by number; only what is
missing is created, so a second run creates nothing and adds no ledger event.
"""

from __future__ import annotations

import io
import wave
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from zhifa.accounts import services as account_services
from zhifa.accounts.actors import SYSTEM
from zhifa.accounts.models import RoleAssignment, User
from zhifa.cases import rules, services
from zhifa.cases.models import Case, Complaint, Notification
from zhifa.cases.services import PartyIn
from zhifa.catalogue import procedures
from zhifa.catalogue.models import Power
from zhifa.catalogue.procedures import ApprovalRole, AvRule
from zhifa.core import calendar, clock
from zhifa.core.demo import DemoStep
from zhifa.core.identifiers import credit_code_check_char, id_number_check_char
from zhifa.evidence import services as evidence_services
from zhifa.evidence.models import Device, Evidence
from zhifa.org import services as org_services
from zhifa.org.demo import demo_township
from zhifa.org.models import Agency, Certificate, Government, Officer, Person, Unit

REASON = "载入白山乡案件演示数据"
Role = RoleAssignment.Role
# The officers the cases need beyond those of baishan.toml (an investigation needs two holders
# of a valid certificate, 行政处罚法第四十二条).
EXTRA_OFFICERS = (
    ("演示执法员十一", "国土资源所", "DEMO-BS-0011", "国土资源管理（演示）"),
    ("演示执法员十二", "环境保护服务站", "DEMO-BS-0012", "生态环境保护（演示）"),
    ("演示执法员十三", "安全生产管理站", "DEMO-BS-0013", "安全生产（演示）"),
)
CERTIFICATE_ISSUER = "演示发证机关（虚构）"
CERTIFICATE_AREA = "梨树县白山乡行政区域"


def synthetic_id(birth: str, sequence: str) -> str:
    """A 居民身份证号码 of 梨树县 (220322) whose check character is right; invented."""
    first17 = f"220322{birth}{sequence}"
    return first17 + id_number_check_char(first17)


def synthetic_credit_code(serial: int) -> str:
    first17 = f"91220322MA{serial:07d}"
    return first17 + credit_code_check_char(first17)


@dataclass
class Desk:
    """The people of one agency who handle its demo cases."""

    key: str
    agency: Agency
    unit: Unit
    officers: list[Officer]
    handler: User  # linked to officers[0]
    checker: User  # 承办机构负责人
    approver: User  # 执法机关负责人
    reviewer: User  # 法制审核人员
    device: Device | None = None

    @property
    def officer_names(self) -> str:
        return "、".join(o.person.name for o in self.officers)

    def approvers(self) -> dict[str, User]:
        return {
            ApprovalRole.HANDLER: self.handler,
            ApprovalRole.CHECKER: self.checker,
            ApprovalRole.APPROVER: self.approver,
        }


# The synthetic logins of the agencies other than 国土资源所 (random passwords, never shown).
OTHER_DESKS = {
    "forest": ("林业服务站", "林业服务站"),
    "env": ("环境保护服务站", "环境保护服务站"),
    "safety": ("安全生产管理站", "安全生产管理站"),
}


@dataclass
class Story:
    """What a case is about: the words its records are written with."""

    title: str
    party: PartyIn
    place: str
    facts: str
    legal_basis: str
    reason: str = ""
    measure: str = "fine"
    fine: str = ""
    penalty: str = ""  # the decision in words
    items: tuple[str, ...] = ()
    doc_prefix: str = "梨白"
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)


class Writer:
    """Writes one agency's cases at past moments; counts what it creates."""

    def __init__(self, created: Counter[str]) -> None:
        self.created = created
        self.moment = datetime(2026, 1, 1, 9, 0, tzinfo=clock.CHINA)
        self.media_seq = 0
        self.doc_seq = 0

    def next_no(self) -> int:
        self.doc_seq += 1
        return self.doc_seq

    # --- time ---------------------------------------------------------------------------------

    def on(self, day: str, hour: int = 9) -> None:
        """Move to ``day`` ("2026-06-08"; the next working day if it is not one) at ``hour``."""
        target = calendar.next_workday(date.fromisoformat(day))
        start = datetime.combine(target, time(hour, 0), tzinfo=clock.CHINA)
        if start > self.moment or self.moment.astimezone(clock.CHINA).date() != target:
            self.moment = start  # a later day, or the first day of the next case

    def tick(self, minutes: int = 7) -> datetime:
        self.moment += timedelta(minutes=minutes)
        return self.moment

    def call(self, fn: Callable[..., Any], /, **kwargs: Any) -> Any:
        with clock.frozen(self.tick()):
            return fn(**kwargs)

    @property
    def today(self) -> str:
        return self.moment.astimezone(clock.CHINA).date().isoformat()

    # --- evidence -----------------------------------------------------------------------------

    def media(self, kind: str) -> tuple[bytes, str]:
        self.media_seq += 1
        seq = self.media_seq
        if kind == Evidence.Kind.AUDIO:
            buffer = io.BytesIO()
            with wave.open(buffer, "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(1)
                out.setframerate(8000)
                out.writeframes(bytes((128 + (i * seq) % 40) for i in range(1600)))
            return buffer.getvalue(), f"DEMO_{seq:04d}.wav"
        from PIL import Image, ImageDraw

        image = Image.new("RGB", (160, 120), (70 + seq * 13 % 120, 110, 90 + seq * 7 % 100))
        draw = ImageDraw.Draw(image)
        draw.rectangle((10, 70, 150, 110), fill=(150, 130 + seq % 60, 80))
        draw.rectangle((20 + seq % 50, 30, 70 + seq % 50, 70), fill=(200, 200, 190))
        draw.text((8, 6), f"DEMO {seq:04d}", fill=(255, 255, 255))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=70)
        return buffer.getvalue(), f"IMG_DEMO_{seq:04d}.jpg"

    def evidence(self, desk: Desk, case: Case, place: str, description: str, kind: str) -> None:
        content, name = self.media(kind)
        uploaded = self.tick(25)
        captured = uploaded - timedelta(minutes=20)
        metadata = {
            "kind": kind,
            "captured_at": captured.isoformat(),
            "officer": str(desk.officers[0].pk),
            "place": place,
            "description": description,
            "filename": name,
        }
        if desk.device is not None:
            metadata["device"] = str(desk.device.pk)
        with clock.frozen(uploaded):
            item = evidence_services.evidence_register_file(
                actor=desk.handler,
                agency=desk.agency,
                file=io.BytesIO(content),
                metadata=metadata,
            )
        self.created["evidence"] += 1
        self.call(
            services.evidence_link, actor=desk.handler, case=case, evidence=item, note=description
        )

    # --- steps --------------------------------------------------------------------------------

    def step(
        self,
        desk: Desk,
        case: Case,
        story: Story,
        day: str,
        to: str | None,
        *,
        variant: str = "",
        av: str = Evidence.Kind.PHOTO,
        records: bool = True,
        approvals: int | None = None,
        refused: Mapping[str, str] | None = None,
        before: Callable[[], None] | None = None,
    ) -> Case:
        """Do the current step on ``day``: method, records, AV record, approvals; then go ``to``
        (``""``: archive; ``None``: leave the step open, done as far as ``records``/``approvals``
        say)."""
        self.on(day)
        case.refresh_from_db()
        run = case.steps.get(state="open")
        step = procedures.get(case.procedure).step(run.step_id)
        if step.variants and not run.variant and variant:
            self.call(services.step_choose_variant, actor=desk.handler, case=case, variant=variant)
            run.refresh_from_db()
        if before is not None:
            before()
        rule, _basis = rules.av_rule_of(step, run.variant)
        needs_av = rule is AvRule.REQUIRED or (rule is AvRule.IF_DISPUTED and run.disputed)
        if needs_av and av in (Evidence.Kind.PHOTO, Evidence.Kind.AUDIO):
            what = _("%(step)s现场照片") if av == Evidence.Kind.PHOTO else _("%(step)s同步录音")
            self.evidence(desk, case, story.place, what % {"step": step.name}, av)
        elif needs_av:
            self.call(services.step_av_reason, actor=desk.handler, case=case, reason=av)
        if records:
            for requirement in rules.requirements_of(step, run.variant):
                kind = requirement.document
                fields = record_fields(kind, self, desk, story)
                fields.update(story.extra.get(f"{run.step_id}:{kind}", {}))
                if kind == "rights_notice" and to == "draft_decision":
                    # straight on to the decision: the party waived the five working days to
                    # ask for a hearing (行政处罚法第六十四条), in writing
                    fields["waived"] = True
                    fields["method"] = (
                        str(fields["method"]) + "；当事人当场书面表示放弃陈述、申辩和听证权利"
                    )
                signatures = signatures_for(requirement.signatures, desk, story, refused or {})
                author = desk.reviewer if kind == "legal_review_opinion" else desk.handler
                self.call(
                    services.record_add,
                    actor=author,
                    case=case,
                    kind=kind,
                    fields=fields,
                    signatures=signatures,
                )
                self.created["record"] += 1
        chain = step.approval if approvals is None else step.approval[:approvals]
        people = desk.approvers()
        for role in chain:
            self.call(
                services.approval_give,
                actor=people[role],
                case=case,
                role=role,
                decision="agree",
                opinion=APPROVAL_OPINIONS[role],
            )
        if to is not None:
            case = self.call(services.step_advance, actor=desk.handler, case=case, to=to)
        return case

    def review_opinion(self, desk: Desk, case: Case, story: Story) -> None:
        """The legal reviewer's opinion, where a decision step's gate needs one (法制审核)."""
        self.call(
            services.record_add,
            actor=desk.reviewer,
            case=case,
            kind="legal_review_opinion",
            fields=record_fields("legal_review_opinion", self, desk, story),
            signatures={"reviewer": {"state": "signed", "name": desk.reviewer.get_full_name()}},
        )
        self.created["record"] += 1


APPROVAL_OPINIONS = {
    ApprovalRole.HANDLER: "拟同意，提请审核。",
    ApprovalRole.CHECKER: "经审核，事实清楚，证据确凿，程序合法，同意。",
    ApprovalRole.APPROVER: "同意。",
}


def signatures_for(
    who: tuple[str, ...], desk: Desk, story: Story, refused: Mapping[str, str]
) -> dict[str, dict[str, str]]:
    names = {
        "officers": desk.officer_names,
        "party": story.party.name,
        "recipient": story.party.name,
        "head": desk.approver.get_full_name(),
        "agency_seal": desk.agency.name,
        "witness": "白山村村民委员会委员 赵某某",
        "reviewer": desk.checker.get_full_name(),
        "presider": "司法所 孙某某",
        "recorder": "党政办公室 周某某",
    }
    signed: dict[str, dict[str, str]] = {}
    for entry in who:
        if entry in refused:
            signed[entry] = {
                "state": "refused",
                "name": names.get(entry, ""),
                "reason": refused[entry],
            }
        else:
            signed[entry] = {"state": "signed", "name": names.get(entry, "")}
    return signed


def record_fields(kind: str, w: Writer, desk: Desk, story: Story) -> dict[str, Any]:
    """What an officer of ``desk`` writes in a record of ``kind`` for the case of ``story``."""
    today = w.today
    now = w.moment
    party = story.party.name
    officers = desk.officer_names
    certificates = "、".join(
        c.number
        for o in desk.officers
        for c in o.certificates.all()
        if rules.check_officer(o, agency_id=desk.agency.pk, day=date.fromisoformat(today)).is_valid
    )
    fine = story.fine or None
    number = w.next_no()
    decision_no = f"{story.doc_prefix}罚决〔2026〕{number}号"
    remedy = (
        "如不服本决定，可以在收到本决定书之日起六十日内向梨树县人民政府申请行政复议，"
        "或者在六个月内向梨树县人民法院提起行政诉讼。"
    )
    started = (now - timedelta(minutes=50)).isoformat()
    ended = (now - timedelta(minutes=5)).isoformat()
    texts: dict[str, dict[str, Any]] = {
        "start_approval": {
            "reason": story.reason or story.facts,
            "party_summary": f"{party}，{story.party.address or '白山乡'}。",
            "handler_opinion": "经初步核查，有违法事实，属于本机关管辖，建议立案调查。",
            "unit_opinion": f"同意立案，由{officers}承办。",
            "head_opinion": "同意立案。",
        },
        "inquiry_transcript": {
            "place": f"{desk.agency.name}询问室",
            "started_at": started,
            "ended_at": ended,
            "certificates_shown": True,
            "party_told_recording": True,
            "content": (
                f"执法人员{officers}（执法证号{certificates}）向{party}出示执法证件，"
                "告知有申请回避的权利，告知本次询问同步录音录像。\n"
                f"问：{story.place}的情况你是否清楚？\n答：清楚，{story.facts}\n"
                "问：你是否办理过相关审批手续？\n答：没有办理。\n以上笔录已阅，与我说的一致。"
            ),
        },
        "evidence_register": {
            "items": [
                "现场照片",
                "询问笔录",
                f"{party}身份证明复印件",
                *story.items,
            ]
        },
        "inspection_transcript": {
            "place": story.place,
            "started_at": started,
            "ended_at": ended,
            "certificates_shown": True,
            "party_told_recording": True,
            "content": f"经现场勘验：{story.facts}现场拍照、测量，当事人在场。",
        },
        "investigation_report": {
            "facts": story.facts,
            "evidence": "询问笔录、现场勘验笔录、现场照片、证据登记清单。",
            "proposal": f"依据{story.legal_basis}，建议{story.penalty}。",
        },
        "rights_notice": {
            "method": "直接送达《行政处罚事先告知书》，当事人签收",
            "told_on": today,
            "rights": ["陈述、申辩的权利", "申请回避的权利", "要求听证的权利（五个工作日内提出）"],
            "proposed": f"拟依据{story.legal_basis}，{story.penalty}。",
        },
        "statement_transcript": {
            "statement": f"{party}称：对违法事实无异议，请求从轻处理。",
            "review": "经复核，当事人提出的理由已在裁量时考虑，不改变拟处理意见。",
        },
        "hearing_notice": {
            "notified_on": today,
            "hearing_date": today,
            "place": "白山乡人民政府二楼会议室",
            "presider": "司法所 孙某某",
        },
        "hearing_record": {
            "presider": "司法所 孙某某",
            "recorder": "党政办公室 周某某",
            "investigators": [o.person.name for o in desk.officers],
            "held_on": today,
            "content": "调查人员陈述违法事实、证据和拟处理意见；当事人进行申辩和质证；最后陈述。",
        },
        "hearing_report": {
            "opinion": "违法事实清楚，证据确凿，当事人申辩理由不成立，建议维持拟处理意见。"
        },
        "decision_draft": {
            "drafter": desk.officers[0].person.name,
            "reviewing_unit": desk.checker.get_full_name(),
            "legal_basis": story.legal_basis,
            "evidence": "询问笔录、现场照片、证据登记清单等。",
            "factors": "违法面积、主观过错、是否主动改正，依照裁量基准在幅度内确定。",
            "measure": story.measure,
            **({"fine_yuan": fine} if fine else {}),
        },
        "legal_review_opinion": {
            "reviewer": desk.reviewer.get_full_name(),
            "opinion": "主体合法，事实清楚，证据确凿，适用依据正确，程序合法，裁量适当。",
            "advice": "无。",
            "conclusion": "agree",
        },
        "collective_minutes": {
            "participants": [
                desk.approver.get_full_name(),
                desk.checker.get_full_name(),
                desk.reviewer.get_full_name(),
                "司法所 孙某某",
            ],
            "discussion": "承办人汇报案情，法制审核人员说明审核意见，与会人员逐一发表意见。",
            "conclusion": f"同意{story.penalty}。",
        },
        "head_approval": {"opinion": "同意。"},
        "penalty_decision": {
            "document_no": decision_no,
            "facts": story.facts,
            "legal_basis": story.legal_basis,
            "measure": story.measure,
            **({"fine_yuan": fine} if fine else {}),
            "reasons": f"当事人的行为违反了{story.legal_basis}，依照裁量基准，{story.penalty}。",
            "remedy": remedy,
            "decided_on": today,
        },
        "service_receipt": {
            "document": "《行政处罚决定书》",
            "recipient": party,
            "served_on": today,
        },
        "mail_receipt": {
            "document": "《行政处罚决定书》",
            "recipient": party,
            "tracking_no": f"1100000{w.media_seq:05d}",
            "sent_on": today,
            "returned_on": today,
        },
        "compliance_record": {"complied": "complied", "checked_on": today},
        "rectification_check": {"checked_on": today, "result": "已按期改正。"},
        "reminder": {
            "obligation": f"于催告书送达之日起十日内履行：{story.penalty}。",
            "rights": "当事人有权进行陈述和申辩。",
            "served_on": today,
        },
        "court_application": {"court": "梨树县人民法院", "applied_on": today},
        "closing_report": {"result": f"{story.penalty}，已执行完毕，建议结案。"},
        "archive_register": {
            "archive_no": f"{story.doc_prefix}档〔2026〕{number}号",
            "keeper": "演示档案管理人员",
            "volumes": "一卷，共四十二页",
        },
        "inspection_plan": {"targets": [party], "content": story.reason or story.facts},
        "inspection_record": {
            "place": story.place,
            "certificates_shown": True,
            "findings": story.facts,
        },
        "inspection_result": {"result": story.penalty},
        "rectification_notice": {"items": list(story.items) or [story.penalty], "due_on": today},
        "application": {
            "applicant": party,
            "matter": story.title,
            "materials": list(story.items) or ["申请书"],
        },
        "application_receipt": {"received_on": today, "materials": list(story.items) or ["申请书"]},
        "supplement_notice": {
            "items": ["林权证复印件", "采伐作业设计（伐区调查设计）"],
            "notified_on": today,
            "content": "一次性告知需要补正的全部材料，补正后重新提交。",
        },
        "acceptance_notice": {"accepted_on": today},
        "permit_decision": {
            "document_no": f"{story.doc_prefix}许准〔2026〕{number}号",
            "decided_on": today,
        },
        "permit_certificate": {"certificate_no": f"林采证〔2026〕白{number:03d}号"},
        "coercion_approval": {
            "measure": "扣押财物",
            "reason": f"{story.facts}依据{story.legal_basis}。",
        },
        "coercion_decision": {"items": list(story.items), "term_days": "30"},
        "seizure_list": {"items": list(story.items)},
        "on_site_record": {
            "place": story.place,
            "certificates_shown": True,
            "facts": story.facts,
            "legal_basis": story.legal_basis,
            "measure": story.measure if story.measure in ("warning", "fine") else "",
            **({"fine_yuan": fine} if fine else {}),
        },
        "extension_approval": {"reason": "涉案林木价值需委托鉴定，情况复杂，需延长扣押期限。"},
        "extension_notice": {"notified_on": today},
        "release_decision": {
            "reason": "当事人已补办手续并接受处理，扣押的工具无需没收，依法解除扣押。"
        },
        "simple_penalty_decision": {
            "document_no": f"{story.doc_prefix}简罚〔2026〕{number:04d}号",
            "facts": story.facts,
            "legal_basis": story.legal_basis,
            "measure": story.measure,
            **({"fine_yuan": fine} if fine else {}),
            "decided_on": today,
        },
        "enforcement_decision": {"method": "加处罚款", "decided_on": today},
        "execution_record": {"result": "已加处罚款。"},
    }
    return dict(texts[kind])


# --- people -------------------------------------------------------------------------------------


def _officer(
    created: Counter[str], township: Government, name: str, agency: Agency, number: str, scope: str
) -> Officer:
    officer = Officer.objects.filter(agency=agency, person__name=name).first()
    if officer is None:
        person = Person.objects.filter(government=township, name=name).first()
        if person is None:
            person = org_services.person_create(
                actor=SYSTEM, government=township, name=name, is_synthetic=True, reason=REASON
            )
            created["person"] += 1
        unit = Unit.objects.get(agency=agency, kind=Unit.Kind.HANDLING)
        officer = org_services.officer_create(
            actor=SYSTEM, agency=agency, person=person, unit=unit, reason=REASON
        )
        created["officer"] += 1
    if not Certificate.objects.filter(number=number).exists():
        org_services.certificate_issue(
            actor=SYSTEM,
            officer=officer,
            number=number,
            issuing_body=CERTIFICATE_ISSUER,
            area=CERTIFICATE_AREA,
            scope=scope,
            valid_from=date(2025, 1, 1),
            valid_to=date(2030, 12, 31),
            reason=REASON,
        )
        created["certificate"] += 1
    return officer


def _user(created: Counter[str], username: str, full_name: str, person: Person | None) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user, _password = account_services.user_create(
            actor=SYSTEM,
            username=username,
            full_name=full_name,
            person=person,
            password=None,  # random, never shown: nobody can log in as a demo clerk
            reason=REASON,
        )
        created["user"] += 1
    return user


def _role(created: Counter[str], user: User, agency: Agency, role: str) -> None:
    held = RoleAssignment.objects.filter(
        user=user, agency=agency, role=role, revoked_at__isnull=True
    ).exists()
    if not held:
        account_services.role_grant(
            actor=SYSTEM, user=user, agency=agency, role=role, reason=REASON
        )
        created["role"] += 1


def _device(created: Counter[str], desk: Desk, serial: str) -> Device:
    device = Device.objects.filter(kind=Device.Kind.BODY_CAMERA, serial=serial).first()
    if device is None:
        device = evidence_services.device_register(
            actor=desk.checker,
            agency=desk.agency,
            kind=Device.Kind.BODY_CAMERA,
            serial=serial,
            model_name="执法记录仪（演示）",
            holder=desk.officers[0],
        )
        created["device"] += 1
    return device


def _desks(township: Government, created: Counter[str]) -> dict[str, Desk]:
    agencies = {a.name: a for a in Agency.objects.filter(government=township)}
    for name, agency_name, number, scope in EXTRA_OFFICERS:
        _officer(created, township, name, agencies[agency_name], number, scope)

    def officers_of(agency: Agency) -> list[Officer]:
        day = clock.today()
        rows = Officer.objects.filter(agency=agency, person__is_synthetic=True).order_by("id")
        return [o for o in rows if rules.check_officer(o, agency_id=agency.pk, day=day).is_valid][
            :2
        ]

    land = agencies["国土资源所"]
    desks = {
        "land": Desk(
            key="land",
            agency=land,
            unit=Unit.objects.get(agency=land, kind=Unit.Kind.HANDLING),
            officers=officers_of(land),
            handler=User.objects.get(username="demo_officer"),
            checker=User.objects.get(username="demo_unit_head"),
            approver=User.objects.get(username="demo_agency_head"),
            reviewer=User.objects.get(username="demo_legal_reviewer"),
        )
    }
    for key, (agency_name, label) in OTHER_DESKS.items():
        agency = agencies[agency_name]
        officers = officers_of(agency)
        handler = _user(created, f"demo_{key}_officer", officers[0].person.name, officers[0].person)
        checker = _user(created, f"demo_{key}_unit_head", f"演示{label}承办机构负责人", None)
        approver = _user(created, f"demo_{key}_head", f"演示{label}负责人", None)
        reviewer = _user(created, f"demo_{key}_reviewer", f"演示{label}法制审核人员", None)
        _role(created, handler, agency, Role.OFFICER)
        _role(created, checker, agency, Role.UNIT_HEAD)
        _role(created, approver, agency, Role.AGENCY_HEAD)
        _role(created, reviewer, agency, Role.LEGAL_REVIEWER)
        desks[key] = Desk(
            key=key,
            agency=agency,
            unit=Unit.objects.get(agency=agency, kind=Unit.Kind.HANDLING),
            officers=officers,
            handler=handler,
            checker=checker,
            approver=approver,
            reviewer=reviewer,
        )
    for index, desk in enumerate(desks.values(), start=1):
        desk.device = _device(created, desk, f"DEMO-ZFJLY-{index:03d}")
    return desks


# --- the cases ----------------------------------------------------------------------------------

ZHANG = PartyIn(
    kind="natural_person",
    name="张某某",
    id_number=synthetic_id("19680312", "051"),
    address="白山乡白山村三组",
)
WANG = PartyIn(
    kind="natural_person",
    name="王某某",
    id_number=synthetic_id("19750820", "033"),
    address="白山乡太平村五组",
)
LIU = PartyIn(
    kind="natural_person",
    name="刘某某",
    id_number=synthetic_id("19620105", "017"),
    address="白山乡永安村二组",
)
ZHAO = PartyIn(
    kind="natural_person",
    name="赵某某",
    id_number=synthetic_id("19810917", "075"),
    address="白山乡东兴村一组",
)
SUN = PartyIn(
    kind="natural_person",
    name="孙某某",
    id_number=synthetic_id("19580630", "046"),
    address="白山乡白山村六组",
)
CHEN = PartyIn(
    kind="natural_person",
    name="陈某某",
    id_number=synthetic_id("19900214", "028"),
    address="白山乡太平村二组",
)
SAND = PartyIn(
    kind="legal_person",
    name="梨树县某某砂石有限公司",
    id_number=synthetic_credit_code(1),
    legal_representative="李某某",
    address="梨树县白山乡（演示地址）",
)
FACTORY = PartyIn(
    kind="legal_person",
    name="梨树县某某粮食加工有限公司",
    id_number=synthetic_credit_code(2),
    legal_representative="周某某",
    address="梨树县白山乡（演示地址）",
)
WORKSHOP = PartyIn(
    kind="legal_person",
    name="梨树县某某农机修理有限公司",
    id_number=synthetic_credit_code(3),
    legal_representative="吴某某",
    address="梨树县白山乡（演示地址）",
)

REFUSED_RECEIPT = "当事人法定代表人拒绝签收，已由村委会委员见证"
LAND_LAW = "《中华人民共和国土地管理法》第七十七条"
FOREST_LAW = "《中华人民共和国森林法》第七十六条"
AIR_LAW = "《中华人民共和国大气污染防治法》第一百一十九条"
SAFETY_LAW = "《中华人民共和国安全生产法》第六十五条"

STORIES = {
    "L1": Story(
        title="张某某违法占用耕地建房案",
        party=ZHANG,
        place="白山乡白山村三组村道东侧耕地",
        facts="张某某未经批准，于2026年5月在白山村三组村道东侧耕地上建房，占地180平方米。",
        legal_basis=LAND_LAW,
        measure="fine",
        fine="4500",
        penalty="责令退还非法占用的土地，限期拆除新建的建筑物，并处罚款4500元（每平方米25元）",
        items=("土地权属证明", "卫星图斑核查截图"),
        doc_prefix="梨白国土",
    ),
    "L2": Story(
        title="王某某非法占地堆放砂石案",
        party=WANG,
        place="白山乡太平村五组南侧耕地",
        facts="王某某未经批准占用太平村五组南侧耕地约600平方米堆放砂石。",
        legal_basis=LAND_LAW,
        fine="3000",
        penalty="责令退还非法占用的土地，恢复原状，并处罚款3000元",
        doc_prefix="梨白国土",
    ),
    "L3": Story(
        title="赵某某违法占地建设养殖棚案",
        party=ZHAO,
        place="白山乡东兴村一组北侧一般耕地",
        facts="赵某某未经批准在东兴村一组北侧一般耕地上建设养殖棚，占地约260平方米。",
        legal_basis=LAND_LAW,
        fine="2600",
        penalty="责令退还非法占用的土地，限期拆除养殖棚，并处罚款2600元（每平方米10元）",
        doc_prefix="梨白国土",
    ),
    "L4": Story(
        title="梨树县某某砂石有限公司非法占地建设砂石料场案",
        party=SAND,
        place="白山乡永安村西侧河滩地",
        facts="梨树县某某砂石有限公司未经批准占用永安村西侧土地约1200平方米建设砂石料场。",
        legal_basis=LAND_LAW,
        fine="12000",
        penalty="责令退还非法占用的土地，限期拆除料场设施，并处罚款12000元（每平方米10元）",
        items=("营业执照复印件", "料场测绘图"),
        doc_prefix="梨白国土",
    ),
    "L5": Story(
        title="2026年度土地利用情况随机抽查（梨树县某某粮食加工有限公司）",
        party=FACTORY,
        place="梨树县某某粮食加工有限公司厂区",
        facts="厂区东侧新建简易仓储棚一处，约90平方米，未见用地批准文件。",
        legal_basis="《中华人民共和国土地管理法》第六十七条",
        reason="按照随机抽查计划，抽取梨树县某某粮食加工有限公司为检查对象，抽取演示执法员一、演示执法员十一为检查人员。",
        penalty="检查发现厂区东侧新建仓储棚未办理用地手续，责令限期补办或者拆除",
        items=("补办用地手续或者拆除东侧仓储棚",),
        doc_prefix="梨白国土",
    ),
    "L6": Story(
        title="孙某某在基本农田内挖塘核查（群众举报）",
        party=SUN,
        place="白山乡白山村六组基本农田保护区",
        facts="群众举报孙某某在白山村六组基本农田内挖塘养鱼，经现场初步核实，挖塘面积约400平方米。",
        legal_basis=LAND_LAW,
        doc_prefix="梨白国土",
    ),
    "F1": Story(
        title="刘某某林木采伐许可申请",
        party=LIU,
        place="白山乡永安村二组自留山",
        facts="申请采伐自留山杨树成熟林，蓄积量约18立方米。",
        legal_basis="《中华人民共和国森林法》第五十六条",
        penalty="准予采伐杨树18立方米",
        items=("林木采伐申请书", "身份证复印件", "林权证复印件", "伐区调查设计"),
        doc_prefix="梨白林",
    ),
    "F2": Story(
        title="陈某某林木采伐许可申请",
        party=CHEN,
        place="白山乡太平村二组承包林地",
        facts="申请采伐承包林地内风倒杨树，蓄积量约9立方米。",
        legal_basis="《中华人民共和国森林法》第五十六条",
        items=("林木采伐申请书", "身份证复印件", "林权证复印件", "伐区调查设计"),
        doc_prefix="梨白林",
    ),
    "F3": Story(
        title="扣押王某某滥伐林木所用油锯案",
        party=WANG,
        place="白山乡太平村五组林地",
        facts="王某某未取得采伐许可证，在太平村五组林地使用油锯采伐杨树12株。",
        legal_basis="《中华人民共和国行政强制法》第九条、《中华人民共和国森林法》第七十六条",
        penalty="扣押油锯一台，后依法解除扣押",
        items=("油锯一台（演示型号），七成新", "采伐的杨树原木12根"),
        doc_prefix="梨白林",
    ),
    "F4": Story(
        title="王某某滥伐林木案",
        party=WANG,
        place="白山乡太平村五组林地",
        facts="王某某未取得采伐许可证，采伐杨树12株，立木蓄积6.2立方米，林木价值约620元。",
        legal_basis=FOREST_LAW,
        fine="1860",
        penalty="责令在原地补种杨树60株，并处滥伐林木价值三倍罚款1860元",
        doc_prefix="梨白林",
    ),
    "E1": Story(
        title="孙某某露天焚烧秸秆案（当场处罚）",
        party=SUN,
        place="白山乡白山村六组田间",
        facts="孙某某在白山村六组田间露天焚烧玉米秸秆，过火面积约0.2亩，经劝阻当场熄灭。",
        legal_basis=AIR_LAW,
        measure="warning",
        penalty="给予警告",
        doc_prefix="梨白环",
    ),
    "E2": Story(
        title="赵某某露天焚烧秸秆案",
        party=ZHAO,
        place="白山乡东兴村一组田间",
        facts="赵某某在东兴村一组田间露天焚烧玉米秸秆，过火面积约3亩，经劝阻后仍继续焚烧。",
        legal_basis=AIR_LAW,
        fine="1200",
        penalty="责令改正，处罚款1200元",
        doc_prefix="梨白环",
    ),
    "S1": Story(
        title="梨树县某某农机修理有限公司安全生产检查",
        party=WORKSHOP,
        place="梨树县某某农机修理有限公司维修车间",
        facts="维修车间灭火器两具压力不足，电焊作业区未设置防火隔离。",
        legal_basis=SAFETY_LAW,
        reason="按照秋冬季安全生产检查计划，对辖区农机修理企业开展检查。",
        penalty="发现安全生产事故隐患两处，责令限期整改",
        items=("更换压力不足的灭火器", "电焊作业区设置防火隔离"),
        doc_prefix="梨白安",
    ),
    "S2": Story(
        title="梨树县某某粮食加工有限公司逾期不缴纳罚款强制执行案",
        party=FACTORY,
        place="梨树县某某粮食加工有限公司",
        facts="当事人对《行政处罚决定书》（梨白安罚决〔2026〕2号）确定的罚款5000元逾期未缴纳。",
        legal_basis="《中华人民共和国行政强制法》第三十四条、第四十五条",
        penalty="缴纳罚款5000元",
        doc_prefix="梨白安",
    ),
}


def _start(
    w: Writer,
    desk: Desk,
    story: Story,
    procedure: str,
    mode: str,
    power_code: str = "",
) -> Case:
    power = (
        Power.objects.filter(agency=desk.agency, code=power_code).first() if power_code else None
    )
    case: Case = w.call(
        services.case_start,
        actor=desk.handler,
        agency=desk.agency,
        unit=desk.unit,
        title=story.title,
        start_mode=mode,
        procedure=procedure,
        power=power,
        officers=desk.officers,
        parties=[story.party],
        summary=story.facts,
    )
    return case


PENALTY_GENERAL_ARCHIVED = [
    "investigate", "inspect", "investigation_report", "notify_rights", "hearing_request",
    "hearing", "draft_decision", "legal_review", "collective_discussion", "decide", "serve",
    "compliance", "close", "archive", "",
]  # fmt: skip


def _walk(
    w: Writer,
    desk: Desk,
    case: Case,
    story: Story,
    plan: list[tuple[str, str]],
    **options: dict[str, Any],
) -> Case:
    for day, to in plan:
        step_id = case.current_step
        case = w.step(desk, case, story, day, to, **options.get(step_id, {}))
    return case


def land_cases(w: Writer, desk: Desk) -> None:
    s = STORIES["L1"]
    if _absent(desk, s):  # archived, with a hearing
        w.on("2026-06-08")
        case = _start(w, desk, s, "penalty_general", Case.StartMode.EX_OFFICIO, "BS-GT-CF-001")
        days = [
            "2026-06-08", "2026-06-10", "2026-06-12", "2026-06-19", "2026-06-23", "2026-06-25",
            "2026-07-06", "2026-07-08", "2026-07-14", "2026-07-16", "2026-07-17", "2026-07-20",
            "2026-07-31", "2026-08-04", "2026-08-05",
        ]  # fmt: skip
        s.extra["hearing_request:hearing_notice"] = {"hearing_date": "2026-07-06"}
        s.extra["hearing:hearing_record"] = {"held_on": "2026-07-06"}
        s.extra["compliance:compliance_record"] = {"content": "罚款4500元已于2026年7月29日缴纳。"}
        s.extra["compliance:rectification_check"] = {
            "result": "非法占用的土地已退还，新建房屋已自行拆除，现场已复耕。"
        }
        case = _walk(
            w, desk, case, s, list(zip(days, PENALTY_GENERAL_ARCHIVED, strict=True)),
            investigate={"av": Evidence.Kind.AUDIO},
            serve={"variant": "direct"},
        )  # fmt: skip
    s = STORIES["L2"]
    if _absent(desk, s):  # investigation, 作出处罚决定期限 run out
        w.on("2026-08-20")
        case = _start(w, desk, s, "penalty_general", Case.StartMode.EX_OFFICIO, "BS-GT-CF-001")
        case = w.step(desk, case, s, "2026-08-21", "investigate")
        w.step(desk, case, s, "2026-08-24", None, av=Evidence.Kind.PHOTO, records=False)
    s = STORIES["L3"]
    if _absent(desk, s):  # decision: 法制审核 overdue
        w.on("2026-09-21")
        case = _start(w, desk, s, "penalty_general", Case.StartMode.EX_OFFICIO, "BS-GT-CF-001")
        plan = [
            ("2026-09-21", "investigate"), ("2026-09-23", "investigation_report"),
            ("2026-10-12", "notify_rights"), ("2026-10-14", "statement"),
            ("2026-11-05", "draft_decision"), ("2026-11-16", "legal_review"),
        ]  # fmt: skip
        case = _walk(w, desk, case, s, plan)
    s = STORIES["L4"]
    if _absent(desk, s):  # execution: 催告 served, applying to the court
        # served 04-01: 15 days to pay, six months to sue (to 10-08 after 国庆) before the court
        w.on("2026-03-02")
        case = _start(w, desk, s, "penalty_general", Case.StartMode.EX_OFFICIO, "BS-GT-CF-001")
        plan = [
            ("2026-03-02", "investigate"), ("2026-03-04", "investigation_report"),
            ("2026-03-11", "notify_rights"), ("2026-03-13", "draft_decision"),
            ("2026-03-23", "legal_review"), ("2026-03-26", "decide"), ("2026-03-30", "serve"),
            ("2026-04-01", "compliance"), ("2026-10-19", "remind"),
            ("2026-10-21", "remind_statement"), ("2026-11-09", "court_application"),
        ]  # fmt: skip
        s.extra["compliance:compliance_record"] = {
            "complied": "not_complied",
            "content": "罚款逾期未缴纳，料场设施未拆除。",
        }
        s.extra["compliance:rectification_check"] = {"result": "逾期未退还土地，未拆除料场设施。"}
        s.extra["remind:service_receipt"] = {"document": "《催告书》"}
        s.extra["notify_rights:rights_notice"] = {
            "method": "直接送达《行政处罚事先告知书》，当事人法定代表人拒绝签收，村委会委员见证"
        }
        s.extra["remind_statement:statement_transcript"] = {
            "statement": "当事人称资金困难，请求延期。",
            "review": "当事人未提出新的事实和理由，不予采纳。",
        }
        case = _walk(
            w, desk, case, s, plan,
            serve={"variant": "mail"},
            notify_rights={"refused": {"recipient": REFUSED_RECEIPT}},
        )  # fmt: skip
        w.step(desk, case, s, "2026-11-16", None, approvals=1)
    s = STORIES["L5"]
    if _absent(desk, s):  # service: 检查结果 to be served
        w.on("2026-11-09")
        case = _start(w, desk, s, "inspection", Case.StartMode.EX_OFFICIO, "BS-GT-JC-001")
        s.extra["rectify:rectification_notice"] = {"due_on": "2026-12-31"}
        plan = [
            ("2026-11-09", "inspect"), ("2026-11-12", "result"), ("2026-11-19", "rectify"),
            ("2026-11-20", "serve"),
        ]  # fmt: skip
        _walk(w, desk, case, s, plan)
    land_complaints(w, desk)


def land_complaints(w: Writer, desk: Desk) -> None:
    s = STORIES["L6"]
    subject = "孙某某（白山村六组）"
    if not Complaint.objects.filter(agency=desk.agency, subject=subject).exists():
        w.on("2026-11-23", hour=10)
        complaint = w.call(
            services.complaint_register,
            actor=desk.handler,
            agency=desk.agency,
            channel=Complaint.Channel.PHONE,
            subject=subject,
            content="白山村六组孙某某在基本农田里挖了一个大坑养鱼，挖出的土堆在路边。",
            is_real_name=False,
        )
        w.on("2026-11-24")
        case = w.call(
            services.complaint_start_case,
            actor=desk.handler,
            complaint=complaint,
            title=s.title,
            procedure="inspection",
            power=Power.objects.filter(agency=desk.agency, code="BS-GT-JC-001").first(),
            unit=desk.unit,
            officers=desk.officers,
            parties=[s.party],
            summary=s.facts,
        )
        self_created(w, "complaint")
        s.extra["plan:inspection_plan"] = {
            "content": "根据群众举报，对孙某某挖塘地块进行现场核查。"
        }
        w.step(desk, case, s, "2026-11-24", None, approvals=1)  # start: 审核、批准 pending
    subject = "白山乡白山村某某超市"
    if not Complaint.objects.filter(agency=desk.agency, subject=subject).exists():
        w.on("2026-09-14", hour=14)
        complaint = w.call(
            services.complaint_register,
            actor=desk.handler,
            agency=desk.agency,
            channel=Complaint.Channel.VISIT,
            subject=subject,
            content="某某超市在门前硬化地面扩建了彩钢房，怀疑占用了耕地。",
            is_real_name=True,
            complainant_name="钱某某",
        )
        w.on("2026-09-17", hour=15)
        w.call(
            services.complaint_close_without_case,
            actor=desk.handler,
            complaint=complaint,
            reason="经现场核查，彩钢房位于该超市已取得使用权的集体建设用地范围内，未占用耕地，不构成违法占地。",
            reply_text="您反映的某某超市扩建彩钢房一事，经核查位于其依法使用的建设用地范围内，未发现违法占地行为。感谢您的监督。",
            reply_method="电话告知",
            replied_on=date(2026, 9, 17),
        )
        self_created(w, "complaint")


def self_created(w: Writer, kind: str) -> None:
    w.created[kind] += 1


def forest_cases(w: Writer, desk: Desk) -> None:
    s = STORIES["F1"]
    if _absent(desk, s):  # permit with a supplement, archived
        w.on("2026-07-01")
        case = _start(w, desk, s, "permit", Case.StartMode.APPLICATION, "BS-LY-XK-001")
        plan = [
            ("2026-07-01", "supplement"), ("2026-07-02", "accept"), ("2026-07-08", "review"),
            ("2026-07-10", "decide"), ("2026-07-20", "certificate"), ("2026-07-21", "serve"),
            ("2026-07-22", "close"), ("2026-07-24", "archive"), ("2026-07-27", ""),
        ]  # fmt: skip
        s.extra["apply:application"] = {"materials": ["林木采伐申请书", "身份证复印件"]}
        s.extra["apply:application_receipt"] = {"materials": ["林木采伐申请书", "身份证复印件"]}
        s.extra["serve:service_receipt"] = {"document": "《准予行政许可决定书》及林木采伐许可证"}
        s.extra["close:closing_report"] = {"result": "准予采伐，林木采伐许可证已送达，建议结案。"}
        case = _walk(
            w, desk, case, s, plan,
            decide={"variant": "grant", "before": lambda: w.review_opinion(desk, case, s)},
            serve={"variant": "direct"},
        )  # fmt: skip
    s = STORIES["F2"]
    if _absent(desk, s):  # investigation (审查), the decision limit extended by the head
        w.on("2026-10-26")
        case = _start(w, desk, s, "permit", Case.StartMode.APPLICATION, "BS-LY-XK-001")
        case = w.step(desk, case, s, "2026-10-26", "accept")
        case = w.step(desk, case, s, "2026-10-27", "review")
        w.on("2026-11-20", hour=10)
        deadline = case.deadlines.get(key="decision")
        w.call(
            services.deadline_extend,
            actor=desk.approver,
            deadline=deadline,
            reason="采伐地块涉及林权边界争议，需现场核实，经本机关负责人批准延长十个工作日。",
        )
        w.step(desk, case, s, "2026-11-23", None, records=False)
    s = STORIES["F3"]
    if _absent(desk, s):  # coercive measure with an extension, archived
        w.on("2026-08-10", hour=14)
        case = _start(w, desk, s, "coercive_measure", Case.StartMode.EX_OFFICIO, "BS-LY-QZ-001")
        plan = [
            ("2026-08-10", "implement"), ("2026-08-10", "extend"), ("2026-09-07", "release"),
            ("2026-10-09", "serve"), ("2026-10-10", "close"), ("2026-10-12", "archive"),
            ("2026-10-13", ""),
        ]  # fmt: skip
        s.extra["serve:service_receipt"] = {"document": "《解除扣押决定书》"}
        s.extra["implement:on_site_record"] = {"measure": ""}
        s.extra["close:closing_report"] = {
            "result": "扣押的油锯已于解除扣押后返还当事人，建议结案。"
        }
        case = _walk(
            w, desk, case, s, plan,
            implement={"variant": "seize"},
            serve={"variant": "direct"},
        )  # fmt: skip
    s = STORIES["F4"]
    if _absent(desk, s):  # service: decided, not yet served
        w.on("2026-09-24")
        case = _start(w, desk, s, "penalty_general", Case.StartMode.EX_OFFICIO, "BS-LY-CF-001")
        plan = [
            ("2026-09-24", "investigate"), ("2026-09-28", "investigation_report"),
            ("2026-10-19", "notify_rights"), ("2026-10-27", "draft_decision"),
            ("2026-11-09", "legal_review"), ("2026-11-13", "decide"), ("2026-11-25", "serve"),
        ]  # fmt: skip
        _walk(w, desk, case, s, plan)


def env_cases(w: Writer, desk: Desk) -> None:
    s = STORIES["E1"]
    if _absent(desk, s):  # simple procedure, archived
        w.on("2026-10-16", hour=15)
        case = _start(w, desk, s, "penalty_simple", Case.StartMode.ON_THE_SPOT, "BS-HB-CF-002")
        plan = [
            ("2026-10-16", "notify_on_spot"), ("2026-10-16", "decide_on_spot"),
            ("2026-10-16", "file_with_agency"), ("2026-10-19", "archive"), ("2026-10-20", ""),
        ]  # fmt: skip
        s.extra["notify_on_spot:statement_transcript"] = {
            "statement": "孙某某称不知道禁烧规定，已当场熄灭。",
            "review": "当事人当场改正，情节轻微，采纳其陈述，给予警告。",
        }
        s.extra["file_with_agency:closing_report"] = {"result": "当场给予警告，已报本机关备案。"}
        _walk(w, desk, case, s, plan)
    s = STORIES["E2"]
    if _absent(desk, s):  # execution: the fine is being paid
        w.on("2026-09-28")
        case = _start(w, desk, s, "penalty_general", Case.StartMode.EX_OFFICIO, "BS-HB-CF-001")
        plan = [
            ("2026-09-28", "investigate"), ("2026-09-29", "investigation_report"),
            ("2026-10-13", "notify_rights"), ("2026-10-21", "draft_decision"),
            ("2026-10-27", "legal_review"), ("2026-11-02", "decide"), ("2026-11-06", "serve"),
            ("2026-11-13", "compliance"),
        ]  # fmt: skip
        _walk(w, desk, case, s, plan, serve={"variant": "direct"})


def safety_cases(w: Writer, desk: Desk) -> None:
    s = STORIES["S1"]
    if _absent(desk, s):  # inspection with rectification and recheck, archived
        w.on("2026-09-01")
        case = _start(w, desk, s, "inspection", Case.StartMode.EX_OFFICIO)
        s.extra["rectify:rectification_notice"] = {"due_on": "2026-09-18"}
        s.extra["serve:service_receipt"] = {"document": "《检查结果告知书》《责令限期整改通知书》"}
        s.extra["recheck:rectification_check"] = {
            "result": "灭火器已更换，电焊作业区已设置防火隔离，隐患已消除。"
        }
        s.extra["close:closing_report"] = {"result": "隐患已按期整改，复查合格，建议结案。"}
        plan = [
            ("2026-09-01", "inspect"), ("2026-09-03", "result"), ("2026-09-04", "rectify"),
            ("2026-09-04", "serve"), ("2026-09-07", "recheck"), ("2026-09-21", "close"),
            ("2026-09-23", "archive"), ("2026-09-24", ""),
        ]  # fmt: skip
        _walk(w, desk, case, s, plan, serve={"variant": "direct"})
    s = STORIES["S2"]
    if _absent(desk, s):  # coercive enforcement: 催告 served, statement being heard
        w.on("2026-11-02")
        case = _start(w, desk, s, "coercive_enforcement", Case.StartMode.EX_OFFICIO)
        s.extra["overdue:compliance_record"] = {
            "complied": "not_complied",
            "content": "决定书于2026年9月送达，缴纳期限届满，当事人未缴纳罚款。",
        }
        s.extra["remind:service_receipt"] = {"document": "《催告书》"}
        plan = [("2026-11-02", "remind"), ("2026-11-05", "remind_statement")]
        case = _walk(w, desk, case, s, plan)
        w.step(desk, case, s, "2026-11-12", None)


def _absent(desk: Desk, story: Story) -> bool:
    return not Case.objects.filter(agency=desk.agency, title=story.title).exists()


AGENCY_OF_STORY = {
    "L": "国土资源所",
    "F": "林业服务站",
    "E": "环境保护服务站",
    "S": "安全生产管理站",
}


def demo_cases() -> Iterator[Case]:
    """The demo cases that exist (looked up by agency and title)."""
    for key, story in STORIES.items():
        case = Case.objects.filter(agency__name=AGENCY_OF_STORY[key[0]], title=story.title).first()
        if case is not None:
            yield case


@dataclass(frozen=True)
class CasesDemo:
    created: Counter[str]
    summary: str


def load_demo_cases(township: Government) -> CasesDemo:
    """Create whatever of the demo cases is missing; the summary describes what exists."""
    created: Counter[str] = Counter()
    with transaction.atomic():
        with clock.frozen(datetime(2026, 5, 6, 9, 0, tzinfo=clock.CHINA)):
            desks = _desks(township, created)
        w = Writer(created)
        before = Case.objects.count()
        land_cases(w, desks["land"])
        forest_cases(w, desks["forest"])
        env_cases(w, desks["env"])
        safety_cases(w, desks["safety"])
        created["case"] = Case.objects.count() - before
        if created["case"]:
            services.mark_overdue(clock.now())
    cases = list(demo_cases())
    archived = sum(1 for c in cases if c.is_archived)
    agencies = {c.agency_id for c in cases}
    overdue = sum(
        c.deadlines.filter(overdue_at__isnull=False, met_at__isnull=True).count() for c in cases
    )
    notices = Notification.objects.filter(case__in=cases).count()
    summary = _(
        "案件演示数据：%(agencies)d个执法主体的案件%(cases)d件（办理中%(open)d件、已归档%(archived)d件），"
        "逾期期限%(overdue)d项，提醒%(notices)d条。"
    ) % {
        "agencies": len(agencies),
        "cases": len(cases),
        "open": len(cases) - archived,
        "archived": archived,
        "overdue": overdue,
        "notices": notices,
    }
    return CasesDemo(created=created, summary=summary)


# The cases' step of ``zhifa demo load`` (zhifa.core.demo), after the organisation, the catalogue
# and the demo logins.
STEPS = [
    DemoStep(name="cases.demo", run=lambda: [load_demo_cases(demo_township()).summary], order=40)
]
