"""The small interface ``zhifa ledger verify --blobs`` checks stored files through.

A store of files (the evidence store, a document archive) registers a :class:`BlobSource` once,
usually in its ``AppConfig.ready``. The verifier asks every source for its blobs, hashes each
one's bytes and compares them with the SHA-256 the store expects and with the hashes the ledger
recorded (``blob_sha256`` of the events).

A source yields every file it holds: those its own index knows, and also every other file found
where it keeps them (with ``sha256`` the hash its name claims, or ``""`` when the name is no
hash), so that a file slipped into the store is reported (``blob_unrecorded``). A listed file
whose bytes are gone raises ``FileNotFoundError`` on ``open`` (``blob_missing``).

:class:`ContentAddressedFolder` is a complete source for the simplest store: files under a folder,
each named by its own SHA-256.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 1 << 20
_HEX64 = re.compile(r"[0-9a-f]{64}")


def write_durably(path: Path, data: bytes, *, prefix: str) -> None:
    """Put ``data`` at ``path`` whole or not at all, and make it survive a crash: a temporary file
    in the same folder, fsynced, renamed over ``path``, then the folder fsynced (the rename
    itself lives in the folder)."""
    fd, tmp_name = tempfile.mkstemp(prefix=prefix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    """Make the folder's entries (a new name, a rename) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    """The hex SHA-256 the store holds for this blob (what its bytes must hash to); ``""`` for a
    file the store does not know and whose name is no hash (a stray)."""
    label: str
    """Where the blob is, for the report: a path or an object key."""
    open: Callable[[], BinaryIO]
    """Opens the blob's bytes for reading."""


class BlobSource(Protocol):
    name: str

    def blobs(self) -> Iterable[StoredBlob]: ...


_sources: list[BlobSource] = []


def register_blob_source(source: BlobSource) -> None:
    if source not in _sources:
        _sources.append(source)


def unregister_blob_source(source: BlobSource) -> None:
    if source in _sources:
        _sources.remove(source)


def blob_sources() -> list[BlobSource]:
    return list(_sources)


@contextlib.contextmanager
def registered(source: BlobSource) -> Iterator[BlobSource]:
    register_blob_source(source)
    try:
        yield source
    finally:
        unregister_blob_source(source)


def sha256_of(handle: BinaryIO) -> tuple[str, int]:
    """The hex SHA-256 of a stream and its length, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    length = 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        length += len(chunk)
    return digest.hexdigest(), length


def _opener(path: Path) -> Callable[[], BinaryIO]:
    def open_blob() -> BinaryIO:
        return path.open("rb")

    return open_blob


class ContentAddressedFolder:
    """Blobs stored as ``<root>/<first two hex digits>/<sha256>``."""

    def __init__(self, root: Path | str, name: str = "folder") -> None:
        self.root = Path(root)
        self.name = name

    def path_for(self, sha256: str) -> Path:
        if not _HEX64.fullmatch(sha256):
            raise ValueError("a blob is named by its lower-case hex SHA-256")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store ``data`` (once) and return its SHA-256."""
        sha256 = hashlib.sha256(data).hexdigest()
        path = self.path_for(sha256)
        if path.exists():
            return sha256
        path.parent.mkdir(parents=True, exist_ok=True)
        write_durably(path, data, prefix=".blob-")
        return sha256

    def blobs(self) -> Iterator[StoredBlob]:
        """Every file under the root: those named by a hash in their right folder with that
        hash, any other file (a stray) with ``""``."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if path.is_dir():
                continue
            relative = path.relative_to(self.root).parts
            named = (
                len(relative) == 2
                and _HEX64.fullmatch(path.name) is not None
                and relative[0] == path.name[:2]
            )
            yield StoredBlob(path.name if named else "", str(path), _opener(path))
