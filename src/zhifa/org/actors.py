"""Who performs a change: a signed-in user, a machine (an API token, ``request.auth`` of the API),
or — only in the demo loader and data migrations — the system itself.

``None`` is never an actor: a view that forgot to pass ``request.user`` must fail loudly instead of
writing as the system. The system is the explicit sentinel :data:`SYSTEM`.

A token acts for its agency (any agency when it names none) with the scopes ``org:read`` (read the
organisation) and ``org:write`` (what an agency head may change); it never acts as an admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from zhifa.accounts.models import ApiToken, User

SCOPE_READ: Final = "org:read"
SCOPE_WRITE: Final = "org:write"


@dataclass(frozen=True)
class SystemActor:
    """The system itself (demo loader, data migrations). Recorded in the ledger as ``system``."""

    label: str = "system"

    def __str__(self) -> str:
        return self.label


SYSTEM: Final = SystemActor()

Actor = User | ApiToken | SystemActor


def is_system(actor: object) -> bool:
    return isinstance(actor, SystemActor)


def ledger_actor(actor: Actor) -> User | str:
    """What ``ledger_append`` records as the actor: the user, ``token:<prefix>`` or ``system``."""
    if isinstance(actor, SystemActor):
        return actor.label
    if isinstance(actor, ApiToken):
        return f"token:{actor.prefix}"
    return actor
