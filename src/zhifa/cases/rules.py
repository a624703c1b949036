"""Pure rules of the case engine: what a step still lacks before it can close. No writes.

:func:`missing` reads a :class:`~zhifa.cases.models.StepRun` with its records, evidence links,
approvals and deadlines, against its step in the procedure definition, and returns every gap as a
:class:`Missing` in plain Chinese. The services refuse to close a step while it returns anything;
the case page shows the same list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from zhifa.cases import documents, hooks
from zhifa.cases.definitions import definition_for
from zhifa.catalogue import procedures
from zhifa.catalogue.procedures import AvRule, ProcedureDefinition, Requirement, Stage, Step
from zhifa.catalogue.record_kinds import FieldRole
from zhifa.core import clock
from zhifa.evidence.models import Evidence
from zhifa.org.models import Officer
from zhifa.org.rules import CertificateStatus, certificate_status_on

AV_KINDS = (Evidence.Kind.VIDEO, Evidence.Kind.AUDIO, Evidence.Kind.PHOTO)


@dataclass(frozen=True)
class Missing:
    code: str
    message: str
    basis: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "basis": self.basis}


@dataclass(frozen=True)
class OfficerCheck:
    officer: Officer
    certificate: str
    status: str

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.VALID


def check_officer(officer: Officer, *, agency_id: int, day: date) -> OfficerCheck:
    """Is ``officer`` a serving officer of the agency with a certificate valid on ``day``?"""
    if officer.agency_id != agency_id or not officer.is_active:
        return OfficerCheck(officer, "", "not_serving")
    best: OfficerCheck | None = None
    for cert in officer.certificates.all():
        status = certificate_status_on(
            valid_from=cert.valid_from, valid_to=cert.valid_to, revoked_on=cert.revoked_on, day=day
        )
        check = OfficerCheck(officer, cert.number, status)
        if check.is_valid:
            return check
        best = best or check
    return best or OfficerCheck(officer, "", CertificateStatus.UNKNOWN)


def officer_problem(check: OfficerCheck) -> str:
    name = check.officer.person.name
    if check.status == "not_serving":
        return _("%(name)s不是本执法主体在岗的执法人员。") % {"name": name}
    if not check.certificate:
        return _("%(name)s没有执法证件。") % {"name": name}
    label = CertificateStatus(check.status).label
    return _("%(name)s的执法证件（%(no)s）%(status)s。") % {
        "name": name,
        "no": check.certificate,
        "status": label,
    }


def definition_of(run: Any) -> ProcedureDefinition:
    """The definition the run's case runs under (its version, ADR 0005)."""
    return definition_for(run.case)


def requirements_of(step: Step, variant: str) -> tuple[Requirement, ...]:
    for option in step.variants:
        if option.key == variant:
            return step.requires + option.requires
    return step.requires


def av_rule_of(step: Step, variant: str) -> tuple[AvRule, str]:
    for option in step.variants:
        if option.key == variant and option.av is not AvRule.NONE:
            return option.av, option.av_basis
    return step.av, step.av_basis


def current_records(run: Any) -> list[Any]:
    """The run's records that no later version replaces."""
    return [r for r in run.records.all() if not hasattr(r, "replaced_by")]


def effective_approvals(run: Any) -> list[Any]:
    """The approvals since the chain was last returned (退回 starts it again) and since the run's
    records last changed: a signature given before a record was added or corrected does not
    cover it, so the chain starts again (R-35)."""
    approvals = list(run.approvals.all())
    for index in range(len(approvals) - 1, -1, -1):
        if approvals[index].decision == "return":
            approvals = approvals[index + 1 :]
            break
    changed = max((r.created_at for r in run.records.all()), default=None)
    if changed is not None:
        stale = [index for index, a in enumerate(approvals) if a.at < changed]
        if stale:
            approvals = approvals[stale[-1] + 1 :]
    return approvals


