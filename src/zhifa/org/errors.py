"""The stable error codes of the organisation.

Every ``DomainError`` this app raises passes one of these (``docs/api-errors.md`` lists them;
``tests/test_error_codes.py`` keeps both true)."""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    ACTOR_REQUIRED = "actor_required"
    AGENCY_EXISTS = "agency_exists"
    AGENCY_INACTIVE = "agency_inactive"
    CERTIFICATE_ALREADY_RENEWED = "certificate_already_renewed"
    CERTIFICATE_NUMBER_TAKEN = "certificate_number_taken"
    CERTIFICATE_REVOKED = "certificate_revoked"
    CYCLIC_PARENT = "cyclic_parent"
    DEMO_AGENCY_MISSING = "demo_agency_missing"
    DEMO_TOWNSHIP_MISSING = "demo_township_missing"
    ENTRUSTING_AGENCY_IS_SELF = "entrusting_agency_is_self"
    ENTRUSTING_AGENCY_NOT_ALLOWED = "entrusting_agency_not_allowed"
    ENTRUSTING_AGENCY_NOT_ENFORCEMENT_BODY = "entrusting_agency_not_enforcement_body"
    ENTRUSTING_AGENCY_REQUIRED = "entrusting_agency_required"
    ENTRUSTING_AGENCY_UNKNOWN = "entrusting_agency_unknown"
    GOVERNMENT_EXISTS = "government_exists"
    GROUP_EXISTS = "group_exists"
    INVALID_CERTIFICATE_NUMBER = "invalid_certificate_number"
    INVALID_CHOICE = "invalid_choice"
    INVALID_DIVISION_CODE = "invalid_division_code"
    INVALID_EMAIL = "invalid_email"
    INVALID_LEVEL = "invalid_level"
    INVALID_POST_CODE = "invalid_post_code"
    INVALID_VALIDITY = "invalid_validity"
    INVALID_WEBSITE = "invalid_website"
    MEMBER_REQUIRED = "member_required"
    MEMBERSHIP_ENDED = "membership_ended"
    MEMBERSHIP_EXISTS = "membership_exists"
    NOT_FOUND = "not_found"
    OFFICER_EXISTS = "officer_exists"
    OFFICER_INACTIVE = "officer_inactive"
    OTHER_GOVERNMENT = "other_government"
    PERMISSION_DENIED = "permission_denied"
    POST_OCCUPIED = "post_occupied"
    REASON_REQUIRED = "reason_required"
    REASON_TOO_LONG = "reason_too_long"
    REQUIRED = "required"
    UNIT_EXISTS = "unit_exists"
    UNIT_OF_OTHER_AGENCY = "unit_of_other_agency"
    UNIT_UNKNOWN = "unit_unknown"
