"""The engine's implementations of the hooks procedure definitions declare
(``catalogue.procedures.HOOKS``), called as :class:`zhifa.cases.hooks.Hook`.

Each reads what it looks at from its parameters in the definition (``[hooks.<name>]``): no step
id, record kind or field name is written here. ``legal_review_gate`` is the record-based gate of
the case engine: the case must hold a current legal review opinion concluding 同意, written by a
legal reviewer of the agency who is not on the case; the legal-review issue replaces it
(``hooks.register``) with the full review workflow. ``disclosure_publish`` registers the duty to
publish (D-20) as a running limit; the disclosure issue meets it when the decision is published.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from zhifa.accounts.access import has_role
from zhifa.accounts.actors import Actor
from zhifa.cases import hooks, rules
from zhifa.cases.hooks import HookContext
from zhifa.cases.models import Case, Record, StepRun
from zhifa.catalogue import procedures
from zhifa.catalogue.hook_params import (
    CollectiveDiscussionParams,
    DisclosureParams,
    HookParams,
    LegalReviewParams,
    NoParams,
    SimpleProcedureParams,
)
from zhifa.core import clock


def _current(case: Case, kind: str) -> list[Record]:
    return list(
        case.records.filter(kind=kind, replaced_by__isnull=True)
        .order_by("id")
        .select_related("created_by")
    )


def _party_kind(case: Case) -> str:
    kinds = set(case.parties.filter(replaced_by__isnull=True).values_list("kind", flat=True))
    return "natural_person" if "natural_person" in kinds or not kinds else "organisation"


class _Gate:
    """A hook that only checks: closing the step sets nothing going."""

    def after_close(self, context: HookContext, params: HookParams, *, actor: Actor) -> None:
        return None


class OfficerMinimum(_Gate):
    """行政处罚法第四十二条、行政强制法第十八条: the officers present hold valid certificates. The
    count itself is the step's ``min_officers``; this names any present officer whose certificate
    is not valid on the day, who may not act at all."""

    def check(self, context: HookContext, params: NoParams) -> list[str]:
        from zhifa.org.models import Officer

        run = context.run
        day = clock.china_date(context.now)
        ids = [entry["officer_id"] for entry in run.officers]
        problems = []
        for officer in Officer.objects.filter(pk__in=ids).select_related("person"):
            check = rules.check_officer(officer, agency_id=run.case.agency_id, day=day)
            if not check.is_valid:
                problems.append(rules.officer_problem(check))
        return problems


class SimpleProcedureLimits(_Gate):
    """行政处罚法第五十一条: only a warning, or a fine of at most the procedure's ``fine_limits``
    (200 yuan for a citizen, 3,000 yuan for an organisation); 以下 includes the number."""

    def check(self, context: HookContext, params: SimpleProcedureParams) -> list[str]:
        case = context.case
        party = _party_kind(case)
        ceiling = context.definition.max_fine(party)
        problems = []
        for record in case.records.filter(replaced_by__isnull=True).order_by("id"):
            measure = record.fields.get(params.measure_field)
            if measure and measure not in params.measures:
                problems.append(_("简易程序只能给予警告或者罚款。"))
            amount = record.fields.get(params.fine_field)
            if amount is not None and ceiling is not None and Decimal(amount) > ceiling:
                problems.append(
                    _(
                        "简易程序对%(party)s的罚款不能超过%(max)s元（行政处罚法第五十一条），记录中为%(amount)s元，应当适用一般程序。"
                    )
                    % {
                        "party": procedures.FINE_PARTIES[party],
                        "max": ceiling,
                        "amount": amount,
                    }
                )
        if context.run.step_id == params.collection_step:
            problems += self.collection_problems(context, params)
        return sorted(set(problems))

    @staticmethod
    def collection_problems(context: HookContext, params: SimpleProcedureParams) -> list[str]:
        """行政处罚法第六十八条: a fine is collected on the spot only when it is 100 yuan or less
        (以下 includes the number), or (第六十九条) in a remote place where paying at the bank is
        truly hard, at the party's request, the reason recorded; the receipt is for the fine."""
        decisions = _current(context.case, params.decision_record)
        fine = (
            Decimal(decisions[-1].fields.get(params.fine_field) or 0) if decisions else Decimal(0)
        )
        problems = []
        receipts = [
            r for r in rules.current_records(context.run) if r.kind == params.receipt_record
        ]
        for receipt in receipts:
            amount = receipt.fields.get(params.receipt_amount_field, "0")
            if Decimal(amount) != fine:
                problems.append(
                    _("收缴金额%(amount)s元与决定书的罚款%(fine)s元不一致。")
                    % {"amount": receipt.fields.get(params.receipt_amount_field), "fine": fine}
                )
            if fine > params.on_the_spot_max_yuan and not receipt.fields.get(
                params.remote_reason_field
            ):
                problems.append(
                    _(
                        "罚款%(fine)s元超过一百元，只有在边远、水上、交通不便地区，当事人到指定银行缴纳确有困难并提出的，才可以当场收缴，须记明理由（行政处罚法第六十八条、第六十九条）。"
                    )
                    % {"fine": fine}
                )
        return problems


