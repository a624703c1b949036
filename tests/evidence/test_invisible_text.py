"""An upload's metadata refuses invisible characters (issue 10, defect 10): a file name like
``photo\u202egpj.exe`` displays as ``photoexe.jpg``. Single-line fields refuse line breaks too;
the description and the late reason keep theirs. Nothing is registered."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from tests.evidence.conftest import World, meta, mp4_bytes
from zhifa.core.errors import ValidationFailed
from zhifa.evidence import services
from zhifa.evidence.models import Blob, Evidence
from zhifa.ledger.models import LedgerEvent


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("filename", "scene\u202e4pm.exe"),
        ("filename", "scene\n.mp4"),
        ("place", "白山村\u200b村委会"),
        ("description", "现场\u2066检查"),
        ("late_reason", "设备\x07故障"),
    ],
)
def test_metadata_with_invisible_characters_is_refused_and_nothing_registered(
    world: World, key: str, value: str
) -> None:
    before = (Evidence.objects.count(), Blob.objects.count(), LedgerEvent.objects.count())
    with pytest.raises(ValidationFailed) as caught:
        services.evidence_register_file(
            actor=world.actor(world.officer_user),
            agency=world.agency,
            file=ContentFile(mp4_bytes(2000)),
            metadata=meta(**{key: value}),
        )
    assert "不可见的控制字符" in caught.value.detail[key]
    assert (Evidence.objects.count(), Blob.objects.count(), LedgerEvent.objects.count()) == before


def test_a_description_keeps_its_lines(world: World) -> None:
    evidence = services.evidence_register_file(
        actor=world.actor(world.officer_user),
        agency=world.agency,
        file=ContentFile(mp4_bytes(2000)),
        metadata=meta(description="第一段\r\n第二段\t完"),
    )
    assert evidence.pk is not None
