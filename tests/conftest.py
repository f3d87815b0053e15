"""Shared fixtures: a database built from the migrations, on SQLite and on PostgreSQL.

Every test that asks for `db_session` runs once per database and is rolled back at the end.
PostgreSQL comes from `NIGHTCARE_TEST_POSTGRES_URL` (default: the local server's
`nightcare_test` database, created when missing); each test run works in a schema of its own,
so runs side by side do not disturb each other. When PostgreSQL cannot be reached its tests
are skipped, unless `NIGHTCARE_REQUIRE_POSTGRES=1`, when they fail.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from data.database import make_engine, upgrade_to_head

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/nightcare_test"
DATABASES = ["sqlite", "postgresql"]


def postgres_test_url() -> str:
    """The PostgreSQL database tests use (it is created when missing)."""
    return os.environ.get("NIGHTCARE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def _postgres_unavailable(reason: str) -> None:
    if os.environ.get("NIGHTCARE_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required but {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


def _ensure_postgres_database(url: str) -> None:
    parsed = make_url(url)
    admin = make_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": parsed.database},
            ).first()
            if exists is None:
                connection.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    finally:
        admin.dispose()


def new_database(kind: str, directory: Path) -> tuple[Engine, str]:
    """A fresh, migrated database of `kind` ("sqlite" or "postgresql"): its engine and URL.

    For PostgreSQL the URL alone does not select the run's schema: use the returned engine,
    or `make_engine(url, connect_args=...)` as done here. Skips when PostgreSQL is down.
    """
    if kind == "sqlite":
        url = f"sqlite:///{directory / 'nightcare-test.db'}"
        engine = make_engine(url)
    else:
        url = postgres_test_url()
        try:
            _ensure_postgres_database(url)
        except OperationalError as error:
            _postgres_unavailable(str(error.orig).strip().splitlines()[0])
        schema = f"test_{os.getpid()}_{secrets.token_hex(4)}"
        with make_engine(url).connect() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            connection.commit()
        engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    upgrade_to_head(engine)
    return engine, url


def drop_database(engine: Engine) -> None:
    """Throw away a database made by `new_database` (PostgreSQL: its schema)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            schema = connection.exec_driver_sql("SELECT current_schema()").scalar_one()
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            connection.commit()
    engine.dispose()


@pytest.fixture(scope="session", params=DATABASES)
def db_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """An engine on a database built from the migrations, once per test run and database kind."""
    engine, _url = new_database(request.param, tmp_path_factory.mktemp(request.param))
    yield engine
    drop_database(engine)


@pytest.fixture
def db_session(db_engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test (commits become savepoints)."""
    connection = db_engine.connect()
    transaction = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()
