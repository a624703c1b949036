"""A small tus 1.0 client over http.client for the tests and the benchmark (real sockets)."""

from __future__ import annotations

import base64
import hashlib
import http.client
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from zhifa.evidence.tus import encode_metadata


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class TusClient:
    base: str  # e.g. http://127.0.0.1:8000
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0

    def _conn(self) -> http.client.HTTPConnection:
        parts = urlsplit(self.base)
        return http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=self.timeout)

    def request(
        self, method: str, path: str, body: bytes | Iterator[bytes] | None = None, **extra: str
    ) -> Reply:
        headers = {**self.headers, "Tus-Resumable": "1.0.0", **extra}
        conn = self._conn()
        try:
            conn.request(method, path, body=body, headers=headers)  # type: ignore[arg-type]
            response = conn.getresponse()
            data = response.read()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        finally:
            conn.close()

    def create(self, length: int, metadata: dict[str, str]) -> Reply:
        return self.request(
            "POST",
            "/api/v1/uploads/",
            b"",
            **{"Upload-Length": str(length), "Upload-Metadata": encode_metadata(metadata)},
        )

    @staticmethod
    def path_of(reply: Reply) -> str:
        return urlsplit(reply.headers["location"]).path

    def head(self, path: str) -> Reply:
        return self.request("HEAD", path)

    def patch(
        self,
        path: str,
        offset: int,
        data: bytes | Iterator[bytes],
        *,
        length: int | None = None,
        checksum: str | None = None,
    ) -> Reply:
        extra = {
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
            "Content-Length": str(length if length is not None else len(data)),  # type: ignore[arg-type]
        }
        if checksum:
            extra["Upload-Checksum"] = checksum
        return self.request("PATCH", path, data, **extra)

    def patch_cut(self, path: str, offset: int, data: bytes, send: int) -> None:
        """Announce ``len(data)`` bytes, send only ``send`` of them, then drop the connection."""
        parts = urlsplit(self.base)
        sock = socket.create_connection((parts.hostname or "", parts.port or 80), timeout=10)
        head = [
            f"PATCH {path} HTTP/1.1",
            f"Host: {parts.hostname}:{parts.port}",
            "Tus-Resumable: 1.0.0",
            f"Upload-Offset: {offset}",
            "Content-Type: application/offset+octet-stream",
            f"Content-Length: {len(data)}",
            *[f"{k}: {v}" for k, v in self.headers.items()],
            "",
            "",
        ]
        sock.sendall("\r\n".join(head).encode("latin-1") + data[:send])
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def upload_resuming(self, path: str, data: bytes, chunk: int = 1 << 20) -> Reply:
        """Finish an upload from wherever the server is (HEAD, then PATCH), retrying while the
        server still holds the previous, cut request."""
        deadline = time.monotonic() + 60
        while True:
            offset = int(self.head(path).headers["upload-offset"])
            if offset >= len(data):
                return self.head(path)
            piece = data[offset : offset + chunk]
            reply = self.patch(path, offset, piece)
            if reply.status in (409, 423):
                if time.monotonic() > deadline:
                    return reply
                time.sleep(0.05)
                continue
            if reply.status != 204:
                return reply
            if int(reply.headers["upload-offset"]) >= len(data):
                return reply


def sha256_header(data: bytes) -> str:
    return "sha256 " + base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
