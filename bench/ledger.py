"""Benchmark of the ledger (zhifa issue 3): appends through the service layer, proof time on a
large log, and full-verify throughput against plain hashlib over the same bytes.

    make bench                       # every benchmark, full sizes (a 10^6-event log)
    BENCH_ARGS=--quick make bench    # small sizes, under a minute
    ZHIFA_DATA_DIR=$(mktemp -d) .venv/bin/python bench/ledger.py [--quick] [--leaves N]

Runs on whatever database the settings name (SQLite in ZHIFA_DATA_DIR, or DATABASE_URL). Prints
its figures as one JSON object on its last line. Targets: an inclusion proof at 10^6 leaves in
under 5 ms; full verify at least 0.5x the rate of plain hashlib.sha256 over the same messages.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhifa.settings")
os.environ.setdefault("ZHIFA_HTTPS", "0")

import django

django.setup()

# The imports below need Django set up first, hence E402 on each.
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from zhifa.ledger import canonical, merkle, selectors  # noqa: E402
from zhifa.ledger.models import LedgerEvent, LedgerHead, LedgerNode  # noqa: E402
from zhifa.ledger.services import (  # noqa: E402
    checkpoint_sign,
    ledger_append,
    snapshot_fields,
    snapshot_values,
    split_frontier,
)
from zhifa.ledger.verify import verify_ledger  # noqa: E402
from zhifa.org.models import Government  # noqa: E402

BATCH = 5000


def log(message: str) -> None:
    print(message, flush=True)


def bench_appends(count: int) -> float:
    """A write service in the project's shape, ``count`` times: lock, write, append, commit."""
    government = Government.objects.create(name="基准乡", level="township")
    with transaction.atomic():
        ledger_append(actor="system", action="org.government.create", obj=government)
    started = time.perf_counter()
    for i in range(count):
        with transaction.atomic():
            locked = Government.objects.select_for_update().get(pk=government.pk)
            locked.phone = f"0439-{i:07d}"
            locked.save(update_fields=["phone"])
            ledger_append(actor="system", action="org.government.update", obj=locked, reason="基准")
    return count / (time.perf_counter() - started)


def build_log(leaves: int, objects: int) -> float:
    """Grow the log to ``leaves`` events quickly: events on ``objects`` rows, written in bulk with
    their nodes exactly as appends write them (the rows never change, so every event of a row
    carries its current hash)."""
    started = time.perf_counter()
    rows = Government.objects.bulk_create(
        [Government(name=f"大量{i}", level="township") for i in range(objects)]
    )
    fields = snapshot_fields(Government)
    hashes = {}
    for values in Government.objects.filter(pk__in=[r.pk for r in rows]).values_list("pk", *fields):
        hashes[str(values[0])] = canonical.sha256_hex(snapshot_values(fields, values[1:]))
    ids = list(hashes)
    with transaction.atomic():
        head = LedgerHead.objects.select_for_update().get(pk=1)
        size = head.size
        frontier = split_frontier(head.frontier, size)
        base = datetime(2026, 1, 1, tzinfo=UTC)
        while size < leaves:
            events, nodes = [], []
            for seq in range(size, min(size + BATCH, leaves)):
                object_id = ids[seq % len(ids)]
                at = base + timedelta(microseconds=seq * 1013)
                data = canonical.encode_leaf(
                    seq=seq,
                    at=canonical.instant(at),
                    actor="system",
                    action="org.government.touch",
                    object_type="org.government",
                    object_id=object_id,
                    sha256=hashes[object_id],
                    blob="",
                )
                leaf = merkle.leaf_hash(data)
                events.append(
                    LedgerEvent(
                        seq=seq,
                        recorded_at=at,
                        actor="system",
                        action="org.government.touch",
                        object_type="org.government",
                        object_id=object_id,
                        content_sha256=hashes[object_id],
                        blob_sha256="",
                        leaf_hash=leaf.hex(),
                    )
                )
                first = merkle.node_count(seq)
                frontier, completed = merkle.append_leaf(frontier, seq, leaf)
                nodes.extend(LedgerNode(id=first + i, hash=h) for i, h in enumerate(completed))
            LedgerEvent.objects.bulk_create(events, batch_size=1000)
            LedgerNode.objects.bulk_create(nodes, batch_size=1000)
            size += len(events)
            if size % 100_000 < BATCH:
                log(f"  … {size} events")
        head.size = size
        head.frontier = b"".join(frontier)
        head.save(update_fields=["size", "frontier"])
    return time.perf_counter() - started


