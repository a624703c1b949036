"""The stable error codes of accounts, roles, tokens.

Every ``DomainError`` this app raises passes one of these (``docs/api-errors.md`` lists them;
``tests/test_error_codes.py`` keeps both true)."""

from __future__ import annotations

from enum import StrEnum


# The password and token codes name refusals, not secrets (bandit B105 is not a leak here).
class Code(StrEnum):
    AGENCY_HEAD_REQUIRED = "agency_head_required"
    ALREADY_DECIDED = "already_decided"
    ALREADY_DISABLED = "already_disabled"
    ALREADY_ENABLED = "already_enabled"
    ALREADY_REVOKED = "already_revoked"
    APPROVAL_NOT_NEEDED = "approval_not_needed"
    CONFLICT = "conflict"
    CONTENT_SCOPE_NEEDS_AGENCY = "content_scope_needs_agency"
    EXPIRY_IN_PAST = "expiry_in_past"
    INVALID_ADMIN_ROLE = "invalid_admin_role"
    INVALID_RESET_KIND = "invalid_reset_kind"
    INVALID_ROLE = "invalid_role"
    INVALID_SCOPE = "invalid_scope"
    NAME_REQUIRED = "name_required"
    NOT_FOUND = "not_found"
    OTP_DEVICE_INVALID = "otp_device_invalid"
    OTP_ENROLLED = "otp_enrolled"
    PASSWORD_POLICY = "password_policy"  # nosec B105
    PASSWORD_REUSED = "password_reused"  # nosec B105
    PASSWORD_TOO_SIMPLE = "password_too_simple"  # nosec B105
    PASSWORD_UNCHANGED = "password_unchanged"  # nosec B105
    PERMISSION_DENIED = "permission_denied"
    PERSON_HAS_ACCOUNT = "person_has_account"
    REASON_REQUIRED = "reason_required"
    RESET_CODE_EXPIRED = "reset_code_expired"
    RESET_CODE_REQUIRED = "reset_code_required"
    RESET_NOT_FOUND = "reset_not_found"
    RESET_OPEN = "reset_open"
    ROLE_ALREADY_GRANTED = "role_already_granted"
    ROLE_NOT_FOUND = "role_not_found"
    SCOPES_REQUIRED = "scopes_required"
    SEPARATION_OF_DUTIES = "separation_of_duties"
    SUPERVISOR_OUTSIDE_JUSTICE_OFFICE = "supervisor_outside_justice_office"
    TOKEN_EXPIRED = "token_expired"  # nosec B105
    UNIT_OUTSIDE_AGENCY = "unit_outside_agency"
    UNKNOWN_SCOPE = "unknown_scope"
    USER_DISABLED = "user_disabled"
    USERNAME_REQUIRED = "username_required"
    WRONG_PASSWORD = "wrong_password"  # nosec B105
    WRONG_RESET_CODE = "wrong_reset_code"
