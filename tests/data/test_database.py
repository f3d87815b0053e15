"""SQLite is set up so that concurrent writers wait for each other instead of failing."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from data.database import make_engine, make_session_factory


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
