"""Procedures wholly data (ADR 0005): no step id or record kind of a shipped definition is written
in engine code; hooks take typed parameters from the definition; record kinds are validated data;
a case runs under the definition version it was opened under, after a new one ships."""

from __future__ import annotations

import ast
import copy
import json
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.cases.conftest import Desk, start, walk
from zhifa.cases import gates, hooks, rules, selectors
from zhifa.cases.models import Case, ProcedureVersion
from zhifa.catalogue import hook_params, procedures, record_kinds
from zhifa.catalogue.procedures import PROCEDURES_DIR, ProcedureDefinitionError, parse_definition
from zhifa.catalogue.record_kinds import RECORD_KINDS_FILE, RecordKindsError, parse_record_kinds
from zhifa.core.errors import ValidationFailed

SRC = Path(__file__).resolve().parents[2] / "src" / "zhifa"

# --- no step id or record kind in engine code -----------------------------------------------------

ENGINE = [
    *sorted((SRC / "cases").rglob("*.py")),
    *sorted((SRC / "catalogue").glob("*.py")),
]

# A file that is not engine code, with the reason. Nothing else is skipped.
NOT_ENGINE = {
    "cases/demo.py": "the demo loader is sample cases written as a script: it drives the "
    "services step by step as a user would, like the tests, and states no rule",
}

# Words that are also step ids or record kinds but mean something else where they are written.
# Each entry must still be needed (the test fails on a stale one), so the list cannot rot.
HOMONYMS = {
    ("cases/models.py", "application"): "Case.StartMode 依申请, a start mode",
    ("cases/models.py", "emergency"): "Case.StartMode 紧急情况先行启动, a start mode",
    ("cases/migrations/0001_initial.py", "application"): "the start mode's choice, frozen",
    ("cases/migrations/0001_initial.py", "emergency"): "the start mode's choice, frozen",
    ("cases/api.py", "application"): "the start mode in the API schema",
    ("cases/api.py", "emergency"): "the start mode in the API schema",
    ("cases/selectors.py", "archive"): "the timeline's entry for the case's archiving",
    ("cases/services/common.py", "certificate"): "the officer snapshot's certificate number",
    ("cases/services/limits.py", "start"): "the key of Deadline.as_dict: when it starts",
    ("cases/views.py", "extend"): "the page's group of extension forms",
    ("cases/views.py", "close"): "the complaint page's close-without-case form",
    ("catalogue/procedures.py", "start"): "Stage.START and the definition's `start` key",
    ("catalogue/procedures.py", "archive"): "Stage.ARCHIVE, the stage",
    ("catalogue/api.py", "start"): "the definition's `start` in the API",
}


def _shipped_names() -> set[str]:
    names: set[str] = set()
    for path in PROCEDURES_DIR.glob("*.toml"):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        names |= {step["id"] for step in data["steps"]}
    names |= set(tomllib.loads(RECORD_KINDS_FILE.read_text(encoding="utf-8"))["kinds"])
    return names


def _literals(path: Path, names: set[str]) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names
    ]


def test_no_step_id_or_record_kind_of_a_shipped_definition_is_written_in_engine_code() -> None:
    names = _shipped_names()
    assert {
        "collect_on_spot",
        "collective_discussion",
        "payment_receipt",
        "hearing_notice",
    } <= names
    found: list[str] = []
    used: set[tuple[str, str]] = set()
    for path in ENGINE:
        where = path.relative_to(SRC).as_posix()
        if where in NOT_ENGINE:
            continue
        for line, value in _literals(path, names):
            if (where, value) in HOMONYMS:
                used.add((where, value))
            else:
                found.append(f"{where}:{line} {value!r}")
    assert not found, "step ids / record kinds belong in the definitions' data:\n" + "\n".join(
        found
    )
    assert not set(HOMONYMS) - used, f"stale exemptions: {sorted(set(HOMONYMS) - used)}"


