"""Stable errors (issue 9): every refusal of the case engine and the outbox passes a code from
its app's enum, so the API's ``code`` does not depend on a message or on a default."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import zhifa
from zhifa.cases.errors import Code
from zhifa.notices.errors import Code as NoticesCode

SRC = Path(zhifa.__file__).parent
ERRORS = {"DomainError", "ValidationFailed", "PermissionDenied", "NotFound", "Conflict"}
CHECKED = {
    "cases": [
        SRC / "cases" / "access.py",
        SRC / "cases" / "selectors.py",
        SRC / "cases" / "tick.py",
        *sorted((SRC / "cases" / "services").glob("*.py")),
    ],
    "notices": sorted((SRC / "notices").glob("*.py")),
}
ENUMS = {"cases": Code, "notices": NoticesCode}


def _raises(path: Path) -> list[tuple[int, ast.Call]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            func = node.exc.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in ERRORS:
                out.append((node.lineno, node.exc))
    return out


@pytest.mark.parametrize("app", sorted(CHECKED))
def test_every_refusal_passes_a_code_of_its_apps_enum(app: str) -> None:
    enum = ENUMS[app]
    missing = []
    count = 0
    for path in CHECKED[app]:
        for line, call in _raises(path):
            count += 1
            code = next((k.value for k in call.keywords if k.arg == "code"), None)
            ok = (
                isinstance(code, ast.Attribute)
                and isinstance(code.value, ast.Name)
                and code.value.id == "Code"
                and code.attr in enum.__members__
            )
            if not ok:
                missing.append(f"{path.relative_to(SRC)}:{line}")
    assert count and missing == []


def test_the_codes_are_unique_and_keep_their_published_values() -> None:
    assert len({c.value for c in Code}) == len(Code)
    published = {
        "case_archived",
        "too_few_officers",
        "complaint_required",
        "minor_needs_guardian",
        "calendar_year_unknown",
        "party_period_running",
        "step_incomplete",
        "step_not_allowed",
        "step_closed",
        "approval_out_of_order",
        "same_approver",
        "invalid_record",
        "invalid_signatures",
        "actor_required",
        "agency_unknown",
        "officer_unknown",
        "power_unknown",
        "unit_unknown",
        "staff_only",
    }
    assert published <= {c.value for c in Code}