def missing(run: Any, *, now: datetime) -> list[Missing]:
    """Everything ``run`` still needs before it can close (empty: it may close)."""
    definition = definition_of(run)
    step = definition.step(run.step_id)
    today = clock.china_date(now)
    gaps: list[Missing] = []
    deferred = run.deferred
    if step.variants and not run.variant:
        gaps.append(
            Missing(
                "variant",
                _("请选择办理方式（%(options)s）。")
                % {"options": "、".join(v.name for v in step.variants)},
                step.basis,
            )
        )
    if not deferred:
        gaps.extend(missing_records(run, step))
        gaps.extend(_missing_approvals(run, step))
    gaps.extend(_missing_av(run, step))
    gaps.extend(_missing_officers(run, step, today, now))
    gaps.extend(_missing_waits(run, today))
    gaps.extend(_missing_extension(run, step, today))
    gaps.extend(_missing_hooks(run, definition, step, now))
    gaps.extend(_missing_presider(run))
    gaps.extend(_missing_notice_before(run, step))
    if not run.case.parties.filter(replaced_by__isnull=True).exists():
        gaps.append(Missing("party", _("请登记当事人。"), _("白山乡行政执法全过程记录办法第九条")))
    if step.stage is Stage.ARCHIVE:
        gaps.extend(_missing_deferred(run))
    return gaps


def _signature_gaps(record: Any, requirement: Requirement) -> list[str]:
    gaps = []
    for who in requirement.signatures:
        entry = record.signatures.get(who) or {}
        state = entry.get("state")
        if state != "signed" and not (state == "refused" and documents.may_refuse(who)):
            gaps.append(str(procedures.SIGNATURES[who]))
    return gaps


def missing_records(run: Any, step: Step) -> list[Missing]:
    gaps: list[Missing] = []
    records = current_records(run)
    for requirement in requirements_of(step, run.variant):
        of_kind = [r for r in records if r.kind == requirement.document]
        if not of_kind:
            gaps.append(
                Missing(
                    f"record:{requirement.document}",
                    _("缺少“%(doc)s”。") % {"doc": requirement.label},
                    requirement.basis,
                )
            )
            continue
        record = of_kind[-1]
        unsigned = _signature_gaps(record, requirement)
        if unsigned:
            gaps.append(
                Missing(
                    f"signature:{requirement.document}",
                    _("“%(doc)s”缺少签名（或拒签情况）：%(who)s。")
                    % {"doc": requirement.label, "who": "、".join(unsigned)},
                    requirement.basis,
                )
            )
        for spec in documents.specs(record.kind):
            # a yes/no the kind says keeps the step open when recorded as no (R-11: the
            # certificates shown, the party told of the recording)
            if spec.when_false is not None and record.fields.get(spec.name) is False:
                gaps.append(
                    Missing(
                        f"{spec.when_false.code}:{requirement.document}",
                        _("“%(doc)s”%(gap)s。")
                        % {"doc": requirement.label, "gap": spec.when_false.gap},
                        spec.when_false.basis,
                    )
                )
    return gaps


def _missing_approvals(run: Any, step: Step) -> list[Missing]:
    if not step.approval:
        return []
    done = effective_approvals(run)
    if len(done) >= len(step.approval):
        return []
    waiting = step.approval[len(done) :]
    return [
        Missing(
            "approval",
            _("尚待签批：%(roles)s。") % {"roles": "、".join(r.label for r in waiting)},
            step.approval_basis,
        )
    ]


def _missing_av(run: Any, step: Step) -> list[Missing]:
    rule, basis = av_rule_of(step, run.variant)
    needed = rule is AvRule.REQUIRED or (rule is AvRule.IF_DISPUTED and run.disputed)
    if not needed or run.av_reason.strip():
        return []
    if any(link.evidence.kind in AV_KINDS for link in run.evidence_links.all()):
        return []
    return [Missing("av", _("缺少音像记录（或者记录不宜音像记录的理由）。"), basis)]


