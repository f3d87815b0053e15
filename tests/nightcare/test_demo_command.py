"""`nightcare demo`: load the demo county into a fresh database, plan tonight, report per area."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.database import make_engine
from data.demo_county import DEMO_AREAS
from data.models import StoredPlan, User
from data.services.access import SYSTEM
from data.services.area_statistics import areas_statistics
from data.services.publication import publication_changes
from data.settings import get_settings
from nightcare.cli import main
from nightcare.demo.command import tonight

REPO = Path(__file__).parent.parent.parent
NIGHT = "2026-11-26"
# The first run publishes this many nights before NIGHT (the default 7 would only be slower).
HISTORY = 2


@pytest.fixture(scope="module")
def first_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[str, subprocess.CompletedProcess[str]]:
    """`nightcare demo` run once, as a process, on a fresh SQLite file: its URL and result."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo-command') / 'nightcare.db'}"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nightcare",
            "demo",
            "--night",
            NIGHT,
            "--seconds",
            "0.3",
            "--history",
            str(HISTORY),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "NIGHTCARE_DATABASE_URL": url},
        timeout=180,
    )
    return url, done


@pytest.fixture
def database_url(monkeypatch: pytest.MonkeyPatch, first_run: tuple[str, object]) -> Iterator[str]:
    """The first run's database as this process's NIGHTCARE_DATABASE_URL."""
    monkeypatch.setenv("NIGHTCARE_DATABASE_URL", first_run[0])
    get_settings.cache_clear()
    yield first_run[0]
    get_settings.cache_clear()


def test_nightcare_demo_loads_the_county_and_plans_every_area_tonight(
    first_run: tuple[str, subprocess.CompletedProcess[str]],
) -> None:
    """Exit 0; the output gives the sign-ins once, then each area's plan and a route sheet."""
    _url, done = first_run
    assert done.returncode == 0, done.stderr
    assert "loaded the demo county: 4 areas" in done.stdout
    assert "120 people" in done.stdout
    for spec in DEMO_AREAS:
        assert f"== {spec.name} (area " in done.stdout
        assert f"  {spec.coordinator} " in done.stdout
        assert f"  carer-{spec.key} " in done.stdout
    assert done.stdout.count("First crew's route sheet") == len(DEMO_AREAS)
    assert done.stdout.count("planned ") >= len(DEMO_AREAS)
    assert "cancelled: in hospital" in done.stdout


def test_nightcare_demo_first_publishes_the_earlier_nights_in_every_area(
    database_url: str, first_run: tuple[str, subprocess.CompletedProcess[str]]
) -> None:
    """With --history 2 the first run publishes the two nights before, oldest first, by the
    evening's path: the charts have three nights, and each later night was compared with the
    night before it ("changed since last night" has a night to count against)."""
    _url, done = first_run
    assert done.returncode == 0, done.stderr
    assert "nightcare: published 2 earlier nights in each area (8 plans, 2026-11-24 to " in (
        done.stdout
    )
    assert done.stdout.index("earlier nights") < done.stdout.index("== North Shropshire")
    night = date.fromisoformat(NIGHT)
    earlier = [night - timedelta(days=d) for d in range(HISTORY, 0, -1)]
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            history = session.scalars(
                select(StoredPlan)
                .where(StoredPlan.trigger == "demo-history")
                .order_by(StoredPlan.id)
            ).all()
            area_ids = sorted({plan.area_id for plan in history})
            assert len(area_ids) == len(DEMO_AREAS)
            for area_id in area_ids:
                of_area = [plan for plan in history if plan.area_id == area_id]
                assert [plan.night for plan in of_area] == earlier
                assert all(plan.version == 1 for plan in of_area)
                assert all(plan.status == "published" for plan in of_area)
                assert all(plan.plan["routes"] for plan in of_area)
                changes = publication_changes(session, of_area[-1].id)
                assert changes is not None
                assert changes["superseded_version"] is None
            statistics = areas_statistics(session, SYSTEM, area_ids, last_night=night)
            for area in statistics.values():
                assert [n.night for n in area.nights if n.has_figures] == [*earlier, night]
    finally:
        engine.dispose()


def test_nightcare_demo_a_second_time_keeps_the_county_and_plans_again(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The second run says the county is already loaded, shows no password, stores version 2."""
    assert main(["demo", "--night", NIGHT, "--seconds", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "demo county already loaded (120 people in 4 areas)" in out
    assert "commissioner " not in out
    assert "earlier night" not in out
    assert out.count("published plan") == len(DEMO_AREAS)
    assert out.count("(version 2)") == len(DEMO_AREAS)
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            statuses = Counter(
                (plan.version, plan.status) for plan in session.scalars(select(StoredPlan))
            )
    finally:
        engine.dispose()
    # Tonight's version 1 is superseded; the earlier nights' plans are left as they were.
    assert statuses == {
        (1, "published"): HISTORY * len(DEMO_AREAS),
        (1, "superseded"): len(DEMO_AREAS),
        (2, "published"): len(DEMO_AREAS),
    }


def test_nightcare_demo_again_with_a_password_gives_the_demo_users_that_password(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run again with --password (the first run's passwords were lost): the users are listed
    with the new password and it signs in; the county is not loaded twice."""
    password = "lost the first ones"
    assert main(["demo", "--night", NIGHT, "--seconds", "0.2", "--password", password]) == 0
    out = capsys.readouterr().out
    assert "demo county already loaded (120 people in 4 areas)" in out
    assert f"  commissioner                   {password} " in out
    for spec in DEMO_AREAS:
        assert f"  carer-{spec.key} " in out
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            user = session.scalars(select(User).where(User.username == "commissioner")).one()
            assert PasswordHasher().verify(user.password_hash, password)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--night", "2026-13-01"], "argument --night: '2026-13-01' is not a date YYYY-MM-DD"),
        (["--seconds", "0"], "argument --seconds: '0' must be more than 0 and at most 600"),
        (["--history", "31"], "argument --history: '31' must be from 0 to 30"),
        (["--history", "-1"], "argument --history: '-1' must be from 0 to 30"),
        (["--history", "a week"], "argument --history: 'a week' is not a whole number"),
    ],
)
def test_nightcare_demo_refuses_bad_arguments_on_one_line_with_exit_2(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad input: `nightcare: error: ...` on stderr and exit code 2, before any database work."""
    assert main(["demo", *arguments]) == 2
    assert f"nightcare: error: {message}" in capsys.readouterr().err


def test_nightcare_demo_refuses_a_short_password_naming_it(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --password the users' rule refuses is reported as a password error, exit 2."""
    assert main(["demo", "--night", NIGHT, "--password", "short"]) == 2
    assert "nightcare: error: password: must be at least 10 characters" in capsys.readouterr().err


def test_tonight_before_seven_in_the_morning_is_the_night_under_way() -> None:
    """At 03:00 in London tonight is the night that began the evening before; at 19:00, today."""
    assert tonight(datetime(2026, 11, 27, 3, 0, tzinfo=UTC)) == date(2026, 11, 26)
    assert tonight(datetime(2026, 11, 27, 19, 0, tzinfo=UTC)) == date(2026, 11, 27)
    # 06:30 UTC is 07:30 in London in summer: the night is over.
    assert tonight(datetime(2026, 7, 1, 6, 30, tzinfo=UTC)) == date(2026, 7, 1)
