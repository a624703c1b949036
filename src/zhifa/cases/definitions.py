"""Which procedure definition a case runs under (ADR 0005).

A case is opened under the definition shipped at that moment and records its digest
(``Case.procedure_version``, a :class:`~zhifa.cases.models.ProcedureVersion` row keeping the
canonical text). It keeps running under that version after a new one ships: every rule of the
engine asks :func:`definition_for` for the case's definition, never the shipped one by slug. A
case opened before versions were kept (no digest) follows the shipped definition.
"""

from __future__ import annotations

import json

from zhifa.cases.models import Case, ProcedureVersion
from zhifa.catalogue import procedures
from zhifa.catalogue.procedures import ProcedureDefinition, Step

# digest -> the definition parsed from its stored text (versions are few and never change)
_PARSED: dict[str, ProcedureDefinition] = {}


def definition_for(case: Case) -> ProcedureDefinition:
    """The definition ``case`` runs under."""
    digest = case.procedure_version_id
    if not digest:
        return procedures.get(case.procedure)
    found = _PARSED.get(digest)
    if found is None:
        shipped = procedures.shipped().get(case.procedure)
        if shipped is not None and shipped.digest == digest:
            return shipped
        row = ProcedureVersion.objects.get(digest=digest)
        found = procedures.parse_definition(json.loads(row.text), source=f"{row.slug}.toml")
        _PARSED[digest] = found
    return found


def step_of(case: Case, step_id: str) -> Step:
    """A step of the definition ``case`` runs under."""
    return definition_for(case).step(step_id)


def files_after_emergency(case: Case, kind: str) -> bool:
    """Is ``kind`` a form of the emergency start (R-9), filed after the first step was taken?"""
    emergency = definition_for(case).emergency_start
    return emergency is not None and kind in emergency.forms
