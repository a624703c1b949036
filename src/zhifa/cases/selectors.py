"""Reading cases, scoped by agency, role and confidentiality (R-33). Pure reads.

A case is readable by the staff of its agency and by the supervisor (justice office) of its
government. A confidential case (state secret, trade secret, privacy) only by the officers on it,
the heads of its agency, its legal reviewers and — except state secrets — the supervisor. A token
with ``cases:read`` reads its agency's non-confidential cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from zhifa.accounts.access import Role, active_roles, is_supervisor
from zhifa.accounts.models import ApiToken
from zhifa.cases import rules
from zhifa.cases.models import (
    Case,
    CaseDeadline,
    Complaint,
    Notification,
    StepEvidence,
    StepRun,
)
from zhifa.cases.services import SCOPE_READ, SCOPE_WRITE
from zhifa.catalogue import procedures
from zhifa.catalogue.procedures import Step
from zhifa.core import clock
from zhifa.core.errors import NotFound
from zhifa.evidence.models import Confidentiality
from zhifa.org.selectors import agencies_readable_by


def cases_visible_to(actor: Any) -> QuerySet[Case]:
    """Every case ``actor`` may read."""
    if isinstance(actor, ApiToken):
        if not (actor.has_scope(SCOPE_READ) or actor.has_scope(SCOPE_WRITE)):
            return Case.objects.none()
        rows = Case.objects.filter(confidentiality=Confidentiality.NONE)
        return rows if actor.agency_id is None else rows.filter(agency_id=actor.agency_id)
    if actor is None or not getattr(actor, "is_authenticated", False):
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


def case_get_for_actor(*, actor: Any, case_id: int) -> Case:
    """The case, or :class:`NotFound` (the same for a case that exists but is not readable)."""
    case = cases_visible_to(actor).filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("没有找到该案件。"))
    return case


def my_cases(user: Any) -> QuerySet[Case]:
    """The cases the user handles (as an officer on them), open ones first."""
    if user is None or getattr(user, "person_id", None) is None:
        return Case.objects.none()
    return (
        cases_visible_to(user)
        .filter(officers__officer__person_id=user.person_id, officers__removed_at=None)
        .order_by("state", "-opened_at")
    )


def deadlines_for(user: Any) -> QuerySet[CaseDeadline]:
    """Running limits of the cases the user handles, or (heads) of their agency: soonest first."""
    heads = active_roles(user).filter(role__in=(Role.UNIT_HEAD, Role.AGENCY_HEAD))
    scope = Q(case__agency_id__in=heads.values("agency_id"))
    if getattr(user, "person_id", None) is not None:
        scope |= Q(
            case__officers__officer__person_id=user.person_id, case__officers__removed_at=None
        )
    return (
        CaseDeadline.objects.filter(
            case__in=cases_visible_to(user), met_at__isnull=True, case__state=Case.State.OPEN
        )
        .filter(scope)
        .distinct()
        .select_related("case", "step_run")
        .order_by(F("due_date").asc(nulls_last=True), "id")
    )


def notifications_for(user: Any) -> QuerySet[Notification]:
    if user is None or not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user=user).select_related("case")


def complaints_visible_to(actor: Any) -> QuerySet[Complaint]:
    if (
        isinstance(actor, ApiToken)
        or actor is None
        or not getattr(actor, "is_authenticated", False)
    ):
        return Complaint.objects.none()
    return Complaint.objects.filter(agency__in=agencies_readable_by(actor)).select_related(
        "agency", "case"
    )


def current_run(case: Case) -> StepRun | None:
    return case.steps.filter(state=StepRun.State.OPEN).order_by("-seq").first()


def step_of(case: Case, step_id: str) -> Step:
    return procedures.get(case.procedure).step(step_id)


@dataclass(frozen=True)
class NextStep:
    id: str
    name: str
    label: str


def next_steps(case: Case) -> list[NextStep]:
    """The steps the current one may lead to (empty when archived or at the final step)."""
    run = current_run(case)
    if run is None:
        return []
    definition = procedures.get(case.procedure)
    return [
        NextStep(t.to, definition.step(t.to).name, t.label)
        for t in definition.step(run.step_id).next
    ]


def missing_now(case: Case, *, now: datetime | None = None) -> list[rules.Missing]:
    """What the current step still lacks ("missing before this step can close")."""
    run = current_run(case)
    if run is None:
        return []
    return rules.missing(run, now=now or clock.now())


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    title: str
    who: str
    detail: str = ""
    object_id: int = 0


def _who(user: Any) -> str:
    if user is None:
        return _("系统")
    return user.get_full_name() or user.username


def _actors(case: Case) -> dict[tuple[str, str, str], str]:
    """Who did each recorded change of the case, from its ledger events: (object type, id,
    action) → the person's name, the machine token, or 系统 (R-34: every change attributable)."""
    from zhifa.accounts.models import User
    from zhifa.ledger.models import LedgerEvent

    ids = {
        "cases.case": [case.pk],
        "cases.party": list(case.parties.values_list("pk", flat=True)),
        "cases.steprun": list(case.steps.values_list("pk", flat=True)),
        "cases.stepevidence": list(
            StepEvidence.objects.filter(step_run__case=case).values_list("pk", flat=True)
        ),
    }
    query = Q(pk__in=[])
    for object_type, pks in ids.items():
        query |= Q(object_type=object_type, object_id__in=[str(pk) for pk in pks])
    events = list(
        LedgerEvent.objects.filter(query).values_list("object_type", "object_id", "action", "actor")
    )
    user_ids = {int(a[5:]) for *_rest, a in events if a.startswith("user:") and a[5:].isdigit()}
    names = {u.pk: _who(u) for u in User.objects.filter(pk__in=user_ids)}
    out = {}
    for object_type, object_id, action, actor in events:
        if actor.startswith("user:") and actor[5:].isdigit():
            label = names.get(int(actor[5:]), actor)
        elif actor.startswith("token:"):
            label = _("接口令牌 %(prefix)s") % {"prefix": actor[6:]}
        else:
            label = _("系统")
        out[(object_type, object_id, action)] = label
    return out


