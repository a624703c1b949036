"""The blob store: files named by the SHA-256 of their bytes, behind the Django Storage API.

Two backends with one protocol:

- :class:`LocalBlobStorage` (default): a folder. A file is written to the staging folder, fsynced
  and hashed, then hard-linked to ``blobs/ab/abcdef…`` (a link never replaces an existing name),
  made read-only, and the folder is fsynced. Only then does the caller commit the row. A crash
  at any point leaves either no blob or a complete one; the staging sweep removes leftovers.
- :class:`S3BlobStorage`: S3-compatible object storage through django-storages. Files are staged
  and hashed locally the same way, then uploaded under their hash unless already present, and the
  stored size is checked before the row is committed.

Nothing in the project can delete or overwrite a blob: ``delete`` raises, saving a name that exists
keeps the existing bytes (they are the same bytes, by construction).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Protocol

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage
from storages.backends.s3 import S3Storage

from zhifa.core import clock
from zhifa.ledger.blobs import fsync_dir

CHUNK = 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BlobRefused(Exception):
    """Deleting or overwriting a blob was attempted."""


def blob_name(sha256: str) -> str:
    if not _SHA256.match(sha256):
        raise ValueError("not a lower-case hex SHA-256")
    return f"{sha256[:2]}/{sha256}"


def staging_dir() -> Path:
    """The folder for partial uploads and files being hashed (same file system as the blobs)."""
    path = Path(settings.EVIDENCE_ROOT) / "staging"
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_staging_file(prefix: str = "put-") -> tuple[int, Path]:
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".part", dir=staging_dir())
    return fd, Path(name)


def hash_stream(chunks: Iterator[bytes], fd: int) -> tuple[str, int]:
    """Write ``chunks`` to ``fd`` while hashing them; fsync; return (sha256, size)."""
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        digest.update(chunk)
        view = memoryview(chunk)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        size += len(chunk)
    os.fsync(fd)
    return digest.hexdigest(), size


def sha256_of_file(handle: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


class BlobStorage(Protocol):
    def put_staged(self, path: Path, *, sha256: str, size: int) -> str: ...

    def open(self, name: str, mode: str = "rb") -> File: ...

    def exists(self, name: str) -> bool: ...

    def size(self, name: str) -> int: ...


class _ContentAddressed:
    """``save()`` ignores the name it is given and returns the content's address."""

    def put_staged(self, path: Path, *, sha256: str, size: int) -> str:
        raise NotImplementedError

    def _save(self, name: str, content: File) -> str:
        fd, tmp = new_staging_file()
        try:
            try:
                sha256, size = hash_stream(iter(content.chunks(CHUNK)), fd)
            finally:
                os.close(fd)
            return self.put_staged(tmp, sha256=sha256, size=size)
        finally:
            tmp.unlink(missing_ok=True)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return name

    def delete(self, name: str) -> None:
        raise BlobRefused("blobs are never deleted")


class LocalBlobStorage(_ContentAddressed, FileSystemStorage):
    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root or settings.EVIDENCE_ROOT)
        super().__init__(location=str(self.root / "blobs"), base_url=None)

    def put_staged(self, path: Path, *, sha256: str, size: int) -> str:
        """Link the fsynced, hashed staging file ``path`` into place under its hash."""
        name = blob_name(sha256)
        final = Path(self.path(name))
        shard = final.parent
        created_shard = not shard.exists()
        shard.mkdir(parents=True, exist_ok=True)
        if created_shard:
            fsync_dir(shard.parent)
        try:
            os.link(path, final)
        except FileExistsError:
            if final.stat().st_size != size:
                raise BlobRefused(f"blob {sha256} exists with another size") from None
            return name
        os.chmod(final, stat.S_IRUSR | stat.S_IRGRP)
        fsync_dir(shard)
        return name


