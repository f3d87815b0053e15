"""failed sign-ins of unknown usernames, and of each client address

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 05:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "unknown_username_locks",
        sa.Column("username_digest", sa.String(length=64), nullable=False),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username_digest", name=op.f("pk_unknown_username_locks")),
    )
    with op.batch_alter_table("unknown_username_locks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_unknown_username_locks_last_failed_at"), ["last_failed_at"], unique=False
        )

    op.create_table(
        "client_sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_sign_in_failures")),
    )
    with op.batch_alter_table("client_sign_in_failures", schema=None) as batch_op:
        batch_op.create_index(
            "ix_client_sign_in_failures_client_failed_at",
            ["client_address", "failed_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_client_sign_in_failures_failed_at"), ["failed_at"], unique=False
        )


def downgrade() -> None:
    """Undo this revision."""
    op.drop_table("client_sign_in_failures")
    op.drop_table("unknown_username_locks")
