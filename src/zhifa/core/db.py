"""Facts about the databases every app shares."""

from __future__ import annotations

from typing import Final

# The largest primary key the databases store (BigAutoField): a larger id cannot exist, so an
# API or page refuses it before asking the database.
MAX_DB_ID: Final = 2**63 - 1
