"""Appending to the ledger. Every service that writes calls :func:`ledger_append` inside its own
transaction, after the write, so the change and its record commit (or roll back) together."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import models, transaction

from zhifa.core import clock
from zhifa.ledger import canonical
from zhifa.ledger.models import LedgerEvent, LedgerHead, Version

LEAF_VERSION = 1


def object_type_of(obj: models.Model) -> str:
    return obj._meta.label_lower


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The canonical content of a row: every concrete field by its column attribute name."""
    return {
        field.attname: canonical.normalise(getattr(obj, field.attname))
        for field in obj._meta.concrete_fields
    }


def actor_label(actor: Any) -> str:
    """``user:<id>`` for a person, ``token:<prefix>`` for a machine, ``system`` for the system."""
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    label = getattr(actor, "ledger_actor_label", None)  # an API token: "token:<prefix>"
    if isinstance(label, str):
        return label
    return f"user:{actor.pk}"


def leaf_data(event: LedgerEvent) -> bytes:
    """The leaf: the canonical serialisation of the event (hashes and ids only)."""
    return canonical.dumps(
        {
            "v": LEAF_VERSION,
            "seq": event.seq,
            "at": event.recorded_at,
            "actor": event.actor,
            "action": event.action,
            "type": event.object_type,
            "id": event.object_id,
            "sha256": event.content_sha256,
            "blob": event.blob_sha256 or None,
        }
    )


def leaf_hash(data: bytes) -> str:
    """RFC 6962 leaf hash: SHA-256(0x00 ‖ data)."""
    return hashlib.sha256(b"\x00" + data).hexdigest()


def ledger_append(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    reason: str = "",
    blob_sha256: str = "",
) -> LedgerEvent:
    """Append one event for ``obj`` (already written) and keep its snapshot as a new version.

    Must run inside the caller's transaction; the head row lock gives one gap-free order even with
    concurrent writers.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_append must run inside the service's transaction")
    content = snapshot(obj)
    head, _ = LedgerHead.objects.select_for_update().get_or_create(pk=1)
    event = LedgerEvent(
        seq=head.size,
        recorded_at=clock.now(),
        actor=actor_label(actor),
        action=action,
        object_type=object_type_of(obj),
        object_id=str(obj.pk),
        content_sha256=canonical.sha256_hex(content),
        blob_sha256=blob_sha256,
    )
    event.leaf_hash = leaf_hash(leaf_data(event))
    event.save(force_insert=True)
    Version.objects.create(event=event, content=content, reason=reason)
    head.size += 1
    head.save(update_fields=["size"])
    return event
