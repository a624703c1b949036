"""Procedure definitions as data (architecture "procedures are data"; R-7 – R-35, D-6): every
shipped definition loads and validates, broken variants are refused naming the file and step, and
time limits reach ``zhifa.core.deadlines`` as the law counts them."""

from __future__ import annotations

import copy
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from zhifa.catalogue import procedures
from zhifa.catalogue.procedures import (
    PROCEDURES_DIR,
    ApprovalRole,
    AvRule,
    ProcedureDefinitionError,
    Stage,
    parse_definition,
)
from zhifa.core import deadlines
from zhifa.core.deadlines import Unit

SHIPPED = [
    "penalty_general",
    "penalty_simple",
    "permit",
    "coercive_measure",
    "coercive_enforcement",
    "inspection",
    "levy",
]


def raw(slug: str) -> dict[str, Any]:
    return tomllib.loads((PROCEDURES_DIR / f"{slug}.toml").read_text(encoding="utf-8"))


def step_of(data: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(s for s in data["steps"] if s["id"] == step_id)


def refused(data: dict[str, Any]) -> ProcedureDefinitionError:
    with pytest.raises(ProcedureDefinitionError) as caught:
        parse_definition(data, source="penalty_general.toml")
    return caught.value


def test_every_shipped_definition_loads_and_validates__R7_R35() -> None:
    loaded = procedures.load_all()
    assert sorted(loaded) == sorted(SHIPPED)
    for slug, definition in loaded.items():
        assert definition.source == f"{slug}.toml"
        stages = {s.stage for s in definition.steps}
        assert Stage.ARCHIVE in stages
        for step in definition.steps:
            assert step.basis
            for requirement in step.requires:
                assert requirement.basis and requirement.document in procedures.DOCUMENT_KINDS
            for limit in step.limits:
                assert limit.basis


def test_general_penalty_has_the_hearing_branch_and_legal_review_hook__R18_R35() -> None:
    definition = procedures.get("penalty_general")
    after_notice = {s.id for s in definition.next_steps("notify_rights")}
    assert after_notice == {"statement", "hearing_request", "draft_decision"}
    assert [s.id for s in definition.next_steps("hearing_request")] == ["hearing"]
    hearing = definition.step("hearing")
    assert hearing.av is AvRule.REQUIRED
    assert hearing.av_basis == "白山乡行政执法全过程记录办法第十四条"
    decide = definition.step("decide")
    assert "legal_review_gate" in decide.hooks
    assert decide.approval == (ApprovalRole.HANDLER, ApprovalRole.CHECKER, ApprovalRole.APPROVER)
    assert decide.distinct_approvers
    assert decide.approval_basis == "白山乡行政执法全过程记录办法第三十九条"
    investigate = definition.step("investigate")
    assert (investigate.min_officers, investigate.min_officers_basis) == (2, "行政处罚法第四十二条")


def test_service_step_has_all_five_methods_with_their_records__R24() -> None:
    serve = procedures.get("penalty_general").step("serve")
    methods = {v.key: v for v in serve.variants}
    assert set(methods) == {"direct", "mail", "leaving", "entrusted", "public_notice"}
    assert methods["leaving"].av is AvRule.REQUIRED
    assert methods["leaving"].requires[0].signatures == ("officers", "witness")
    assert methods["mail"].av is AvRule.NONE


def test_simple_procedure_limits__penalty_law_art_51() -> None:
    simple = procedures.get("penalty_simple")
    assert simple.max_fine("natural_person") == Decimal("200.00")
    assert simple.max_fine("organisation") == Decimal("3000.00")
    assert {f.basis for f in simple.fine_limits} == {"行政处罚法第五十一条"}
    assert set(simple.measures) == {"warning", "fine"}


def test_permit_supplement_and_decision_limits__permit_law_art_32_42() -> None:
    permit = procedures.get("permit")
    notice = permit.step("supplement").limits[0]
    assert notice.legal_limit == deadlines.PERMIT_MISSING_MATERIALS_NOTICE
    assert notice.from_step == "apply"
    decision = permit.step("accept").limits[0]
    assert (decision.amount, decision.unit) == (20, Unit.WORKING_DAYS)
    assert decision.extension == deadlines.PERMIT_DECISION_EXTENSION


def test_coercive_measure_thirty_plus_thirty_days_and_methods__R16() -> None:
    measure = procedures.get("coercive_measure")
    implement = measure.step("implement")
    assert implement.limits[0].legal_limit == deadlines.COERCION_SEIZURE
    assert measure.step("extend").limits[0].legal_limit == deadlines.COERCION_SEIZURE
    methods = {v.key: v.av for v in implement.variants}
    assert methods == {
        "restrict_liberty": AvRule.REQUIRED,
        "seal": AvRule.REQUIRED,
        "seize": AvRule.REQUIRED,
        "freeze": AvRule.NONE,
    }


def test_enforcement_court_application_waits_ten_working_days__R26_R28() -> None:
    enforcement = procedures.get("coercive_enforcement")
    court = enforcement.step("court_application")
    wait = next(limit for limit in court.limits if limit.key == "court_wait")
    assert wait.legal_limit == deadlines.COERCION_COURT_WAIT_AFTER_REMINDER
    assert wait.from_step == "remind"
    # Reminder served Friday 25 September 2026: 28, 29, 30 September, then National Day (1–7
    # October) is skipped and Saturday 10 October counts: 8, 9, 10, 12, 13, 14, 15.
    assert wait.deadline(date(2026, 9, 25)).due == date(2026, 10, 15)
    assert {v.key for v in enforcement.step("enforce").variants} == {
        "extra_fine",
        "transfer",
        "auction",
        "removal",
        "substitute",
        "other",
    }


def test_hearing_request_five_working_days_across_national_day_2026__penalty_law_art_64() -> None:
    limit = procedures.get("penalty_general").step("notify_rights").limits[0]
    due = limit.deadline(date(2026, 9, 30))
    # 1–7 October off; Saturday 10 October is a working day (调休): 8, 9, 10, 12, 13.
    assert due.due == date(2026, 10, 13)
    assert due.basis == "行政处罚法第六十四条"
    assert due.unit is Unit.WORKING_DAYS


def test_hearing_notice_counts_back_seven_working_days__penalty_law_art_64() -> None:
    limit = procedures.get("penalty_general").step("hearing_request").limits[0]
    assert limit.counted == "before"
    due = limit.deadline(date(2026, 10, 15))
    # Hearing on Thursday 15 October 2026: back over 14, 13, 12, 10, 9, 8 and (National Day
    # skipped) 30 September.
    assert due.before
    assert due.due == date(2026, 9, 30)


# --- the validator refuses broken definitions, naming the file and the step ---------------------


def problems(error: ProcedureDefinitionError) -> list[tuple[str, str]]:
    return error.problems


def test_unreachable_step_is_refused__procedures_are_data() -> None:
    data = raw("penalty_general")
    data["steps"].append(
        {"id": "orphan", "name": "孤立步骤", "stage": "archive", "basis": "x", "next": []}
    )
    error = refused(data)
    assert ("orphan", "从起始步骤无法到达该步骤。") in problems(error)
    assert "penalty_general.toml，步骤“orphan”" in error.message


def test_dead_end_other_than_archive_is_refused() -> None:
    data = raw("penalty_general")
    step_of(data, "hearing")["next"] = []
    error = refused(data)
    assert ("hearing", "没有后续步骤，但不是结案归档步骤（死路）。") in problems(error)


def test_trap_cycle_that_never_reaches_archive_is_refused() -> None:
    data = raw("penalty_general")
    step_of(data, "hearing")["next"] = ["hearing_request"]
    error = refused(data)
    assert ("hearing", "从该步骤无法到达结案归档。") in problems(error)


def test_requirement_without_basis_is_refused() -> None:
    data = raw("penalty_general")
    del step_of(data, "investigate")["requires"][0]["basis"]
    error = refused(data)
    assert [s for s, _ in problems(error)] == ["investigate"]
    assert "询问笔录" in error.message and "法律依据" in error.message


def test_unknown_document_kind_is_refused() -> None:
    data = raw("penalty_general")
    step_of(data, "decide")["requires"][0]["document"] = "secret_memo"
    assert ("decide", "未知的文书种类“secret_memo”。") in problems(refused(data))


def test_time_limit_without_basis_or_unknown_constant_is_refused() -> None:
    data = raw("penalty_general")
    step_of(data, "notify_rights")["limits"] = [
        {"key": "x", "name": "无依据期限", "amount": 5, "unit": "working_days"}
    ]
    assert [s for s, _ in problems(refused(data))] == ["notify_rights"]
    data = raw("penalty_general")
    step_of(data, "notify_rights")["limits"][0]["limit"] = "NO_SUCH_LIMIT"
    assert "NO_SUCH_LIMIT" in refused(data).message


def test_av_rule_and_officer_minimum_need_a_basis() -> None:
    data = raw("penalty_general")
    del step_of(data, "hearing")["av_basis"]
    del step_of(data, "investigate")["min_officers_basis"]
    assert {s for s, _ in problems(refused(data))} == {"hearing", "investigate"}


def test_approval_chain_out_of_order_or_repeated_is_refused__R35() -> None:
    for chain in (["approver", "handler"], ["handler", "handler", "approver"], ["boss"]):
        data = raw("penalty_general")
        step_of(data, "decide")["approval"] = chain
        assert [s for s, _ in problems(refused(data))] == ["decide"], chain


def test_unknown_hook_stage_or_target_is_refused() -> None:
    data = raw("penalty_general")
    step_of(data, "decide")["hooks"] = ["if_in_view"]
    step_of(data, "hearing")["stage"] = "lunch"
    step_of(data, "statement")["next"] = ["nowhere"]
    found = problems(refused(data))
    assert ("decide", "未知的挂钩“if_in_view”。") in found
    assert ("hearing", "未知的阶段“lunch”。") in found
    assert ("statement", "后续步骤“nowhere”不存在。") in found


def test_transition_back_to_an_earlier_stage_is_refused() -> None:
    data = raw("penalty_general")
    step_of(data, "decide")["next"] = ["serve", "investigate"]
    assert [s for s, _ in problems(refused(data))] == ["decide"]


def test_slug_must_match_file_and_fine_limits_are_money(tmp_path: Path) -> None:
    data = copy.deepcopy(raw("penalty_simple"))
    data["fine_limits"][0]["max_yuan"] = "200.001"
    error = refused(data)  # source is penalty_general.toml: the slug differs too
    assert len(problems(error)) == 2
    broken = tmp_path / "broken.toml"
    broken.write_text("slug = [", encoding="utf-8")
    with pytest.raises(ProcedureDefinitionError) as caught:
        procedures.load_file(broken)
    assert caught.value.message.startswith("broken.toml：")
