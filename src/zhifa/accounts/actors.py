"""Who performs a change: the one ``Actor`` type every service takes, and its one ledger label.

An actor is a signed-in :class:`~zhifa.accounts.models.User`, a machine (an
:class:`~zhifa.accounts.models.ApiToken`, ``request.auth`` of the API) or the system itself,
:data:`SYSTEM` — the demo loader, data migrations, the bootstrap command, ``zhifa tick`` and the
shell operator of ``zhifa calendar``. Nothing on the web acts as :data:`SYSTEM`.

``None`` is never an actor and neither is a string: a view that forgot to pass ``request.user``
must fail loudly instead of writing as the system.

The ledger does not know these types (it imports only ``core``): a service passes
``actor_label(actor)``, the label the ledger records — ``user:<id>``, ``token:<prefix>`` or
``system``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, TypeAlias

from zhifa.accounts.models import ApiToken, User

_SYSTEM_LABEL: Final = "system"


@dataclass(frozen=True)
class SystemActor:
    """The system itself. There is one: :data:`SYSTEM`. Recorded in the ledger as ``system``."""

    def __str__(self) -> str:
        return _SYSTEM_LABEL


SYSTEM: Final = SystemActor()

Actor: TypeAlias = User | ApiToken | SystemActor


def is_system(actor: object) -> bool:
    """Is ``actor`` the system itself?"""
    return isinstance(actor, SystemActor)


def actor_label(actor: Actor) -> str:
    """What the ledger records as the actor: ``user:<id>`` for a person, ``token:<prefix>`` for a
    machine, ``system`` for the system."""
    if isinstance(actor, SystemActor):
        return _SYSTEM_LABEL
    if isinstance(actor, ApiToken):
        return f"token:{actor.prefix}"
    return f"user:{actor.pk}"


__all__ = ["SYSTEM", "Actor", "SystemActor", "actor_label", "is_system"]