class S3BlobStorage(_ContentAddressed, S3Storage):
    def __init__(self, **options: Any) -> None:
        conf: dict[str, Any] = dict(settings.EVIDENCE_S3)
        conf.update(options)
        conf.setdefault("file_overwrite", False)
        conf["default_acl"] = None
        conf["querystring_auth"] = True
        super().__init__(**conf)

    def put_staged(self, path: Path, *, sha256: str, size: int) -> str:
        name = blob_name(sha256)
        if not self.exists(name):
            with path.open("rb") as handle:
                S3Storage._save(self, name, File(handle))
        stored = self.size(name)
        if stored != size:
            raise BlobRefused(f"blob {sha256} stored with {stored} bytes, expected {size}")
        return name


def get_storage() -> BlobStorage:
    backend = settings.EVIDENCE_STORAGE
    if backend == "s3":
        return S3BlobStorage()
    if backend == "local":
        return LocalBlobStorage()
    raise ValueError(f"unknown evidence storage backend {backend!r}")


def as_django_storage(storage: BlobStorage) -> Storage:
    assert isinstance(storage, Storage)
    return storage


def open_blob(sha256: str) -> File:
    return get_storage().open(blob_name(sha256), "rb")


def verify_blob(sha256: str, size: int) -> str | None:
    """Re-read a stored blob: ``None`` when intact, else what is wrong (missing, size, hash)."""
    storage = get_storage()
    name = blob_name(sha256)
    try:
        handle = storage.open(name, "rb")
    except FileNotFoundError:
        return "missing"
    with handle:
        actual, actual_size = sha256_of_file(handle)
    if actual_size != size:
        return f"size {actual_size} != {size}"
    if actual != sha256:
        return f"sha256 {actual}"
    return None


def iter_blobs() -> Iterator[tuple[str, Callable[[], IO[bytes]]]]:
    """Every registered blob: ``(sha256, open)`` where ``open()`` returns a binary file to read.
    Used by ``zhifa ledger verify --blobs``."""
    from zhifa.evidence.models import Blob

    storage = get_storage()
    for sha256 in Blob.objects.order_by("sha256").values_list("sha256", flat=True).iterator():

        def opener(sha: str = sha256) -> IO[bytes]:
            return storage.open(blob_name(sha), "rb")

        yield sha256, opener


def sweep_staging(*, keep: set[str], older_than_seconds: float) -> list[str]:
    """Remove staging files not in ``keep`` (names of live uploads) and older than the limit.

    Staging files are never evidence: they are partial uploads or files a crashed worker was
    hashing. Returns the names removed."""
    removed = []
    cutoff = clock.now().timestamp() - older_than_seconds
    for entry in staging_dir().iterdir():
        if entry.name in keep or not entry.is_file():
            continue
        if entry.stat().st_mtime > cutoff:
            continue
        entry.unlink(missing_ok=True)
        removed.append(entry.name)
    return removed


class EvidenceBlobSource:
    """The evidence store as a ``zhifa.ledger.blobs.BlobSource``: every registered blob, read
    from whichever backend is configured, then every other file found in the store (a file
    slipped in beside the blobs), so that ``verify --blobs`` can report it."""

    name = "evidence"

    def blobs(self) -> Iterator[Any]:
        from zhifa.ledger.blobs import StoredBlob

        known: set[str] = set()
        for sha256, opener in iter_blobs():
            known.add(sha256)
            yield StoredBlob(sha256, f"evidence:{blob_name(sha256)}", opener)  # type: ignore[arg-type]
        storage = as_django_storage(get_storage())
        for name in _stored_names(storage):
            shard, _sep, leaf = name.rpartition("/")
            if leaf in known and shard == leaf[:2]:
                continue
            claimed = leaf if _SHA256.match(leaf) and shard == leaf[:2] else ""

            def opener(name: str = name) -> IO[bytes]:
                return storage.open(name, "rb")

            yield StoredBlob(claimed, f"evidence:{name}", opener)  # type: ignore[arg-type]


def _stored_names(storage: Storage, folder: str = "", depth: int = 0) -> Iterator[str]:
    """Every file name in the store (blobs sit two levels down: ``ab/abcdef…``; a stray may sit
    anywhere, so the walk goes a few levels deeper)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # no blob stored yet
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    if depth < 8:  # a bound against a symbolic link that loops
        for name in sorted(folders):
            yield from _stored_names(storage, f"{folder}/{name}" if folder else name, depth + 1)
