"""The schema comes from the migrations, and the migrations match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from data.database import alembic_config
from data.models import Base
from tests.conftest import DATABASES, drop_database, new_database


def test_the_migrated_database_has_every_table_of_the_models(db_engine: Engine) -> None:
    """Upgrading to head creates exactly the models' tables (plus Alembic's own)."""
    tables = set(inspect(db_engine).get_table_names())
    assert tables == set(Base.metadata.tables) | {"alembic_version"}


def test_models_and_migrations_have_not_drifted_apart(db_engine: Engine) -> None:
    """Autogenerate finds nothing to add: every model change has its migration."""
    with db_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


@pytest.mark.parametrize("kind", DATABASES)
def test_every_migration_can_be_undone_and_redone(kind: str, tmp_path: Path) -> None:
    """Downgrading to base drops every table; upgrading again restores them."""
    engine, _url = new_database(kind, tmp_path)
    try:
        config = alembic_config(engine)
        command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {
            "alembic_version"
        }
    finally:
        drop_database(engine)
