"""phones to tap: a person's phone and who answers it, an area's on-call line

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 17:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("areas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("on_call_phone", sa.String(length=40), nullable=True))
    # Encrypted at rest (Fernet tokens), as the access notes are.
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("contact_name", sa.Text(), nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("contact_name")
        batch_op.drop_column("phone")
    with op.batch_alter_table("areas", schema=None) as batch_op:
        batch_op.drop_column("on_call_phone")
