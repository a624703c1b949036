"""One way to say who acts (issue 9, part 1): the ``Actor`` type, its ``SYSTEM`` value and the one
ledger label; no service takes ``actor: Any``, ``None`` or the string ``"system"``."""

from __future__ import annotations

import ast
from pathlib import Path

from zhifa.accounts import services
from zhifa.accounts.actors import SYSTEM, SystemActor, actor_label, is_system
from zhifa.accounts.models import User

from .support import make_user

SRC = Path(__file__).resolve().parents[2] / "src" / "zhifa"


def test_the_ledger_labels_are_user_id_token_prefix_and_system__O6() -> None:
    admin = make_user("sys.admin", admin_role=User.AdminRole.SYSTEM)
    token, _plain = services.token_create(
        actor=admin, name="上级平台", agency=None, scopes=["org:read"]
    )
    assert actor_label(admin) == f"user:{admin.pk}"
    assert actor_label(token) == f"token:{token.prefix}"
    assert actor_label(SYSTEM) == "system"


def test_there_is_one_system_actor__O6() -> None:
    assert SystemActor() == SYSTEM
    assert is_system(SYSTEM)
    assert not is_system("system")
    assert not is_system(None)
    assert str(SYSTEM) == "system"


def _sources() -> list[Path]:
    return [path for path in sorted(SRC.rglob("*.py")) if "migrations" not in path.parts]


def _annotation(node: ast.arg) -> str:
    return ast.unparse(node.annotation) if node.annotation is not None else ""


def _allowed(where: Path, function: str) -> set[str]:
    """``Actor`` everywhere (``User`` where only a person can act); the ledger's own functions
    take the label (``str``); ``is_system``/``is_token`` answer for anything."""
    if where.parts[0] == "ledger":
        return {"str"}
    if function in {"is_system", "is_token"}:
        return {"object"}
    return {"Actor", "User"}


def test_no_service_takes_an_untyped_actor_none_or_the_string_system() -> None:
    """Every ``actor`` parameter is an ``Actor`` (the ledger's own takes the label, a ``str``);
    no call passes ``actor=None`` or ``actor="…"``."""
    problems: list[str] = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(SRC)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                arguments = node.args.args + node.args.kwonlyargs + node.args.posonlyargs
                for argument in arguments:
                    if argument.arg != "actor":
                        continue
                    annotation = _annotation(argument)
                    if annotation not in _allowed(where, node.name):
                        problems.append(f"{where}:{node.lineno} {node.name}(actor: {annotation})")
            elif isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "actor" and isinstance(keyword.value, ast.Constant):
                        problems.append(f"{where}:{node.lineno} actor={keyword.value.value!r}")
    assert problems == []
