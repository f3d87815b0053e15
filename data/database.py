"""Engines, sessions and migrations for SQLite (the default) and PostgreSQL.

SQLite runs in WAL mode with foreign keys on and a busy timeout, and every transaction starts
with BEGIN IMMEDIATE: a writer takes the lock up front, so a concurrent request waits for it
(up to the timeout) instead of failing half-way with "database is locked". Writers of one
process also queue for the lock in Python, first come first served (see `WriterQueue`).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
# What the busiest write's statements run on: a Session, or a Core Connection in a transaction
# (no Session bookkeeping: see `api.deps.in_one_thread`).
SessionOrConnection = Session | Connection
SQLITE_BUSY_MILLISECONDS = 10_000
# Enough connections for 20 concurrent requests without opening and closing overflow ones.
# anyio's thread pool (40 threads) and POST /needs' own (20, `api.deps.DATABASE_THREADS`)
# bound how many a server process asks for at once; past 40, a request waits for one.
POOL_SIZE = 20
POOL_OVERFLOW = 20
# A pooled PostgreSQL connection idle longer than this is pinged before use (see
# `_ping_after_idle`); one in steady use is not, which saves a round trip per request.
PING_AFTER_IDLE_SECONDS = 10.0


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for `url`: SQLite set up for concurrent requests, or PostgreSQL via psycopg 3.

    `postgresql://` URLs are read as `postgresql+psycopg://`. Extra `options` go to
    `create_engine` (for example `connect_args`).
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        options.setdefault("pool_size", POOL_SIZE)
        options.setdefault("max_overflow", POOL_OVERFLOW)
        engine = create_engine(parsed, **options)
        _ping_after_idle(engine)
        return engine
    if parsed.database not in (None, "", ":memory:"):
        options.setdefault("pool_size", POOL_SIZE)
        options.setdefault("max_overflow", POOL_OVERFLOW)
    connect_args = dict(options.pop("connect_args", {}))
    connect_args.setdefault("timeout", SQLITE_BUSY_MILLISECONDS / 1000)
    connect_args.setdefault("check_same_thread", False)
    engine = create_engine(parsed, connect_args=connect_args, **options)
    _configure_sqlite(engine)
    return engine


_CHECKED_IN_AT = "nightcare_checked_in_at"


def _ping_after_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it sat idle for a while.

    `pool_pre_ping` pings on every checkout: one extra round trip per request. A connection
    the server dropped (a restart, an idle timeout) is almost always one that sat unused, so
    only those are pinged; a dead one is replaced before the request sees it.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, connection_record: Any) -> None:
        if connection_record is not None:
            connection_record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, connection_record: Any, _proxy: Any) -> None:
        checked_in = connection_record.info.get(_CHECKED_IN_AT)
        if checked_in is None or time.monotonic() - checked_in < PING_AFTER_IDLE_SECONDS:
            return
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception as error:
            # The pool retries the checkout with a fresh connection.
            raise exc.DisconnectionError(f"pooled connection lost: {error}") from error


class WriterQueue:
    """A lock handed to waiters in the order they asked: one process's SQLite writers.

    SQLite's busy handler retries with growing sleeps, so under many writers a newcomer can
    overtake one that has waited for seconds, and some wait past the busy timeout. Queued
    here, each writer waits only for those ahead of it.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Lock] = deque()

    def acquire(self, timeout: float) -> bool:
        """Wait for the turn (at most `timeout` seconds); False when the wait timed out."""
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        if turn.acquire(timeout=timeout):
            return True
        with self._mutex:
            if turn in self._waiting:
                self._waiting.remove(turn)
                return False
        return True  # handed over between the timeout and the mutex

    def release(self) -> None:
        """Hand the lock to the longest waiter, or free it."""
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._held = False


_HOLDS_TURN = "nightcare_holds_writer_turn"


def _configure_sqlite(engine: Engine) -> None:
    """SQLAlchemy's documented recipe for SQLite transactions that take the write lock at BEGIN,
    with the engine's writers queued in Python first (released when the connection goes back
    to the pool, after its COMMIT or ROLLBACK)."""
    writers = WriterQueue()

    def _release(connection_record: Any) -> None:
        if connection_record is not None and connection_record.info.pop(_HOLDS_TURN, False):
            writers.release()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling would defer BEGIN; we emit it ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MILLISECONDS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Readers (see make_session_factory) need no lock: WAL lets them run beside a writer.
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        if not read_only:
            record_info = connection.connection.info
            # A connection that runs several transactions keeps its turn until checked in.
            # After a timed-out wait, SQLite's own busy timeout still applies.
            if not record_info.get(_HOLDS_TURN) and writers.acquire(
                SQLITE_BUSY_MILLISECONDS / 1000
            ):
                record_info[_HOLDS_TURN] = True
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, connection_record: Any) -> None:
        _release(connection_record)

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(_dbapi_connection: Any, connection_record: Any, _error: Any) -> None:
        _release(connection_record)


READ_ONLY_OPTION = "nightcare_read_only"


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions bound to `engine`; objects stay readable after commit.

    With `read_only`, SQLite transactions begin without taking the write lock, so reads (GET
    requests) never wait for a writer; a write in such a session can fail with "database is
    locked" under contention, so use it only for sessions that do not write.
    """
    bind = engine.execution_options(**{READ_ONLY_OPTION: True}) if read_only else engine
    return sessionmaker(bind=bind, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration for the migrations shipped in `data/migrations`, on `engine`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade_to_head(target: Engine | str) -> None:
    """Bring the database at `target` (an engine or a URL) up to the latest migration."""
    engine = make_engine(target) if isinstance(target, str) else target
    command.upgrade(alembic_config(engine), "head")
