"""How much of the randomised and long-running tests the gate runs.

``make test`` runs each at a size that finds what the full size found (the reasons are beside each
figure, and in ``docs/CONTRIBUTING.md``); ``make test-deep`` (``ZHIFA_DEEP=1``) runs the full sizes.
"""

from __future__ import annotations

import os

DEEP = os.environ.get("ZHIFA_DEEP", "") not in ("", "0")


def budget(*, gate: int, deep: int) -> int:
    """``gate`` in ``make test``, ``deep`` in ``make test-deep``."""
    return deep if DEEP else gate
