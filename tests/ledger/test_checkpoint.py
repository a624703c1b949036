"""Signed checkpoints: C2SP tlog-checkpoint in a signed note, never two inconsistent ones, every
one kept and mirrored out of the database; ``zhifa tick`` signs when the tree grew (R-34, O-6)."""

from __future__ import annotations

import base64
import stat
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from zhifa.core import clock
from zhifa.core import tick as tick_command
from zhifa.ledger import keys, merkle, note
from zhifa.ledger.models import Checkpoint, LedgerEvent, MirrorCursor
from zhifa.ledger.services import LedgerDamaged, checkpoint_sign, mirror_checkpoints

from .conftest import make_log, raw, rewrite_history


def _leaves() -> list[bytes]:
    return [
        bytes.fromhex(value)
        for value in LedgerEvent.objects.order_by("seq").values_list("leaf_hash", flat=True)
    ]


def test_checkpoint_is_a_signed_c2sp_tree_head__R34() -> None:
    make_log(5)
    with clock.frozen(datetime(2026, 12, 1, 9, 0, tzinfo=clock.CHINA)):
        checkpoint = checkpoint_sign()
    assert checkpoint is not None
    origin = settings.LEDGER_ORIGIN
    root = merkle.root(_leaves())
    body = f"{origin}\n5\n{base64.b64encode(root).decode()}\n"
    assert checkpoint.note.startswith(body + "\n— " + origin + " ")
    head = note.open_checkpoint(checkpoint.note, note.Verifier.parse(keys.verifier_key()))
    assert (head.origin, head.size, head.root) == (origin, 5, root)
    assert checkpoint.root_hash == root.hex()
    assert checkpoint.signed_at == datetime(2026, 12, 1, 9, 0, tzinfo=clock.CHINA)


def test_signing_key_is_generated_once_with_mode_0600__R34() -> None:
    first = keys.verifier_key()
    path = Path(settings.LEDGER_KEY_PATH)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.verifier_key() == first
    assert first.startswith(settings.LEDGER_ORIGIN + "+")


def test_no_new_checkpoint_until_the_tree_grows__R34() -> None:
    assert checkpoint_sign() is None  # an empty log has nothing to sign
    make_log(3)
    first = checkpoint_sign()
    assert first is not None and checkpoint_sign() is None
    make_log(2, prefix="后")
    second = checkpoint_sign()
    assert second is not None and second.size == 5
    assert list(Checkpoint.objects.values_list("size", flat=True)) == [3, 5]  # all kept


def test_log_refuses_to_sign_a_head_inconsistent_with_the_last_checkpoint__R34(
    attacker: None,
) -> None:
    make_log(4)
    checkpoint_sign()
    make_log(2, prefix="后")
    # Someone rewrites an old event with its leaf hash and every node above it: the stored tree
    # agrees with itself but no longer extends the signed one, and the log must not sign it.
    rewrite_history(1, "user:9")
    with pytest.raises(LedgerDamaged):
        checkpoint_sign()
    assert list(Checkpoint.objects.values_list("size", flat=True)) == [4]


def test_log_refuses_to_sign_when_new_events_were_altered__R34(attacker: None) -> None:
    make_log(4)
    checkpoint_sign()
    make_log(2, prefix="后")
    raw("UPDATE ledger_ledgerevent SET object_id = '999' WHERE seq = 5")
    with pytest.raises(LedgerDamaged):
        checkpoint_sign()
    assert Checkpoint.objects.count() == 1


def test_log_refuses_to_sign_behind_the_mirror__R34(attacker: None) -> None:
    """Truncating the database and its checkpoints does not make the log sign a shorter head
    while the mirror remembers the longer one."""
    make_log(6)
    checkpoint_sign()
    mirror_checkpoints()
    raw("DELETE FROM ledger_checkpoint")
    raw("DELETE FROM ledger_version WHERE event_id >= 4")
    raw("DELETE FROM ledger_ledgerevent WHERE seq >= 4")
    raw("DELETE FROM ledger_ledgernode WHERE id >= %s", [merkle.node_count(4)])
    raw("UPDATE ledger_ledgerhead SET size = 4, frontier = %s", [merkle.root(_leaves())])
    with pytest.raises(LedgerDamaged):
        checkpoint_sign()
    assert Checkpoint.objects.count() == 0


