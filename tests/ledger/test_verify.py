"""``zhifa ledger verify`` catches every kind of tampering and names the culprit, even when the
attacker dropped the append-only triggers first (记录办法 第三十八条; R-34, O-6)."""

from __future__ import annotations

import hashlib
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings

from zhifa.ledger import blobs, keys, merkle, note, verify
from zhifa.ledger.models import Checkpoint, LedgerEvent
from zhifa.ledger.services import (
    checkpoint_sign,
    leaf_data,
    ledger_append,
    mirror_checkpoints,
)
from zhifa.ledger.verify import verify_ledger
from zhifa.org.models import Government

from .conftest import (
    government_create,
    government_delete,
    government_update,
    make_log,
    raw,
    rewrite_history,
)


def _codes(report: object) -> set[str]:
    return {problem.code for problem in report.problems}  # type: ignore[attr-defined]


def _run_verify(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("ledger", "verify", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def test_untouched_ledger_verifies__R34() -> None:
    governments = make_log(6)
    government_update(government=governments[2], phone="0439-1")
    government_delete(government=governments[5], reason="重复录入")
    checkpoint_sign()
    code, output = _run_verify()
    assert code == 0, output
    assert "账本完整" in output


def test_text_that_json_must_escape_verifies__R34() -> None:
    government = government_create(actor='token:"引号\\反斜杠\n', name="转义乡")
    government_update(actor="token:\u2028行分隔", government=government, phone="1")
    checkpoint_sign()
    assert verify_ledger().problems == []


def test_edited_event_is_named__R34(attacker: None) -> None:
    make_log(5)
    checkpoint_sign()
    raw("UPDATE ledger_ledgerevent SET actor = %s WHERE seq = 3", ["user:1"])
    code, output = _run_verify()
    assert code == 1
    report = verify_ledger()
    altered = [p for p in report.problems if p.code == "event_altered"]
    assert [p.event for p in altered] == [3]
    assert "[event_altered] 事件 #3" in output


def test_edited_event_with_recomputed_leaf_hash_still_breaks_the_signed_root__R34(
    attacker: None,
) -> None:
    make_log(5)
    checkpoint_sign()
    event = LedgerEvent.objects.get(seq=1)
    event.actor = "user:1"
    forged = hashlib.sha256(b"\x00" + leaf_data(event)).hexdigest()
    raw("UPDATE ledger_ledgerevent SET actor = 'user:1', leaf_hash = %s WHERE seq = 1", [forged])
    codes = _codes(verify_ledger())
    assert {"node_altered", "checkpoint_root"} <= codes


def test_deleted_event_is_named__R34(attacker: None) -> None:
    make_log(6)
    checkpoint_sign()
    raw("DELETE FROM ledger_version WHERE event_id = 2")
    raw("DELETE FROM ledger_ledgerevent WHERE seq = 2")
    report = verify_ledger()
    missing = [p for p in report.problems if p.code == "event_missing"]
    assert [p.event for p in missing] == [2]
    assert "checkpoint_root" in _codes(report)


def test_swapped_events_are_named__R34(attacker: None) -> None:
    make_log(6)
    checkpoint_sign()
    # Exchange the order of events 1 and 4 (their sequence numbers), rows otherwise intact.
    raw("UPDATE ledger_version SET event_id = -1 WHERE event_id = 1")
    raw("UPDATE ledger_ledgerevent SET seq = -1 WHERE seq = 1")
    raw("UPDATE ledger_version SET event_id = 1 WHERE event_id = 4")
    raw("UPDATE ledger_ledgerevent SET seq = 1 WHERE seq = 4")
    raw("UPDATE ledger_version SET event_id = 4 WHERE event_id = -1")
    raw("UPDATE ledger_ledgerevent SET seq = 4 WHERE seq = -1")
    report = verify_ledger()
    altered = sorted(p.event for p in report.problems if p.code == "event_altered")
    assert altered == [1, 4]


def test_truncated_log_is_caught_by_the_checkpoints__R34(attacker: None) -> None:
    make_log(8)
    checkpoint_sign()
    mirror_checkpoints()
    # The attacker removes the last three events and their nodes, and deletes the database's
    # checkpoints too: the mirrored checkpoint still holds the truth.
    raw("DELETE FROM ledger_version WHERE event_id >= 5")
    raw("DELETE FROM ledger_ledgerevent WHERE seq >= 5")
    raw("DELETE FROM ledger_ledgernode WHERE id >= %s", [merkle.node_count(5)])
    raw("DELETE FROM ledger_checkpoint")
    report = verify_ledger()
    codes = _codes(report)
    assert "log_truncated" in codes and "checkpoint_missing" in codes
    assert "head_mismatch" in codes
    truncated = next(p for p in report.problems if p.code == "log_truncated")
    assert truncated.event == 5 and "8" in truncated.message


def test_object_changed_outside_the_services_is_named__R34(attacker: None) -> None:
    governments = make_log(3)
    government_update(government=governments[1], phone="0439-1")
    Government.objects.filter(pk=governments[1].pk).update(phone="0439-9", address="改")
    report = verify_ledger()
    altered = [p for p in report.problems if p.code == "object_altered"]
    assert len(altered) == 1
    assert altered[0].object == f"org.government:{governments[1].pk}"
    assert altered[0].event == 3
    assert "address" in altered[0].message and "phone" in altered[0].message


def test_object_deleted_outside_the_services_is_named__R34() -> None:
    governments = make_log(3)
    government_delete(government=governments[0], reason="合并")  # recorded: fine
    Government.objects.filter(pk=governments[2].pk).delete()  # not recorded
    report = verify_ledger()
    assert [(p.code, p.object, p.event) for p in report.problems] == [
        ("object_deleted", f"org.government:{governments[2].pk}", 2)
    ]


def test_row_created_outside_the_services_is_named__O6() -> None:
    make_log(2)
    stray = Government.objects.create(name="无记录", level="township")
    report = verify_ledger()
    assert [(p.code, p.object) for p in report.problems] == [
        ("object_unrecorded", f"org.government:{stray.pk}")
    ]


def test_altered_tree_node_is_named__R34(attacker: None) -> None:
    make_log(8)
    raw(
        "UPDATE ledger_ledgernode SET hash = %s WHERE id = %s", [b"\x00" * 32, merkle.node_id(2, 1)]
    )
    report = verify_ledger()
    altered = [p for p in report.problems if p.code == "node_altered"]
    assert len(altered) == 1 and "[4, 8)" in altered[0].message


def test_forged_checkpoint_signature_is_named__R34(attacker: None) -> None:
    make_log(3)
    checkpoint = checkpoint_sign()
    assert checkpoint is not None
    forged = checkpoint.note.replace(checkpoint.note.split("\n")[2], "A" * 43 + "=")
    raw("UPDATE ledger_checkpoint SET note = %s", [forged])
    assert "checkpoint_signature" in _codes(verify_ledger())


def test_flipped_bit_in_a_blob_is_named__R34(tmp_path: Path) -> None:
    store = blobs.ContentAddressedFolder(tmp_path / "blobs", name="测试存储")
    data = b"\x89PNG audio-visual record " * 100
    sha = store.put(data)
    with blobs.registered(store):
        government = government_create(name="存证乡")
        government_update(government=government, phone="1")
        # The write that stored the file records its hash (as the evidence store does).
        with transaction.atomic():
            ledger_append(
                actor="system", action="org.government.attach", obj=government, blob_sha256=sha
            )
        clean = verify_ledger(blobs=True)
        assert clean.problems == [] and clean.blobs == 1
        path = store.path_for(sha)
        path.chmod(0o600)
        flipped = bytearray(path.read_bytes())
        flipped[10] ^= 0x01
        path.write_bytes(bytes(flipped))
        report = verify_ledger(blobs=True)
        assert [(p.code, p.event) for p in report.problems] == [("blob_altered", 2)]
        assert str(path) in report.problems[0].message
        assert verify_ledger(blobs=False).problems == []  # only --blobs reads the files
        code, output = _run_verify("--blobs")
        assert code == 1 and "[blob_altered] 事件 #2" in output


def test_missing_blob_and_unrecorded_blob_are_named__R34(tmp_path: Path) -> None:
    store = blobs.ContentAddressedFolder(tmp_path / "blobs")
    recorded = store.put(b"recorded")
    stray = store.put(b"never recorded")
    government = government_create(name="乡")
    with transaction.atomic():
        ledger_append(
            actor="system", action="org.government.attach", obj=government, blob_sha256=recorded
        )
    store.path_for(recorded).unlink()
    with blobs.registered(store):
        report = verify_ledger(blobs=True)
    assert sorted((p.code, p.event) for p in report.problems) == [
        ("blob_missing", 1),
        ("blob_unrecorded", None),
    ]
    unrecorded = next(p for p in report.problems if p.code == "blob_unrecorded")
    assert str(store.path_for(stray)) in unrecorded.message


@pytest.mark.parametrize("mirror_state", ["deleted_from_db", "rewritten"])
def test_mirror_keeps_the_database_honest__R34(attacker: None, mirror_state: str) -> None:
    make_log(4)
    first = checkpoint_sign()
    mirror_checkpoints()
    assert first is not None
    if mirror_state == "deleted_from_db":
        raw("DELETE FROM ledger_checkpoint")
        assert "checkpoint_missing" in _codes(verify_ledger())
    else:
        # Rewrite history consistently inside the database (event, leaf, nodes, checkpoint re-
        # signed with the real key): only the mirror can tell.
        root = rewrite_history(0, "user:7")
        signed = note.sign(
            note.Checkpoint(keys.origin(), 4, root).text(), keys.origin(), keys.signing_key()
        )
        raw("UPDATE ledger_checkpoint SET note = %s, root_hash = %s", [signed, root.hex()])
        report = verify_ledger()
        assert _codes(report) == {"checkpoint_rewritten", "checkpoint_root"}
        assert Checkpoint.objects.get().root_hash == root.hex()


def test_command_prints_a_line_per_problem_and_exits_1__R34(attacker: None) -> None:
    governments = make_log(4)
    raw("UPDATE ledger_ledgerevent SET action = 'org.government.delete' WHERE seq = 1")
    Government.objects.filter(pk=governments[3].pk).update(name="改名")
    code, output = _run_verify()
    assert code == 1
    lines = [line for line in output.splitlines() if line.startswith("[")]
    assert any(line.startswith("[event_altered] 事件 #1") for line in lines)
    assert any(
        line.startswith(f"[object_altered] 事件 #3 对象 org.government:{governments[3].pk}")
        for line in lines
    )


@override_settings(LEDGER_MIRROR_DIR="")
def test_verify_without_mirror_still_checks_the_database__R34() -> None:
    make_log(2)
    checkpoint_sign()
    assert verify_ledger().problems == []


def test_paging_holds_across_pages_and_gaps_wider_than_a_page__R34(
    attacker: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verify reads the events in bounded pages of sequence numbers: with pages of 2, an intact
    log of 9 still verifies; a deleted run of 5 events (two whole pages) is named once, from its
    first number; an event moved far beyond the end is still read and named."""
    monkeypatch.setattr(verify, "PAGE", 2)
    make_log(9)
    checkpoint_sign()
    clean = verify_ledger()
    assert clean.problems == [] and clean.events == 9 and clean.nodes == merkle.node_count(9)

    raw("DELETE FROM ledger_version WHERE event_id >= 2 AND event_id < 7")
    raw("DELETE FROM ledger_ledgerevent WHERE seq >= 2 AND seq < 7")
    raw("UPDATE ledger_version SET event_id = 1000000 WHERE event_id = 8")
    raw("UPDATE ledger_ledgerevent SET seq = 1000000 WHERE seq = 8")
    report = verify_ledger()
    missing = [(p.event, p.message) for p in report.problems if p.code == "event_missing"]
    assert [event for event, _message in missing] == [2, 8]
    assert "2 至 6" in missing[0][1] and "8 至 999999" in missing[1][1]
    moved = [p.event for p in report.problems if p.code == "event_altered"]
    assert moved == [1000000]  # read although 999 991 numbers lie between it and the rest
    assert "checkpoint_root" in _codes(report)
