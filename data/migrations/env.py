"""Alembic environment: the engine comes from the caller (tests, `db upgrade`) or Settings."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Engine
from sqlalchemy.types import TypeDecorator

from data.database import make_engine
from data.models import Base
from data.settings import get_settings

config = context.config
target_metadata = Base.metadata


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if isinstance(engine, Engine):
        return engine
    return make_engine(get_settings().database_url)


def _render_item(kind: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write our column types as their plain SQL types, so migrations never import models."""
    if kind == "type" and isinstance(item, TypeDecorator):
        impl = item.impl_instance
        return f"sa.{impl!r}"
    return False


def run_migrations_offline() -> None:
    """Write the SQL for the settings' database instead of running it."""
    context.configure(
        url=get_settings().database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the engine's database in one transaction."""
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=_render_item,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
