"""A real gunicorn serving zhifa on loopback with its own data folder, for the crash test.

``python -m tests.evidence.serverproc`` (with ``ZHIFA_DATA_DIR`` set) creates an agency and an
officer in that data folder's database and prints the request headers of a signed-in session.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
CSRF = "zhifaCrashCsrfSecret0123456789ab"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, database_url: str = "") -> dict[str, str]:
    """The environment of a server with its own data folder; its database is SQLite in that
    folder, or ``database_url`` (a database of its own, see :func:`scratch_database`)."""
    env = {
        **os.environ,
        "ZHIFA_DATA_DIR": str(data_dir),
        "ZHIFA_HTTPS": "0",
        "ZHIFA_LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "zhifa.settings",
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")]
        ),
    }
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@contextlib.contextmanager
def scratch_database() -> Iterator[str]:
    """When the tests run on PostgreSQL (``DATABASE_URL``), a fresh database beside the test
    database for the server under test, dropped afterwards; otherwise ``""`` (SQLite)."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        yield ""
        return
    import psycopg

    parts = urlsplit(base)
    name = f"zhifa_crash_{os.getpid()}_{int(time.time())}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def connect(data_dir: Path, database_url: str) -> Iterator[Any]:
    """A DB-API connection to the server's database (SQLite file or PostgreSQL)."""
    if database_url:
        import psycopg

        with psycopg.connect(database_url) as conn:
            yield conn
        return
    conn = sqlite3.connect(data_dir / "zhifa.sqlite3")
    try:
        yield conn
    finally:
        conn.close()


def prepare(env: dict[str, str]) -> dict[str, str]:
    """Migrate the data folder's database and return a signed-in officer's headers."""
    subprocess.run(
        [sys.executable, "-m", "zhifa", "migrate", "--no-input", "-v", "0"],
        env=env,
        check=True,
        capture_output=True,
    )
    out = subprocess.run(
        [sys.executable, "-m", "tests.evidence.serverproc"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


class Gunicorn:
    def __init__(self, env: dict[str, str], workers: int = 1, timeout: int = 120) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "zhifa.wsgi:application",
                "--preload",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--timeout",
                str(timeout),
                "--log-level",
                "critical",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.wait_ready()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("gunicorn did not start")

    def workers(self) -> list[int]:
        pids: list[int] = []
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            pids.extend(int(pid) for pid in (task / "children").read_text().split())
        return pids

    def kill_a_worker(self) -> bool:
        for pid in self.workers():
            try:
                os.kill(pid, signal.SIGKILL)
                return True
            except ProcessLookupError:
                continue
        return False

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _create_officer() -> dict[str, str]:
    import django

    django.setup()
    from django.conf import settings

    from tests.sessions import verified_client
    from zhifa.accounts.models import RoleAssignment, User
    from zhifa.core import clock
    from zhifa.org.models import Agency, Government

    government = Government.objects.create(name="梨树镇人民政府", level="township")
    agency = Agency.objects.create(government=government, name="综合行政执法队", kind="other")
    user = User.objects.create_user(username="crash-officer", password="x-Crash-12345")
    RoleAssignment.objects.create(
        user=user, agency=agency, role=RoleAssignment.Role.OFFICER, granted_at=clock.now()
    )
    client = verified_client(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; csrftoken={CSRF}",
        "X-CSRFToken": CSRF,
    }


if __name__ == "__main__":
    print(json.dumps(_create_officer()))
