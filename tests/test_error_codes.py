"""Stable errors (issue 9, part 5): every ``DomainError`` is raised with a code from its app's
``Code`` enum, and ``docs/api-errors.md`` lists every code.

Rewrite the list after changing an enum: ``python tests/test_error_codes.py``.
"""

from __future__ import annotations

import ast
import importlib
import sys
from enum import StrEnum
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "zhifa"
DOC = ROOT / "docs" / "api-errors.md"

# The apps with a ``Code`` enum, in the order the list shows them.
APPS = (
    "core",
    "calendars",
    "ledger",
    "accounts",
    "org",
    "evidence",
    "catalogue",
    "portal",
    "notices",
    "cases",
    "apikit",
)

# Files exempt from the code rule: none (every app and API module passes enum codes).
NOT_YET: dict[str, str] = {}


def _excluded(relative: str) -> bool:
    return any(
        relative.startswith(prefix) or relative.endswith("/" + prefix) or relative == prefix
        for prefix in NOT_YET
    )


def _classes() -> tuple[set[str], set[str]]:
    """The names of the ``DomainError`` classes, and those among them whose own ``__init__``
    passes the code itself."""
    parents: dict[str, set[str]] = {}
    self_coded: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            parents.setdefault(node.name, set()).update(
                base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
                for base in node.bases
            )
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    for call in ast.walk(item):
                        if isinstance(call, ast.Call) and any(
                            keyword.arg == "code" for keyword in call.keywords
                        ):
                            self_coded.add(node.name)
    family = {"DomainError"}
    grown = True
    while grown:
        grown = False
        for name, bases in parents.items():
            if name not in family and bases & family:
                family.add(name)
                grown = True
    return family, self_coded


def _callee(call: ast.Call) -> str:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return ""


def test_every_domain_error_is_raised_with_a_code_from_its_apps_enum() -> None:
    """A ``DomainError`` (of any class) is built with ``code=`` — a ``Code`` member, never a bare
    string, never left to the class's default."""
    family, self_coded = _classes()
    problems: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if "/migrations/" in relative or _excluded(relative):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = _callee(node)
            if name not in family or name in self_coded:
                continue
            code = next((k.value for k in node.keywords if k.arg == "code"), None)
            if code is None:
                problems.append(f"{relative}:{node.lineno} {name}(…) without code=")
            elif isinstance(code, ast.Constant):
                problems.append(f"{relative}:{node.lineno} {name}(code={code.value!r}): a string")
    assert problems == [], problems


def _enums() -> list[tuple[str, type[StrEnum]]]:
    enums = []
    for app in APPS:
        module = importlib.import_module(
            "zhifa.core.errors" if app == "core" else f"zhifa.{app}.errors"
        )
        enums.append((module.__name__, module.Code))
    return enums


def render() -> str:
    lines = [
        "# API error codes",
        "",
        'Every refusal of the API is `{"code", "message", "detail"}`; `code` is stable and is',
        "one of the values below (each app's `Code` enum). The message is Chinese and may change;",
        "`detail` names fields or values where it helps. This page is generated from the enums:",
        "`python tests/test_error_codes.py` rewrites it, and `tests/test_error_codes.py` fails",
        "while it differs.",
    ]
    for module, enum in _enums():
        lines += ["", f"## `{module}.Code`", "", "| code |", "| --- |"]
        lines += [f"| `{member.value}` |" for member in enum]
    return "\n".join(lines) + "\n"


def test_the_error_list_in_the_docs_is_the_enums() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "run: python tests/test_error_codes.py"


def test_an_enum_code_reaches_the_api_as_its_plain_value() -> None:
    from zhifa.core.errors import Code, NotFound

    error = NotFound("没有", code=Code.NOT_FOUND)
    assert error.as_dict()["code"] == "not_found"
    assert type(error.code) is str


if __name__ == "__main__":
    import os

    import django

    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhifa.settings")
    django.setup()
    DOC.write_text(render(), encoding="utf-8")
