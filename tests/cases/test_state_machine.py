"""Random sequences of service calls against the case engine, with the invariants checked after
every call (hypothesis ``RuleBasedStateMachine``).

The machine starts cases of random procedures (sometimes with the wrong start mode, too few or
invalid officers, an unguarded minor), adds records with random completeness, links AV items or
gives reasons, signs approvals with random people (the wrong ones too), chooses variants, advances
to random next steps (and to steps that are not next), corrects records and parties, writes on
archived cases, and runs ``mark_overdue`` with the clock moved forward. After every call:

* a refused call (a :class:`DomainError`) changed nothing: every row of every cases table and the
  ledger's size are as before; an accepted call added at least one ledger event;
* an archived case never changes (its rows hash the same as when it was archived), and every
  write on it is refused;
* a step just closed has nothing missing as of its closing time (``rules.missing``);

and at the end of each run every closed step is checked by an independent reading of its rows as
they stood when it closed (records, signatures, approvals, AV, officers, waits, the gates), and
``zhifa.ledger`` verifies. Each run is rolled back; the examples are derandomised so CI sees the
same runs every time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import connection, transaction
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from tests.budget import budget
from tests.cases.conftest import (
    CASE_MODELS,
    Desk,
    all_signed,
    china,
    company_party,
    person_party,
    resident_id,
    sample_fields,
)
from zhifa.accounts.access import Role, has_role
from zhifa.cases import documents, rules, services
from zhifa.cases.models import (
    Approval,
    Case,
    CaseDeadline,
    CaseOfficer,
    Complaint,
    Notification,
    Party,
    Record,
    StepEvidence,
    StepRun,
)
from zhifa.catalogue import procedures
from zhifa.catalogue.procedures import AvRule
from zhifa.core import clock
from zhifa.core.errors import DomainError
from zhifa.ledger.models import LedgerEvent
from zhifa.ledger.verify import verify_ledger

PROCEDURES = [
    "penalty_simple",
    "penalty_general",
    "coercive_measure",
    "inspection",
    "permit",
    "levy",
    "coercive_enforcement",
]
RIGHT_MODE = {"permit": "application", "penalty_simple": "on_the_spot"}
MODES = ["application", "ex_officio", "emergency", "on_the_spot", "transfer", "complaint"]
COMPLETENESS = ["full", "full", "full", "missing_field", "unsigned", "refused_no_reason", "refusal"]
FINES = ["", "", "200", "200.01", "3000", "3000.01", "10000", "100000"]
LAST_MOMENT = china(2026, 9, 30)  # limits counted from later reach 2027, not in the calendar yet
# Runs of up to 100 calls each (docs/CONTRIBUTING.md says why the gate's number is enough).
EXAMPLES = budget(gate=24, deep=96)


def _case_rows(case_id: int) -> str:
    """Every row that belongs to the case, as one hash."""
    parts = [
        rows_of(Case, pk=case_id),
        rows_of(CaseOfficer, case_id=case_id),
        rows_of(Party, case_id=case_id),
        rows_of(StepRun, case_id=case_id),
        rows_of(Record, case_id=case_id),
        rows_of(StepEvidence, step_run__case_id=case_id),
        rows_of(Approval, step_run__case_id=case_id),
        rows_of(CaseDeadline, case_id=case_id),
        rows_of(Notification, case_id=case_id),
        rows_of(Complaint, case_id=case_id),
    ]
    text = json.dumps(parts, default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def rows_of(model: Any, **where: Any) -> list[dict[str, Any]]:
    return list(model._default_manager.filter(**where).order_by("pk").values())


def rows(model: Any) -> list[tuple[Any, ...]]:
    """Every row of ``model``'s table, every column. Plain SQL, not the ORM: the machine reads
    every cases table before and after each of its ~2,400 calls, and building the ORM query cost
    more than reading the rows."""
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {meta.db_table} ORDER BY {meta.pk.column}")
        return list(cursor.fetchall())


def ledger_size() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {LedgerEvent._meta.db_table}")
        return int(cursor.fetchone()[0])


# --- the independent reading of a closed step ---


MAY_REFUSE = ("party", "witness", "recipient")


def closed_step_problems(run: StepRun) -> list[str]:
    """What ``run`` lacked when it closed, read from its rows as they stood at ``closed_at``
    (every write in the machine happens at its own minute, so ``<=`` is exact)."""
    assert run.closed_at is not None
    at = run.closed_at
    day = clock.china_date(at)
    case = run.case
    definition = procedures.get(case.procedure)
    step = definition.step(run.step_id)
    problems: list[str] = []
    if step.variants and not run.variant:
        problems.append("variant")
    made = [r for r in run.records.order_by("id") if r.created_at <= at]
    replaced = {r.replaces_id for r in made if r.replaces_id}
    current = [r for r in made if r.pk not in replaced]
    if not run.deferred:
        for requirement in rules.requirements_of(step, run.variant):
            of_kind = [r for r in current if r.kind == requirement.document]
            if not of_kind:
                problems.append(f"record {requirement.document}")
                continue
            record = of_kind[-1]
            for who in requirement.signatures:
                state = record.signatures.get(who, {}).get("state")
                # only the party, a witness or the recipient may refuse and have it count
                if not (state == "signed" or (state == "refused" and who in MAY_REFUSE)):
                    problems.append(f"signature {who} of {record.kind}")
            for flag in ("certificates_shown", "party_told_recording"):
                if record.fields.get(flag) is False:
                    problems.append(f"{flag} of {record.kind}")
        if step.approval:
            signed = [a for a in run.approvals.order_by("id") if a.at <= at]
            returns = [i for i, a in enumerate(signed) if a.decision == "return"]
            chain = signed[returns[-1] + 1 :] if returns else signed
            if made:  # signatures older than the last change of the records do not count
                changed = max(r.created_at for r in made)
                chain = [a for a in chain if a.at >= changed]
            if [a.role for a in chain] != [str(r) for r in step.approval]:
                problems.append(f"approval chain {[a.role for a in chain]}")
            if len({a.user_id for a in chain}) != len(chain):
                problems.append("approval by the same person twice")
    rule, _basis = rules.av_rule_of(step, run.variant)
    if rule is AvRule.REQUIRED or (rule is AvRule.IF_DISPUTED and run.disputed):
        linked = [
            link
            for link in run.evidence_links.select_related("evidence")
            if link.linked_at <= at and link.evidence.kind in rules.AV_KINDS
        ]
        if not linked and not run.av_reason.strip():
            problems.append("av")
    if step.min_officers:
        valid = [
            e
            for e in run.officers
            if rules.check_officer(
                _officer(e["officer_id"]), agency_id=case.agency_id, day=day
            ).is_valid
        ]
        if len(valid) < step.min_officers:
            problems.append("officers")
    following = case.steps.filter(seq=run.seq + 1).first()
    for wait in run.deadlines.filter(is_wait=True):
        if wait.blocks and (following is None or following.step_id not in wait.blocks):
            continue  # holds back only the ways on it names
        if wait.unless and any(r.fields.get(wait.unless) is True for r in current):
            continue  # waived by the party
        if wait.due_date is None or day <= wait.due_date:
            problems.append(f"wait {wait.key}")
    if not case.parties.filter(added_at__lte=at).exists():
        problems.append("party")
    if "legal_review_gate" in step.hooks:
        problems.extend(_legal_review_problems(case, at))
    if "simple_procedure_limits" in step.hooks:
        problems.extend(_simple_limit_problems(case, at))
    if "collective_discussion_gate" in step.hooks and run.step_id != "collective_discussion":
        problems.extend(_collective_problems(case, at))
    return problems


def _officer(pk: int) -> Any:
    from zhifa.org.models import Officer

    return Officer.objects.select_related("person").get(pk=pk)


def _current_at(case: Case, kind: str, at: datetime) -> list[Record]:
    made = [r for r in case.records.filter(created_at__lte=at).order_by("id")]
    replaced = {r.replaces_id for r in made if r.replaces_id}
    return [r for r in made if r.kind == kind and r.pk not in replaced]


def _party_kind(case: Case, at: datetime) -> str:
    made = list(case.parties.filter(added_at__lte=at).order_by("id"))
    replaced = {p.replaces_id for p in made if p.replaces_id}
    kinds = {p.kind for p in made if p.pk not in replaced}
    return "natural_person" if "natural_person" in kinds or not kinds else "organisation"


def _legal_review_problems(case: Case, at: datetime) -> list[str]:
    opinions = _current_at(case, "legal_review_opinion", at)
    if not opinions:
        return ["no legal review opinion"]
    opinion = opinions[-1]
    author = opinion.created_by
    if author is None or not has_role(author, case.agency, Role.LEGAL_REVIEWER):
        return ["legal review opinion not by a legal reviewer"]
    on_case = case.officers.filter(
        officer__person_id=author.person_id, removed_at__isnull=True
    ).exists()
    if author.person_id and on_case:
        return ["legal review opinion by an officer on the case"]
    if opinion.fields.get("conclusion") != "agree":
        return ["legal review disagrees"]
    return []


def _simple_limit_problems(case: Case, at: datetime) -> list[str]:
    ceiling = Decimal("200") if _party_kind(case, at) == "natural_person" else Decimal("3000")
    problems = []
    for kind in ("on_site_record", "simple_penalty_decision"):
        for record in _current_at(case, kind, at):
            if record.fields.get("measure") not in (None, "warning", "fine"):
                problems.append("simple procedure measure")
            amount = record.fields.get("fine_yuan")
            if amount is not None and Decimal(amount) > ceiling:
                problems.append(f"simple procedure fine {amount}")
    return problems


def _collective_problems(case: Case, at: datetime) -> list[str]:
    party = _party_kind(case, at)
    major = False
    for kind in ("decision_draft", "penalty_decision"):
        for record in _current_at(case, kind, at):
            if record.fields.get("measure") in ("suspension", "restriction", "detention_other"):
                major = True
            amount = record.fields.get("fine_yuan")
            if amount is not None and rules.major_fine(party, Decimal(amount)):
                major = True
    held = case.steps.filter(
        step_id="collective_discussion", state="closed", closed_at__lte=at
    ).exists()
    return ["major case without collective discussion"] if major and not held else []


# --- the machine ---------------------------------------------------------------------------------


class CaseMachine(RuleBasedStateMachine):
    desk: Desk
    evidence: list[Any]
    stats: dict[str, int]

    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.now = china(2026, 6, 15, 10)
        self.cases: list[int] = []
        self.archived: dict[int, str] = {}

    def teardown(self) -> None:
        try:
            for run in StepRun.objects.filter(state="closed").select_related("case"):
                problems = closed_step_problems(run)
                assert not problems, (run.case.procedure, run.step_id, problems)
            result = verify_ledger(blobs=False, mirror=None)
            assert result.ok, result
        finally:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    # -- calling a service and checking what it did --

    def call(self, fn: Callable[[], Any], *, must_refuse: bool = False) -> Any:
        before = [rows(model) for model in CASE_MODELS]
        size = ledger_size()
        with clock.frozen(self.now):
            try:
                result = fn()
            except DomainError:
                assert [rows(model) for model in CASE_MODELS] == before, "a refusal changed rows"
                assert ledger_size() == size, "a refusal wrote to the ledger"
                result = None
                self.stats["refused"] += 1
            else:
                assert not must_refuse, "a write on an archived case was accepted"
                assert ledger_size() > size, "an accepted call left no ledger event"
                self.stats["accepted"] += 1
        self.now += timedelta(minutes=1)
        for case_id, digest in self.archived.items():
            assert _case_rows(case_id) == digest, "an archived case changed"
        return result

    def case(self, index: int) -> Case:
        return Case.objects.get(pk=self.cases[index % len(self.cases)])

    def run_of(self, case: Case) -> StepRun:
        """The open step, or (archived) the last one."""
        run = case.steps.order_by("-seq").first()
        assert run is not None  # every case has at least its first step
        return run

    def writes_refused(self, case: Case) -> bool:
        return case.is_archived

    # -- rules --

    @precondition(lambda self: len(self.cases) < 3)
    @rule(
        procedure=st.sampled_from(PROCEDURES),
        mode=st.sampled_from([None, None, None, *MODES]),
        officers=st.sampled_from(["ab", "ab", "ab", "a", "ad", "abd", "af"]),
        party=st.sampled_from(["person", "person", "person", "company", "none", "minor", "bad_id"]),
    )
    def start_case(self, procedure: str, mode: str | None, officers: str, party: str) -> None:
        desk = self.desk
        pool = {
            "a": desk.officer_a,
            "b": desk.officer_b,
            "d": desk.officer_expired,
            "f": desk.org.forest_officer,
        }
        parties = {
            "person": [person_party()],
            "company": [company_party()],
            "none": [],
            "minor": [person_party("小王", resident_id(datetime(2010, 3, 1).date()))],
            "bad_id": [person_party("王某", "110105194912310021")],
        }[party]
        case = self.call(
            lambda: services.case_start(
                actor=desk.officer,
                agency=desk.org.land,
                title="随机案件",
                start_mode=mode or RIGHT_MODE.get(procedure, "ex_officio"),
                procedure=procedure,
                officers=[pool[c] for c in officers],
                parties=parties,
            )
        )
        if case is not None:
            self.cases.append(case.pk)

    @precondition(lambda self: self.cases)
    @rule(
        index=st.integers(0, 3),
        completeness=st.sampled_from(COMPLETENESS),
        author=st.sampled_from(["officer", "officer", "reviewer", "head"]),
        fine=st.sampled_from(FINES),
        only=st.sampled_from([None, None, 0, 1]),
    )
    def add_records(
        self, index: int, completeness: str, author: str, fine: str, only: int | None
    ) -> None:
        case = self.case(index)
        run = self.run_of(case)
        step = procedures.get(case.procedure).step(run.step_id)
        requirements = list(rules.requirements_of(step, run.variant))
        if only is not None and requirements:
            requirements = [requirements[only % len(requirements)]]
        kinds = [r.document for r in requirements] or ["closing_report"]
        for kind in kinds:
            with clock.frozen(self.now):  # the records are dated on the day they are written
                fields, signatures = _record_content(kind, completeness, fine)
            who = self.desk.reviewer if kind == "legal_review_opinion" else self.desk.officer
            if author != "officer":
                who = getattr(self.desk, author)
            self.call(
                partial(
                    services.record_add,
                    actor=who,
                    case=case,
                    kind=kind,
                    fields=fields,
                    signatures=signatures,
                ),
                must_refuse=self.writes_refused(case),
            )

    @precondition(lambda self: self.cases)
    @rule(
        index=st.integers(0, 3), pick=st.integers(0, 50), completeness=st.sampled_from(COMPLETENESS)
    )
    def correct_record(self, index: int, pick: int, completeness: str) -> None:
        case = self.case(index)
        latest = [r for r in case.records.order_by("id") if not hasattr(r, "replaced_by")]
        if not latest:
            return
        record = latest[pick % len(latest)]
        with clock.frozen(self.now):  # the records are dated on the day they are written
            fields, signatures = _record_content(record.kind, completeness, "")
        self.call(
            lambda: services.record_correct(
                actor=self.desk.officer,
                record=record,
                fields=fields,
                signatures=signatures,
                reason="随机更正",
            ),
            must_refuse=self.writes_refused(case),
        )

    @precondition(lambda self: self.cases)
    @rule(index=st.integers(0, 3), which=st.sampled_from(["photo", "photo", "document", "reason"]))
    def av(self, index: int, which: str) -> None:
        case = self.case(index)
        if which == "reason":
            fn: Callable[[], Any] = partial(
                services.step_av_reason,
                actor=self.desk.officer,
                case=case,
                reason="现场条件不宜录像",
            )
        else:
            item = self.evidence[0 if which == "photo" else 1]
            fn = partial(services.evidence_link, actor=self.desk.officer, case=case, evidence=item)
        self.call(fn, must_refuse=self.writes_refused(case))

    @precondition(lambda self: self.cases)
    @rule(index=st.integers(0, 3), disputed=st.booleans())
    def dispute(self, index: int, disputed: bool) -> None:
        case = self.case(index)
        self.call(
            lambda: services.step_mark_disputed(
                actor=self.desk.officer, case=case, disputed=disputed
            ),
            must_refuse=self.writes_refused(case),
        )

    @precondition(lambda self: self.cases)
    @rule(
        index=st.integers(0, 3),
        role=st.sampled_from(["handler", "checker", "approver", "expected", "expected"]),
        who=st.sampled_from(
            [
                "right",
                "right",
                "right",
                "officer",
                "officer2",
                "unit_head",
                "head",
                "reviewer",
                "forest",
            ]
        ),
        decision=st.sampled_from(["agree"] * 6 + ["return"]),
    )
    def approve(self, index: int, role: str, who: str, decision: str) -> None:
        case = self.case(index)
        run = self.run_of(case)
        step = procedures.get(case.procedure).step(run.step_id)
        done = rules.effective_approvals(run)
        if role == "expected":
            role = str(step.approval[len(done)]) if len(done) < len(step.approval) else "approver"
        desk = self.desk
        if who == "right":
            on_case = {o.officer_id for o in case.officers.filter(removed_at__isnull=True)}
            handler = desk.officer if desk.officer_a.pk in on_case else desk.officer2
            user = {"handler": handler, "checker": desk.unit_head, "approver": desk.head}[role]
        elif who == "forest":
            user = desk.org.forest_head
        else:
            user = getattr(desk, who)
        self.call(
            lambda: services.approval_give(
                actor=user, case=case, role=role, decision=decision, opinion="随机意见"
            ),
            must_refuse=self.writes_refused(case),
        )

    @precondition(lambda self: self.cases)
    @rule(index=st.integers(0, 3), pick=st.integers(-1, 6))
    def choose_variant(self, index: int, pick: int) -> None:
        case = self.case(index)
        step = procedures.get(case.procedure).step(self.run_of(case).step_id)
        keys = [v.key for v in step.variants]
        variant = keys[pick % len(keys)] if keys and pick >= 0 else "no_such_way"
        self.call(
            lambda: services.step_choose_variant(
                actor=self.desk.officer, case=case, variant=variant
            ),
            must_refuse=self.writes_refused(case),
        )

    @precondition(lambda self: self.cases)
    @rule(index=st.integers(0, 3), pick=st.integers(-1, 6))
    def advance(self, index: int, pick: int) -> None:
        case = self.case(index)
        run = self.run_of(case)
        step = procedures.get(case.procedure).step(run.step_id)
        targets = [t.to for t in step.next]
        to = "" if step.is_final else ("register" if pick < 0 else targets[pick % len(targets)])
        result = self.call(
            lambda: services.step_advance(actor=self.desk.officer, case=case, to=to),
            must_refuse=self.writes_refused(case),
        )
        if result is None:
            return
        run.refresh_from_db()
        assert run.state == "closed" and run.closed_at is not None
        gaps = rules.missing(run, now=run.closed_at)
        assert not gaps, (case.procedure, run.step_id, [g.code for g in gaps])
        problems = closed_step_problems(run)
        assert not problems, (case.procedure, run.step_id, problems)
        self.stats["closed"] += 1
        if result.is_archived:
            self.stats["archived"] += 1
            assert result.pk not in self.archived
            self.archived[result.pk] = _case_rows(result.pk)

    @precondition(lambda self: self.cases)
    @rule(
        index=st.integers(0, 3), pick=st.sampled_from([0, 0, 0, 0, 1, 2, 3])
    )  # mostly the main way on
    def complete_step(self, index: int, pick: int) -> None:
        """Do what the step needs, the right way, then go on (so that runs get far)."""
        case = self.case(index)
        if case.is_archived:
            return
        desk = self.desk
        run = self.run_of(case)
        step = procedures.get(case.procedure).step(run.step_id)
        if step.variants and not run.variant:
            variant = step.variants[pick % len(step.variants)].key
            self.call(
                lambda: services.step_choose_variant(actor=desk.officer, case=case, variant=variant)
            )
            run.refresh_from_db()
        if not case.parties.filter(replaced_by__isnull=True).exists():
            self.call(
                lambda: services.party_add(actor=desk.officer, case=case, party=person_party())
            )
        on_case = {o.officer_id for o in case.officers.filter(removed_at__isnull=True)}
        if desk.officer_a.pk in on_case and len(run.officers) < 2:
            if desk.officer_b.pk not in on_case:
                self.call(
                    lambda: services.officer_assign(
                        actor=desk.officer, case=case, officer=desk.officer_b
                    )
                )
            self.call(
                lambda: services.step_set_officers(
                    actor=desk.officer, case=case, officers=[desk.officer_a, desk.officer_b]
                )
            )
            run.refresh_from_db()
        for requirement in rules.requirements_of(step, run.variant):
            kind = requirement.document
            who = desk.reviewer if kind == "legal_review_opinion" else desk.officer
            with clock.frozen(self.now):  # the records are dated on the day they are written
                fields, signatures = _record_content(kind, "full", "")
            self.call(
                partial(
                    services.record_add,
                    actor=who,
                    case=case,
                    kind=kind,
                    fields=fields,
                    signatures=signatures,
                )
            )
        self.call(lambda: services.step_av_reason(actor=desk.officer, case=case, reason="不宜录像"))
        on_case = {o.officer_id for o in case.officers.filter(removed_at__isnull=True)}
        handler = desk.officer if desk.officer_a.pk in on_case else desk.officer2
        people = {"handler": handler, "checker": desk.unit_head, "approver": desk.head}
        self.sign_rest_of_chain(case, run, step.approval, people)
        # an emergency start: its form filed and approved afterwards
        for earlier in case.steps.filter(deferred=True, state=StepRun.State.CLOSED):
            first = procedures.get(case.procedure).step(earlier.step_id)
            for requirement in rules.missing_records(earlier, first):
                kind = requirement.code.split(":", 1)[1]
                with clock.frozen(self.now):  # the records are dated on the day they are written
                    fields, signatures = _record_content(kind, "full", "")
                self.call(
                    partial(
                        services.record_add,
                        actor=desk.officer,
                        case=case,
                        kind=kind,
                        fields=fields,
                        signatures=signatures,
                        step_run=earlier,
                    )
                )
            self.sign_rest_of_chain(case, earlier, first.approval, people, step_run=earlier)
        self.advance(index, pick)

    def sign_rest_of_chain(
        self,
        case: Case,
        run: StepRun,
        chain: Any,
        people: dict[str, Any],
        *,
        step_run: StepRun | None = None,
    ) -> None:
        """The signatures ``run``'s chain still lacks, each by the right person, in order."""
        for role in chain[len(rules.effective_approvals(run)) :]:
            self.call(
                partial(
                    services.approval_give,
                    actor=people[str(role)],
                    case=case,
                    role=role,
                    decision="agree",
                    opinion="同意",
                    step_run=step_run,
                )
            )

    @precondition(lambda self: self.cases)
    @rule(index=st.integers(0, 3), kind=st.sampled_from(["company", "minor", "bad", "correct"]))
    def party(self, index: int, kind: str) -> None:
        case = self.case(index)
        desk = self.desk
        if kind == "correct":
            old = case.parties.filter(replaced_by__isnull=True).first()
            if old is None:
                return
            fn: Callable[[], Any] = partial(
                services.party_correct,
                actor=desk.officer,
                party=old,
                corrected=person_party("张某"),
                reason="姓名笔误",
            )
        else:
            party = {
                "company": company_party(),
                "minor": person_party("小李", resident_id(datetime(2012, 5, 5).date())),
                "bad": person_party("李某", "11010519491231002Y"),
            }[kind]
            fn = partial(services.party_add, actor=desk.officer, case=case, party=party)
        self.call(fn, must_refuse=self.writes_refused(case))

    @precondition(lambda self: self.cases)
    @rule(index=st.integers(0, 3), who=st.sampled_from(["ab", "a", "ad"]))
    def set_officers(self, index: int, who: str) -> None:
        case = self.case(index)
        desk = self.desk
        pool = {"a": desk.officer_a, "b": desk.officer_b, "d": desk.officer_expired}
        self.call(
            lambda: services.step_set_officers(
                actor=desk.officer, case=case, officers=[pool[c] for c in who]
            ),
            must_refuse=self.writes_refused(case),
        )

    @rule(hours=st.sampled_from([1, 23, 25, 24 * 8, 24 * 16, 24 * 31]))
    def tick(self, hours: int) -> None:
        self.now = min(self.now + timedelta(hours=hours), LAST_MOMENT)
        size = ledger_size()
        before = [rows(m) for m in (Case, Party, StepRun, Record, Approval, StepEvidence)]
        marked = services.mark_overdue(self.now)
        assert ledger_size() >= size + marked
        assert [rows(m) for m in (Case, Party, StepRun, Record, Approval, StepEvidence)] == before
        for case_id, digest in self.archived.items():
            assert _case_rows(case_id) == digest, "tick changed an archived case"
        assert not services.mark_overdue(self.now), "tick is not idempotent"


