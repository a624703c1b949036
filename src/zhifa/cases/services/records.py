"""Records of a step and their corrections (R-11 – R-34), evidence links, the approval chain
(R-35)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from zhifa.accounts.access import Role, has_role
from zhifa.accounts.models import ApiToken, User
from zhifa.cases import definitions, documents, rules
from zhifa.cases.access import assigned_officer, may_read, user_of
from zhifa.cases.models import Approval, Case, Record, StepEvidence, StepRun
from zhifa.cases.services.common import clean_text, current_run, ledger_actor, lock_case, step_of
from zhifa.cases.services.limits import meet
from zhifa.catalogue.procedures import ApprovalRole
from zhifa.core import clock
from zhifa.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhifa.evidence.models import Confidentiality, Evidence
from zhifa.ledger.services import ledger_append

# who may sign which place of the chain (the handler must also be on the case).
APPROVAL_ROLES: dict[str, tuple[str, ...]] = {
    ApprovalRole.HANDLER: (Role.OFFICER, Role.UNIT_HEAD, Role.AGENCY_HEAD),
    ApprovalRole.CHECKER: (Role.UNIT_HEAD, Role.AGENCY_HEAD, Role.LEGAL_REVIEWER),
    ApprovalRole.APPROVER: (Role.AGENCY_HEAD,),
}


def _authors(kind: str) -> tuple[str, ...]:
    """The agency roles that may write ``kind`` without being on the case (its data)."""
    found = documents.kind_of(kind)
    return found.also_written_by if found else ()


def _target_run(case: Case, step_run: StepRun | None, kind: str) -> StepRun:
    if step_run is None:
        return current_run(case)
    if step_run.case_id != case.pk:
        raise NotFound(_("没有找到该步骤。"))
    if step_run.state == StepRun.State.OPEN:
        return step_run
    if step_run.deferred and definitions.files_after_emergency(case, kind):
        # the emergency start form is filed afterwards — once; then only corrected
        if rules.missing_records(step_run, step_of(case, step_run.step_id)):
            return step_run
        raise Conflict(_("紧急情况立案的审批手续已经补办，如有错误请更正原记录。"))
    raise Conflict(_("该步骤已经完成，不能再增加记录。"))


def _check_event_dates(run: StepRun, kind: str, fields: Mapping[str, Any], now: datetime) -> None:
    """Dates of things that have happened (service, notice, receipt …; ``event = true`` in the
    kind's data): not in the future, and not before the step they are recorded in began — a
    limit counted from them must not be moved by a back- or forward-dated entry
    (行政强制法第五十四条 …)."""
    today = clock.china_date(now)
    opened = clock.china_date(run.opened_at)
    for spec in documents.specs(kind):
        if not spec.event or not fields.get(spec.name):
            continue
        day = date.fromisoformat(fields[spec.name])
        if day > today:
            raise ValidationFailed(
                _("%(label)s不能晚于今天（%(today)s）。")
                % {"label": spec.label, "today": today.isoformat()},
                code="event_date_in_future",
                detail={"field": spec.name},
            )
        if day < opened:
            raise ValidationFailed(
                _("%(label)s不能早于本步骤开始的日期（%(opened)s）。")
                % {"label": spec.label, "opened": opened.isoformat()},
                code="event_date_before_step",
                detail={"field": spec.name},
            )


def record_add(
    *,
    actor: Any,
    case: Case,
    kind: str,
    fields: Mapping[str, Any],
    signatures: Mapping[str, Any] | None = None,
    step_run: StepRun | None = None,
) -> Record:
    """Add a record to the current step (or, R-9, the emergency form to the deferred start)."""
    with transaction.atomic():
        case = lock_case(case, actor, also_written_by=_authors(kind))
        cleaned = documents.clean_fields(kind, fields)
        signed = documents.clean_signatures(signatures or {})
        run = _target_run(case, step_run, kind)
        now = clock.now()
        _check_event_dates(run, kind, cleaned, now)
        record = Record.objects.create(
            case=case,
            step_run=run,
            kind=kind,
            fields=cleaned,
            signatures=signed,
            created_at=now,
            created_by=user_of(actor),
        )
        ledger_append(actor=ledger_actor(actor), action="cases.record.add", obj=record)
        if run.deferred:  # filed while the step is still open, or after it closed
            _meet_emergency_form(actor, run, now)
    return record


def _meet_emergency_form(actor: Any, run: StepRun, now: datetime) -> None:
    step = step_of(run.case, run.step_id)
    emergency = definitions.definition_for(run.case).emergency_start
    if emergency is None or rules.missing_records(run, step):
        return
    for row in run.deadlines.select_for_update().filter(
        key=emergency.limit.key, met_at__isnull=True
    ):
        meet(actor, row, now)


def record_correct(
    *,
    actor: Any,
    record: Record,
    fields: Mapping[str, Any],
    signatures: Mapping[str, Any] | None = None,
    reason: str,
) -> Record:
    """A correction: a new version that names the old record and gives the reason (R-34).

    Only while its step is open (or, R-9, in the emergency start filed afterwards): a closed step
    was approved and passed its gates on what its records said then, and a decision once made is
    changed by its own procedure (变更、撤销), not by editing the file.
    """
    with transaction.atomic():
        case = lock_case(record.case, actor, also_written_by=_authors(record.kind))
        reason = clean_text(reason, _("更正理由"), limit=1000)
        old = Record.objects.select_for_update().select_related("step_run").get(pk=record.pk)
        if Record.objects.filter(replaces=old).exists():
            raise Conflict(_("该记录已经更正过，请更正最新的版本。"))
        if old.step_run.state != StepRun.State.OPEN and not old.step_run.deferred:
            raise Conflict(
                _("“%(step)s”已经完成，其记录不能再更正。")
                % {"step": step_of(case, old.step_run.step_id).name},
                code="step_closed",
            )
        cleaned = documents.clean_fields(old.kind, fields)
        signed = documents.clean_signatures(
            signatures if signatures is not None else old.signatures
        )
        now = clock.now()
        _check_event_dates(old.step_run, old.kind, cleaned, now)
        new = Record.objects.create(
            case=case,
            step_run=old.step_run,
            kind=old.kind,
            version=old.version + 1,
            replaces=old,
            correction_reason=reason,
            fields=cleaned,
            signatures=signed,
            created_at=now,
            created_by=user_of(actor),
        )
        ledger_append(
            actor=ledger_actor(actor), action="cases.record.correct", obj=new, reason=reason
        )
        if old.step_run.deferred:
            _meet_emergency_form(actor, old.step_run, now)
    return new


def evidence_link(*, actor: Any, case: Case, evidence: Evidence, note: str = "") -> StepEvidence:
    """Link an evidence item of the case's agency to the current step."""
    from zhifa.evidence.selectors import evidence_visible_to
    from zhifa.evidence.services import evidence_keep_with_case_file

    with transaction.atomic():
        case = lock_case(case, actor)
        run = current_run(case)
        visible = evidence.agency_id == case.agency_id
        user = user_of(actor)
        if visible and user is not None:
            visible = evidence_visible_to(user).filter(pk=evidence.pk).exists()
        elif visible and isinstance(actor, ApiToken):
            # a machine is granted no confidential item (R-33: grants are personal)
            visible = evidence.confidentiality == Confidentiality.NONE
        if not visible:
            raise NotFound(_("没有找到该证据。"))
        if run.evidence_links.filter(evidence=evidence).exists():
            raise Conflict(_("该证据已经关联到本步骤。"))
        link = StepEvidence.objects.create(
            step_run=run,
            evidence=evidence,
            note=clean_text(note, _("说明"), limit=200, required=False),
            linked_at=clock.now(),
        )
        ledger_append(
            actor=ledger_actor(actor),
            action="cases.evidence.link",
            obj=link,
            blob_sha256=evidence.blob_id,
        )
        # In the case file now: kept permanently (R-29; law-reference "AV records").
        evidence_keep_with_case_file(actor=ledger_actor(actor), evidence=evidence)
    return link


def _approval_role_ok(user: User, case: Case, role: str) -> bool:
    if not has_role(user, case.agency, *APPROVAL_ROLES[role]):
        return False
    if role == ApprovalRole.HANDLER:
        return assigned_officer(user, case) is not None
    return True


def approval_give(
    *,
    actor: Any,
    case: Case,
    role: str,
    decision: str,
    opinion: str,
    step_run: StepRun | None = None,
) -> Approval:
    """Sign the current step's approval chain (R-35): 承办人, then 审核人, then 批准人, each a
    different person holding the matching role. 退回 starts the chain again. ``step_run``: the
    first step of an emergency start, approved afterwards (R-9)."""
    with transaction.atomic():
        user = user_of(actor)
        if user is None:
            raise PermissionDenied(_("审批须由本人登录签批。"))
        locked = Case.objects.select_for_update().select_related("agency").get(pk=case.pk)
        if locked.is_archived:
            raise Conflict(_("案件已经归档，不能再修改。"), code="case_archived")
        if role not in {r.value for r in ApprovalRole}:
            raise ValidationFailed(_("审批角色不正确。"), detail={"field": "role"})
        if decision not in Approval.Decision.values:
            raise ValidationFailed(_("审批意见只能是同意或者退回。"), detail={"field": "decision"})
        if not _approval_role_ok(user, locked, role) or not may_read(user, locked):
            raise PermissionDenied(
                _("您不能以“%(role)s”的身份签批本案。") % {"role": ApprovalRole(role).label}
            )
        opinion = clean_text(opinion, _("审批意见"), limit=2000)
        if step_run is None:
            run = current_run(locked)
        elif step_run.case_id == locked.pk and (
            step_run.state == StepRun.State.OPEN or step_run.deferred
        ):
            run = step_run
        else:
            raise Conflict(_("只能签批当前步骤，或者紧急情况下先行办理、事后补办审批的步骤。"))
        step = step_of(locked, run.step_id)
        if not step.approval:
            raise Conflict(_("“%(step)s”不需要审批。") % {"step": step.name})
        done = rules.effective_approvals(run)
        if len(done) >= len(step.approval):
            raise Conflict(_("本步骤的审批已经完成。"))
        expected = step.approval[len(done)]
        if role != expected:
            raise Conflict(
                _("现在应由%(expected)s签批。") % {"expected": expected.label},
                code="approval_out_of_order",
            )
        if decision == Approval.Decision.AGREE and any(a.user_id == user.pk for a in done):
            raise Conflict(
                _("同一人不能在同一审批中担任两个角色（承办人、审核人、批准人须为不同的人）。"),
                code="same_approver",
            )
        approval = Approval.objects.create(
            step_run=run, role=role, decision=decision, opinion=opinion, user=user, at=clock.now()
        )
        ledger_append(actor=user, action="cases.approval.give", obj=approval, reason=opinion)
    return approval
