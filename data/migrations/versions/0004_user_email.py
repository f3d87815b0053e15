"""users' email addresses (coordinators are told of failed publications and unassigned calls)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 17:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email")