def bench_proofs(size: int, count: int) -> dict[str, float]:
    rng = random.Random(6962)
    inclusion, consistency = [], []
    for _ in range(count):
        index = rng.randrange(size)
        started = time.perf_counter()
        proof = selectors.inclusion_proof(index, size)
        inclusion.append((time.perf_counter() - started) * 1000)
        first = rng.randrange(1, size)
        started = time.perf_counter()
        selectors.consistency_proof(first, size)
        consistency.append((time.perf_counter() - started) * 1000)
    # The last proof must verify against the root it came with.
    leaf = merkle.leaf_hash(selectors.entries(proof.index, proof.index + 1)[0])
    merkle.verify_inclusion(proof.index, size, leaf, proof.proof, proof.root)
    inclusion.sort()
    return {
        "inclusion_proof_ms_median": round(statistics.median(inclusion), 3),
        "inclusion_proof_ms_p95": round(inclusion[int(len(inclusion) * 0.95) - 1], 3),
        "consistency_proof_ms_median": round(statistics.median(consistency), 3),
    }


def same_messages(size: int) -> list[bytes]:
    """Every message ``verify`` hashes, rebuilt independently: the leaves (0x00 ‖ data), the
    interior nodes (0x01 ‖ left ‖ right) and the canonical content of every recorded row."""
    messages: list[bytes] = []
    frontier: list[bytes] = []
    for start in range(0, size, selectors.MAX_ENTRIES):
        for offset, data in enumerate(selectors.entries(start, start + selectors.MAX_ENTRIES)):
            message = b"\x00" + data
            messages.append(message)
            leaf = hashlib.sha256(message).digest()
            current, j, stack = leaf, start + offset, frontier
            while j & 1:
                left = stack.pop()
                messages.append(b"\x01" + left + current)
                current = hashlib.sha256(messages[-1]).digest()
                j >>= 1
            stack.append(current)
    fields = snapshot_fields(Government)
    for values in Government.objects.order_by("pk").values_list("pk", *fields):
        messages.append(canonical.dumps(snapshot_values(fields, values[1:])))
    return messages


def bench_verify(size: int) -> dict[str, Any]:
    messages = same_messages(size)
    total = sum(len(m) for m in messages)
    sha256 = hashlib.sha256
    started = time.perf_counter()
    for message in messages:
        sha256(message).digest()
    raw_seconds = time.perf_counter() - started
    started = time.perf_counter()
    report = verify_ledger()
    verify_seconds = time.perf_counter() - started
    if report.problems:
        raise SystemExit(f"verify found problems in the benchmark log: {report.lines()[:5]}")
    if report.hashed_bytes != total:  # the ratio compares rates over the very same bytes
        raise SystemExit(f"verify hashed {report.hashed_bytes} bytes, the baseline {total}")
    raw_rate = total / raw_seconds
    verify_rate = report.hashed_bytes / verify_seconds
    return {
        "verify_seconds": round(verify_seconds, 3),
        "verify_events_per_second": round(report.events / verify_seconds),
        "verify_hashed_bytes": report.hashed_bytes,
        "same_bytes_by_plain_hashlib": total,
        "raw_sha256_seconds": round(raw_seconds, 3),
        "verify_mb_per_second": round(verify_rate / 1e6, 2),
        "raw_sha256_mb_per_second": round(raw_rate / 1e6, 2),
        "verify_to_raw_hash_ratio": round(verify_rate / raw_rate, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (under a minute)")
    parser.add_argument("--leaves", type=int, default=None, help="events in the large log")
    args = parser.parse_args()
    leaves = args.leaves or (20_000 if args.quick else 1_000_000)
    appends = 300 if args.quick else 3000
    call_command("migrate", verbosity=0)
    log(f"ledger bench on {connection.vendor}: {appends} appends, a log of {leaves} events")

    appends_per_second = bench_appends(appends)
    log(f"appends through a service: {appends_per_second:.0f}/s")
    build_seconds = build_log(leaves, objects=max(100, leaves // 1000))
    log(f"built {leaves} events with their nodes in {build_seconds:.1f} s")
    checkpoint = checkpoint_sign()
    assert checkpoint is not None and checkpoint.size == leaves
    proofs = bench_proofs(leaves, 100 if args.quick else 500)
    log(
        f"inclusion proof at {leaves}: median {proofs['inclusion_proof_ms_median']} ms, "
        f"p95 {proofs['inclusion_proof_ms_p95']} ms"
    )
    verify = bench_verify(leaves)
    log(
        f"full verify: {verify['verify_seconds']} s, {verify['verify_mb_per_second']} MB/s; "
        f"plain hashlib over the same bytes {verify['raw_sha256_mb_per_second']} MB/s; "
        f"ratio {verify['verify_to_raw_hash_ratio']}"
    )
    result = {
        "bench": "ledger",
        "database": connection.vendor,
        "quick": args.quick,
        "appends": appends,
        "appends_per_second": round(appends_per_second, 1),
        "leaves": leaves,
        "build_seconds": round(build_seconds, 1),
        **proofs,
        **verify,
        "target_inclusion_proof_ms": 5,
        "target_verify_ratio": 0.5,
        "inclusion_proof_target_met": proofs["inclusion_proof_ms_p95"] < 5,
        "verify_ratio_target_met": verify["verify_to_raw_hash_ratio"] >= 0.5,
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
