"""`api.deps.in_one_thread`: the route's database work in one worker thread."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import anyio
from sqlalchemy import Connection, QueuePool, text

from api.deps import in_one_thread
from data.database import make_engine, make_session_factory


def test_a_cancelled_request_waits_for_its_threads_transaction_to_end(tmp_path: Path) -> None:
    """A request cancelled while its thread works ends only after the thread's commit, with
    the connection back in the pool (as anyio's own hand-off behaves)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'handoff.db'}")
    sessions = make_session_factory(engine)
    started = threading.Event()
    events: list[str] = []

    def work(connection: Connection) -> int:
        started.set()
        time.sleep(0.3)
        connection.execute(text("SELECT 1"))
        events.append("thread done")
        return 1

    async def request() -> None:
        try:
            await in_one_thread(sessions, work)
        finally:
            events.append("request ended")

    async def cancel_mid_work() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(request)
            await anyio.to_thread.run_sync(started.wait, 5)
            group.cancel_scope.cancel()

    # A thread of its own: an event loop may be left running in this one by other tests.
    runner = threading.Thread(target=anyio.run, args=(cancel_mid_work,))
    runner.start()
    runner.join(10)
    assert events == ["thread done", "request ended"]
    assert isinstance(engine.pool, QueuePool)
    assert engine.pool.checkedout() == 0
    engine.dispose()
