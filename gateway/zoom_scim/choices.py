"""Every choice ``/scim2`` makes where Zoom's public material is silent, in one place.

Each constant says whether it follows a public source (the URL is in docs/scim-zoom.md) or is
inferred. Change a behaviour here; the rest of the package reads it from here.
"""

from __future__ import annotations

# -- Prerequisites -------------------------------------------------------------------------------
# Source: "Business or Education account with approved Vanity URL" and "Single Sign-On enabled";
# Zoom's Okta license article also names Enterprise. The SSO text is quoted by a public copy of
# the reference; the vanity and plan texts are inferred (Zoom quotes none).
SCIM_PLANS = frozenset({"business", "education", "enterprise"})
SSO_REQUIRED = "Account has not enabled Single Sign-On."
VANITY_REQUIRED = "Account does not have an approved vanity URL."
PLAN_REQUIRED = "SCIM2 needs a Business, Education or Enterprise account."

# -- Access ----------------------------------------------------------------------------------
# Zoom's REST wording for a refused token (inferred for /scim2, which quotes none).
NO_TOKEN = "Invalid access token."  # noqa: S105 (a message, not a secret)
WRONG_ACCOUNT = "Invalid access token: it is not valid for this account."
# Inferred: a token of this gateway without the scope is refused with 403 (Zoom's REST API words
# it so for a missing scope).
MISSING_SCOPE = "Invalid access token, does not contain scopes:[scim2]."

# -- Users -----------------------------------------------------------------------------------
# Okta Workflows still accepts the legacy Pro and Corp (source); which license they mean is
# inferred from Entra's note that Licensed and On-Prem replaced them.
LEGACY_USER_TYPES = {"Pro": "Licensed", "Corp": "On-Prem"}
# "Collaboration" and "None" are refused with AttributeValidationFailed (forum); the words here
# are inferred.
USER_TYPE_REFUSED = "AttributeValidationFailed: userType {value!r} is not one of {allowed}."
# Inferred: a create without loginType signs in with the work email (the gateway's default).
DEFAULT_LOGIN_TYPE = {"workEmail": True, "sso": False}
LOGIN_TYPE_INVALID = (
    'loginType must be an object {"workEmail": true|false, "sso": true|false} with at '
    "least one true."
)
USER_NAME_NOT_EMAIL = "userName must be the user's email address; {value!r} is not one."
# Inferred wording for an unknown id (Zoom documents a 404 for a missing user).
USER_NOT_FOUND = "User does not exist: {id}."
# Quoted by the forum for a pending user (a filter and a get of one).
USER_NOT_VISIBLE = "User {email} not exist or not belong to this account."
# Inferred: pending users are hidden from get, filters and lists; a write by id still works, so
# an IdP can deactivate or delete a user it created that never followed its link.
PENDING_HIDDEN = True
# Source (Okta): Zoom deactivates only Members through SCIM. The words are inferred.
ADMIN_NOT_DEACTIVATED = "Only members can be deactivated through SCIM; {email} is an admin."
# PUT: "include only the parameters you want to update" (source). Inferred: a complex attribute
# sent (name, an extension object) is merged one level deep; a multi-valued one is replaced.
PUT_MERGED_OBJECTS = True
# Inferred: a PUT sending a new userName without emails drops the kept emails, so the user shows
# its new email alone (Zoom's userName is the email).
EMAILS_FOLLOW_USER_NAME = True
# Source: Zoom's PATCH answer for a lowercase ``operations`` member (and any body without a
# usable ``Operations`` list on a user).
PATCH_NO_OPERATIONS = "The request json did not contains valid active field."
# Inferred: the same refusal for a group PATCH, worded for groups.
GROUP_PATCH_NO_OPERATIONS = "The request json did not contain valid Operations."
# Source (2nd-hand): PATCH bodies are capped at 100,000 characters; status and words inferred.
PATCH_MAX_CHARS = 100_000
PATCH_TOO_LARGE = "The request body exceeds 100,000 characters."
# Zoom Phone attributes of the zoom:1.0:User extension (source): accepted and ignored here.
IGNORED_USER_FIELDS = frozenset(
    {"zoomPhoneExtNumber", "zoomPhoneSite", "zoomPhoneCallingPlan", "zoomPhoneNumber"}
)

# -- Add-ons and plans -----------------------------------------------------------------------
# The Zoom fields (source: the reference's Get a user) and the account model's add-on types
# backing them (inferred): true (or a plan name) takes a seat of the account's pool, false
# (or "" / null) gives it back.
ADDON_FIELDS = {
    "zoomWhiteboard": "whiteboard",
    "zoomWhiteboardPlus": "whiteboard_plus",
    "zoomTranslatedCaptions": "translated_captions",
    "zoomIQ": "zoom_iq",
    "zoomHuddles": "huddles",
    "zoomCustomerManagedKey": "customer_managed_key",
}
# String fields naming a plan (Zoom's Okta article lists their enum values per plan); any
# non-empty name takes one seat of the add-on, and the name is kept as sent.
PLAN_FIELDS = {"zoomUnited": "zoom_united", "zoomOneBizPlus": "zoom_one_biz_plus"}
ADDON_POOL_EMPTY = (
    "No {field} seat is left: the account's {addon} add-on pool has {capacity} in the plan, "
    "{used} used. Clear {field} on another user or buy more."
)
LICENSE_POOL_EMPTY = (
    "No {user_type} license is left: the account has {capacity} in the plan, {used} used. "
    "Send userType Basic or free a license."
)

# -- Lists and filters -----------------------------------------------------------------------
# Source: the list leaves out the zoom:1.0:User extension and these enterprise attributes.
LIST_OMITTED_ENTERPRISE = ("manager", "organization", "costCenter")
# Source: externalId eq filters by the Zoom user id.
FILTER_REFUSED = (
    "Invalid filter: only 'userName eq <email>', 'externalId eq <user id>' and "
    "'userType eq <license type>' are supported."
)
GROUP_FILTER_REFUSED = "Invalid filter: only 'displayName eq <name>' is supported."
# Inferred: a group list shows no members (the reference's list shows none); a get does.
GROUP_LIST_MEMBERS = False

# -- Groups ----------------------------------------------------------------------------------
# Source (2nd-hand): the texts Zoom answers.
GROUP_NOT_FOUND = "Group does not exist."
DEFAULT_GROUP_UNDELETABLE = "Cannot delete account default group."
GROUP_NAME_INVALID = 'The "DisplayName" of the request is invalid.'
# Inferred: the account setting naming the default group, and where group email aliases live
# (the account's settings: the group table has no column for them).
DEFAULT_GROUP_SETTING = "default_group"
EMAIL_ALIAS_SETTING = "zoom_group_email_aliases"

# -- Surface ---------------------------------------------------------------------------------
# Source: responses are application/json (the reference); requests may send scim+json.
RESPONSE_MIMETYPE = "application/json"
UNKNOWN_OPERATION = "There is no such SCIM2 operation: {method} {path}."
