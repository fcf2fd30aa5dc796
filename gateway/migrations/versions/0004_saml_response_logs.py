"""saml_response_logs: Zoom's SAML Response Logs, kept per account for 7 days

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 02:40:00

One row per post to an account's ACS while its "save SAML response logs" setting is on:
outcome, code and number, NameID and email for filtering, and the whole entry (status,
issuer, certificate, signatures, attributes, mapping decision, raw response) as JSON.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saml_response_logs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("tracking_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("name_id", sa.String(length=512), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("entry", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_saml_response_logs_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saml_response_logs")),
        sa.UniqueConstraint("tracking_id", name=op.f("uq_saml_response_logs_tracking_id")),
    )
    op.create_index(
        "ix_saml_response_logs_account_created",
        "saml_response_logs",
        ["account_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_saml_response_logs_account_created", table_name="saml_response_logs")
    op.drop_table("saml_response_logs")
