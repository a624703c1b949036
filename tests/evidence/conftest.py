from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from zhifa.accounts.actors import Actor
from zhifa.accounts.models import RoleAssignment, User
from zhifa.core import clock
from zhifa.org.models import Agency, Government, Officer, Person


@pytest.fixture(autouse=True)
def _evidence_root(settings: Any, tmp_path: Path) -> Path:
    """Each test gets its own blob folder (so counting files on disk means something)."""
    root = tmp_path / "evidence"
    settings.EVIDENCE_ROOT = root
    settings.EVIDENCE_STORAGE = "local"
    return root


@dataclass
class World:
    government: Government
    agency: Agency
    other_agency: Agency
    justice: Agency
    officer: Officer
    officer_user: User
    officer2_user: User
    head_user: User
    keeper_user: User
    other_user: User
    supervisor_user: User

    def actor(self, user: User) -> Actor:
        return user


def make_user(name: str, agency: Agency, role: str, officer: Officer | None = None) -> User:
    user = User.objects.create_user(username=name, password="x-Pass-12345")
    if officer is not None:
        user.person = officer.person
        user.save(update_fields=["person"])
    RoleAssignment.objects.create(user=user, agency=agency, role=role, granted_at=clock.now())
    return user


@pytest.fixture
def world(db: None) -> World:
    government = Government.objects.create(name="梨树镇人民政府", level="township")
    agency = Agency.objects.create(government=government, name="梨树镇综合行政执法队", kind="other")
    other = Agency.objects.create(government=government, name="梨树镇市场监管所", kind="institute")
    justice = Agency.objects.create(
        government=government, name="梨树镇司法所", kind="justice_office"
    )
    person = Person.objects.create(government=government, name="张三", is_synthetic=True)
    officer = Officer.objects.create(person=person, agency=agency)
    return World(
        government=government,
        agency=agency,
        other_agency=other,
        justice=justice,
        officer=officer,
        officer_user=make_user("officer", agency, RoleAssignment.Role.OFFICER, officer),
        officer2_user=make_user("officer2", agency, RoleAssignment.Role.OFFICER),
        head_user=make_user("head", agency, RoleAssignment.Role.AGENCY_HEAD),
        keeper_user=make_user("keeper", agency, RoleAssignment.Role.RECORDS_KEEPER),
        other_user=make_user("stranger", other, RoleAssignment.Role.OFFICER),
        supervisor_user=make_user("supervisor", justice, RoleAssignment.Role.SUPERVISOR),
    )


def jpeg_bytes(*, size: tuple[int, int] = (64, 48), gps: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "BodyCamMaker"  # Make
    exif[0x0110] = "DSJ-9"  # Model
    if gps:
        exif[0x8825] = {1: "N", 2: (43.0, 18.0, 0.0), 3: "E", 4: (124.0, 20.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def mp4_bytes(size: int, seed: int = 0) -> bytes:
    """An ISO BMFF header (ftyp isom) followed by ``size`` bytes of deterministic filler."""
    head = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    body = bytearray()
    block = (seed.to_bytes(4, "big") + b"zhifa-evidence-") * 64
    while len(body) < size - len(head):
        body += block
    return head + bytes(body[: size - len(head)])


def meta(**overrides: str) -> dict[str, str]:
    values = {
        "kind": "video",
        "captured_at": (clock.now() - timedelta(hours=1)).isoformat(),
        "filename": "scene.mp4",
    }
    values.update(overrides)
    return values
