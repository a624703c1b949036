"""`zhifa check --deploy` is clean with production settings; secrets never come from the repo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _zhifa(
    args: list[str], env_extra: dict[str, str], tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIFA_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)
    env.update({"ZHIFA_DATA_DIR": str(tmp_path / "data"), **env_extra})
    return subprocess.run(
        [sys.executable, "-m", "zhifa", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = _zhifa(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {"ZHIFA_HTTPS": "1", "ZHIFA_ALLOWED_HOSTS": "zhifa.example.gov.cn"},
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_secret_key_is_generated_once_into_the_data_folder(tmp_path: Path) -> None:
    script = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = _zhifa(["shell", "--no-imports", "-c", script], {}, tmp_path)
    second = _zhifa(["shell", "--no-imports", "-c", script], {}, tmp_path)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "data" / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert first.stdout.strip() == second.stdout.strip() == key_file.read_text().strip()
    assert len(first.stdout.strip()) >= 50
