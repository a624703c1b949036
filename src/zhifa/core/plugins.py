"""Inversion for the kernel: an installed app contributes to a shared job (``zhifa tick``,
``zhifa demo load``) with a module of a known name (``<app>/tick.py``, ``<app>/demo.py``), which the
kernel finds here without importing any app by name."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator
from types import ModuleType

from django.apps import apps


def app_modules(name: str) -> Iterator[tuple[int, ModuleType]]:
    """``(position in INSTALLED_APPS, module)`` for every installed app that has a module
    ``<app>.<name>``, in the order of ``INSTALLED_APPS``."""
    for position, config in enumerate(apps.get_app_configs()):
        module_name = f"{config.name}.{name}"
        if importlib.util.find_spec(module_name) is None:
            continue
        yield position, importlib.import_module(module_name)
