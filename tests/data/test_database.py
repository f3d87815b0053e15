"""SQLite is set up so that concurrent writers wait for each other instead of failing."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from data import database
from data.database import WriterQueue, make_engine, make_session_factory
from tests.conftest import postgres_test_url


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    """Every SQLite connection has WAL, foreign keys on and a busy timeout."""
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
    engine.dispose()


def test_a_second_sqlite_writer_waits_for_the_first_instead_of_failing(tmp_path: Path) -> None:
    """With BEGIN IMMEDIATE, a writer that starts while another holds the lock waits and
    then succeeds, so neither sees "database is locked"."""
    engine = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    sessions = make_session_factory(engine)
    first_has_lock = threading.Event()
    errors: list[BaseException] = []

    def slow_writer() -> None:
        try:
            with sessions.begin() as session:
                current = session.execute(text("SELECT n FROM counter")).scalar_one()
                first_has_lock.set()
                time.sleep(0.3)
                session.execute(text("UPDATE counter SET n = :n"), {"n": current + 1})
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
            first_has_lock.set()

    worker = threading.Thread(target=slow_writer)
    worker.start()
    first_has_lock.wait(5)
    with sessions.begin() as session:
        current = session.execute(text("SELECT n FROM counter")).scalar_one()
        session.execute(text("UPDATE counter SET n = :n"), {"n": current + 1})
    worker.join(5)
    assert errors == []
    with engine.connect() as connection:
        # Both increments count: the second read happened after the first write committed.
        assert connection.execute(text("SELECT n FROM counter")).scalar_one() == 2
    engine.dispose()


def test_a_read_only_sqlite_session_reads_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    """Readers begin without the write lock: a read does not wait for an open write."""
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES (7)"))
    writer = make_session_factory(engine)()
    writer.execute(text("UPDATE counter SET n = 8"))
    began = time.perf_counter()
    with make_session_factory(engine, read_only=True)() as reader:
        seen = reader.execute(text("SELECT n FROM counter")).scalar_one()
    waited = time.perf_counter() - began
    writer.commit()
    writer.close()
    engine.dispose()
    assert seen == 7  # the committed value: the open write is not visible yet
    assert waited < 1.0


def test_sqlite_writers_of_one_process_get_the_lock_in_the_order_they_asked() -> None:
    """The writer queue hands the lock to the longest waiter first."""
    queue = WriterQueue()
    assert queue.acquire(1.0)
    served: list[int] = []

    def writer(number: int) -> None:
        assert queue.acquire(5.0)
        served.append(number)
        queue.release()

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(3)]
    for thread in threads:
        thread.start()
        time.sleep(0.1)  # so each is queued before the next asks
    queue.release()
    for thread in threads:
        thread.join(5)
    assert served == [0, 1, 2]


def test_a_writer_that_gives_up_waiting_leaves_the_lock_to_the_others() -> None:
    """A timed-out wait returns False and does not keep the lock once it is freed."""
    queue = WriterQueue()
    assert queue.acquire(1.0)
    assert not queue.acquire(0.05)
    queue.release()
    assert queue.acquire(0.05)


def test_twenty_concurrent_sqlite_writers_all_commit(tmp_path: Path) -> None:
    """Twenty threads each add one to a counter at once: none fails, none is lost."""
    engine = make_engine(f"sqlite:///{tmp_path / 'd.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    sessions = make_session_factory(engine)
    errors: list[BaseException] = []

    def add_one() -> None:
        try:
            with sessions.begin() as session:
                current = session.execute(text("SELECT n FROM counter")).scalar_one()
                session.execute(text("UPDATE counter SET n = :n"), {"n": current + 1})
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=add_one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM counter")).scalar_one() == 20
    engine.dispose()


def _postgres_engine(**options: Any) -> Engine:
    """An engine of one pooled connection on the test PostgreSQL server (skip when down)."""
    engine = make_engine(postgres_test_url(), pool_size=1, max_overflow=0, **options)
    try:
        with engine.connect():
            pass
    except OperationalError as error:
        engine.dispose()
        pytest.skip(f"PostgreSQL not available: {error}")
    return engine


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        pid: int = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        return pid


def _terminate(engine: Engine, pid: int) -> None:
    """End another backend, as a server restart or an idle timeout would."""
    with make_engine(postgres_test_url()).connect() as admin:
        admin.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
        admin.commit()


def test_a_postgresql_connection_idle_past_the_limit_is_pinged_and_replaced_when_dead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A pooled connection whose server side went away while it sat idle is found by the
    ping at checkout and replaced: the request never sees the dead one."""
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)
    engine = _postgres_engine()
    first = _backend_pid(engine)
    _terminate(engine, first)
    time.sleep(0.05)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT 1").scalar_one() == 1
    assert _backend_pid(engine) != first
    engine.dispose()


def test_a_postgresql_connection_in_steady_use_is_not_pinged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A connection checked out again soon after its last use goes straight to work (no
    extra round trip): here its server side is gone, so its first statement fails, and the
    pool then replaces it."""
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 3600.0)
    engine = _postgres_engine()
    first = _backend_pid(engine)
    _terminate(engine, first)
    time.sleep(0.05)
    with pytest.raises(DBAPIError), engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
    assert _backend_pid(engine) != first
    engine.dispose()