class CollectiveDiscussionGate(_Gate):
    """行政处罚法第五十七条: complex or major cases are decided by the heads collectively. At the
    discussion step the minutes name the participants and the decision; at the decision step a
    major case (a heavy measure, or a fine at or above the local 较大数额) must have had one."""

    def check(self, context: HookContext, params: CollectiveDiscussionParams) -> list[str]:
        case = context.case
        if context.run.step_id == params.discussion_step:
            problems = []
            for minutes in [
                r for r in rules.current_records(context.run) if r.kind == params.minutes_record
            ]:
                if len(minutes.fields.get(params.participants_field, [])) < params.min_participants:
                    problems.append(
                        _("集体讨论记录须列明不少于%(n)d名参加人员。")
                        % {"n": params.min_participants}
                    )
            return problems
        if not self.is_major(case, params):
            return []
        held = case.steps.filter(
            step_id=params.discussion_step, state=StepRun.State.CLOSED
        ).exists()
        if held:
            return []
        return [
            _(
                "本案拟给予较重处罚或者较大数额罚款，须经负责人集体讨论决定（行政处罚法第五十七条）。"
            )
        ]

    @staticmethod
    def is_major(case: Case, params: CollectiveDiscussionParams) -> bool:
        party = _party_kind(case)
        for kind in params.major_records:
            for draft in _current(case, kind):
                if draft.fields.get(params.measure_field) in params.heavy_measures:
                    return True
                amount = draft.fields.get(params.fine_field)
                if amount is not None and rules.major_fine(party, Decimal(amount)):
                    return True
        return False


class LegalReviewGate(_Gate):
    """The case engine's record-based gate (法制审核办法; replaced by the legal-review issue)."""

    def check(self, context: HookContext, params: LegalReviewParams) -> list[str]:
        case = context.case
        opinions = _current(case, params.opinion_record)
        if not opinions:
            return [_("须经法制审核，尚无法制审核意见书。")]
        opinion = opinions[-1]
        reviewer = opinion.created_by
        if reviewer is None or not has_role(reviewer, case.agency, params.reviewer_role):
            return [_("法制审核意见书须由本机关的法制审核人员出具。")]
        if (
            reviewer.person_id
            and case.officers.filter(
                officer__person_id=reviewer.person_id, removed_at__isnull=True
            ).exists()
        ):
            return [_("法制审核人员不能是本案的承办人员。")]
        if opinion.fields.get(params.conclusion_field) != params.agree:
            return [_("法制审核意见为不同意，不能作出决定。")]
        return []


class DisclosurePublish:
    """D-20: a decision (7 working days) or an inspection result (20 working days) is published;
    closing the step opens that limit, for the disclosure module to meet."""

    def check(self, context: HookContext, params: DisclosureParams) -> list[str]:
        return []

    def after_close(self, context: HookContext, params: DisclosureParams, *, actor: Actor) -> None:
        from zhifa.cases.services import open_deadline

        case = context.case
        if case.parties.filter(replaced_by__isnull=True, is_minor=True).exists():
            return  # decisions on minors are never published (D-13)
        if case.confidentiality:
            return  # nor those whose facts are state secrets, trade secrets or privacy (D-13)
        open_deadline(
            actor,
            context.run,
            key=params.key,
            name=params.name,
            computed=params.limit.from_or_pending(clock.china_date(context.now)),
            until=[],
            wait=False,
        )


def install() -> None:
    """Register every hook this module implements (from ``CasesConfig.ready``)."""
    implementations: dict[str, hooks.Hook[Any]] = {
        "officer_minimum": OfficerMinimum(),
        "simple_procedure_limits": SimpleProcedureLimits(),
        "collective_discussion_gate": CollectiveDiscussionGate(),
        "legal_review_gate": LegalReviewGate(),
        "disclosure_publish": DisclosurePublish(),
    }
    for name, hook in implementations.items():
        if hooks.implementation(name) is None:
            hooks.register(name, hook)
