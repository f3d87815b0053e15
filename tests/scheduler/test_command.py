"""`nightcare scheduler` as a process: on start-up it publishes an evening it missed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from data.database import make_session_factory
from data.models import Area, StoredPlan
from data.services.publication import SCHEDULED
from tests.conftest import DATABASES, drop_database, new_database
from tests.data.services.test_publication import an_area_with_calls


def _noon_somewhere() -> str:
    """A fixed-offset timezone where it is now about midday (so tonight has not started)."""
    offset = 12 - datetime.now(UTC).hour
    if offset > 14:
        offset -= 24
    # Etc/GMT names have the sign the other way round: Etc/GMT-5 is UTC+5.
    return f"Etc/GMT{-offset:+d}"


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, str]]:
    """A fresh database with two areas whose publish time has passed and shift is to come."""
    engine, url = new_database(request.param, tmp_path)
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            schema = connection.exec_driver_sql("SELECT current_schema()").scalar_one()
        url = f"{url}?options=-csearch_path%3D{schema}"
    with make_session_factory(engine)() as session, session.begin():
        an_area_with_calls(session, name="West", west=-3.0)
        an_area_with_calls(session, name="East", west=-2.8)
        session.execute(
            update(Area).values(
                timezone=_noon_somewhere(),
                cutoff_time="10:00",
                publish_time="11:00",
                shift_start="15:00",
                shift_end="07:00",
            )
        )
    yield engine, url
    drop_database(engine)


def _scheduled_plans(engine: Engine) -> int:
    with make_session_factory(engine, read_only=True)() as session:
        query = select(func.count()).select_from(StoredPlan)
        return session.scalar(query.where(StoredPlan.trigger == SCHEDULED)) or 0


def test_the_scheduler_publishes_a_missed_evening_on_start_up(
    database: tuple[Engine, str],
) -> None:
    """Started after the publish time and before the shift, it publishes both areas at once,
    and logs when each area's cut-off and publication run next."""
    engine, url = database
    process = subprocess.Popen(
        [sys.executable, "-m", "nightcare", "scheduler", "--seconds", "0.5", "--workers", "2"],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "NIGHTCARE_DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while _scheduled_plans(engine) < 2 and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()[1]
            time.sleep(0.3)
        assert _scheduled_plans(engine) == 2
    finally:
        process.terminate()
        log = process.communicate(timeout=30)[1]
    assert process.returncode == 0
    assert "night" in log and "published (version 1)" in log
    assert "West (area " in log and "next publication" in log
    assert "Adding job tentatively" not in log
