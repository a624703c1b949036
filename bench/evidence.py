"""Evidence upload benchmark: a 1 GiB and a 4 GiB file over loopback through tus (issue 4).

For each file it prints the upload throughput as a ratio to ``sha256sum`` of the same file in the
same run (target >= 0.7) and the server worker's peak RSS (target < 150 MB, and the 4 GiB peak
within 10% of the 1 GiB peak). A fresh gunicorn (one sync worker) serves each file, so each peak
is that file's own. The last line is one JSON object with the figures.

    python bench/evidence.py            # 1 GiB and 4 GiB
    python bench/evidence.py --quick    # 32 MiB and 128 MiB, under a minute
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

# Imported after the paths above are set, hence E402.
from tests.evidence.serverproc import Gunicorn, prepare, server_env  # noqa: E402


def make_file(path: Path, size: int) -> None:
    """An ISO BMFF header and distinct 1 MiB blocks (no two files or blocks alike)."""
    header = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    seed = os.urandom(MIB)
    with path.open("wb") as out:
        out.write(header)
        written = len(header)
        block = 0
        while written < size:
            piece = block.to_bytes(8, "big") + seed[8:]
            piece = piece[: size - written]
            out.write(piece)
            written += len(piece)
            block += 1


def sha256sum_seconds(path: Path) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(
        ["sha256sum", str(path)], check=True, capture_output=True, text=True
    ).stdout
    return time.perf_counter() - start, out.split()[0]


def peak_rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def upload(port: int, headers: dict[str, str], path: Path, size: int) -> tuple[float, int]:
    from datetime import UTC, datetime, timedelta

    from zhifa.evidence.tus import encode_metadata

    captured = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    meta = encode_metadata({"kind": "video", "captured_at": captured, "filename": path.name})
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600, blocksize=MIB)
    conn.request(
        "POST",
        "/api/v1/uploads/",
        b"",
        {**headers, "Tus-Resumable": "1.0.0", "Upload-Length": str(size), "Upload-Metadata": meta},
    )
    created = conn.getresponse()
    created.read()
    if created.status != 201:
        raise RuntimeError(f"create failed: {created.status}")
    location = created.getheader("Location") or ""
    upload_path = "/" + location.split("/", 3)[3]
    with path.open("rb") as body:
        conn.request(
            "PATCH",
            upload_path,
            body,
            {
                **headers,
                "Tus-Resumable": "1.0.0",
                "Upload-Offset": "0",
                "Content-Type": "application/offset+octet-stream",
                "Content-Length": str(size),
            },
        )
        response = conn.getresponse()
        response.read()
    elapsed = time.perf_counter() - start
    if response.status != 204 or response.getheader("Upload-Offset") != str(size):
        raise RuntimeError(f"upload failed: {response.status}")
    evidence_id = int(response.getheader("Zhifa-Evidence-Id") or 0)
    conn.close()
    return elapsed, evidence_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small files, under a minute")
    args = parser.parse_args()
    sizes = [32 * MIB, 128 * MIB] if args.quick else [1024 * MIB, 4096 * MIB]
    work = Path(tempfile.mkdtemp(prefix="zhifa-bench-evidence-"))
    env = server_env(work / "data")  # SQLite in its own data folder
    results: list[dict[str, Any]] = []
    try:
        headers = prepare(env)  # migrate, then sign in an officer of a new agency
        os.environ.update(env)  # this process reads the same database afterwards
        import django

        django.setup()
        from zhifa.evidence.models import Evidence

        for size in sizes:
            path = work / f"bench-{size // MIB}MiB.mp4"
            make_file(path, size)
            sha_seconds, digest = sha256sum_seconds(path)
            server = Gunicorn(env, timeout=600)
            try:
                # Warm the worker (imports, database connection) with a small upload first.
                warm = work / f"warm-{size}.mp4"
                make_file(warm, 256 * 1024)
                upload(server.port, headers, warm, 256 * 1024)
                warm.unlink()
                seconds, evidence_id = upload(server.port, headers, path, size)
                peak = max(peak_rss_bytes(pid) for pid in server.workers())
            finally:
                server.stop()
            stored = Evidence.objects.get(pk=evidence_id).blob_id
            if stored != digest:
                raise RuntimeError("stored SHA-256 differs from sha256sum")
            row = {
                "size_mib": size // MIB,
                "upload_seconds": round(seconds, 3),
                "sha256sum_seconds": round(sha_seconds, 3),
                "throughput_mib_s": round(size / MIB / seconds, 1),
                "ratio_to_sha256sum": round(sha_seconds / seconds, 3),
                "server_peak_rss_mb": round(peak / 1e6, 1),
            }
            results.append(row)
            print(
                f"{row['size_mib']:>5} MiB: upload {row['upload_seconds']} s "
                f"({row['throughput_mib_s']} MiB/s), sha256sum {row['sha256sum_seconds']} s, "
                f"ratio {row['ratio_to_sha256sum']} (target >= 0.7), "
                f"server peak RSS {row['server_peak_rss_mb']} MB (target < 150)",
                flush=True,
            )
            path.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    small, large = results[0], results[-1]
    growth = large["server_peak_rss_mb"] / small["server_peak_rss_mb"] - 1
    summary = {
        "bench": "evidence",
        "quick": args.quick,
        "files": results,
        "rss_growth_large_vs_small": round(growth, 3),
        "targets_met": all(r["ratio_to_sha256sum"] >= 0.7 for r in results)
        and all(r["server_peak_rss_mb"] < 150 for r in results)
        and abs(growth) <= 0.10,
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
