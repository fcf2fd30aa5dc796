"""The relational schema shared by every backend (SQLAlchemy Core); Alembic migrations follow it."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

TS = sa.DateTime(timezone=True)

organizations = sa.Table(
    "organizations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", TS, nullable=False),
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # The public account number; distinct from the surrogate key so it can look like the SaaS's.
    sa.Column("number", sa.String(20), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("owner_email", sa.String(320), nullable=False, unique=True),
    sa.Column("vanity", sa.String(63), nullable=True, unique=True),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=True, index=True),
    # standalone | master | sub | pseudo_master (derived on write, stored for listing).
    sa.Column("account_type", sa.String(20), nullable=False),
    # direct | reseller | distributor | carrier
    sa.Column("channel", sa.String(20), nullable=False, server_default="direct"),
    # free | pro | business | enterprise | education
    sa.Column("plan_kind", sa.String(20), nullable=False, server_default="business"),
    sa.Column("bulk_licensing", sa.Boolean, nullable=False, server_default=sa.text("false")),
    # self | master
    sa.Column("billing", sa.String(20), nullable=False, server_default="self"),
    sa.Column("support_name", sa.String(200), nullable=True),
    sa.Column("support_email", sa.String(320), nullable=True),
    sa.Column("default_license_type", sa.String(20), nullable=False, server_default="Basic"),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=True),
    sa.Column("settings", sa.JSON, nullable=False),
    sa.Column("subscription_start", TS, nullable=True),
    sa.Column("subscription_end", TS, nullable=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)

# One row per (account, seat kind). For a master: capacity = seats purchased. For a sub-account
# under bulk licensing: capacity = seats delegated to it by its master. ``delegated`` is what this
# account has handed down to its own sub-accounts. The CHECKs make the invariant the database's.
license_pools = sa.Table(
    "license_pools",
    metadata,
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), primary_key=True),
    # "Licensed", "On-Prem", or "addon:<key>"
    sa.Column("seat_kind", sa.String(60), primary_key=True),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("used", sa.Integer, nullable=False, server_default="0"),
    sa.Column("delegated", sa.Integer, nullable=False, server_default="0"),
    sa.CheckConstraint("used >= 0 AND delegated >= 0 AND capacity >= 0", name="non_negative"),
    sa.CheckConstraint("used + delegated <= capacity", name="within_capacity"),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    # NULL only for a SCIM user created with a userName that is not an email and no email at
    # all: it stays pending (no sign-in, no activation email) until an email is set.
    sa.Column("email", sa.String(320), nullable=True),
    # Lower-cased email (NULL with it): uniqueness is service-wide and case-insensitive.
    sa.Column("email_key", sa.String(320), nullable=True, unique=True),
    sa.Column("email_type", sa.String(20), nullable=False, server_default="work"),
    # The SCIM userName when it is not an email (NULL: the userName is ``email``), and its
    # lower-cased key; the SCIM userName key is ``coalesce(user_name_key, email_key)``.
    sa.Column("user_name", sa.String(320), nullable=True),
    sa.Column("user_name_key", sa.String(320), nullable=True, unique=True),
    sa.Column("external_id", sa.String(255), nullable=True),
    sa.Column("first_name", sa.String(200), nullable=True),
    sa.Column("last_name", sa.String(200), nullable=True),
    sa.Column("display_name", sa.String(400), nullable=True),
    # active | pending | deactivated
    sa.Column("status", sa.String(20), nullable=False),
    # The email still awaits confirmation by the activation link: true while pending, and kept
    # when a pending user is deactivated, so that reactivating it makes it pending again
    # rather than active with an unconfirmed email (migration 0003).
    sa.Column("awaiting_activation", sa.Boolean, nullable=False, server_default=sa.text("false")),
    sa.Column("license_type", sa.String(20), nullable=False),
    sa.Column("addons", sa.JSON, nullable=False),
    sa.Column("role", sa.String(60), nullable=False, server_default="Member"),
    # work_email | sso
    sa.Column("login_type", sa.String(20), nullable=False, server_default="work_email"),
    # scim | jit | invitation | migration | admin | demo
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("employee_id", sa.String(255), nullable=True),
    # Everything else of the profile (department, title, phone, pronouns, enterprise fields...).
    sa.Column("profile", sa.JSON, nullable=False),
    sa.Column("vip", sa.Boolean, nullable=False, server_default=sa.text("false")),
    sa.Column("has_upcoming_meetings", sa.Boolean, nullable=False, server_default=sa.text("false")),
    # Salted scrypt hash for the mock password sign-in; NULL for users who never set one.
    sa.Column("password_hash", sa.String(300), nullable=True),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.Index("ix_users_account_external", "account_id", "external_id"),
    # SCIM userName, unique case-insensitively across the service whether it is an email or
    # not (``userName eq`` lookups use this index).
    sa.Index(
        "ix_users_scim_user_name",
        sa.func.coalesce(sa.column("user_name_key"), sa.column("email_key")),
        unique=True,
    ),
)

# A user's SCIM userName key: its user name's key, else its email's; the expression of
# ``ix_users_scim_user_name``, so every lookup and uniqueness check by it uses that index.
scim_user_name_key = sa.func.coalesce(users.c.user_name_key, users.c.email_key)

# Pages of an account's users in the default SCIM order (by id) walk this index, not a sort.
sa.Index("ix_users_account_id_id", users.c.account_id, users.c.id)

# Derived from ``users`` by database triggers (migration 0002), in the writing transaction: the
# number of users of each account (an O(1) ``totalResults``) and a version bumped by every
# insert, delete or move of one of its users (cached page bookmarks are only trusted at the
# version they were taken at). ``gateway check`` compares the counts with the users.
account_user_counts = sa.Table(
    "account_user_counts",
    metadata,
    sa.Column("account_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("user_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("membership_version", sa.Integer, nullable=False, server_default="0"),
)

groups = sa.Table(
    "groups",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("display_name", sa.String(255), nullable=False),
    # user_group | im_group | contact_group
    sa.Column("kind", sa.String(20), nullable=False, server_default="user_group"),
    sa.Column("external_id", sa.String(255), nullable=True),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.UniqueConstraint("account_id", "kind", "display_name", name="uq_groups_account_name"),
)

group_members = sa.Table(
    "group_members",
    metadata,
    sa.Column(
        "group_id", sa.String(36), sa.ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "user_id",
        sa.String(36),
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)

tokens = sa.Table(
    "tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    # admin | scim
    sa.Column("kind", sa.String(10), nullable=False),
    # SHA-256 of the secret; the secret itself is shown once and never stored.
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("label", sa.String(200), nullable=True),
    # SCIM client profile: strict | compatible | okta | entra | zoom
    sa.Column("profile", sa.String(20), nullable=False, server_default="compatible"),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("revoked_at", TS, nullable=True),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", TS, nullable=False, index=True),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("account_id", sa.Integer, nullable=True, index=True),
    sa.Column("action", sa.String(80), nullable=False),
    sa.Column("target", sa.String(200), nullable=True),
    sa.Column("before", sa.JSON, nullable=True),
    sa.Column("after", sa.JSON, nullable=True),
)

domains = sa.Table(
    "domains",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("domain", sa.String(253), nullable=False),
    sa.Column("verification_token", sa.String(64), nullable=False),
    # When verified, ``verified_domain`` equals ``domain``: a unique column, so only one account
    # can hold a verified domain at a time (NULLs do not collide).
    sa.Column("verified_domain", sa.String(253), nullable=True, unique=True),
    sa.Column("verified_at", TS, nullable=True),
    sa.Column("options", sa.JSON, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.UniqueConstraint("account_id", "domain", name="uq_domains_account_domain"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    # activation | invitation | domain_notice | ...
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("recipient", sa.String(320), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("link", sa.String(1000), nullable=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("sent_at", TS, nullable=True),
    sa.Column("send_error", sa.String(500), nullable=True),
)

# Single-use links (activation, invitation accept/decline). Only the hash of the secret is kept.
action_tokens = sa.Table(
    "action_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("purpose", sa.String(30), nullable=False),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("subject_id", sa.String(64), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("expires_at", TS, nullable=False),
    sa.Column("used_at", TS, nullable=True),
    # What following the link confirms, when the subject alone does not say (an email
    # change's new address).
    sa.Column("detail", sa.JSON, nullable=True),
    sa.Index("ix_action_tokens_purpose_subject", "purpose", "subject_id"),
)

saml_configs = sa.Table(
    "saml_configs",
    metadata,
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("config", sa.JSON, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("updated_at", TS, nullable=False),
)

# The SP's own key pairs per account: current, next (published before use) and previous.
sp_keys = sa.Table(
    "sp_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    # current | next | previous | retired
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("certificate_pem", sa.Text, nullable=False),
    sa.Column("private_key_pem", sa.Text, nullable=False),
    sa.Column("created_at", TS, nullable=False),
)

saml_requests = sa.Table(
    "saml_requests",
    metadata,
    sa.Column("request_id", sa.String(100), primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("relay_state", sa.String(1000), nullable=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("expires_at", TS, nullable=False, index=True),
)

saml_replay = sa.Table(
    "saml_replay",
    metadata,
    sa.Column("assertion_id", sa.String(200), primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("expires_at", TS, nullable=False, index=True),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("session_hash", sa.String(64), primary_key=True),
    # sso | password | console
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("user_id", sa.String(36), nullable=True),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("expires_at", TS, nullable=False, index=True),
)

mapping_rulesets = sa.Table(
    "mapping_rulesets",
    metadata,
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("rules", sa.JSON, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)

rate_limits = sa.Table(
    "rate_limits",
    metadata,
    sa.Column("bucket", sa.String(100), primary_key=True),
    sa.Column("window_start", TS, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

# -- associated domains, invitations, consolidation, migration (issue 6) -------------------------

invitations = sa.Table(
    "invitations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("email_key", sa.String(320), nullable=False),
    # An executive or other special case the admin flags: SSO enforcement waits for them.
    sa.Column("vip", sa.Boolean, nullable=False, server_default=sa.text("false")),
    # sent | accepted | declined | consolidated
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("invited_by", sa.String(200), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.UniqueConstraint("account_id", "email_key", name="uq_invitations_account_email"),
)

consolidations = sa.Table(
    "consolidations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.String(36), nullable=False, index=True),
    sa.Column("from_account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("to_account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("invitation_id", sa.Integer, nullable=True),
    # backend_migration_pending | completed
    sa.Column("state", sa.String(30), nullable=False),
    sa.Column("bring_all_users", sa.Boolean, nullable=False, server_default=sa.text("false")),
    sa.Column("moved_user_ids", sa.JSON, nullable=False),
    sa.Column("lost_phone_numbers", sa.JSON, nullable=False),
    sa.Column("ready_at", TS, nullable=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("completed_at", TS, nullable=True),
)

# Prorated refunds of licenses bought on an account that consolidated away.
refunds = sa.Table(
    "refunds",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("consolidation_id", sa.Integer, nullable=False),
    sa.Column("seats", sa.JSON, nullable=False),
    sa.Column("amount_cents", sa.Integer, nullable=False),
    sa.Column("note", sa.String(300), nullable=False),
    sa.Column("created_at", TS, nullable=False),
)

# The "change email or consolidate" prompt shown to a user outside the domain's account.
consolidation_prompts = sa.Table(
    "consolidation_prompts",
    metadata,
    sa.Column("user_id", sa.String(36), primary_key=True),
    sa.Column("domain", sa.String(253), nullable=False),
    sa.Column("prompts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_prompt_at", TS, nullable=True),
    # NULL until the user chooses: change_email | consolidate
    sa.Column("choice", sa.String(20), nullable=True),
    sa.Column("chosen_at", TS, nullable=True),
)

# Support-style migrations of members between a master and its sub-accounts.
account_migrations = sa.Table(
    "account_migrations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("master_account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("source_account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("target_account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("tentative_date", sa.String(10), nullable=False),
    sa.Column("approved_by", sa.String(200), nullable=False),
    sa.Column("emails", sa.JSON, nullable=False),
    sa.Column("report", sa.JSON, nullable=False),
    # planned | ran
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)

data_releases = sa.Table(
    "data_releases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("domain", sa.String(253), nullable=False),
    sa.Column("attestations", sa.JSON, nullable=False),
    sa.Column("signed_by", sa.String(200), nullable=False),
    sa.Column("requested_by", sa.String(200), nullable=False),
    sa.Column("released_count", sa.Integer, nullable=False),
    sa.Column("created_at", TS, nullable=False),
)

# Zoom's SAML Response Logs: one row per post to an account's ACS while its setting is on;
# kept 7 days and bounded per account (gateway/saml_logs/store.py).
saml_response_logs = sa.Table(
    "saml_response_logs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("tracking_id", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", TS, nullable=False),
    # signed_in | activation_required | refused
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("code", sa.String(64), nullable=True),
    sa.Column("number", sa.Integer, nullable=True),
    sa.Column("name_id", sa.String(512), nullable=True),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("entry", sa.JSON, nullable=False),
    sa.Index("ix_saml_response_logs_account_created", "account_id", "created_at"),
)

# -- Zoom-style Server-to-Server OAuth (gateway/oauth) ------------------------------------------

# One row per app; the client secret is kept as its SHA-256 only (it is shown once, at creation).
oauth_apps = sa.Table(
    "oauth_apps",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("client_id", sa.String(64), nullable=False, unique=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    # Space-separated, as OAuth writes scopes.
    sa.Column("scopes", sa.String(2000), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("revoked_at", TS, nullable=True),
)

# Access tokens by their SHA-256; they die at expires_at (the injectable clock) or with their app.
oauth_access_tokens = sa.Table(
    "oauth_access_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("app_id", sa.Integer, sa.ForeignKey("oauth_apps.id"), nullable=False, index=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("scopes", sa.String(2000), nullable=False),
    sa.Column("issued_at", TS, nullable=False),
    sa.Column("expires_at", TS, nullable=False, index=True),
)

# -- Demo time travel and account history (accounts) -----------------------------------------

# One row (id 1) while the demo's clock is moved: every worker adds offset_us to its clock.
clock_offsets = sa.Table(
    "clock_offsets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("offset_us", sa.BigInteger, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)

# Emails of deleted users: never again a new account's owner (the seed: never registered).
former_user_emails = sa.Table(
    "former_user_emails",
    metadata,
    sa.Column("email_key", sa.String(320), primary_key=True),
    sa.Column("account_id", sa.Integer, nullable=False),
    sa.Column("deleted_at", TS, nullable=False),
)
