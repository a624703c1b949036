"""The tampering suite: an attacker with the database's password and the file store drops the
append-only triggers and rewrites what the ledger keeps; ``zhifa ledger verify`` names every
attack with its problem code, never a traceback (记录办法 第三十八条; R-34, O-6).

The ledger is the Baishan demo (every app's services, about 1 100 events, evidence files),
loaded once for the module inside a transaction that is rolled back at its end. Each attack runs
in a savepoint of its own that is rolled back after verify has spoken (the dropped triggers with
it: SQLite and PostgreSQL both roll DDL back), on a private copy of the blob store and of the
mirror folder: a fresh copy of the demo ledger per attack, at the cost of a savepoint instead of
a copy of the database file.

Each attack says which problem codes verify must report, exactly: a code too many is a false
alarm, a code too few a blind spot.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models, transaction
from django.test import override_settings

from tests.sessions import verified_client
from zhifa.accounts.actors import SYSTEM
from zhifa.accounts.models import User
from zhifa.ledger import canonical, dbguard, keys, merkle, note
from zhifa.ledger.models import Checkpoint, LedgerEvent, LedgerHead, LedgerNode, Version
from zhifa.ledger.services import checkpoint_sign, leaf_data, mirror_checkpoints, snapshot_fields
from zhifa.ledger.verify import Report, verify_ledger
from zhifa.org import services as org_services
from zhifa.org.models import Agency

from .conftest import raw

# Every type of object the demo's services ledger. A new ledgered model joins this list (the
# first test fails until it does), and with it the three row attacks below.
LEDGERED_TYPES = [
    "accounts.roleassignment",
    "accounts.securityevent",
    "cases.approval",
    "cases.case",
    "cases.casedeadline",
    "cases.caseofficer",
    "cases.complaint",
    "cases.notification",
    "cases.party",
    "cases.procedureversion",
    "cases.record",
    "cases.stepevidence",
    "cases.steprun",
    "catalogue.discretionstandard",
    "catalogue.inspectionitem",
    "catalogue.legalarticle",
    "catalogue.legaldocument",
    "catalogue.power",
    "catalogue.powerbasis",
    "evidence.blob",
    "evidence.derivative",
    "evidence.device",
    "evidence.evidence",
    "org.agency",
    "org.certificate",
    "org.government",
    "org.group",
    "org.groupmembership",
    "org.officer",
    "org.person",
    "org.post",
    "org.unit",
]


@dataclass(frozen=True)
class Demo:
    root: Path
    evidence: Path
    mirror: Path
    checkpoint: int
    """The size of the latest checkpoint (events after it are not signed yet)."""


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[Demo]:
    root = tmp_path_factory.mktemp("tampering")
    evidence, mirror = root / "evidence", root / "mirror"
    with (
        django_db_blocker.unblock(),
        override_settings(
            EVIDENCE_ROOT=evidence, EVIDENCE_STORAGE="local", LEDGER_MIRROR_DIR=str(mirror)
        ),
        transaction.atomic(),
    ):
        call_command("demo", "load", stdout=StringIO())
        checkpoint_sign()
        # An agency changed after the first checkpoint (its first and last versions differ),
        # signed again, then one more change left unsigned.
        agency = Agency.objects.order_by("pk").first()
        assert agency is not None
        org_services.agency_update(
            actor=SYSTEM, agency=agency, reason="更正联系电话", phone="0439-5201314"
        )
        signed = checkpoint_sign()
        assert signed is not None
        mirror_checkpoints()
        org_services.agency_update(
            actor=SYSTEM, agency=agency, reason="更正地址", address="白山乡政府院内"
        )
        yield Demo(root, evidence, mirror, signed.size)
        transaction.set_rollback(True)


@pytest.fixture
def stores(demo: Demo, settings: Any, tmp_path: Path) -> Path:
    """A private copy of the evidence files and of the mirrored checkpoints for one attack."""
    evidence = tmp_path / "evidence"
    shutil.copytree(demo.evidence, evidence)
    for path in evidence.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)
    shutil.copytree(demo.mirror, settings.LEDGER_MIRROR_DIR)
    settings.EVIDENCE_ROOT = evidence
    settings.EVIDENCE_STORAGE = "local"
    return evidence


def attacked(attack: Callable[[], Any]) -> tuple[Report, str, Any]:
    """Run ``attack`` with the triggers dropped, then verify (with ``--blobs``) and the command;
    everything is rolled back afterwards."""
    with transaction.atomic():
        dbguard.uninstall(connection)
        target = attack()
        report = verify_ledger(blobs=True)
        out = StringIO()
        try:
            call_command("ledger", "verify", "--blobs", stdout=out)
        except CommandError as exc:
            assert exc.returncode == 1, out.getvalue()  # 2 would be a check that broke
        transaction.set_rollback(True)
    return report, out.getvalue(), target


def codes(report: Report) -> set[str]:
    return {problem.code for problem in report.problems}


# --- helpers an attacker would write ------------------------------------------------------------


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def live_object(object_type: str) -> tuple[type[models.Model], Any, str]:
    """A row of ``object_type`` that exists and whose last event is not a deletion: its model,
    key and label."""
    model = apps.get_model(object_type)
    ids = (
        LedgerEvent.objects.filter(object_type=object_type)
        .order_by("-seq")
        .values_list("object_id", flat=True)
    )
    for object_id in ids:
        pk = model._meta.pk.to_python(object_id)
        if model._base_manager.filter(pk=pk).exists():
            return model, pk, f"{object_type}:{object_id}"
    raise AssertionError(f"no live {object_type} in the demo")


def _changed(field: models.Field[Any, Any], value: Any) -> Any:
    if isinstance(field, models.BooleanField):
        return not value
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        return (date.fromisoformat(str(value)) + timedelta(days=1)).isoformat()
    if isinstance(field, models.IntegerField):
        return int(value) + 1
    return "篡改" if value != "篡改" else "改"


def _changeable(model: type[models.Model]) -> models.Field[Any, Any]:
    """The field an attacker edits: text first, then a flag, a number, a date (never the key or
    a reference, never a field left out of the snapshot)."""
    snapshot = set(snapshot_fields(model))
    candidates = [
        field
        for field in model._meta.concrete_fields
        if field.attname in snapshot and not field.primary_key and not field.is_relation
    ]
    for kind in (
        (models.CharField, models.TextField),
        (models.BooleanField,),
        (models.IntegerField,),
        (models.DateField,),
    ):
        for field in candidates:
            if isinstance(field, kind) and not isinstance(field, models.DateTimeField):
                return field
    raise AssertionError(f"nothing to change in {model._meta.label_lower}")


def change_a_field(object_type: str) -> str:
    model, pk, label = live_object(object_type)
    field = _changeable(model)
    with connection.cursor() as cursor:
        table, key = q(model._meta.db_table), q(model._meta.pk.column)
        cursor.execute(f"SELECT {q(field.column)} FROM {table} WHERE {key} = %s", [pk])
        value = cursor.fetchone()[0]
        cursor.execute(
            f"UPDATE {table} SET {q(field.column)} = %s WHERE {key} = %s",
            [_changed(field, value), pk],
        )
    return label


def delete_a_row(object_type: str) -> str:
    model, pk, label = live_object(object_type)
    raw(
        f"DELETE FROM {q(model._meta.db_table)} WHERE {q(model._meta.pk.column)} = %s",
        [pk],
    )
    return label


def _unique_columns(model: type[models.Model]) -> set[str]:
    """One column of every uniqueness rule, to make a copied row unique again."""
    columns = {f.column for f in model._meta.concrete_fields if f.unique and not f.primary_key}
    for constraint in model._meta.constraints:
        fields = getattr(constraint, "fields", ())
        if isinstance(constraint, models.UniqueConstraint) and fields:
            columns.add(model._meta.get_field(fields[-1]).column)
    return columns


def insert_a_row(object_type: str) -> str:
    """A copy of a live row under a new key, written past the services (no event)."""
    model, pk, _label = live_object(object_type)
    table, key = q(model._meta.db_table), model._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE {q(key.column)} = %s", [pk])
        columns = [column[0] for column in cursor.description]
        values = dict(zip(columns, cursor.fetchone(), strict=True))
    if isinstance(key, models.AutoField | models.BigAutoField):
        new_pk: Any = model._base_manager.aggregate(top=models.Max("pk"))["top"] + 1000
    else:  # a content address
        new_pk = hashlib.sha256(b"forged").hexdigest()
    values[key.column] = new_pk
    by_column = {field.column: field for field in model._meta.concrete_fields}
    for column in _unique_columns(model):
        field = by_column[column]
        if values[column] is None:
            continue
        if field.is_relation:
            values[column] = 10**9  # checked only at commit, which never comes
        elif isinstance(field, models.IntegerField):
            values[column] = int(values[column]) + 10**6
        else:
            values[column] = "伪" + str(values[column])[: (field.max_length or 100) - 1]
    raw(
        f"INSERT INTO {table} ({', '.join(q(c) for c in values)}) "
        f"VALUES ({', '.join(['%s'] * len(values))})",
        list(values.values()),
    )
    return f"{object_type}:{new_pk}"


# --- the clean demo and the list of ledgered types ---------------------------------------------


def test_the_untouched_demo_ledger_verifies_with_its_files_and_mirror__R34(stores: Path) -> None:
    report, output, _target = attacked(lambda: None)
    assert report.problems == [], report.lines()
    assert report.events == LedgerEvent.objects.count() > 1000
    assert report.versions == report.events and report.blobs > 30
    assert report.mirrored >= 2 and "账本完整" in output


def test_every_ledgered_type_is_attacked__O6() -> None:
    recorded = set(LedgerEvent.objects.values_list("object_type", flat=True).distinct())
    assert recorded == set(LEDGERED_TYPES)


# --- rows of every ledgered model ---------------------------------------------------------------

ROW_ATTACKS = {
    "change_a_field": (change_a_field, "object_altered"),
    "delete_the_row": (delete_a_row, "object_deleted"),
    "insert_a_row": (insert_a_row, "object_unrecorded"),
}


# A forged blob row names a file the store does not hold.
ROW_ATTACK_CONSEQUENCES = {("insert_a_row", "evidence.blob"): [("blob_missing", None)]}


@pytest.mark.parametrize("object_type", LEDGERED_TYPES)
@pytest.mark.parametrize("attack", list(ROW_ATTACKS))
def test_a_row_written_past_the_services_is_named__O6(
    stores: Path, attack: str, object_type: str
) -> None:
    run, code = ROW_ATTACKS[attack]
    report, output, label = attacked(lambda: run(object_type))
    expected = [(code, label)] + ROW_ATTACK_CONSEQUENCES.get((attack, object_type), [])
    assert [(p.code, p.object) for p in report.problems] == expected, report.lines()
    assert f"[{code}]" in output and label in output


# --- the ledger's own tables, the files, the mirror ---------------------------------------------


def _events_of(object_type: str, object_id: Any) -> list[int]:
    return list(
        LedgerEvent.objects.filter(object_type=object_type, object_id=str(object_id))
        .order_by("seq")
        .values_list("seq", flat=True)
    )


def _agency_seqs() -> list[int]:
    agency = Agency.objects.order_by("pk").first()
    assert agency is not None
    return _events_of("org.agency", agency.pk)


def _case_seqs() -> list[int]:
    """The events of the case with the most of them (first and last are different events)."""
    counts = models.Count("seq")
    top = (
        LedgerEvent.objects.filter(object_type="cases.case")
        .values("object_id")
        .annotate(n=counts)
        .order_by("-n", "object_id")
        .first()
    )
    assert top is not None and top["n"] > 2
    return _events_of("cases.case", top["object_id"])


def _rewrite_version(seq: int) -> None:
    content = Version.objects.get(event_id=seq).content
    name = "name" if "name" in content else "summary" if "summary" in content else "status"
    content[name] = "伪造的历史"
    Version.objects.filter(event_id=seq).update(content=content)


def _first_middle_event() -> int:
    """An event in the middle of the signed part of the log (not an object's last event)."""
    return _agency_seqs()[0]


def _set_event(column: str, value: Any, seq: int | None = None) -> None:
    raw(
        f"UPDATE ledger_ledgerevent SET {q(column)} = %s WHERE seq = %s",
        [value, _first_middle_event() if seq is None else seq],
    )


def _forge_leaf(seq: int, **changes: Any) -> None:
    """Change an event and recompute its leaf hash (not the nodes above it)."""
    event = LedgerEvent.objects.get(seq=seq)
    for name, value in changes.items():
        setattr(event, name, value)
    leaf = merkle.leaf_hash(leaf_data(event)).hex()
    LedgerEvent.objects.filter(seq=seq).update(leaf_hash=leaf, **changes)


def _rewrite_history_consistently(seq: int) -> None:
    """Version, event, leaf, every node and the head made to agree, the checkpoints re-signed
    with the real key: only the mirror still knows the truth."""
    _rewrite_version(seq)
    content = Version.objects.get(event_id=seq).content
    _forge_leaf(seq, content_sha256=hashlib.sha256(canonical.dumps(content)).hexdigest())
    leaves = [
        bytes.fromhex(h)
        for h in LedgerEvent.objects.order_by("seq").values_list("leaf_hash", flat=True)
    ]
    LedgerNode.objects.all().delete()
    frontier: list[bytes] = []
    nodes = []
    for size, leaf in enumerate(leaves):
        first = merkle.node_count(size)
        frontier, completed = merkle.append_leaf(frontier, size, leaf)
        nodes += [LedgerNode(id=first + i, hash=h) for i, h in enumerate(completed)]
    LedgerNode.objects.bulk_create(nodes)
    LedgerHead.objects.filter(pk=1).update(frontier=b"".join(frontier))
    for checkpoint in Checkpoint.objects.all():
        root = merkle.root(leaves[: checkpoint.size])
        signed = note.sign(
            note.Checkpoint(keys.origin(), checkpoint.size, root).text(),
            keys.origin(),
            keys.signing_key(),
        )
        Checkpoint.objects.filter(size=checkpoint.size).update(note=signed, root_hash=root.hex())


def _latest_checkpoint() -> Checkpoint:
    checkpoint = Checkpoint.objects.order_by("-size").first()
    assert checkpoint is not None
    return checkpoint


def _set_checkpoint_note(forge: Callable[[Checkpoint], str]) -> None:
    checkpoint = _latest_checkpoint()
    raw(
        "UPDATE ledger_checkpoint SET note = %s WHERE size = %s",
        [forge(checkpoint), checkpoint.size],
    )


def _garbled_signature(checkpoint: Checkpoint) -> str:
    """The signature line's base64 changed (its first characters)."""
    body, signature = checkpoint.note.rsplit(" ", 1)
    return (
        f"{body} {'AAAAAAAA' if not signature.startswith('AAAAAAAA') else 'BBBBBBBB'}"
        + (signature[8:])
    )


def _signed_by_another_key(checkpoint: Checkpoint) -> str:
    """A checkpoint with a root of the attacker's choice, signed with a key of his own under the
    log's name."""
    body = note.Checkpoint(keys.origin(), checkpoint.size, b"\7" * 32).text()
    return note.sign(body, keys.origin(), Ed25519PrivateKey.generate())


def _rewrite_version_and_its_hash(*, leaf: bool) -> None:
    """A case's first version rewritten and its event's content hash made to match it; with
    ``leaf`` the event's leaf hash recomputed too."""
    seq = _case_seqs()[0]
    _rewrite_version(seq)
    content_sha256 = hashlib.sha256(
        canonical.dumps(Version.objects.get(event_id=seq).content)
    ).hexdigest()
    if leaf:
        _forge_leaf(seq, content_sha256=content_sha256)
    else:
        _set_event("content_sha256", content_sha256, seq)


def _delete_two_files_and_change_one(store: Path) -> None:
    files = _evidence_files(store)
    files[0].unlink()
    files[1].unlink()
    files[-1].write_bytes(b"x")


def _add_a_file_under_its_hash(store: Path) -> None:
    data = b"slipped in"
    sha = hashlib.sha256(data).hexdigest()
    (store / "blobs" / sha[:2]).mkdir(exist_ok=True)
    (store / "blobs" / sha[:2] / sha).write_bytes(data)


def _evidence_files(root: Path) -> list[Path]:
    return sorted(path for path in (root / "blobs").rglob("*") if path.is_file())


@dataclass(frozen=True)
class Attack:
    name: str
    run: Callable[[Path], Any]
    codes: frozenset[str]
    # SQLite stores text in any column; PostgreSQL's column types refuse such a write outright,
    # so there the attack cannot be made at all.
    sqlite_only: bool = False


def attack(
    name: str, expected: str, run: Callable[[Path], Any], *, sqlite_only: bool = False
) -> Attack:
    return Attack(name, run, frozenset(expected.split()), sqlite_only)


def _truncate(keep: int) -> None:
    raw("DELETE FROM ledger_version WHERE event_id >= %s", [keep])
    raw("DELETE FROM ledger_ledgerevent WHERE seq >= %s", [keep])
    raw("DELETE FROM ledger_ledgernode WHERE id >= %s", [merkle.node_count(keep)])


def _append_forged_event(_store: Path) -> None:
    """A whole event appended at the end, leaf and version right, the head not told."""
    size = LedgerEvent.objects.count()
    last = LedgerEvent.objects.get(seq=size - 1)
    last.seq = size
    last.leaf_hash = merkle.leaf_hash(leaf_data(last)).hex()
    last.save(force_insert=True)
    Version.objects.create(event=last, content=Version.objects.get(event_id=size - 1).content)


def _swap_versions(_store: Path) -> None:
    first, last = _case_seqs()[0], _case_seqs()[-1]
    raw("UPDATE ledger_version SET event_id = -1 WHERE event_id = %s", [first])
    raw("UPDATE ledger_version SET event_id = %s WHERE event_id = %s", [first, last])
    raw("UPDATE ledger_version SET event_id = %s WHERE event_id = -1", [last])


def _swap_events(_store: Path) -> None:
    a, b = _agency_seqs()[0], _case_seqs()[0]
    for old, new in ((a, -1), (b, a), (-1, b)):
        raw("UPDATE ledger_version SET event_id = %s WHERE event_id = %s", [new, old])
        raw("UPDATE ledger_ledgerevent SET seq = %s WHERE seq = %s", [new, old])


def _checkpoint_size(_store: Path) -> None:
    checkpoint = _latest_checkpoint()
    raw(
        "UPDATE ledger_checkpoint SET size = %s WHERE size = %s",
        [checkpoint.size - 5, checkpoint.size],
    )


def _garble_the_mirrored_checkpoint(_store: Path) -> None:
    """The latest checkpoint in the mirror folder overwritten with bytes that are not even text."""
    folder = Path(django_settings.LEDGER_MIRROR_DIR)
    latest = max(folder.glob("checkpoint.*"), key=lambda path: int(path.suffix[1:]))
    latest.write_bytes(b"\xff\xfe not a note")


# What a changed leaf breaks above it: the stored nodes over it, the signed roots, and the head's
# frontier (the demo's events here all sit under the head's first, largest subtree).
TREE = "node_altered checkpoint_root head_mismatch"

ATTACKS = [
    # versions: content, hash, order, presence
    attack(
        "version_content_first_of_an_agency",
        "version_altered",
        lambda _s: _rewrite_version(_agency_seqs()[0]),
    ),
    attack(
        "version_content_first_of_a_case",
        "version_altered",
        lambda _s: _rewrite_version(_case_seqs()[0]),
    ),
    attack(
        "version_content_last_of_a_case",
        "version_altered",
        lambda _s: _rewrite_version(_case_seqs()[-1]),
    ),
    attack(
        "version_content_and_event_hash",
        f"event_altered {TREE}",
        lambda _s: _rewrite_version_and_its_hash(leaf=False),
    ),
    attack(
        "version_content_event_hash_and_leaf",
        TREE,
        lambda _s: _rewrite_version_and_its_hash(leaf=True),
    ),
    attack(
        "version_history_rewritten_and_resigned",
        "checkpoint_rewritten checkpoint_root",
        lambda _s: _rewrite_history_consistently(_case_seqs()[0]),
    ),
    attack("versions_swapped", "version_altered", _swap_versions),
    attack(
        "version_deleted",
        "version_missing",
        lambda _s: raw("DELETE FROM ledger_version WHERE event_id = %s", [_case_seqs()[0]]),
    ),
    attack(
        "version_inserted_without_event",
        "version_extra",
        lambda _s: raw(
            "INSERT INTO ledger_version (event_id, content, reason) VALUES (%s, '{}', '')", [10**9]
        ),
    ),
    # events: every column, order, presence
    attack(
        "event_recorded_at",
        f"event_altered {TREE}",
        lambda _s: _set_event("recorded_at", "2020-01-01 00:00:00"),
    ),
    attack("event_actor", f"event_altered {TREE}", lambda _s: _set_event("actor", "user:1")),
    attack(
        "event_action",
        f"event_altered {TREE}",
        lambda _s: _set_event("action", "org.agency.update"),
    ),
    attack(
        "event_object_type",
        f"event_altered object_type_unknown {TREE}",
        lambda _s: _set_event("object_type", "org.nothing"),
    ),
    attack(
        "event_object_id",
        f"event_altered object_deleted {TREE}",
        lambda _s: _set_event("object_id", "999999"),
    ),
    attack(
        "event_content_sha256",
        f"event_altered version_altered {TREE}",
        lambda _s: _set_event("content_sha256", "0" * 64),
    ),
    attack(
        "event_blob_sha256",
        f"event_altered blob_missing {TREE}",
        lambda _s: _set_event("blob_sha256", "0" * 64),
    ),
    attack("event_leaf_hash", "event_altered", lambda _s: _set_event("leaf_hash", "0" * 64)),
    attack(
        "event_actor_with_its_leaf_recomputed",
        TREE,
        lambda _s: _forge_leaf(_first_middle_event(), actor="user:1"),
    ),
    attack("events_swapped", f"event_altered {TREE}", _swap_events),
    attack(
        "event_deleted",
        "event_missing checkpoint_root version_extra",
        lambda _s: raw("DELETE FROM ledger_ledgerevent WHERE seq = %s", [_first_middle_event()]),
    ),
    attack("event_appended_past_the_head", "head_mismatch node_altered", _append_forged_event),
    attack(
        "log_truncated_below_the_checkpoint",
        "log_truncated head_mismatch object_altered object_unrecorded",
        lambda _s: _truncate(_latest_checkpoint().size - 3),
    ),
    # tree nodes
    attack(
        "node_hash_changed",
        "node_altered",
        lambda _s: raw(
            "UPDATE ledger_ledgernode SET hash = %s WHERE id = %s",
            [b"\0" * 32, merkle.node_id(2, 1)],
        ),
    ),
    attack(
        "node_hash_made_text",
        "node_altered",
        lambda _s: raw(
            "UPDATE ledger_ledgernode SET hash = 'x' WHERE id = %s", [merkle.node_id(1, 3)]
        ),
    ),
    attack(
        "node_deleted",
        "node_altered",
        lambda _s: raw("DELETE FROM ledger_ledgernode WHERE id = %s", [merkle.node_id(3, 0)]),
    ),
    attack(
        "node_inserted_past_the_end",
        "node_extra",
        lambda _s: raw(
            "INSERT INTO ledger_ledgernode (id, hash) VALUES (%s, %s)", [10**9, b"\1" * 32]
        ),
    ),
    # checkpoints, in the database and in the mirror
    attack(
        "checkpoint_signature",
        "checkpoint_signature",
        lambda _s: _set_checkpoint_note(_garbled_signature),
    ),
    attack(
        "checkpoint_signed_by_another_key",
        "checkpoint_signature",
        lambda _s: _set_checkpoint_note(_signed_by_another_key),
    ),
    attack("checkpoint_size", "checkpoint_altered checkpoint_missing", _checkpoint_size),
    attack(
        "checkpoint_root",
        "checkpoint_altered",
        lambda _s: raw("UPDATE ledger_checkpoint SET root_hash = %s", ["0" * 64]),
    ),
    attack(
        "checkpoint_deleted",
        "checkpoint_missing",
        lambda _s: raw(
            "DELETE FROM ledger_checkpoint WHERE size = %s", [_latest_checkpoint().size]
        ),
    ),
    attack(
        "mirrored_checkpoint_garbled",
        "mirror_malformed",
        _garble_the_mirrored_checkpoint,
    ),
    # the head
    attack(
        "head_size", "head_mismatch", lambda _s: raw("UPDATE ledger_ledgerhead SET size = size - 1")
    ),
    attack(
        "head_frontier",
        "head_mismatch",
        lambda _s: raw("UPDATE ledger_ledgerhead SET frontier = %s", [b"\0" * 32]),
    ),
    attack("head_deleted", "head_mismatch", lambda _s: raw("DELETE FROM ledger_ledgerhead")),
    # stored files
    attack(
        "blob_changed",
        "blob_altered",
        lambda store: _evidence_files(store)[0].write_bytes(b"replaced"),
    ),
    attack("blob_deleted", "blob_missing", lambda store: _evidence_files(store)[0].unlink()),
    attack(
        "blobs_deleted_and_one_changed",
        "blob_missing blob_altered",
        _delete_two_files_and_change_one,
    ),
    attack(
        "blob_added_under_its_hash",
        "blob_unrecorded",
        _add_a_file_under_its_hash,
    ),
    attack(
        "blob_added_under_any_name",
        "blob_unrecorded",
        lambda store: (store / "blobs" / "readme.txt").write_bytes(b"stray"),
    ),
    # a row whose column holds what its field cannot
    attack(
        "row_date_made_text",
        "object_altered",
        lambda _s: raw(
            "UPDATE cases_case SET opened_at = 'not a date' WHERE id = %s",
            [live_object("cases.case")[1]],
        ),
        sqlite_only=True,
    ),
    attack(
        "row_amount_made_text",
        "object_altered",
        lambda _s: raw(
            "UPDATE catalogue_discretionstandard SET fine_from = 'abc' WHERE id = %s",
            [live_object("catalogue.discretionstandard")[1]],
        ),
        sqlite_only=True,
    ),
    attack(
        "row_json_given_a_float",
        "object_altered",
        lambda _s: raw(
            """UPDATE cases_record SET fields = '{"amount": 1.5}' WHERE id = %s""",
            [live_object("cases.record")[1]],
        ),
    ),
]


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda item: item.name)
def test_each_attack_on_the_ledger_is_named_with_its_code__R34(
    stores: Path, attack: Attack
) -> None:
    if attack.sqlite_only and connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's column type refuses the write: the attack cannot be made")
    report, output, _target = attacked(lambda: attack.run(stores))
    assert codes(report) == attack.codes, (sorted(codes(report)), report.lines())
    assert "Traceback" not in output
    for code in attack.codes:
        assert f"[{code}]" in output


def test_at_least_thirty_distinct_attacks__R34() -> None:
    assert len({item.name for item in ATTACKS}) == len(ATTACKS) >= 30


# --- the history API serves only what the ledger proves -----------------------------------------


def test_history_api_refuses_a_falsified_version__R34(stores: Path) -> None:
    admin = User.objects.get(username="demo_system_admin")
    client = verified_client(admin)
    agency = Agency.objects.order_by("pk").first()
    assert agency is not None
    url = f"/api/v1/org/agencies/{agency.pk}/history"
    clean = client.get(url)
    assert clean.status_code == 200, clean.content
    assert [entry["seq"] for entry in clean.json()] == _agency_seqs()
    with transaction.atomic():
        dbguard.uninstall(connection)
        _rewrite_version(_agency_seqs()[0])
        answer = client.get(url)
        transaction.set_rollback(True)
    assert answer.status_code == 503
    body = answer.json()
    assert body["code"] == "ledger_version_unverified"
    assert body["detail"] == {"event": _agency_seqs()[0], "problem": "version_altered"}
    assert "伪造的历史" not in answer.content.decode()
    assert "未通过账本核验" in body["message"]
