"""users.awaiting_activation: an unconfirmed email survives the user's deactivation

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 00:00:00

Until now a pending user could not be deactivated (it stayed pending whatever a SCIM client
said, and its activation link still activated it). The flag keeps "this email was never
confirmed" apart from the status, so a pending user can be deactivated, its link stops
working, and reactivating it makes it pending again. Every pending user awaits its link.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column(
            "awaiting_activation", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
    )
    op.execute("UPDATE users SET awaiting_activation = true WHERE status = 'pending'")


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of the table would lose its triggers.
    op.drop_column("users", "awaiting_activation")
