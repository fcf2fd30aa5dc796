"""Zoom's numeric SSO error codes beside the gateway's text codes: the one table.

Zoom's SAML response logs show "Error Code: 1020" with a message, and the user sees a generic
page with the number. The public sources name only a few numbers (``source`` is their URL);
every other refusal of the ACS gets a number chosen here (``source`` is ``INFERRED``), in
ranges that say where the refusal comes from. docs/saml-codes.md lists the table, and a test
fails when a refusal code of the ACS has no number here.

To add a refusal code: add one line to ``CODES`` (keep the numbers unique) and one row to
docs/saml-codes.md.
"""

from __future__ import annotations

from dataclasses import dataclass

INFERRED = "inferred"
COMMUNITY_1020 = (
    "https://community.zoom.com/t5/Billing-Account-Management/"
    "SSO-with-Entra-failing-to-allow-users/m-p/201046"
)
BLOG_1021 = "http://ptotech.blogspot.com/2018/03/sudipto-desmukh-okta-zoom-error-1021.html"


@dataclass(frozen=True, slots=True)
class ZoomCode:
    """Zoom's number for one refusal, and where the number comes from."""

    number: int
    source: str  # a public URL, or INFERRED

    @property
    def inferred(self) -> bool:
        """Whether the gateway chose the number (no public source gives it)."""
        return self.source == INFERRED


def _inferred(number: int) -> ZoomCode:
    return ZoomCode(number, INFERRED)


# Ranges (inferred): 1001-1019 the response itself (reading, signatures, trust, conditions);
# 1020-1039 the sign-in (provisioning, entitlement, users); 1040-1059 settings of the account;
# 1060-1079 single logout. 1020 and 1021 are Zoom's own, from the sources named.
CODES: dict[str, ZoomCode] = {
    # The response as posted: unreadable, too big, not a SAML Response.
    "saml_invalid": _inferred(1001),
    "saml_bad_input": _inferred(1002),
    "malformed_xml": _inferred(1002),
    "not_base64": _inferred(1002),
    "empty_response": _inferred(1002),
    "too_large": _inferred(1003),
    "comment_injection": _inferred(1004),
    # Signatures and trust.
    "signature_missing": _inferred(1005),
    "signature_invalid": _inferred(1006),
    "untrusted_key": _inferred(1007),
    "signature_wrapping": _inferred(1008),
    "multiple_assertions": _inferred(1008),
    "weak_algorithm": _inferred(1009),
    "unsupported_algorithm": _inferred(1009),
    "decryption_failed": _inferred(1010),
    "assertion_missing": _inferred(1011),
    "issuer_unknown": _inferred(1012),
    # Conditions, addressing and timing.
    "audience_mismatch": _inferred(1013),
    "destination_mismatch": _inferred(1014),
    "recipient_mismatch": _inferred(1014),
    "subject_confirmation_invalid": _inferred(1014),
    "expired": _inferred(1015),
    "not_yet_valid": _inferred(1015),
    "in_response_to_unknown": _inferred(1016),
    "unsolicited_not_allowed": _inferred(1017),
    "replayed": _inferred(1018),
    "status_not_success": _inferred(1019),
    # The sign-in: provisioning and entitlement (1020, 1021: Zoom's own numbers).
    "not_provisioned": ZoomCode(1020, COMMUNITY_1020),
    "license_none": ZoomCode(1021, BLOG_1021),
    "sign_in_refused": _inferred(1022),
    "missing_email": _inferred(1023),
    "email_taken_elsewhere": _inferred(1024),
    "user_deactivated": _inferred(1025),
    "unknown_sub_account": _inferred(1026),
    "license_pool_exhausted": _inferred(1027),
    "email_taken": _inferred(1024),
    "user_name_taken": _inferred(1024),
    "invalid_email": _inferred(1023),
    "conflict": _inferred(1028),
    "version_mismatch": _inferred(1028),
    "invalid_state": _inferred(1028),
    "rate_limited": _inferred(1029),
    "request_from_another_browser": _inferred(1037),
    # Store refusals a sign-in's writes can meet.
    "store_error": _inferred(1030),
    "not_found": _inferred(1031),
    "batch_raced": _inferred(1032),
    "database_busy": _inferred(1032),
    "delegation_below_usage": _inferred(1027),
    "domain_managed_elsewhere": _inferred(1033),
    "invitation_closed": _inferred(1034),
    "link_expired": _inferred(1034),
    "link_used": _inferred(1034),
    "number_out_of_range": _inferred(1035),
    "owner_protected": _inferred(1036),
    # Settings of the account.
    "account_not_found": _inferred(1040),
    "sso_not_configured": _inferred(1041),
    "metadata_invalid": _inferred(1042),
    "encrypted_assertion_not_enabled": _inferred(1043),
    "vanity_required": _inferred(1044),
    "sso_disabled": _inferred(1045),
}
# A refusal whose code is not in the table (a defect: a test keeps the table complete).
OTHER = _inferred(1099)


def zoom_code(code: str) -> ZoomCode:
    """Zoom's number for a refusal code; OTHER for a code the table lacks."""
    return CODES.get(code, OTHER)


def zoom_number(code: str) -> int:
    """Zoom's number for a refusal code (1099 for a code the table lacks)."""
    return zoom_code(code).number
