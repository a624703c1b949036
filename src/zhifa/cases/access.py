"""Who may read and who may write a case (R-33), decided here and nowhere else.

A case is readable by the staff of its agency and by the supervisor (justice office) of its
government. A confidential case (state secret, trade secret, privacy) only by the officers on it,
the heads of its agency, its legal reviewers and — except state secrets — the supervisor. A token
with ``cases:read`` reads its agency's non-confidential cases. Who may write: :func:`can_write`.
Who may open an item in a case's file: :func:`zhifa.evidence.selectors.evidence_visible_to`,
narrowed by :func:`evidence_case_scope` (registered when the app is ready).
"""

from __future__ import annotations

from typing import Literal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from zhifa.accounts.access import (
    Role,
    active_roles,
    has_role,
    is_supervisor,
    token_has_scope,
)
from zhifa.accounts.actors import Actor, is_system
from zhifa.accounts.models import ApiToken, User
from zhifa.accounts.services import refusal_record
from zhifa.cases.errors import Code
from zhifa.cases.models import Case, StepEvidence
from zhifa.core.db import MAX_DB_ID
from zhifa.core.errors import DomainError, NotFound, PermissionDenied
from zhifa.evidence.models import Confidentiality
from zhifa.evidence.selectors import Reader
from zhifa.org.models import Agency, Officer
from zhifa.org.selectors import agencies_readable_by

SCOPE_READ = "cases:read"
SCOPE_WRITE = "cases:write"
STAFF_ROLES = (Role.OFFICER, Role.UNIT_HEAD, Role.AGENCY_HEAD)
HEAD_ROLES = (Role.UNIT_HEAD, Role.AGENCY_HEAD)


def user_of(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def assigned_officer(user: User | None, case: Case) -> Officer | None:
    if user is None or user.person_id is None:
        return None
    link = (
        case.officers.filter(removed_at__isnull=True, officer__person_id=user.person_id)
        .select_related("officer")
        .first()
    )
    return link.officer if link else None


def can_write(actor: Actor, case: Case) -> bool:
    """An officer on the case, a head of its agency, a token with ``cases:write`` for it, or the
    system (demo loader). A confidential case (R-33) only the officers on it and the agency head:
    no one writes a case that :func:`cases_visible_to` does not let them read (a unit head
    reads a confidential case only when on it)."""
    if is_system(actor):
        return True
    if isinstance(actor, ApiToken):
        # A machine writes only for the agency it is bound to (a platform token without an
        # agency reads; it does not act for every agency).
        return (
            not case.confidentiality
            and actor.agency_id == case.agency_id
            and token_has_scope(actor, SCOPE_WRITE, case.agency)
        )
    user = user_of(actor)
    if user is None:
        return False
    if has_role(user, case.agency, Role.AGENCY_HEAD):
        return True
    if not case.confidentiality and has_role(user, case.agency, Role.UNIT_HEAD):
        return True
    return has_role(user, case.agency, *STAFF_ROLES) and assigned_officer(user, case) is not None


def require_agency_staff(actor: Actor, agency: Agency) -> None:
    if is_system(actor):
        return
    if isinstance(actor, ApiToken):
        if actor.agency_id == agency.pk and token_has_scope(actor, SCOPE_WRITE, agency):
            return
    elif has_role(user_of(actor), agency, *STAFF_ROLES):
        return
    raise PermissionDenied(
        _("您在“%(agency)s”没有办理案件的权限。") % {"agency": agency.name},
        code=Code.NOT_CASE_STAFF,
        detail={"required_roles": list(STAFF_ROLES)},
    )


def may_read(user: User, case: Case) -> bool:
    """R-33: no one signs for a case they may not read (a confidential case's checker must be
    on it, its agency head or a legal reviewer)."""
    return cases_visible_to(user).filter(pk=case.pk).exists()


def cases_visible_to(actor: Actor) -> QuerySet[Case]:
    """Every case ``actor`` may read."""
    if isinstance(actor, ApiToken):
        if not (actor.has_scope(SCOPE_READ) or actor.has_scope(SCOPE_WRITE)):
            return Case.objects.none()
        rows = Case.objects.filter(confidentiality=Confidentiality.NONE)
        return rows if actor.agency_id is None else rows.filter(agency_id=actor.agency_id)
    if not isinstance(actor, User) or not actor.is_authenticated:  # the system reads no case
        return Case.objects.none()
    agencies = agencies_readable_by(actor)
    open_cases = Q(confidentiality=Confidentiality.NONE)
    privileged = active_roles(actor).filter(role__in=(Role.AGENCY_HEAD, Role.LEGAL_REVIEWER))
    confidential = Q(agency_id__in=privileged.values("agency_id"))
    if actor.person_id is not None:
        confidential |= Q(officers__officer__person_id=actor.person_id, officers__removed_at=None)
    if is_supervisor(actor):
        confidential |= ~Q(confidentiality=Confidentiality.STATE_SECRET)
    return (
        Case.objects.filter(agency__in=agencies)
        .filter(open_cases | confidential)
        .distinct()
        .select_related("agency", "unit", "power")
    )


def case_get_for_actor(*, actor: Actor, case_id: int) -> Case:
    """The case, or :class:`NotFound` (the same for a case that exists but is not readable;
    that refusal is logged, :func:`refuse_case`)."""
    case = cases_visible_to(actor).filter(pk=case_id).first()
    if case is None:
        refusal = NotFound(_("没有找到该案件。"), code=Code.CASE_NOT_FOUND)
        if 1 <= case_id <= MAX_DB_ID and Case.objects.filter(pk=case_id).exists():
            refuse_case(actor, case_id, "read", refusal)
        raise refusal
    return case


def refuse_case(
    actor: Actor, case_id: int, action: Literal["read", "write"], refusal: DomainError
) -> None:
    """Log (rate-limited, not ledgered) that ``actor`` was refused reading or writing an existing
    case — another agency's, or a confidential one they are not on (issue 10, defect 7)."""
    refusal_record(
        actor=actor, action=action, obj_type="cases.case", obj_id=case_id, refusal=refusal
    )


def evidence_case_scope(reader: Reader) -> Q:
    """R-33: an evidence item in the file of a confidential case is opened only by those who may
    read that case, by whoever uploaded it and by the holders of a grant on it. Registered with
    :func:`zhifa.evidence.selectors.reader_scope_register`, so that every read of an item — the
    evidence list and download, the case page, the API, linking — applies it."""
    readable = (
        cases_visible_to(reader) if isinstance(reader, User | ApiToken) else Case.objects.none()
    )
    hidden = (
        StepEvidence.objects.exclude(step_run__case__confidentiality=Confidentiality.NONE)
        .exclude(step_run__case__in=readable.values("pk"))
        .values("evidence_id")
    )
    scope = ~Q(pk__in=hidden)
    if isinstance(reader, User) and reader.is_authenticated:
        scope |= Q(uploaded_by=reader) | Q(grants__user=reader, grants__revoked_at__isnull=True)
    return scope
