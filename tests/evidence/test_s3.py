"""The blob store on S3-compatible object storage, through django-storages, against a real S3 API
server on loopback (moto's server mode) (R-34)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.core.files.base import ContentFile
from moto.server import ThreadedMotoServer

from tests.evidence.conftest import World, meta, mp4_bytes
from tests.evidence.serverproc import free_port
from zhifa.evidence import blobs, services
from zhifa.evidence.models import Blob


@pytest.fixture
def s3(settings: Any) -> Iterator[Any]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="cn-north-1",
        aws_access_key_id="zhifa-test",
        aws_secret_access_key="zhifa-test-secret",
    )
    client.create_bucket(
        Bucket="zhifa-evidence", CreateBucketConfiguration={"LocationConstraint": "cn-north-1"}
    )
    settings.EVIDENCE_STORAGE = "s3"
    settings.EVIDENCE_S3 = {
        "bucket_name": "zhifa-evidence",
        "endpoint_url": endpoint,
        "region_name": "cn-north-1",
        "access_key": "zhifa-test",
        "secret_key": "zhifa-test-secret",
    }
    try:
        yield client
    finally:
        server.stop()


def test_s3_backend_stores_each_content_once_under_its_hash_and_never_deletes__R34(
    world: World, s3: Any
) -> None:
    data = mp4_bytes(6 * 1024 * 1024 + 5, seed=21)  # above the multipart threshold
    actor = world.actor(world.officer_user)
    first = services.evidence_register_file(
        actor=actor, agency=world.agency, file=ContentFile(data[:1_000_000]), metadata=meta()
    )
    second = services.evidence_register_file(
        actor=world.actor(world.officer2_user),
        agency=world.agency,
        file=ContentFile(data[:1_000_000]),
        metadata=meta(),
    )
    assert first.blob_id == second.blob_id
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="zhifa-evidence")["Contents"]]
    assert keys == [blobs.blob_name(first.blob_id)]
    storage = blobs.get_storage()
    assert isinstance(storage, blobs.S3BlobStorage)
    with pytest.raises(blobs.BlobRefused):
        storage.delete(blobs.blob_name(first.blob_id))
    # A large file goes through the staging folder and a multipart upload; read back whole.
    fd, tmp = blobs.new_staging_file()
    os.write(fd, data)
    os.close(fd)
    sha = hashlib.sha256(data).hexdigest()
    storage.put_staged(Path(tmp), sha256=sha, size=len(data))
    tmp.unlink()
    assert blobs.verify_blob(sha, len(data)) is None
    assert blobs.verify_blob(first.blob_id, first.blob.size) is None
    assert Blob.objects.count() == 1
    assert [sha for sha, _open in blobs.iter_blobs()] == [first.blob_id]
    # A changed object is found by verification.
    s3.put_object(Bucket="zhifa-evidence", Key=blobs.blob_name(first.blob_id), Body=b"x" * 10)
    assert blobs.verify_blob(first.blob_id, first.blob.size) is not None