def _missing_officers(run: Any, step: Step, today: date, now: datetime) -> list[Missing]:
    if not step.min_officers:
        return []
    ids = [entry["officer_id"] for entry in run.officers]
    # An officer withdrawn from the case (回避 …) no longer counts (行政处罚法第四十三条).
    withdrawn = set(
        run.case.officers.filter(removed_at__lte=now).values_list("officer_id", flat=True)
    )
    officers = Officer.objects.filter(pk__in=set(ids) - withdrawn).select_related("person")
    checks = [check_officer(o, agency_id=run.case.agency_id, day=today) for o in officers]
    valid = [c for c in checks if c.is_valid]
    if len(valid) >= step.min_officers:
        return []
    problems = "".join(officer_problem(c) for c in checks if not c.is_valid)
    return [
        Missing(
            "officers",
            _("须有不少于%(n)d名持有效执法证件的执法人员，现有%(valid)d名。%(problems)s")
            % {"n": step.min_officers, "valid": len(valid), "problems": problems},
            step.min_officers_basis,
        )
    ]


def _missing_presider(run: Any) -> list[Missing]:
    """行政处罚法第六十四条: the hearing is presided by someone who did not investigate the case
    (neither an officer on it nor one the hearing record names as investigator)."""
    gaps = []
    officers = set(
        run.case.officers.filter(removed_at__isnull=True).values_list(
            "officer__person__name", flat=True
        )
    )
    for record in current_records(run):
        specs = documents.specs(record.kind)
        roles = {spec.role: spec.name for spec in specs if spec.role is not None}
        if FieldRole.PRESIDER not in roles:
            continue
        presider = str(record.fields.get(roles[FieldRole.PRESIDER], "")).strip()
        named = record.fields.get(roles.get(FieldRole.INVESTIGATORS, ""), [])
        investigators = set(named) | officers
        if presider and presider in investigators:
            gaps.append(
                Missing(
                    "presider",
                    _("听证主持人%(name)s是本案调查人员，应当另行指定。") % {"name": presider},
                    _("行政处罚法第六十四条"),
                )
            )
    return gaps


def _missing_notice_before(run: Any, step: Step) -> list[Missing]:
    """A limit counted back from an event its record names (the hearing notice seven working days
    before the hearing: 行政处罚法第六十四条, 行政许可法第四十八条): the record's ``done_field``
    date (通知送达日期) is on or before the last day counted back from its ``event_field`` date
    (听证日期). A limit counted back that names no record is shown, not enforced."""
    from zhifa.core.calendar import CalendarYearUnknown

    gaps = []
    for limit in step.limits:
        if limit.counted != "before" or not limit.record:
            continue
        for record in current_records(run):
            if record.kind != limit.record:
                continue
            hearing = record.fields.get(limit.event_field)
            notified = record.fields.get(limit.done_field)
            if not hearing or not notified:
                continue
            try:
                latest = limit.legal_limit.before(date.fromisoformat(hearing)).due
            except CalendarYearUnknown as exc:
                gaps.append(Missing("notice_before", exc.message, limit.basis))
                continue
            if date.fromisoformat(notified) > latest:
                gaps.append(
                    Missing(
                        "notice_before",
                        _(
                            "%(name)s：%(done)s应当在%(event)s%(amount)d%(unit)s前，即不迟于%(latest)s；记录为%(notified)s。"
                        )
                        % {
                            "name": limit.name,
                            "done": _label(record.kind, limit.done_field),
                            "event": _label(record.kind, limit.event_field),
                            "amount": limit.amount,
                            "unit": limit.unit.label,
                            "latest": latest.isoformat(),
                            "notified": notified,
                        },
                        limit.basis,
                    )
                )
    return gaps


def _label(kind: str, field: str) -> str:
    return next((s.label for s in documents.specs(kind) if s.name == field), field)


