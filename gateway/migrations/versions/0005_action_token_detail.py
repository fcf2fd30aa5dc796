"""action_tokens.detail and an index on (purpose, subject_id)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 02:40:00

A link may carry what following it confirms (the new address of an email change), so the
change waits on the link instead of happening when asked. The index serves the lookups of a
subject's live links (a new activation link replacing older ones, ``gateway check`` looking
for pending users without one).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("action_tokens", sa.Column("detail", sa.JSON(), nullable=True))
    op.create_index("ix_action_tokens_purpose_subject", "action_tokens", ["purpose", "subject_id"])


def downgrade() -> None:
    op.drop_index("ix_action_tokens_purpose_subject", table_name="action_tokens")
    op.drop_column("action_tokens", "detail")
