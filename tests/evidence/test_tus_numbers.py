"""tus length and offset headers (issue 10, defect 5): ``Upload-Length: ²`` or ``Upload-Offset: ¹``
were a 500 (``isdigit()`` accepted them, ``int()`` refused). Every malformed number is the tus
400 ``bad_header`` and creates or moves nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.evidence.conftest import World, meta
from tests.sessions import verified_client
from zhifa.evidence.models import Upload
from zhifa.evidence.tus import encode_metadata

BAD = ["²", "¹", "٣", "-1", "+1", " 1", "", "1, 1", "99999999999999999999999", "1e3"]


def _client(world: World) -> Client:
    return verified_client(world.officer_user)


@pytest.mark.parametrize("value", BAD)
def test_a_malformed_upload_length_is_a_400_and_creates_nothing(world: World, value: str) -> None:
    response = _client(world).post(
        "/api/v1/uploads/",
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Length": value,
            "Upload-Metadata": encode_metadata(meta()),
        },
    )
    assert response.status_code == 400  # was 500 for ² and ¹
    assert json.loads(response.content)["code"] == "bad_header"
    assert Upload.objects.count() == 0


@pytest.mark.parametrize("value", BAD)
def test_a_malformed_upload_offset_is_a_400_and_moves_nothing(world: World, value: str) -> None:
    client = _client(world)
    created = client.post(
        "/api/v1/uploads/",
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "10",
            "Upload-Metadata": encode_metadata(meta()),
        },
    )
    assert created.status_code == 201
    upload = Upload.objects.get()
    response = client.patch(
        f"/api/v1/uploads/{upload.pk}",
        b"0123456789",
        content_type="application/offset+octet-stream",
        headers={"Tus-Resumable": "1.0.0", "Upload-Offset": value},
    )
    assert response.status_code == 400  # was 500 for ² and ¹
    assert json.loads(response.content)["code"] == "bad_header"
    upload.refresh_from_db()
    assert upload.offset == 0


@pytest.mark.parametrize("value", ["kind ²", "kind ٣"])
def test_non_ascii_base64_in_the_metadata_is_a_400_not_a_500(world: World, value: str) -> None:
    """Found by the fuzz pass (tests/test_fuzz_inputs.py): ``b64decode`` raises ``ValueError``,
    not ``binascii.Error``, for text that is not ASCII."""
    headers = {"Tus-Resumable": "1.0.0", "Upload-Length": "10", "Upload-Metadata": value}
    response = _client(world).post("/api/v1/uploads/", headers=headers)
    assert response.status_code == 400
    assert json.loads(response.content)["code"] == "bad_header"
    assert Upload.objects.count() == 0


def test_non_ascii_base64_in_the_checksum_is_a_400_not_a_500(world: World) -> None:
    client = _client(world)
    headers = {
        "Tus-Resumable": "1.0.0",
        "Upload-Length": "10",
        "Upload-Metadata": encode_metadata(meta()),
    }
    assert client.post("/api/v1/uploads/", headers=headers).status_code == 201
    upload = Upload.objects.get()
    response = client.patch(
        f"/api/v1/uploads/{upload.pk}",
        b"0123456789",
        content_type="application/offset+octet-stream",
        headers={"Tus-Resumable": "1.0.0", "Upload-Offset": "0", "Upload-Checksum": "sha256 ²"},
    )
    assert response.status_code == 400
    assert json.loads(response.content)["code"] == "bad_header"
    upload.refresh_from_db()
    assert upload.offset == 0
