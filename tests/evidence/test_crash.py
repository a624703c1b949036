"""Crash safety (R-34): a worker killed with SIGKILL at random moments during 50 uploads (25 in
``make test``, 50 in ``make test-deep``) leaves no row pointing to a missing or short file and no
partial file registered; retrying each upload finishes it correctly."""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.budget import budget
from tests.evidence.conftest import mp4_bytes
from tests.evidence.serverproc import Gunicorn, connect, prepare, scratch_database, server_env
from tests.evidence.tusclient import TusClient

# The gate's 25 uploads take about 6 s and see about 20 kills (at least 10 are asserted), each at a
# random moment of an upload; make test-deep runs the 50 of the requirement's wording.
UPLOADS = budget(gate=25, deep=50)
CHUNK = 128 * 1024


def _resume(client: TusClient, path: str, data: bytes) -> None:
    """Drive one upload to its end through dropped connections and restarted workers."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            head = client.head(path)
            if head.status != 200:
                raise AssertionError(f"HEAD {head.status}")
            offset = int(head.headers["upload-offset"])
            if offset >= len(data) and "zhifa-evidence-id" in head.headers:
                return
            reply = client.patch(path, offset, data[offset : offset + CHUNK])
            if reply.status not in (204, 409, 423):
                raise AssertionError(f"PATCH {reply.status} {reply.body[:300]!r}")
        except (ConnectionError, OSError, http_client_errors()):
            time.sleep(0.05)
    raise AssertionError("upload did not finish")


def http_client_errors() -> type[Exception]:
    import http.client

    return http.client.HTTPException


@pytest.mark.slow
def test_sigkill_during_uploads_leaves_nothing_partial_and_retries_finish__R34(
    tmp_path: Path,
) -> None:
    with scratch_database() as database_url:
        _crash_run(tmp_path / "data", database_url)


def _crash_run(data_dir: Path, database_url: str) -> None:
    env = server_env(data_dir, database_url)
    headers = prepare(env)
    server = Gunicorn(env)
    rng = random.Random(20261127)
    files = [mp4_bytes(rng.randint(100_000, 700_000), seed=i) for i in range(UPLOADS)]
    stop = threading.Event()
    kills = 0

    def killer() -> None:
        nonlocal kills
        while not stop.wait(rng.uniform(0.05, 0.5)):
            if server.kill_a_worker():
                kills += 1

    client = TusClient(server.url, headers=headers, timeout=10)
    paths: list[str] = []
    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    try:  # the server is stopped however the uploads end (a failed one left it running)
        try:
            for data in files:
                while True:
                    try:
                        created = client.create(len(data), {"kind": "video", "captured_at": _now()})
                        if created.status == 201:
                            break
                    except (ConnectionError, OSError, http_client_errors()):
                        pass
                    time.sleep(0.05)
                paths.append(TusClient.path_of(created))
                _resume(client, paths[-1], data)
        finally:
            stop.set()
            thread.join()
        # Retries after the killing stopped: every upload answers complete, with its evidence.
        for path, data in zip(paths, files, strict=True):
            _resume(client, path, data)
    finally:
        server.stop()
    assert kills >= 10, kills  # the workers really died, many times, mid-upload

    with connect(data_dir, database_url) as db:
        _check_store(db, data_dir, files)
    # The ledger, its tree and every stored file agree after all the kills.
    verify = subprocess.run(
        [sys.executable, "-m", "zhifa", "ledger", "verify", "--blobs"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr


def _check_store(db: Any, data_dir: Path, files: list[bytes]) -> None:
    blobs_root = data_dir / "evidence" / "blobs"
    rows = db.execute("SELECT sha256, size FROM evidence_blob").fetchall()
    broken = []
    for sha256, size in rows:
        path = blobs_root / sha256[:2] / sha256
        intact = path.exists() and path.stat().st_size == size
        if not intact or hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
            broken.append(sha256)
    assert broken == []
    expected = sorted(hashlib.sha256(data).hexdigest() for data in files)
    registered = sorted(
        sha for (sha,) in db.execute("SELECT blob_id FROM evidence_evidence").fetchall()
    )
    assert registered == expected  # exactly one evidence row per upload, none partial
    states = dict(
        db.execute("SELECT state, COUNT(*) FROM evidence_upload GROUP BY state").fetchall()
    )
    assert states["registered"] == UPLOADS
    # A creation whose answer was lost to a kill leaves an empty session the client never used:
    # it holds no evidence and expires (the sweep removes its staging file).
    assert set(states) <= {"registered", "receiving"}
    assert db.execute(
        "SELECT COUNT(*) FROM evidence_upload"
        " WHERE state != 'registered' AND evidence_id IS NOT NULL"
    ).fetchone() == (0,)


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat()