def test_checkpoints_are_mirrored_to_a_folder_once_each__R34() -> None:
    folder = Path(settings.LEDGER_MIRROR_DIR)
    make_log(2)
    first = checkpoint_sign()
    make_log(3, prefix="后")
    second = checkpoint_sign()
    assert first is not None and second is not None
    assert mirror_checkpoints() == 2
    assert mirror_checkpoints() == 0
    assert (folder / "checkpoint.2").read_text() == first.note
    assert (folder / "checkpoint.5").read_text() == second.note
    assert (folder / "checkpoint").read_text() == second.note
    assert MirrorCursor.objects.get(target=str(folder)).size == 5


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.received.append((self.headers["Content-Type"], self.rfile.read(length)))
        self.send_response(201)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[str]:
    _Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/checkpoints"
    server.shutdown()
    server.server_close()


def test_checkpoints_are_mirrored_to_a_url__R34(receiver: str) -> None:
    make_log(3)
    checkpoint = checkpoint_sign()
    assert checkpoint is not None
    assert mirror_checkpoints(receiver) == 1
    assert mirror_checkpoints(receiver) == 0
    assert _Receiver.received == [("text/plain; charset=utf-8", checkpoint.note.encode())]


def _tick(*args: str) -> str:
    out = StringIO()
    call_command("tick", *args, stdout=out)
    return out.getvalue()


def test_tick_signs_and_mirrors_when_the_tree_grew_and_is_idempotent__R34() -> None:
    make_log(3)
    output = _tick("--as-of", "2026-12-01T08:00")
    assert "ledger.checkpoint" in output
    checkpoint = Checkpoint.objects.get()
    assert checkpoint.size == 3
    assert checkpoint.signed_at == datetime(2026, 12, 1, 8, 0, tzinfo=clock.CHINA)
    assert (Path(settings.LEDGER_MIRROR_DIR) / "checkpoint.3").exists()
    assert _tick("--as-of", "2026-12-01T08:01") == ""
    assert Checkpoint.objects.count() == 1
    make_log(1, prefix="后")
    _tick("--as-of", "2026-12-01T08:02")
    assert list(Checkpoint.objects.values_list("size", flat=True)) == [3, 4]


def test_tick_runs_the_tasks_of_every_app_in_order__R34() -> None:
    tasks = tick_command.discover()
    assert [task.name for task in tasks][-1] == "ledger.checkpoint"
    assert all(isinstance(task, tick_command.TickTask) for task in tasks)


def test_second_tick_does_nothing_while_one_holds_the_lock__R34() -> None:
    """Another process's tick is played by a thread with its own database connection."""
    make_log(2)
    holding, release = threading.Event(), threading.Event()
    outcome: list[bool] = []

    def other_tick() -> None:
        try:
            with tick_command.tick_lock() as held:
                outcome.append(held)
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_tick)
    thread.start()
    try:
        assert holding.wait(30) and outcome == [True]
        assert "另一个 tick 正在运行" in _tick()
        assert Checkpoint.objects.count() == 0
    finally:
        release.set()
        thread.join()
    _tick()
    assert Checkpoint.objects.count() == 1


def test_tick_rejects_a_bad_time__R34() -> None:
    with pytest.raises(CommandError):
        _tick("--as-of", "明天")
    assert Checkpoint.objects.count() == 0


def test_ledger_checkpoint_command_prints_the_signed_note__R34() -> None:
    make_log(2)
    out = StringIO()
    call_command("ledger", "checkpoint", stdout=out)
    checkpoint = Checkpoint.objects.get()
    assert checkpoint.note in out.getvalue()
    out = StringIO()
    call_command("ledger", "key", stdout=out)
    assert out.getvalue().strip() == keys.verifier_key()
