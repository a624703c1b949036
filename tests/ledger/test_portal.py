"""The portal page 数据完整性 (R-34): the checkpoint, the key, and how to check, in Chinese."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from zhifa.ledger import keys
from zhifa.ledger.services import checkpoint_sign

from .conftest import make_log


def test_integrity_page_shows_checkpoint_key_and_instructions__R34() -> None:
    make_log(4)
    checkpoint = checkpoint_sign()
    assert checkpoint is not None
    url = reverse("ledger:integrity")
    assert url == "/integrity/"
    response = Client().get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "数据完整性" in page
    assert checkpoint.root_hash in page
    assert keys.verifier_key() in page
    assert "公民如何核验" in page and "审计人员如何核验" in page
    assert "python -m zhifa.ledger.audit" in page
    assert "/api/v1/ledger/proof/consistency" in page


def test_integrity_page_before_any_checkpoint__R34() -> None:
    response = Client().get("/integrity/")
    assert response.status_code == 200
    assert "账本尚未签署检查点" in response.content.decode()
