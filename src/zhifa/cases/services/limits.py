"""The deadline engine: limits opened with their step, met by the steps they name, extended,
computed once a year's calendar is loaded, marked overdue by ``zhifa tick``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from zhifa.accounts.access import Role, has_role
from zhifa.cases import documents, rules
from zhifa.cases.access import user_of
from zhifa.cases.models import Case, CaseDeadline, StepRun
from zhifa.cases.services.common import clean_text, ledger_actor, lock_case, step_of
from zhifa.cases.services.notifications import notice_overdue
from zhifa.catalogue.procedures import Step, TimeLimit
from zhifa.core import clock, deadlines
from zhifa.core.deadlines import Unit
from zhifa.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhifa.ledger.services import ledger_append
from zhifa.org.actors import is_system


def open_deadline(
    actor: Any,
    run: StepRun,
    *,
    key: str,
    name: str,
    computed: deadlines.Deadline | deadlines.PendingDeadline,
    until: list[str],
    wait: bool,
    blocks: Sequence[str] = (),
    unless: str = "",
) -> CaseDeadline:
    due_date = _due_date(computed)
    row = CaseDeadline.objects.create(
        case=run.case,
        step_run=run,
        key=key,
        name=name,
        basis=computed.basis,
        computed=computed.as_dict(),
        due_date=due_date,
        is_wait=wait,
        until=until,
        blocks=list(blocks),
        unless=unless,
    )
    ledger_append(actor=ledger_actor(actor), action="cases.deadline.open", obj=row)
    return row


def _due_date(computed: deadlines.Deadline | deadlines.PendingDeadline) -> date | None:
    due = computed.due
    if due is None:
        return None
    return clock.china_date(due) if isinstance(due, datetime) else due


def compute_pending(now: datetime) -> int:
    """``zhifa tick``: compute each limit that waited for a year's working-day calendar, once that
    year is loaded. Returns how many were computed."""
    count = 0
    for row in CaseDeadline.objects.filter(due_date__isnull=True, met_at__isnull=True):
        pending = deadlines.computed_from_dict(row.computed)
        if not isinstance(pending, deadlines.PendingDeadline):
            continue
        limit = deadlines.LegalLimit(pending.amount, pending.unit, pending.basis)
        computed = limit.from_or_pending(pending.start)
        if isinstance(computed, deadlines.PendingDeadline):
            continue
        with transaction.atomic():
            locked = CaseDeadline.objects.select_for_update().get(pk=row.pk)
            if locked.due_date is not None or locked.met_at is not None:
                continue
            locked.computed = computed.as_dict()
            locked.due_date = _due_date(computed)
            locked.save(update_fields=["computed", "due_date"])
            ledger_append(actor="system", action="cases.deadline.compute", obj=locked)
        count += 1
    return count


def pending_years() -> list[int]:
    """The years running limits wait for (an operator's to-do: load their calendars)."""
    years = {
        int(row["pending_year"])
        for row in CaseDeadline.objects.filter(
            due_date__isnull=True, met_at__isnull=True
        ).values_list("computed", flat=True)
        if isinstance(row, dict) and row.get("pending_year")
    }
    return sorted(years)


def _limit_start(case: Case, limit: TimeLimit, now: datetime) -> date | datetime | None:
    if limit.from_step:
        source = (
            case.steps.filter(step_id=limit.from_step, state=StepRun.State.CLOSED)
            .order_by("-seq")
            .first()
        )
        if source is None or source.closed_at is None:
            return None
        moment = source.closed_at
        served = _service_date(source)
        if served is not None and limit.unit is not Unit.HOURS:
            return served
    else:
        moment = now
    return moment if limit.unit is Unit.HOURS else clock.china_date(moment)


def _service_date(run: StepRun) -> date | None:
    """The day the step's document reached the party, where its records say so: a limit counted
    from service (缴纳罚款十五日, 催告书送达十日后) runs from then, not from when it was filed. A
    public notice counts as served thirty days after it was published (民事诉讼法第九十五条:
    ``served = { after_days = 30 }`` on its date in ``record_kinds.toml``)."""
    days = []
    for record in rules.current_records(run):
        for spec in documents.specs(record.kind):
            if spec.served is None or not record.fields.get(spec.name):
                continue
            day = date.fromisoformat(record.fields[spec.name])
            days.append(day + timedelta(days=spec.served.after_days))
    return max(days) if days else None


def open_limits(actor: Any, run: StepRun, step: Step, now: datetime) -> None:
    case = run.case
    for limit in step.limits:
        if limit.counted == "before":
            continue  # counted back from an event the records name (听证日期); shown, not run
        if limit.extends:
            continue  # applied when the step closes, after its approval
        start = _limit_start(case, limit, now)
        if start is None:
            continue
        open_deadline(
            actor,
            run,
            key=limit.key,
            name=limit.name,
            computed=limit.legal_limit.from_or_pending(start),
            until=list(limit.until) or [step.id],
            wait=limit.wait,
            blocks=limit.blocks,
            unless=limit.unless,
        )


def apply_extensions(actor: Any, run: StepRun, step: Step, reason: str) -> None:
    for limit in step.limits:
        if not limit.extends:
            continue
        target = (
            run.case.deadlines.select_for_update()
            .filter(key=limit.extends, met_at__isnull=True)
            .first()
        )
        if target is None or target.extended_times:
            continue
        _extend(actor, target, limit.legal_limit, reason or step.name)


def _extend(actor: Any, target: CaseDeadline, limit: deadlines.LegalLimit, reason: str) -> None:
    stored = deadlines.computed_from_dict(target.computed)
    if isinstance(stored, deadlines.PendingDeadline):
        raise ValidationFailed(
            _("“%(name)s”的届满日须待载入%(year)d年工作日历后才能确定，暂不能延长。")
            % {"name": target.name, "year": stored.year},
            code="calendar_year_unknown",
            detail={"year": stored.year},
        )
    old = stored
    base = old.due if isinstance(old.due, datetime) else old.due
    extended = limit.from_(base)
    target.computed = {
        **extended.as_dict(),
        "start": old.as_dict()["start"],
        "extended_from": old.as_dict()["due"],
    }
    target.due_date = (
        clock.china_date(extended.due) if isinstance(extended.due, datetime) else extended.due
    )
    target.extended_times += 1
    target.overdue_at = None
    target.save(update_fields=["computed", "due_date", "extended_times", "overdue_at"])
    ledger_append(
        actor=ledger_actor(actor), action="cases.deadline.extend", obj=target, reason=reason
    )


def meet_deadlines(
    actor: Any, case: Case, step_id: str, now: datetime, *, all_: bool = False
) -> None:
    for row in case.deadlines.select_for_update().filter(met_at__isnull=True):
        # Archiving meets what steps were to meet; a limit no step meets (the duty to publish,
        # D-20; the emergency form, met when filed) is met only by what it waits for.
        if (all_ and row.until) or step_id in row.until:
            meet(actor, row, now)


def is_late(row: CaseDeadline, now: datetime) -> bool:
    """Has the (non-wait) limit run out by ``now``? The due day (hours: the due instant) is still
    in time."""
    if row.is_wait or row.due_date is None:
        return False
    computed = deadlines.Deadline.from_dict(row.computed)
    moment: Any = now if computed.unit is Unit.HOURS else clock.china_date(now)
    return computed.is_overdue(moment)


def meet(actor: Any, row: CaseDeadline, now: datetime) -> None:
    """The limit is met now; met after it ran out, it is marked overdue at the same time, so the
    lateness stays on record even when no ``zhifa tick`` ran in between (or the case is archived
    by this very step and tick no longer looks at it)."""
    row.met_at = now
    fields = ["met_at"]
    if row.overdue_at is None and is_late(row, now):
        row.overdue_at = now
        fields.append("overdue_at")
    row.save(update_fields=fields)
    ledger_append(actor=ledger_actor(actor), action="cases.deadline.meet", obj=row)


def refuse_if_waiting(run: StepRun, to: str, now: datetime) -> None:
    """A party's period that holds back one way on (要求听证五日 before deciding without a
    hearing, 缴纳罚款十五日 before a 催告, the reconsideration and litigation periods before a court
    application): refused until it has run out, counted from the day the party was told or served
    where the records say so, or waived by the party where the law allows."""
    records = rules.current_records(run)
    step = step_of(run.case, run.step_id)
    for row in run.deadlines.filter(is_wait=True, met_at__isnull=True):
        if to not in row.blocks:
            continue
        if row.unless and any(r.fields.get(row.unless) is True for r in records):
            continue
        limit = next((x for x in step.limits if x.key == row.key), None)
        served = _service_date(run) if limit is not None and not limit.from_step else None
        computed = (
            limit.legal_limit.from_or_pending(served)
            if limit is not None and served is not None
            else deadlines.computed_from_dict(row.computed)
        )
        due = _due_date(computed)
        if due is None or clock.china_date(now) <= due:
            raise ValidationFailed(
                _("%(name)s%(due)s，期满前不能办理“%(to)s”（%(basis)s）。")
                % {
                    "name": row.name,
                    "due": _("至%(day)s届满") % {"day": due.isoformat()}
                    if due
                    else _("的届满日待载入工作日历后计算"),
                    "to": step_of(run.case, to).name,
                    "basis": row.basis,
                },
                code="party_period_running",
                detail={"deadline": row.key, "due": due.isoformat() if due else None},
            )


def deadline_extend(*, actor: Any, deadline: CaseDeadline, reason: str) -> CaseDeadline:
    """Lengthen a limit that the law lets the head extend once (法制审核 +5, 许可 +10 working days),
    before it has run out."""
    with transaction.atomic():
        case = lock_case(deadline.case, actor)
        user = user_of(actor)
        if not is_system(actor) and not has_role(user, case.agency, Role.AGENCY_HEAD):
            raise PermissionDenied(_("延长期限须经本机关负责人批准。"))
        row = CaseDeadline.objects.select_for_update().get(pk=deadline.pk)
        reason = clean_text(reason, _("延长理由"), limit=500)
        step = step_of(case, row.step_run.step_id)
        limit = next((x for x in step.limits if x.key == row.key), None)
        if limit is None or limit.extension is None:
            raise Conflict(_("“%(name)s”依法不能延长。") % {"name": row.name})
        if row.met_at is not None:
            raise Conflict(_("“%(name)s”已经完成。") % {"name": row.name})
        if row.extended_times:
            raise Conflict(_("“%(name)s”只能延长一次。") % {"name": row.name})
        if row.due_date is not None and clock.china_date(clock.now()) > row.due_date:
            raise Conflict(
                _("“%(name)s”已于%(due)s届满，不能再延长。")
                % {"name": row.name, "due": row.due_date.isoformat()}
            )
        _extend(actor, row, limit.extension, reason)
    return row


def mark_overdue(now: datetime) -> int:
    """``zhifa tick``: flag each limit that ran out (once) and tell the responsible people."""
    count = 0
    rows = CaseDeadline.objects.filter(
        met_at__isnull=True,
        overdue_at__isnull=True,
        is_wait=False,
        due_date__isnull=False,
        case__state=Case.State.OPEN,
    ).select_related("case", "case__agency")
    for row in rows:
        if not is_late(row, now):
            continue
        with transaction.atomic():
            locked = CaseDeadline.objects.select_for_update().get(pk=row.pk)
            if locked.met_at is not None or locked.overdue_at is not None:
                continue
            locked.overdue_at = now
            locked.save(update_fields=["overdue_at"])
            ledger_append(actor="system", action="cases.deadline.overdue", obj=locked)
            message = _("案件%(number)s“%(title)s”：%(name)s已于%(due)s届满（%(basis)s）。") % {
                "number": row.case.number,
                "title": row.case.title,
                "name": row.name,
                "due": str(row.due_date),
                "basis": row.basis,
            }
            notice_overdue(locked, message=message, now=now)
        count += 1
    return count
