"""Moving a case through the steps of its procedure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from zhifa.cases import definitions, hooks, rules
from zhifa.cases.models import Case, StepRun
from zhifa.cases.services.common import (
    clean_text,
    current_run,
    ledger_actor,
    lock_case,
    officers_snapshot,
    step_of,
)
from zhifa.cases.services.limits import (
    apply_extensions,
    meet_deadlines,
    open_limits,
    refuse_if_waiting,
)
from zhifa.catalogue.procedures import Step
from zhifa.core import clock
from zhifa.core.errors import ValidationFailed
from zhifa.ledger.services import ledger_append
from zhifa.org.models import Officer


def open_run(
    actor: Any,
    case: Case,
    step: Step,
    officers: list[dict[str, Any]],
    *,
    now: datetime,
    deferred: bool = False,
) -> StepRun:
    last = case.steps.order_by("-seq").first()
    run = StepRun.objects.create(
        case=case,
        step_id=step.id,
        seq=(last.seq + 1) if last else 1,
        officers=officers,
        deferred=deferred,
        opened_at=now,
    )
    ledger_append(actor=ledger_actor(actor), action="cases.step.open", obj=run)
    open_limits(actor, run, step, now)
    return run


def _refuse_if_missing(run: StepRun, now: datetime) -> None:
    gaps = rules.missing(run, now=now)
    if gaps:
        raise ValidationFailed(
            _("“%(step)s”还不能完成：%(gaps)s")
            % {
                "step": step_of(run.case, run.step_id).name,
                "gaps": "".join(g.message for g in gaps),
            },
            code="step_incomplete",
            detail=[g.as_dict() for g in gaps],
        )


def step_advance(*, actor: Any, case: Case, to: str = "", reason: str = "") -> Case:
    """Close the current step (refused, naming each gap, while anything is missing) and open
    ``to``, one of its next steps. Closing the final archive step archives the case."""
    with transaction.atomic():
        case = lock_case(case, actor)
        now = clock.now()
        run = current_run(case)
        definition = definitions.definition_for(case)
        step = definition.step(run.step_id)
        allowed = [t.to for t in step.next]
        if step.is_final:
            if to:
                raise ValidationFailed(_("这是最后一个步骤。"), detail={"field": "to"})
        elif to not in allowed:
            raise ValidationFailed(
                _("“%(step)s”之后只能办理：%(allowed)s。")
                % {
                    "step": step.name,
                    "allowed": "、".join(definition.step(s).name for s in allowed),
                },
                code="step_not_allowed",
                detail={"field": "to", "choices": allowed},
            )
        _refuse_if_missing(run, now)
        if to:
            refuse_if_waiting(run, to, now)
        run.state = StepRun.State.CLOSED
        run.closed_at = now
        run.save(update_fields=["state", "closed_at"])
        ledger_append(actor=ledger_actor(actor), action="cases.step.close", obj=run, reason=reason)
        apply_extensions(actor, run, step, reason)
        context = hooks.HookContext(run=run, definition=definition, now=now)
        for name in step.hooks:
            hooks.after_close(name, context, actor=actor)
        meet_deadlines(actor, case, step.id, now, all_=step.is_final)
        if step.is_final:
            case.state = Case.State.ARCHIVED
            case.archived_at = now
            case.current_step = ""
            case.save(update_fields=["state", "archived_at", "current_step"])
            ledger_append(actor=ledger_actor(actor), action="cases.case.archive", obj=case)
            return case
        target = definition.step(to)
        officers = [
            o
            for o in Officer.objects.filter(
                pk__in=[e["officer_id"] for e in run.officers]
            ).select_related("person")
            if case.officers.filter(officer=o, removed_at__isnull=True).exists()
        ]
        snapshot = officers_snapshot(
            officers,
            agency=case.agency,
            day=clock.china_date(now),
            minimum=target.min_officers,
            basis=target.min_officers_basis or target.basis,
        )
        open_run(actor, case, target, snapshot, now=now)
        case.current_step = target.id
        case.save(update_fields=["current_step"])
        ledger_append(actor=ledger_actor(actor), action="cases.case.move", obj=case)
    return case


def step_choose_variant(*, actor: Any, case: Case, variant: str) -> StepRun:
    """How the current step is done (a service method, an execution method …)."""
    with transaction.atomic():
        case = lock_case(case, actor)
        run = current_run(case)
        step = step_of(case, run.step_id)
        keys = [v.key for v in step.variants]
        if variant not in keys:
            raise ValidationFailed(
                _("办理方式不正确，可选：%(options)s。")
                % {"options": "、".join(v.name for v in step.variants) or _("无")},
                detail={"field": "variant", "choices": keys},
            )
        run.variant = variant
        run.save(update_fields=["variant"])
        ledger_append(actor=ledger_actor(actor), action="cases.step.variant", obj=run)
    return run


def step_av_reason(*, actor: Any, case: Case, reason: str) -> StepRun:
    """Record why an audio-visual record was unsuitable for the current step (R-14)."""
    with transaction.atomic():
        case = lock_case(case, actor)
        run = current_run(case)
        run.av_reason = clean_text(reason, _("不宜音像记录的理由"), limit=1000)
        run.save(update_fields=["av_reason"])
        ledger_append(
            actor=ledger_actor(actor), action="cases.step.av_reason", obj=run, reason=run.av_reason
        )
    return run


def step_mark_disputed(*, actor: Any, case: Case, disputed: bool) -> StepRun:
    """R-23: where a dispute is likely the simple procedure needs an AV record too."""
    with transaction.atomic():
        case = lock_case(case, actor)
        run = current_run(case)
        run.disputed = bool(disputed)
        run.save(update_fields=["disputed"])
        ledger_append(actor=ledger_actor(actor), action="cases.step.disputed", obj=run)
    return run