def _missing_waits(run: Any, today: date) -> list[Missing]:
    gaps = []
    for deadline in run.deadlines.all():
        if deadline.blocks:
            continue  # holds back only some ways on: checked when the step is left that way
        if deadline.is_wait and deadline.met_at is None and deadline.due_date is None:
            gaps.append(
                Missing(
                    f"wait:{deadline.key}",
                    _("%(name)s的届满日须待载入%(year)s年工作日历后计算，届满后方可办理。")
                    % {"name": deadline.name, "year": deadline.computed.get("pending_year")},
                    deadline.basis,
                )
            )
        elif deadline.is_wait and deadline.met_at is None and today <= deadline.due_date:
            gaps.append(
                Missing(
                    f"wait:{deadline.key}",
                    _("%(name)s至%(due)s届满，届满后方可办理。")
                    % {"name": deadline.name, "due": deadline.due_date.isoformat()},
                    deadline.basis,
                )
            )
    return gaps


def _missing_extension(run: Any, step: Step, today: date) -> list[Missing]:
    """A step that lengthens a running limit (the seizure's second 30 days) must do so before it
    ends, and only once (行政强制法第二十五条). Asked of a step that has closed, the answer is the
    one it had when it closed: the extension it made then is its own, not a second one."""
    gaps: list[Missing] = []
    if run.state == "closed":
        return gaps
    for limit in step.limits:
        if not limit.extends:
            continue
        target = run.case.deadlines.filter(key=limit.extends, met_at__isnull=True).first()
        if target is None:
            continue
        if target.extended_times and target.step_run_id != run.pk:
            gaps.append(
                Missing(
                    "extension_once",
                    _("%(name)s只能延长一次。") % {"name": target.name},
                    limit.basis,
                )
            )
        elif not target.extended_times and target.due_date is not None and today > target.due_date:
            gaps.append(
                Missing(
                    "extension_late",
                    _("%(name)s已于%(due)s届满，不能再延长。")
                    % {"name": target.name, "due": target.due_date.isoformat()},
                    limit.basis,
                )
            )
    return gaps


def _missing_hooks(
    run: Any, definition: ProcedureDefinition, step: Step, now: datetime
) -> list[Missing]:
    gaps = []
    context = hooks.HookContext(run=run, definition=definition, now=now)
    for name in step.hooks:
        problems = hooks.check(name, context)
        if problems is None:
            gaps.append(
                Missing(
                    f"hook:{name}",
                    _("“%(hook)s”尚未启用，此步骤不能完成。") % {"hook": procedures.HOOKS[name]},
                )
            )
            continue
        for problem in problems:
            gaps.append(Missing(f"hook:{name}", problem))
    return gaps


def _missing_deferred(run: Any) -> list[Missing]:
    """Before closing: every step taken first in an emergency has had its form filed and approved
    (R-9: approved by the head; R-35: the whole chain)."""
    gaps = []
    for earlier in run.case.steps.filter(deferred=True):
        step = definition_of(earlier).step(earlier.step_id)
        if missing_records(earlier, step) or _missing_approvals(earlier, step):
            gaps.append(
                Missing(
                    "deferred",
                    _("紧急情况先行办理的“%(step)s”尚未补办审批手续。")
                    % {"step": definition_of(earlier).step(earlier.step_id).name},
                    _("白山乡行政执法全过程记录办法第九条"),
                )
            )
    return gaps


def major_fine(party_kind: str, amount: Decimal) -> bool:
    """Is ``amount`` a 较大数额 fine for this kind of party? 以上 includes the number. The amounts
    are set locally (``ZHIFA_MAJOR_FINE_YUAN``), not in code."""
    limits = settings.ZHIFA_MAJOR_FINE_YUAN
    key = "natural_person" if party_kind == "natural_person" else "organisation"
    return amount >= Decimal(limits[key])
