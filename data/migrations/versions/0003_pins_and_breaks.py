"""area break settings and coordinators' pins

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 16:55:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("areas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("break_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("break_earliest", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("break_latest", sa.String(length=5), nullable=True))

    op.create_table(
        "pins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=True),
        sa.Column("one_off_call_id", sa.Integer(), nullable=True),
        sa.Column("crew_number", sa.Integer(), nullable=True),
        sa.Column("start", sa.String(length=5), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_pins_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_pins_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["need_id"], ["needs.id"], name=op.f("fk_pins_need_id_needs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["one_off_call_id"],
            ["one_off_calls.id"],
            name=op.f("fk_pins_one_off_call_id_one_off_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pins")),
        sa.UniqueConstraint("night", "need_id", name=op.f("uq_pins_night_need_id")),
        sa.UniqueConstraint("one_off_call_id", name=op.f("uq_pins_one_off_call_id")),
    )
    with op.batch_alter_table("pins", schema=None) as batch_op:
        batch_op.create_index("ix_pins_area_id_night", ["area_id", "night"], unique=False)


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("pins", schema=None) as batch_op:
        batch_op.drop_index("ix_pins_area_id_night")

    op.drop_table("pins")

    with op.batch_alter_table("areas", schema=None) as batch_op:
        batch_op.drop_column("break_latest")
        batch_op.drop_column("break_earliest")
        batch_op.drop_column("break_minutes")
