"""when a user last failed to sign in, so a partial count is forgotten as an unknown name's is

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 05:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_failed_sign_in_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("last_failed_sign_in_at")