def timeline(case: Case, *, viewer: Any = None) -> list[TimelineEntry]:
    """Every record of the case in order, with who and when (R-1). With ``viewer``, an evidence
    item the viewer may not open is named only by its kind (R-33)."""
    definition = procedures.get(case.procedure)
    actors = _actors(case)
    visible: set[int] | None = None
    if viewer is not None and not isinstance(viewer, ApiToken):
        from zhifa.evidence.selectors import evidence_visible_to

        visible = set(
            evidence_visible_to(viewer)
            .filter(case_links__step_run__case=case)
            .values_list("pk", flat=True)
        )

    def by(obj: Any, action: str) -> str:
        return actors.get((obj._meta.label_lower, str(obj.pk), action), "")

    entries: list[TimelineEntry] = [
        TimelineEntry(
            case.opened_at,
            "case",
            _("启动：%(mode)s") % {"mode": case.get_start_mode_display()},
            _who(case.created_by),
        )
    ]
    for party in case.parties.all():
        title = _("更正当事人") if party.replaces_id else _("登记当事人")
        entries.append(
            TimelineEntry(
                party.added_at,
                "party",
                f"{title}：{party.name}",
                by(party, "cases.party.correct" if party.replaces_id else "cases.party.add"),
                party.correction_reason,
                party.pk,
            )
        )
    for run in case.steps.prefetch_related(
        "records__created_by", "approvals__user", "evidence_links__evidence"
    ):
        name = definition.step(run.step_id).name
        entries.append(
            TimelineEntry(
                run.opened_at,
                "step_open",
                _("开始：%(step)s") % {"step": name},
                by(run, "cases.step.open"),
                "",
                run.pk,
            )
        )
        for record in run.records.all():
            label = str(procedures.DOCUMENT_KINDS.get(record.kind, record.kind))
            title = (
                _("更正（第%(v)d版）：%(doc)s") % {"v": record.version, "doc": label}
                if record.replaces_id
                else label
            )
            entries.append(
                TimelineEntry(
                    record.created_at,
                    "record",
                    title,
                    _who(record.created_by),
                    record.correction_reason,
                    record.pk,
                )
            )
        for approval in run.approvals.all():
            entries.append(
                TimelineEntry(
                    approval.at,
                    "approval",
                    f"{approval.get_role_display()}{approval.get_decision_display()}",
                    _who(approval.user),
                    approval.opinion,
                    approval.pk,
                )
            )
        for link in run.evidence_links.all():
            entries.append(
                TimelineEntry(
                    link.linked_at,
                    "evidence",
                    _("关联证据：%(name)s")
                    % {
                        "name": link.evidence.original_name
                        if (visible is None or link.evidence_id in visible)
                        and link.evidence.original_name
                        else link.evidence.get_kind_display()
                    },
                    by(link, "cases.evidence.link"),
                    link.note,
                    link.evidence_id,
                )
            )
        if run.closed_at is not None:
            entries.append(
                TimelineEntry(
                    run.closed_at,
                    "step_close",
                    _("完成：%(step)s") % {"step": name},
                    by(run, "cases.step.close"),
                    "",
                    run.pk,
                )
            )
    if case.archived_at is not None:
        entries.append(
            TimelineEntry(case.archived_at, "archive", _("归档"), by(case, "cases.case.archive"))
        )
    order = {
        "case": 0,
        "party": 1,
        "step_open": 2,
        "record": 3,
        "evidence": 4,
        "approval": 5,
        "step_close": 6,
        "archive": 7,
    }
    return sorted(entries, key=lambda e: (e.at, order[e.kind], e.object_id))
