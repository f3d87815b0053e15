"""an area's base by name and address, for route sheets

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 19:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("areas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("base_address", sa.String(length=300), nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("areas", schema=None) as batch_op:
        batch_op.drop_column("base_address")