def test_the_scan_finds_a_planted_literal(tmp_path: Path) -> None:
    planted = tmp_path / "gate.py"
    planted.write_text('if run.step_id == "collect_on_spot":\n    pass\n', encoding="utf-8")
    assert _literals(planted, _shipped_names()) == [(1, "collect_on_spot")]


# --- record kinds are validated data -------------------------------------------------------------


def _kinds_data() -> dict[str, Any]:
    return tomllib.loads(RECORD_KINDS_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d["kinds"]["hearing_notice"]["fields"][0].update(type="when"), "类型"),
        (lambda d: d["kinds"]["hearing_notice"]["fields"][0].update(type="text"), "事件日期"),
        (lambda d: d["kinds"]["decision_draft"]["fields"][5].update(choices="nope"), "选项"),
        (lambda d: d["kinds"]["hearing_record"]["fields"][0].update(role="judge"), "角色"),
        (lambda d: d["kinds"]["legal_review_opinion"].update(also_written_by=["x"]), "角色"),
        (
            lambda d: d["kinds"]["reminder"]["fields"].append({"name": "content", "label": "正文"}),
            "content",
        ),
        (lambda d: d["kinds"]["reminder"]["fields"][0].update(colour="red"), "colour"),
    ],
)
def test_a_broken_record_kind_is_refused_naming_it(change: Any, says: str) -> None:
    data = copy.deepcopy(_kinds_data())
    change(data)
    with pytest.raises(RecordKindsError) as caught:
        parse_record_kinds(data, source="record_kinds.toml")
    assert says in caught.value.message and caught.value.code == "invalid_record_kinds"


def test_the_record_kinds_say_who_may_refuse_and_who_writes_the_review__R11_R18() -> None:
    shipped = record_kinds.shipped()
    assert [s for s in shipped.signers.values() if s.may_refuse] == [
        shipped.signers[k] for k in ("party", "witness", "recipient")
    ]
    assert shipped.kinds["legal_review_opinion"].also_written_by == ("legal_reviewer",)
    published = next(
        f for k in shipped.kinds.values() for f in k.fields if f.name == "published_on"
    )
    assert (
        published.served is not None and published.served.after_days == 30
    )  # 民事诉讼法第九十五条


# --- hooks take typed parameters from the definition ---------------------------------------------


def _raw(slug: str) -> dict[str, Any]:
    return tomllib.loads((PROCEDURES_DIR / f"{slug}.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d["hooks"]["simple_procedure_limits"].update(collection_step="nowhere"), "无效"),
        (lambda d: d["hooks"]["simple_procedure_limits"].update(receipt_record="receipt"), "无效"),
        (
            lambda d: d["hooks"]["simple_procedure_limits"].update(receipt_amount_field="sum"),
            "无效",
        ),
        (lambda d: d["hooks"]["simple_procedure_limits"].pop("on_the_spot_max_yuan"), "缺少参数"),
        (lambda d: d["hooks"]["simple_procedure_limits"].update(colour="red"), "没有参数"),
        (lambda d: d["hooks"]["disclosure_publish"].update(limit="NO_SUCH_LIMIT"), "无效"),
        (lambda d: d["hooks"].update(legal_review_gate={}), "没有步骤使用"),
        (lambda d: d.pop("start_modes"), "start_modes"),
        (lambda d: d.update(emergency_start={"forms": ["start_approval"]}), "emergency_start"),
    ],
)
def test_a_hook_parameter_the_definition_cannot_back_is_refused(change: Any, says: str) -> None:
    data = copy.deepcopy(_raw("penalty_simple"))
    change(data)
    with pytest.raises(ProcedureDefinitionError) as caught:
        parse_definition(data, source="penalty_simple.toml")
    assert says in caught.value.message


