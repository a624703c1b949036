"""The standalone auditor, run against a live server over real HTTP (R-34, O-6)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from zhifa.ledger import audit, dbguard, keys, merkle, note
from zhifa.ledger.models import Checkpoint
from zhifa.ledger.services import checkpoint_sign

from .conftest import make_log, rewrite_history

pytestmark = pytest.mark.django_db(transaction=True)


def test_auditor_uses_only_the_standard_library_and_cryptography__R34() -> None:
    code = (
        "import sys, zhifa.ledger.audit\n"
        "roots = {'django', 'ninja', 'pydantic'}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in roots)\n"
        "print(bad)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_auditor_follows_the_log_and_catches_a_rewrite__R34(
    live_server: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state_path = tmp_path / "state.json"
    make_log(5)
    checkpoint_sign()
    state = audit.audit(live_server.url, state_path)
    assert state.size == 5
    saved = json.loads(state_path.read_text())
    assert saved["key"] == keys.verifier_key() and saved["size"] == 5

    # The log grows: the second run downloads only the new entries and proves consistency.
    make_log(3, prefix="后")
    checkpoint_sign()
    assert audit.main([live_server.url, "--state", str(state_path)]) == 0
    assert "8 条记录" in capsys.readouterr().out
    assert json.loads(state_path.read_text())["size"] == 8

    # Whoever controls the database rewrites event 2 and everything above it, appends one more
    # event and signs the rewritten tree with the government's own key.
    dbguard.uninstall(connection)
    make_log(1, prefix="再")
    root = rewrite_history(2, "user:66")
    body = note.Checkpoint(keys.origin(), 9, root).text()
    Checkpoint.objects.create(
        size=9,
        root_hash=root.hex(),
        note=note.sign(body, keys.origin(), keys.signing_key()),
        signed_at=Checkpoint.objects.get(size=8).signed_at,
    )
    dbguard.install(connection)
    with pytest.raises(audit.AuditFailure, match="根哈希"):
        audit.audit(live_server.url, state_path)
    assert audit.main([live_server.url, "--state", str(state_path)]) == 1
    assert "核验失败" in capsys.readouterr().err
    # A fresh auditor with no memory would accept the rewritten log: the kept state is the proof.
    fresh = audit.audit(live_server.url, tmp_path / "fresh.json")
    assert fresh.size == 9 and fresh.root == root
    assert json.loads(state_path.read_text())["size"] == 8  # the failed run saved nothing


def test_auditor_refuses_a_changed_key_and_a_shrunk_log__R34(
    live_server: Any, tmp_path: Path
) -> None:
    state_path = tmp_path / "state.json"
    make_log(3)
    checkpoint_sign()
    audit.audit(live_server.url, state_path)
    other = "someone.else/ledger+01020304+AQ" + "A" * 42 + "="
    with pytest.raises(audit.AuditFailure, match="公钥"):
        audit.audit(live_server.url, tmp_path / "other.json", pinned_key=other)
    saved = json.loads(state_path.read_text())
    saved["size"] = 10
    frontier = [merkle.leaf_hash(b"x")] * 2  # two set bits of 10
    saved["frontier"] = [base64.b64encode(item).decode() for item in frontier]
    saved["root"] = base64.b64encode(merkle.frontier_root(frontier)).decode()
    state_path.write_text(json.dumps(saved))
    with pytest.raises(audit.AuditFailure, match="减少"):
        audit.audit(live_server.url, state_path)


def test_api_base_accepts_site_or_api_urls__R34() -> None:
    assert audit.api_base("https://a.example/") == "https://a.example/api/v1/ledger/"
    assert audit.api_base("https://a.example/api/v1/ledger") == "https://a.example/api/v1/ledger/"
    with pytest.raises(audit.AuditFailure):
        audit.api_base("file:///etc/passwd")
