"""clock_offsets and former_user_emails: the demo's movable clock and deleted users' emails

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 02:40:00

clock_offsets holds one row while the demo's clock is moved (every worker reads it);
former_user_emails keeps the email of every deleted user, so it is never a new account's
owner. Nothing existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "clock_offsets",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("offset_us", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clock_offsets")),
    )
    op.create_table(
        "former_user_emails",
        sa.Column("email_key", sa.String(length=320), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("deleted_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("email_key", name=op.f("pk_former_user_emails")),
    )


def downgrade() -> None:
    op.drop_table("former_user_emails")
    op.drop_table("clock_offsets")
