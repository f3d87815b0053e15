"""How long building one area's night takes, and how many SQL statements it runs.

Stores an area with 3 crews, PEOPLE people with 3 recurring needs each (some only on some
weekdays, some paused), a few one-off calls and cancellations, then times `build_night` for a
Tuesday: the median of REPEATS runs, each with an empty identity map, and the statements
counted on the connection. The process's CPU time is shown beside the wall time, as a busy
machine stretches the wall time (and PostgreSQL's own work is not in the process's CPU).
Runs on SQLite (a temporary file) and, when reachable, PostgreSQL (a database of its own on
127.0.0.1:5432, dropped afterwards).

    .venv/bin/python -m bench.build_night [--people 300] [--repeats 20]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bench.api_load import postgres_database
from data.database import make_engine, upgrade_to_head
from data.models import Area, Cancellation, Carer, Need, OneOffCall, Person, RotaCrew
from data.services.nights import build_night
from routing.problem_file import read_problem

TUESDAY = date(2026, 3, 3)
WINDOWS = (("22:30", "23:30"), ("01:00", "02:30"), ("04:00", "05:30"))


def store_area(session: Session, people: int, seed: int = 1) -> int:
    """An area of `people` people with three needs each; returns the area's id."""
    rng = random.Random(seed)
    ring = [[-3.2, 52.3], [-2.6, 52.3], [-2.6, 52.7], [-3.2, 52.7], [-3.2, 52.3]]
    area = Area(
        name="Bench Hills",
        provider="Bench Care",
        boundary={"type": "Polygon", "coordinates": [ring]},
        base_lat=52.5,
        base_lon=-2.9,
        crews_per_night=3,
        shift_start="22:00",
        shift_end="07:00",
        cutoff_time="14:00",
        publish_time="17:00",
        speed_kmh=48,
        circuity=1.3,
        stop_minutes=3,
        timezone="Europe/London",
        start_date=date(2026, 1, 1),
    )
    session.add(area)
    session.flush()
    carers = [
        Carer(area_id=area.id, name=f"Carer {i}", gender="F", skills=["medication"], active=True)
        for i in range(6)
    ]
    session.add_all(carers)
    session.flush()
    for weekday in range(7):
        for crew in range(3):
            session.add(
                RotaCrew(
                    area_id=area.id,
                    weekday=weekday,
                    crew_number=crew + 1,
                    carer_a_id=carers[2 * crew].id,
                    carer_b_id=carers[2 * crew + 1].id,
                )
            )
    for i in range(people):
        person = Person(
            area_id=area.id,
            name=f"Person {i}",
            address=f"{i} Bench Lane",
            lat=52.35 + rng.random() * 0.3,
            lon=-3.15 + rng.random() * 0.5,
            gender_request=rng.choice([None, None, "F"]),
            access_notes="side door",
            key_safe_code=f"{i:04d}",
            start_date=date(2026, 1, 1),
        )
        session.add(person)
        session.flush()
        for earliest, latest in WINDOWS:
            weekdays = list(range(7)) if rng.random() < 0.8 else [0, 2, 4]
            session.add(
                Need(
                    person_id=person.id,
                    label="reposition",
                    weekdays=weekdays,
                    start_date=date(2026, 1, 1),
                    earliest=earliest,
                    latest=latest,
                    minutes=20,
                    priority="standard",
                    skills=[],
                    paused=rng.random() < 0.05,
                )
            )
        if i % 50 == 0:
            session.add(Cancellation(person_id=person.id, night=TUESDAY, reason="respite"))
        if i % 30 == 0:
            session.add(
                OneOffCall(
                    person_id=person.id,
                    night=TUESDAY,
                    label="check",
                    earliest="03:00",
                    latest="04:00",
                    minutes=15,
                    priority="standard",
                    skills=[],
                )
            )
    session.flush()
    return area.id


def measure(engine: Engine, people: int, repeats: int) -> dict[str, Any]:
    """Median and best milliseconds of `build_night`, statements per build, and call counts."""
    with Session(engine) as session:
        area_id = store_area(session, people)
        session.commit()
    timings: list[float] = []
    cpu: list[float] = []
    reading: list[float] = []
    statements: list[int] = []
    with Session(engine) as session:
        for _ in range(repeats):
            session.expunge_all()
            count = 0

            def counted(*_args: Any) -> None:
                nonlocal count
                count += 1

            connection = session.connection()
            event.listen(connection, "before_cursor_execute", counted)
            began, began_cpu = time.perf_counter(), time.process_time()
            build = build_night(session, area_id, TUESDAY)
            timings.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
            event.remove(connection, "before_cursor_execute", counted)
            statements.append(count)
            session.rollback()
            began_cpu = time.process_time()
            read_problem(build.problem)
            reading.append((time.process_time() - began_cpu) * 1000)
    return {
        "median_ms": statistics.median(timings),
        "best_ms": min(timings),
        "cpu_ms": statistics.median(cpu),
        "read_problem_cpu_ms": statistics.median(reading),
        "statements": sorted(set(statements)),
        "calls": len(build.problem["calls"]),
        "left_out": len(build.left_out),
        "needs": people * len(WINDOWS),
    }


def main() -> None:
    """Print one line per database."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=20)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine(f"sqlite:///{Path(directory) / 'bench.db'}")
        upgrade_to_head(engine)
        report("sqlite", measure(engine, arguments.people, arguments.repeats))
        engine.dispose()
    try:
        with postgres_database() as url:
            engine = make_engine(url)
            upgrade_to_head(engine)
            report("postgresql", measure(engine, arguments.people, arguments.repeats))
            engine.dispose()
    except OperationalError as error:
        print(f"postgresql: skipped ({str(error.orig).strip().splitlines()[0]})")


def report(database: str, figures: dict[str, Any]) -> None:
    """One line of figures."""
    print(
        f"{database}: build_night {figures['median_ms']:.1f} ms median "
        f"(best {figures['best_ms']:.1f}; process CPU {figures['cpu_ms']:.1f} ms median, of which "
        f"routing's read_problem {figures['read_problem_cpu_ms']:.1f}), "
        f"{figures['statements']} SQL statements, "
        f"{figures['needs']} needs -> {figures['calls']} calls, {figures['left_out']} left out"
    )


if __name__ == "__main__":
    main()
