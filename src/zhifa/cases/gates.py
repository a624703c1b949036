"""The implementations of the hooks procedure definitions declare (``catalogue.procedures.HOOKS``).

A hook is an object with ``check(run, *, now) -> list[str]`` (the problems that keep the step
open, in Chinese) and, optionally, ``after_close(run, *, actor, now)`` (what closing the step sets
going). The engine treats a declared hook with no implementation as not passed.

``legal_review_gate`` here is the record-based gate of the case engine: the case must hold a
current 法制审核意见书 concluding 同意, written by a legal reviewer of the agency who is not on the
case. The legal-review issue replaces it (``register_hook``) with the full review workflow.
``disclosure_publish`` registers the duty to publish (D-20) as a running limit; the disclosure
issue meets it when the decision is published.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from zhifa.accounts.access import Role, has_role
from zhifa.cases import rules
from zhifa.catalogue import procedures
from zhifa.core import clock, deadlines

HEAVY_MEASURES = ("suspension", "restriction", "detention_other")
COLLECTIVE_MINIMUM = 3
ON_THE_SPOT_MAX = Decimal("100")


def _current(case: Any, kind: str) -> list[Any]:
    return list(
        case.records.filter(kind=kind, replaced_by__isnull=True)
        .order_by("id")
        .select_related("created_by")
    )


def _party_kind(case: Any) -> str:
    kinds = set(case.parties.filter(replaced_by__isnull=True).values_list("kind", flat=True))
    return "natural_person" if "natural_person" in kinds or not kinds else "organisation"


class OfficerMinimum:
    """行政处罚法第四十二条、行政强制法第十八条: the officers present hold valid certificates. The
    count itself is the step's ``min_officers``; this names any present officer whose certificate
    is not valid on the day, who may not act at all."""

    def check(self, run: Any, *, now: datetime) -> list[str]:
        from zhifa.org.models import Officer

        day = clock.china_date(now)
        ids = [entry["officer_id"] for entry in run.officers]
        problems = []
        for officer in Officer.objects.filter(pk__in=ids).select_related("person"):
            check = rules.check_officer(officer, agency_id=run.case.agency_id, day=day)
            if not check.is_valid:
                problems.append(rules.officer_problem(check))
        return problems


class SimpleProcedureLimits:
    """行政处罚法第五十一条: only a warning, or a fine of at most 200 yuan (citizen) / 3,000 yuan
    (organisation); 以下 includes the number."""

    def check(self, run: Any, *, now: datetime) -> list[str]:
        case = run.case
        definition = procedures.get(case.procedure)
        party = _party_kind(case)
        ceiling = definition.max_fine(party)
        problems = []
        for record in case.records.filter(replaced_by__isnull=True).order_by("id"):
            measure = record.fields.get("measure")
            if measure and measure not in ("warning", "fine"):
                problems.append(_("简易程序只能给予警告或者罚款。"))
            amount = record.fields.get("fine_yuan")
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
        if run.step_id == "collect_on_spot":
            problems += self.collection_problems(run)
        return sorted(set(problems))

    @staticmethod
    def collection_problems(run: Any) -> list[str]:
        """行政处罚法第六十八条: a fine is collected on the spot only when it is 100 yuan or less
        (以下 includes the number), or (第六十九条) in a remote place where paying at the bank is
        truly hard, at the party's request, the reason recorded; the receipt is for the fine."""
        decisions = _current(run.case, "simple_penalty_decision")
        fine = Decimal(decisions[-1].fields.get("fine_yuan") or 0) if decisions else Decimal(0)
        problems = []
        for receipt in [r for r in rules.current_records(run) if r.kind == "payment_receipt"]:
            if Decimal(receipt.fields.get("amount_yuan", "0")) != fine:
                problems.append(
                    _("收缴金额%(amount)s元与决定书的罚款%(fine)s元不一致。")
                    % {"amount": receipt.fields.get("amount_yuan"), "fine": fine}
                )
            if fine > ON_THE_SPOT_MAX and not receipt.fields.get("on_spot_reason"):
                problems.append(
                    _(
                        "罚款%(fine)s元超过一百元，只有在边远、水上、交通不便地区，当事人到指定银行缴纳确有困难并提出的，才可以当场收缴，须记明理由（行政处罚法第六十八条、第六十九条）。"
                    )
                    % {"fine": fine}
                )
        return problems


