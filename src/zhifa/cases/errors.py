"""The stable codes of the cases app's refusals: every ``DomainError`` the case engine raises
passes one, and the API answers it as ``code``. A value, once published, is not renamed."""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    # who acts (access)
    NOT_CASE_STAFF = "not_case_staff"
    CASE_NOT_FOUND = "case_not_found"
    CASE_NOT_WRITABLE = "case_not_writable"
    CASE_ARCHIVED = "case_archived"
    STAFF_ONLY = "staff_only"
    ACTOR_REQUIRED = "actor_required"

    # what was entered
    TEXT_INVALID = "text_invalid"
    TEXT_REQUIRED = "text_required"
    TEXT_TOO_LONG = "text_too_long"

    # a lookup by id that names nothing the actor may read
    NOT_FOUND = "not_found"
    # an id sent to start a case or to name its officers that names nothing usable
    AGENCY_UNKNOWN = "agency_unknown"
    OFFICER_UNKNOWN = "officer_unknown"
    POWER_UNKNOWN = "power_unknown"
    UNIT_UNKNOWN = "unit_unknown"
    INVALID_RECORD = "invalid_record"
    INVALID_SIGNATURES = "invalid_signatures"

    # starting a case
    PROCEDURE_REQUIRED = "procedure_required"
    POWER_NOT_OF_AGENCY = "power_not_of_agency"
    PROCEDURE_MISMATCH = "procedure_mismatch"
    START_MODE_INVALID = "start_mode_invalid"
    START_MODE_NOT_ALLOWED = "start_mode_not_allowed"
    COMPLAINT_REQUIRED = "complaint_required"
    COMPLAINT_NOT_OF_AGENCY = "complaint_not_of_agency"
    CONFIDENTIALITY_INVALID = "confidentiality_invalid"
    UNIT_NOT_OF_AGENCY = "unit_not_of_agency"
    OFFICERS_REQUIRED = "officers_required"
    TOO_FEW_OFFICERS = "too_few_officers"

    # parties and officers
    PARTY_KIND_INVALID = "party_kind_invalid"
    ID_KIND_INVALID = "id_kind_invalid"
    ID_KIND_MISMATCH = "id_kind_mismatch"
    MINOR_NEEDS_GUARDIAN = "minor_needs_guardian"
    LEGAL_REPRESENTATIVE_REQUIRED = "legal_representative_required"
    PARTY_ALREADY_REGISTERED = "party_already_registered"
    ALREADY_CORRECTED = "already_corrected"
    OFFICER_ALREADY_ASSIGNED = "officer_already_assigned"
    OFFICER_NOT_ON_CASE = "officer_not_on_case"

    # steps
    NO_OPEN_STEP = "no_open_step"
    FINAL_STEP = "final_step"
    STEP_NOT_ALLOWED = "step_not_allowed"
    STEP_INCOMPLETE = "step_incomplete"
    STEP_NOT_FOUND = "step_not_found"
    STEP_CLOSED = "step_closed"
    VARIANT_INVALID = "variant_invalid"

    # records, evidence, approvals
    EMERGENCY_FORM_FILED = "emergency_form_filed"
    EVENT_DATE_IN_FUTURE = "event_date_in_future"
    EVENT_DATE_BEFORE_STEP = "event_date_before_step"
    EVIDENCE_NOT_FOUND = "evidence_not_found"
    EVIDENCE_ALREADY_LINKED = "evidence_already_linked"
    APPROVAL_NEEDS_LOGIN = "approval_needs_login"
    APPROVAL_ROLE_INVALID = "approval_role_invalid"
    APPROVAL_DECISION_INVALID = "approval_decision_invalid"
    APPROVAL_ROLE_DENIED = "approval_role_denied"
    APPROVAL_STEP_INVALID = "approval_step_invalid"
    APPROVAL_NOT_NEEDED = "approval_not_needed"
    APPROVAL_COMPLETE = "approval_complete"
    APPROVAL_OUT_OF_ORDER = "approval_out_of_order"
    SAME_APPROVER = "same_approver"

    # limits
    PARTY_PERIOD_RUNNING = "party_period_running"
    CALENDAR_YEAR_UNKNOWN = "calendar_year_unknown"
    EXTENSION_NEEDS_HEAD = "extension_needs_head"
    DEADLINE_NOT_EXTENSIBLE = "deadline_not_extensible"
    DEADLINE_MET = "deadline_met"
    DEADLINE_EXTENDED_ONCE = "deadline_extended_once"
    DEADLINE_PASSED = "deadline_passed"

    # complaints and notices
    CHANNEL_INVALID = "channel_invalid"
    COMPLAINT_HANDLED = "complaint_handled"
    REPLY_DATE_REQUIRED = "reply_date_required"
    REPLY_DATE_INVALID = "reply_date_invalid"
    NOTICE_NOT_FOUND = "notice_not_found"
    UNKNOWN_RECORD_KIND = "unknown_record_kind"
