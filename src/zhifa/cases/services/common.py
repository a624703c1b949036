"""What every case service shares: the locked case, its current step, checked text, the officers
present with their certificates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from zhifa.accounts.access import has_role
from zhifa.accounts.actors import Actor
from zhifa.cases import definitions, rules
from zhifa.cases.access import can_write, refuse_case, user_of
from zhifa.cases.errors import Code
from zhifa.cases.models import Case, StepRun
from zhifa.catalogue.procedures import Step
from zhifa.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhifa.core.text import require_visible
from zhifa.org.models import Agency, Officer


def lock_case(case: Case, actor: Actor, *, also_written_by: Sequence[str] = ()) -> Case:
    """The case row locked for this transaction, after checking ``actor`` may change it and that
    it is not archived (R-29: an archived case is read-only). ``also_written_by``: roles of the
    agency that may write this without being on the case (a record kind's authors: the legal
    reviewer its own opinion, R-18)."""
    locked = Case.objects.select_for_update().select_related("agency").get(pk=case.pk)
    author = bool(also_written_by) and has_role(user_of(actor), locked.agency, *also_written_by)
    if not author and not can_write(actor, locked):
        refusal = PermissionDenied(
            _("您不是本案的承办人员或者负责人，不能修改本案。"), code=Code.CASE_NOT_WRITABLE
        )
        refuse_case(actor, locked.pk, "write", refusal)
        raise refusal
    if locked.is_archived:
        raise Conflict(_("案件已经归档，不能再修改。"), code=Code.CASE_ARCHIVED)
    return locked


def current_run(case: Case) -> StepRun:
    run = case.steps.filter(state=StepRun.State.OPEN).order_by("-seq").first()
    if run is None:  # only an archived case has no open step, and lock_case refused it already
        raise Conflict(_("案件没有正在办理的步骤。"), code=Code.NO_OPEN_STEP)
    return run


def step_of(case: Case, step_id: str) -> Step:
    """A step of the definition the case runs under (its version, ADR 0005)."""
    return definitions.step_of(case, step_id)


def clean_text(
    value: str, label: str, *, limit: int, required: bool = True, single_line: bool = False
) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationFailed(
            _("“%(label)s”含有无效字符。") % {"label": label}, code=Code.TEXT_INVALID
        )
    require_visible(value, label=str(label), multiline=not single_line)
    if required and not value:
        raise ValidationFailed(_("请填写“%(label)s”。") % {"label": label}, code=Code.TEXT_REQUIRED)
    if len(value) > limit:
        raise ValidationFailed(
            _("“%(label)s”不能超过%(n)d个字。") % {"label": label, "n": limit},
            code=Code.TEXT_TOO_LONG,
        )
    return value


def officers_snapshot(
    officers: Sequence[Officer], *, agency: Agency, day: date, minimum: int, basis: str
) -> list[dict[str, Any]]:
    """The officers for a step, each with the certificate valid on ``day``; at least ``minimum``
    valid ones (行政处罚法第四十二条、行政强制法第十八条), else refused naming who and why."""
    seen: set[int] = set()
    checks = []
    for officer in officers:
        if officer.pk in seen:
            continue
        seen.add(officer.pk)
        checks.append(rules.check_officer(officer, agency_id=agency.pk, day=day))
    valid = [c for c in checks if c.is_valid]
    if len(valid) < minimum:
        problems = "".join(rules.officer_problem(c) for c in checks if not c.is_valid)
        raise ValidationFailed(
            _(
                "须有不少于%(n)d名持有效执法证件的执法人员（%(basis)s），现有%(valid)d名。%(problems)s"
            )
            % {"n": minimum, "basis": basis, "valid": len(valid), "problems": problems},
            code=Code.TOO_FEW_OFFICERS,
            detail={"field": "officers", "required": minimum, "valid": len(valid)},
        )
    return [
        {
            "officer_id": c.officer.pk,
            "name": c.officer.person.name,
            "certificate": c.certificate,
            "status": str(c.status),
        }
        for c in checks
    ]