class CollectiveDiscussionGate:
    """行政处罚法第五十七条: complex or major cases are decided by the heads collectively. At the
    discussion step the minutes name the participants and the decision; at the decision step a
    major case (a heavy measure, or a fine at or above the local 较大数额) must have had one."""

    def check(self, run: Any, *, now: datetime) -> list[str]:
        case = run.case
        if run.step_id == "collective_discussion":
            problems = []
            for minutes in [
                r for r in rules.current_records(run) if r.kind == "collective_minutes"
            ]:
                if len(minutes.fields.get("participants", [])) < COLLECTIVE_MINIMUM:
                    problems.append(
                        _("集体讨论记录须列明不少于%(n)d名参加人员。") % {"n": COLLECTIVE_MINIMUM}
                    )
            return problems
        if not self.is_major(case):
            return []
        held = case.steps.filter(step_id="collective_discussion", state="closed").exists()
        if held:
            return []
        return [
            _(
                "本案拟给予较重处罚或者较大数额罚款，须经负责人集体讨论决定（行政处罚法第五十七条）。"
            )
        ]

    @staticmethod
    def is_major(case: Any) -> bool:
        party = _party_kind(case)
        for draft in _current(case, "decision_draft") + _current(case, "penalty_decision"):
            if draft.fields.get("measure") in HEAVY_MEASURES:
                return True
            amount = draft.fields.get("fine_yuan")
            if amount is not None and rules.major_fine(party, Decimal(amount)):
                return True
        return False


class LegalReviewGate:
    """The case engine's record-based gate (法制审核办法; replaced by the legal-review issue)."""

    def check(self, run: Any, *, now: datetime) -> list[str]:
        case = run.case
        opinions = _current(case, "legal_review_opinion")
        if not opinions:
            return [_("须经法制审核，尚无法制审核意见书。")]
        opinion = opinions[-1]
        reviewer = opinion.created_by
        if reviewer is None or not has_role(reviewer, case.agency, Role.LEGAL_REVIEWER):
            return [_("法制审核意见书须由本机关的法制审核人员出具。")]
        if (
            reviewer.person_id
            and case.officers.filter(
                officer__person_id=reviewer.person_id, removed_at__isnull=True
            ).exists()
        ):
            return [_("法制审核人员不能是本案的承办人员。")]
        if opinion.fields.get("conclusion") != "agree":
            return [_("法制审核意见为不同意，不能作出决定。")]
        return []


class DisclosurePublish:
    """D-20: a decision (7 working days) or an inspection result (20 working days) is published;
    closing the step opens that limit, for the disclosure module to meet."""

    def check(self, run: Any, *, now: datetime) -> list[str]:
        return []

    def after_close(self, run: Any, *, actor: Any, now: datetime) -> None:
        from zhifa.cases.services import open_deadline

        if run.case.parties.filter(replaced_by__isnull=True, is_minor=True).exists():
            return  # decisions on minors are never published (D-13)
        if run.case.confidentiality:
            return  # nor those whose facts are state secrets, trade secrets or privacy (D-13)
        inspection = run.case.procedure == "inspection"
        limit = (
            deadlines.DISCLOSURE_INSPECTION_RESULT if inspection else deadlines.DISCLOSURE_DECISION
        )
        open_deadline(
            actor,
            run,
            key="disclosure",
            name=_("检查结果公示期限") if inspection else _("执法决定公示期限"),
            computed=limit.from_or_pending(clock.china_date(now)),
            until=[],
            wait=False,
        )


def install() -> None:
    """Register every hook this module implements (from ``CasesConfig.ready``)."""
    for name, hook in (
        ("officer_minimum", OfficerMinimum()),
        ("simple_procedure_limits", SimpleProcedureLimits()),
        ("collective_discussion_gate", CollectiveDiscussionGate()),
        ("legal_review_gate", LegalReviewGate()),
        ("disclosure_publish", DisclosurePublish()),
    ):
        if procedures.hook_implementation(name) is None:
            procedures.register_hook(name, hook)
