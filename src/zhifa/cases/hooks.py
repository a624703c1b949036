"""How the engine calls a hook a step declares (``catalogue.procedures.HOOKS``), and who
implements it.

A hook is named on a step of a definition, takes its typed parameters from the definition
(``[hooks.<name>]``, parsed by :mod:`zhifa.catalogue.hook_params`) and is implemented in code: by
``cases/gates.py`` or, later, by the issue that owns it (:func:`register` replaces the engine's).
``check`` returns the problems that keep the step open, in Chinese; ``after_close`` sets going
what closing the step starts. The engine treats a declared hook with no implementation as not
passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from zhifa.accounts.actors import Actor
from zhifa.cases.models import Case, StepRun
from zhifa.catalogue.hook_params import HookParams
from zhifa.catalogue.procedures import HOOKS, ProcedureDefinition, Step

ParamsT = TypeVar("ParamsT", bound=HookParams, contravariant=True)


@dataclass(frozen=True)
class HookContext:
    """What a hook looks at: the step as taken, under the definition the case runs under."""

    run: StepRun
    definition: ProcedureDefinition
    now: datetime

    @property
    def case(self) -> Case:
        return self.run.case

    @property
    def step(self) -> Step:
        return self.definition.step(self.run.step_id)


class Hook(Protocol[ParamsT]):
    def check(self, context: HookContext, params: ParamsT) -> list[str]:
        """The problems that keep the step open (empty: the hook passes)."""
        ...

    def after_close(self, context: HookContext, params: ParamsT, *, actor: Actor) -> None:
        """What closing the step sets going (in the closing transaction)."""
        ...


_IMPLEMENTATIONS: dict[str, Hook[Any]] = {}


def register(name: str, implementation: Hook[Any]) -> None:
    """Install the implementation of a declared hook (the engine's, or the owning issue's)."""
    if name not in HOOKS:
        raise KeyError(f"undeclared hook {name!r}; declare it in catalogue.procedures.HOOKS")
    _IMPLEMENTATIONS[name] = implementation


def implementation(name: str) -> Hook[Any] | None:
    return _IMPLEMENTATIONS.get(name)


def check(name: str, context: HookContext) -> list[str] | None:
    """The problems hook ``name`` finds (None: the hook has no implementation)."""
    found = implementation(name)
    if found is None:
        return None
    return found.check(context, context.definition.params(name))


def after_close(name: str, context: HookContext, *, actor: Actor) -> None:
    found = implementation(name)
    if found is not None:
        found.after_close(context, context.definition.params(name), actor=actor)
