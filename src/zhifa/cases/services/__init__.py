"""The only code that changes cases. Each service: keyword-only arguments, ``actor`` first, one
transaction, permission and rule checks, the write, its ledger events. A refused call raises a
:class:`~zhifa.core.errors.DomainError` and, the transaction rolled back, has changed nothing.

``actor`` is a staff :class:`~zhifa.accounts.models.User`, an API token (``cases:write`` scope,
bound to its agency) or, in the demo loader only, :data:`zhifa.org.actors.SYSTEM`.

One module per stage, all re-exported here (``services.step_advance(...)``):

- :mod:`.start` — starting a case, its parties and officers (R-7 – R-10);
- :mod:`.steps` — moving through the procedure's steps;
- :mod:`.records` — records and corrections, evidence links, the approval chain (R-35);
- :mod:`.complaints` — 投诉举报 (R-10);
- :mod:`.limits` — the deadline engine (opened, met, extended, computed, overdue);
- :mod:`.notifications` — notices to the people responsible;
- :mod:`.common` — what they share (the locked case, the current step, checked text).

Who may read or write a case is decided in :mod:`zhifa.cases.access`.
"""

from zhifa.cases.access import SCOPE_READ, SCOPE_WRITE, STAFF_ROLES, can_write
from zhifa.cases.services.complaints import complaint_close_without_case, complaint_register
from zhifa.cases.services.limits import (
    compute_pending,
    deadline_extend,
    is_late,
    mark_overdue,
    open_deadline,
    pending_years,
)
from zhifa.cases.services.notifications import notification_read, responsible_users
from zhifa.cases.services.records import (
    approval_give,
    evidence_link,
    record_add,
    record_correct,
)
from zhifa.cases.services.start import (
    PartyIn,
    case_start,
    complaint_start_case,
    officer_assign,
    officer_remove,
    party_add,
    party_correct,
    step_set_officers,
)
from zhifa.cases.services.steps import (
    step_advance,
    step_av_reason,
    step_choose_variant,
    step_mark_disputed,
)

__all__ = [
    "SCOPE_READ",
    "SCOPE_WRITE",
    "STAFF_ROLES",
    "PartyIn",
    "approval_give",
    "can_write",
    "case_start",
    "complaint_close_without_case",
    "complaint_register",
    "complaint_start_case",
    "compute_pending",
    "deadline_extend",
    "evidence_link",
    "is_late",
    "mark_overdue",
    "notification_read",
    "officer_assign",
    "officer_remove",
    "open_deadline",
    "party_add",
    "party_correct",
    "pending_years",
    "record_add",
    "record_correct",
    "responsible_users",
    "step_advance",
    "step_av_reason",
    "step_choose_variant",
    "step_mark_disputed",
    "step_set_officers",
]