def _record_content(
    kind: str, completeness: str, fine: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    names = {s.name for s in documents.specs(kind)}
    extra: dict[str, Any] = {}
    if fine and "fine_yuan" in names:
        extra = {"fine_yuan": fine, "measure": "fine"}
    fields = sample_fields(kind, **extra)
    signatures: dict[str, Any] = all_signed(kind)
    if completeness == "missing_field" and fields:
        fields.pop(sorted(fields)[0])
    elif completeness == "unsigned":
        signatures = {}
    elif completeness == "refused_no_reason":
        signatures = {who: {"state": "refused"} for who in signatures}
    elif completeness == "refusal":
        signatures = {who: {"state": "refused", "reason": "拒绝签名"} for who in signatures}
    return fields, signatures


def test_random_service_sequences_keep_the_invariants(desk: Desk, av: Any) -> None:
    evidence = [av("photo"), av("document")]

    class Machine(CaseMachine):
        pass

    Machine.desk = desk
    Machine.evidence = evidence
    Machine.stats = {"accepted": 0, "refused": 0, "closed": 0, "archived": 0}
    run_state_machine_as_test(
        Machine,
        settings=hsettings(
            max_examples=EXAMPLES,
            stateful_step_count=100,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    # the runs reached far enough to mean something
    stats = Machine.stats
    print(stats)
    assert stats["accepted"] > 100 and stats["refused"] > 50
    assert stats["closed"] > 20 and stats["archived"] >= 1
