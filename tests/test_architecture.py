"""The architecture map is the import-linter contracts in ``pyproject.toml`` (``make lint`` runs
``lint-imports``): this proves the lint catches a forbidden import, and that the tree keeps them.
"""

from __future__ import annotations

import os
import shutil
import subprocess  # nosec B404 - runs the project's own linter
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` over the ``src`` tree under ``root`` with its ``pyproject.toml``."""
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    return subprocess.run(  # nosec B603 - fixed arguments
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _copy(tmp_path: Path) -> Path:
    copy = tmp_path / "tree"
    shutil.copytree(
        ROOT / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def test_the_tree_keeps_every_contract() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_kernel_module_importing_an_app_breaks_the_kernel_contract(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    clock = copy / "src" / "zhifa" / "core" / "clock.py"
    clock.write_text(clock.read_text(encoding="utf-8") + "\nimport zhifa.cases  # planted\n")
    result = _lint(copy)
    assert result.returncode != 0
    assert "core imports no app BROKEN" in result.stdout
    assert "zhifa.core.clock -> zhifa.cases" in result.stdout


def test_the_ledger_importing_accounts_breaks_the_ledger_contract_and_the_layers(
    tmp_path: Path,
) -> None:
    copy = _copy(tmp_path)
    canonical = copy / "src" / "zhifa" / "ledger" / "canonical.py"
    canonical.write_text(
        canonical.read_text(encoding="utf-8") + "\nfrom zhifa.accounts import actors  # planted\n"
    )
    result = _lint(copy)
    assert result.returncode != 0
    assert "the ledger imports only core BROKEN" in result.stdout
    assert "no cycles between apps) BROKEN" in result.stdout