def test_every_declared_hook_has_typed_parameters_and_an_implementation() -> None:
    with pytest.raises(KeyError):
        hooks.register("undeclared", gates.OfficerMinimum())
    assert set(hook_params.PARAMS) == set(procedures.HOOKS)
    for name in procedures.HOOKS:
        assert hooks.implementation(name) is not None, name
    for definition in procedures.shipped().values():
        for name in definition.hooks():
            assert isinstance(definition.params(name), hook_params.PARAMS[name]), (definition, name)
    discussion = procedures.get("penalty_general").params("collective_discussion_gate")
    assert isinstance(discussion, hook_params.CollectiveDiscussionParams)
    assert discussion.min_participants == 3  # 行政处罚法第五十七条: the minutes name the heads


def test_start_modes_are_the_case_start_modes_and_emergency_needs_its_forms__R9() -> None:
    for definition in procedures.shipped().values():
        assert set(definition.start_modes) <= set(Case.StartMode.values), definition.slug
        emergency = Case.StartMode.EMERGENCY in definition.start_modes
        assert emergency == (definition.emergency_start is not None), definition.slug


# --- an open case keeps its version (ADR 0005) ---------------------------------------------------

SIMPLE_TO_ARCHIVE = ["notify_on_spot", "decide_on_spot", "file_with_agency", "archive", ""]


def _ship_amended_simple_procedure(directory: Path) -> None:
    """A new version of the simple procedure: the hearing on the spot gets a new step id."""
    shutil.copytree(PROCEDURES_DIR, directory)
    path = directory / "penalty_simple.toml"
    text = path.read_text(encoding="utf-8").replace("notify_on_spot", "hear_on_spot")
    path.write_text(
        text.replace("当场告知并听取陈述申辩", "当场告知、听取陈述申辩"), encoding="utf-8"
    )


def test_an_open_case_keeps_running_under_its_version_after_a_new_one_ships(
    desk: Desk, settings: Any, tmp_path: Path
) -> None:
    old_case = start(desk, "penalty_simple")
    old = procedures.get("penalty_simple")
    assert old_case.procedure_version_id == old.digest
    stored = ProcedureVersion.objects.get(digest=old.digest)
    assert (
        parse_definition(json.loads(stored.text), source="penalty_simple.toml").digest == old.digest
    )

    _ship_amended_simple_procedure(tmp_path / "procedures")
    settings.ZHIFA_PROCEDURES_DIR = str(tmp_path / "procedures")
    new = procedures.get("penalty_simple")
    assert new.digest != old.digest and "hear_on_spot" in {s.id for s in new.steps}

    # the open case still follows the old steps, to the end
    old_case.refresh_from_db()
    assert [s.id for s in selectors.next_steps(old_case)] == ["notify_on_spot"]
    archived = walk(desk, old_case, SIMPLE_TO_ARCHIVE)
    assert archived.is_archived
    assert list(archived.steps.values_list("step_id", flat=True))[:2] == [
        "identify",
        "notify_on_spot",
    ]

    # a new case follows the new ones and is refused the old way
    new_case = start(desk, "penalty_simple")
    assert new_case.procedure_version_id == new.digest
    assert [s.id for s in selectors.next_steps(new_case)] == ["hear_on_spot"]
    with pytest.raises(ValidationFailed) as caught:
        walk(desk, new_case, ["notify_on_spot"])
    assert caught.value.code == "step_not_allowed"
    walk(desk, new_case, ["hear_on_spot"])
    assert selectors.step_of(new_case, "hear_on_spot").name == "当场告知、听取陈述申辩"
    assert ProcedureVersion.objects.filter(slug="penalty_simple").count() == 2


def test_a_case_from_before_versions_were_kept_follows_the_shipped_definition(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    Case.objects.filter(pk=case.pk).update(procedure_version=None)
    case.refresh_from_db()
    assert selectors.definition_of(case) is procedures.get("penalty_general")
    assert rules.definition_of(case.steps.get()) is procedures.get("penalty_general")
