"""The kernel's part of ``zhifa demo load``: each installed app contributes its step.

A module ``<app>/demo.py`` may hold a list ``STEPS`` of :class:`DemoStep`; ``zhifa demo load`` runs
every step in ``order`` (then by app) and prints the lines each returns. Every step is idempotent
(a second load creates nothing new) and finds what earlier steps loaded by itself (the Baishan
township through ``zhifa.org.demo.demo_township``): the kernel knows no app.

The order in force: the organisation (10), the catalogue (20), the demo logins (30), the cases (40).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from zhifa.core.plugins import app_modules


@dataclass(frozen=True)
class DemoStep:
    """One idempotent part of the demo; ``run`` returns the lines to print (maybe none)."""

    name: str
    run: Callable[[], list[str]]
    order: int


def discover() -> list[DemoStep]:
    """Every ``STEPS`` of every installed app's ``demo`` module, in run order."""
    found: list[tuple[int, int, DemoStep]] = []
    for position, module in app_modules("demo"):
        for step in getattr(module, "STEPS", []):
            found.append((step.order, position, step))
    found.sort(key=lambda item: (item[0], item[1]))
    return [step for _order, _position, step in found]
