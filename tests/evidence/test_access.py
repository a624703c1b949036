"""Devices (R-3) and confidential records (R-33): who registers devices, who reads what."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from tests.evidence.conftest import World, make_user, meta, mp4_bytes
from zhifa.accounts.models import RoleAssignment, SecurityEvent
from zhifa.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhifa.evidence import selectors, services
from zhifa.evidence.models import Device, EvidenceAccess, EvidenceGrant
from zhifa.ledger.models import LedgerEvent
from zhifa.ledger.verify import verify_ledger
from zhifa.org.models import Officer, Person


def test_the_agency_registers_devices_with_type_serial_and_holder__R3(world: World) -> None:
    head = world.actor(world.head_user)
    device = services.device_register(
        actor=head,
        agency=world.agency,
        kind=Device.Kind.BODY_CAMERA,
        serial=" DSJ-01 ",
        model_name="DSJ-V9",
        holder=world.officer,
    )
    assert (device.serial, device.holder_id) == ("DSJ-01", world.officer.pk)
    assert LedgerEvent.objects.filter(action="evidence.device.register").count() == 1
    with pytest.raises(Conflict):
        services.device_register(
            actor=head, agency=world.agency, kind=Device.Kind.BODY_CAMERA, serial="DSJ-01"
        )
    with pytest.raises(PermissionDenied):
        services.device_register(
            actor=world.actor(world.officer_user),
            agency=world.agency,
            kind=Device.Kind.CAMERA,
            serial="C-1",
        )
    assert Device.objects.count() == 1
    services.device_assign_holder(actor=head, device=device, holder=None, reason="交回保管")
    device.refresh_from_db()
    assert device.holder_id is None
    services.device_retire(actor=head, device=device, reason="损坏报废")
    count = LedgerEvent.objects.count()
    with pytest.raises(ValidationFailed) as info:
        services.evidence_register_file(
            actor=world.actor(world.officer_user),
            agency=world.agency,
            file=ContentFile(mp4_bytes(2000)),
            metadata=meta(device=str(device.pk)),
        )
    assert "device" in info.value.detail
    assert LedgerEvent.objects.count() == count
    assert verify_ledger(blobs=True, mirror=None).ok


def test_a_device_holder_must_be_an_officer_of_the_agency__R3(world: World) -> None:
    with pytest.raises(ValidationFailed):
        services.device_register(
            actor=world.actor(world.head_user),
            agency=world.agency,
            kind=Device.Kind.RECORDER,
            serial="R-1",
            holder=_other_officer(world),
        )
    assert Device.objects.count() == 0


def _other_officer(world: World) -> Officer:
    person = Person.objects.create(government=world.government, name="王五", is_synthetic=True)
    return Officer.objects.create(person=person, agency=world.other_agency)


def test_confidential_items_need_a_grant_even_inside_the_agency__R33(world: World) -> None:
    secret = services.evidence_register_file(
        actor=world.actor(world.officer_user),
        agency=world.agency,
        file=ContentFile(mp4_bytes(3000, seed=40)),
        metadata=meta(confidentiality="privacy"),
    )
    assert selectors.evidence_visible_to(world.officer_user).filter(pk=secret.pk).exists()
    for user in (world.officer2_user, world.head_user, world.supervisor_user):
        assert not selectors.evidence_visible_to(user).filter(pk=secret.pk).exists()
    with pytest.raises(NotFound):
        services.evidence_open(
            actor=world.actor(world.officer2_user), evidence_id=secret.pk, action="view", ip=None
        )
    # the refusal is a security-log line (not ledgered, issue 10 defect 7), not an access row
    denied = SecurityEvent.objects.filter(user=world.officer2_user, kind="access_denied")
    assert [e.detail for e in denied] == [f"read evidence.evidence#{secret.pk}: not_found"]
    assert not EvidenceAccess.objects.filter(user=world.officer2_user).exists()
    with pytest.raises(PermissionDenied):
        services.grant_create(
            actor=world.actor(world.officer_user),
            evidence=secret,
            user=world.officer2_user,
            reason="办案需要",
        )
    assert EvidenceGrant.objects.count() == 0
    grant = services.grant_create(
        actor=world.actor(world.head_user),
        evidence=secret,
        user=world.officer2_user,
        reason="承办人员办案需要",
    )
    opened = services.evidence_open(
        actor=world.actor(world.officer2_user), evidence_id=secret.pk, action="view", ip="10.0.0.8"
    )
    assert opened.pk == secret.pk
    services.grant_revoke(actor=world.actor(world.head_user), grant=grant, reason="案件办结")
    assert not selectors.evidence_visible_to(world.officer2_user).filter(pk=secret.pk).exists()
    actions = list(
        LedgerEvent.objects.filter(action__startswith="evidence.grant.").values_list(
            "action", flat=True
        )
    )
    assert actions == ["evidence.grant.create", "evidence.grant.revoke"]
    assert verify_ledger(blobs=True, mirror=None).ok


def test_confidential_items_are_never_published__R33(world: World) -> None:
    from tests.evidence.conftest import jpeg_bytes

    secret = services.evidence_register_file(
        actor=world.actor(world.officer_user),
        agency=world.agency,
        file=ContentFile(jpeg_bytes()),
        metadata=meta(kind="photo", confidentiality="state_secret"),
    )
    with pytest.raises(ValidationFailed):
        services.evidence_publish_copy(actor=world.actor(world.officer_user), evidence=secret)


def test_the_upload_page_offers_only_the_devices_in_service_of_ones_own_agency__R3(
    world: World,
) -> None:
    head = world.actor(world.head_user)
    kept = services.device_register(
        actor=head, agency=world.agency, kind=Device.Kind.BODY_CAMERA, serial="DSJ-10"
    )
    retired = services.device_register(
        actor=head, agency=world.agency, kind=Device.Kind.CAMERA, serial="C-10"
    )
    services.device_retire(actor=head, device=retired, reason="损坏报废")
    other_head = make_user("other-head", world.other_agency, RoleAssignment.Role.AGENCY_HEAD)
    theirs = services.device_register(
        actor=world.actor(other_head),
        agency=world.other_agency,
        kind=Device.Kind.CAMERA,
        serial="OTHER-1",
    )
    assert list(selectors.devices_for_upload(world.actor(world.officer_user))) == [kept]
    assert list(selectors.devices_for_upload(world.actor(world.other_user))) == [theirs]
    assert list(selectors.devices_for_upload(world.actor(world.supervisor_user))) == []
