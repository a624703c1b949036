"""The stable codes of the outbox's refusals (see ``zhifa.cases.errors``)."""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    EMAIL_NOT_DEAD = "email_not_dead"
