"""areas, carers, rota, people, needs, users, audit, plans

Revision ID: 0001
Revises:
Create Date: 2026-11-26 14:41:51.211040
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("boundary", sa.JSON(), nullable=False),
        sa.Column("base_lat", sa.Float(), nullable=False),
        sa.Column("base_lon", sa.Float(), nullable=False),
        sa.Column("crews_per_night", sa.Integer(), nullable=False),
        sa.Column("shift_start", sa.String(length=5), nullable=False),
        sa.Column("shift_end", sa.String(length=5), nullable=False),
        sa.Column("cutoff_time", sa.String(length=5), nullable=False),
        sa.Column("publish_time", sa.String(length=5), nullable=False),
        sa.Column("speed_kmh", sa.Float(), nullable=False),
        sa.Column("circuity", sa.Float(), nullable=False),
        sa.Column("stop_minutes", sa.Float(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_areas")),
        sa.UniqueConstraint("name", name=op.f("uq_areas_name")),
    )
    op.create_table(
        "carers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("gender", sa.String(length=1), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_carers_area_id_areas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carers")),
    )
    with op.batch_alter_table("carers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_carers_area_id"), ["area_id"], unique=False)

    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("gender_request", sa.String(length=1), nullable=True),
        sa.Column("access_notes", sa.Text(), nullable=True),
        sa.Column("key_safe_code", sa.Text(), nullable=True),
        sa.Column("risk_notes", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_people_area_id_areas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_area_id"), ["area_id"], unique=False)

    op.create_table(
        "cancellations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_cancellations_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cancellations")),
        sa.UniqueConstraint("person_id", "night", name=op.f("uq_cancellations_person_id_night")),
    )
    with op.batch_alter_table("cancellations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cancellations_night"), ["night"], unique=False)

    op.create_table(
        "needs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("earliest", sa.String(length=5), nullable=False),
        sa.Column("latest", sa.String(length=5), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("after_need_id", sa.Integer(), nullable=True),
        sa.Column("min_gap_minutes", sa.Integer(), nullable=True),
        sa.Column("max_gap_minutes", sa.Integer(), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["after_need_id"], ["needs.id"], name=op.f("fk_needs_after_need_id_needs")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_needs_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_needs")),
    )
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_needs_person_id"), ["person_id"], unique=False)

    op.create_table(
        "one_off_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("earliest", sa.String(length=5), nullable=False),
        sa.Column("latest", sa.String(length=5), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_one_off_calls_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_off_calls")),
    )
    with op.batch_alter_table("one_off_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_one_off_calls_night"), ["night"], unique=False)
        batch_op.create_index(batch_op.f("ix_one_off_calls_person_id"), ["person_id"], unique=False)

    op.create_table(
        "rota_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("crew_number", sa.Integer(), nullable=False),
        sa.Column("carer_a_id", sa.Integer(), nullable=True),
        sa.Column("carer_b_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_rota_changes_area_id_areas")
        ),
        sa.ForeignKeyConstraint(
            ["carer_a_id"], ["carers.id"], name=op.f("fk_rota_changes_carer_a_id_carers")
        ),
        sa.ForeignKeyConstraint(
            ["carer_b_id"], ["carers.id"], name=op.f("fk_rota_changes_carer_b_id_carers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rota_changes")),
        sa.UniqueConstraint(
            "area_id",
            "night",
            "crew_number",
            name=op.f("uq_rota_changes_area_id_night_crew_number"),
        ),
    )
    with op.batch_alter_table("rota_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rota_changes_area_id"), ["area_id"], unique=False)

    op.create_table(
        "rota_crews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("crew_number", sa.Integer(), nullable=False),
        sa.Column("carer_a_id", sa.Integer(), nullable=False),
        sa.Column("carer_b_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_rota_crews_area_id_areas")
        ),
        sa.ForeignKeyConstraint(
            ["carer_a_id"], ["carers.id"], name=op.f("fk_rota_crews_carer_a_id_carers")
        ),
        sa.ForeignKeyConstraint(
            ["carer_b_id"], ["carers.id"], name=op.f("fk_rota_crews_carer_b_id_carers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rota_crews")),
        sa.UniqueConstraint(
            "area_id",
            "weekday",
            "crew_number",
            name=op.f("uq_rota_crews_area_id_weekday_crew_number"),
        ),
    )
    with op.batch_alter_table("rota_crews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rota_crews_area_id"), ["area_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("carer_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["carer_id"], ["carers.id"], name=op.f("fk_users_carer_id_carers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_events_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_at"), ["at"], unique=False)

    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("method_path", sa.String(length=500), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_idempotency_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_idempotency_keys_user_id_key")),
    )
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("trigger", sa.String(length=200), nullable=False),
        sa.Column("problem", sa.JSON(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("travel_minutes", sa.Float(), nullable=False),
        sa.Column("unassigned_count", sa.Integer(), nullable=False),
        sa.Column("solve_seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_plans_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_plans_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.UniqueConstraint(
            "area_id", "night", "version", name=op.f("uq_plans_area_id_night_version")
        ),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plans_area_id"), ["area_id"], unique=False)

    op.create_table(
        "user_areas",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_user_areas_area_id_areas"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_areas_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "area_id", name=op.f("pk_user_areas")),
    )


def downgrade() -> None:
    """Undo this revision."""
    op.drop_table("user_areas")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_area_id"))

    op.drop_table("plans")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_at"))

    op.drop_table("audit_events")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
    with op.batch_alter_table("rota_crews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rota_crews_area_id"))

    op.drop_table("rota_crews")
    with op.batch_alter_table("rota_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rota_changes_area_id"))

    op.drop_table("rota_changes")
    with op.batch_alter_table("one_off_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_one_off_calls_person_id"))
        batch_op.drop_index(batch_op.f("ix_one_off_calls_night"))

    op.drop_table("one_off_calls")
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_needs_person_id"))

    op.drop_table("needs")
    with op.batch_alter_table("cancellations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cancellations_night"))

    op.drop_table("cancellations")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_area_id"))

    op.drop_table("people")
    with op.batch_alter_table("carers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_carers_area_id"))

    op.drop_table("carers")
    op.drop_table("areas")
