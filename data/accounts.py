"""Setting up a database from the command line: migrate it, add the first users.

These functions own their transaction (they are outermost callers, like a request or a job).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from data.database import alembic_config, make_engine, make_session_factory, upgrade_to_head
from data.errors import Invalid
from data.services.users import add_user


def _unreachable(url: str, error: OperationalError) -> Invalid:
    first_line = (str(error.orig) or str(error)).strip().splitlines()[0]
    shown = make_url(url).render_as_string(hide_password=True)
    return Invalid(f"cannot open the database {shown}: {first_line}", "database")


def upgrade_database(database_url: str) -> str | None:
    """Bring the database at `database_url` to the latest migration; returns its revision."""
    engine = make_engine(database_url)
    try:
        upgrade_to_head(engine)
        return _current_revision(engine)
    except OperationalError as error:
        raise _unreachable(database_url, error) from None
    finally:
        engine.dispose()


def _current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def add_user_to_database(
    database_url: str,
    *,
    username: str,
    password: str,
    role: str,
    area_ids: Sequence[int] = (),
    carer_id: int | None = None,
    email: str | None = None,
) -> int:
    """Add a user (see `data.services.users.add_user`) and commit; returns the user's id.

    Refuses (Invalid, field "database") a database that is not at the latest migration.
    """
    engine = make_engine(database_url)
    try:
        head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
        if _current_revision(engine) != head:
            raise Invalid(
                "the database is not up to date: run `nightcare db upgrade` first", "database"
            )
        with make_session_factory(engine).begin() as session:
            user = add_user(
                session,
                username=username,
                password=password,
                role=role,
                area_ids=area_ids,
                carer_id=carer_id,
                email=email,
            )
            return user.id
    except OperationalError as error:
        raise _unreachable(database_url, error) from None
    finally:
        engine.dispose()
