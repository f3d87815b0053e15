"""How long checking and storing a CSV import of people and their calls takes.

Builds a realistic file for one demo-county area (default Shrewsbury and Severn): people living
in and around its towns, inside its boundary, each with a phone, most with access notes and a
key-safe code, and two calls a night (half of the second calls follow the first by 150-240
minutes, as repositioning does); ROWS rows make ROWS / 2 people. Each run starts from a fresh
database brought to the latest migration, with the four demo areas stored (so finding a home's
area has the county's boundaries to look through), then times `import_people_and_needs` for the
area's coordinator and the commit, as `POST /areas/{id}/imports` does. A second run per size
imports the same file with one wrong cell on its last row: every row is checked and stored in
the savepoint, then all is rolled back, as a coordinator sees on a file with a mistake.

Reported per database and size, best (and median) of REPEATS runs: wall seconds, rows/s, the
process's CPU seconds (PostgreSQL's own work is not in it), and the SQL statements run
(counted on the engine). Runs on SQLite (a temporary file) and PostgreSQL (a throwaway
database on 127.0.0.1:5432, dropped afterwards; skipped when unreachable). The machine and
its load average are in the report: the wall time on a shared 2-core machine depends on what
else runs.

    .venv/bin/python -m bench.csv_import [--rows 1000,2000] [--area shrewsbury]
        [--databases sqlite,postgresql] [--repeats 3] [--output FILE]
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import platform
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from shapely import Polygon
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from data.database import make_engine, upgrade_to_head
from data.demo_county import DEMO_AREAS, DemoArea, demo_area_fields, home_near, town
from data.services.access import COORDINATOR, SYSTEM, Actor
from data.services.areas import create_area
from data.services.csv_import import COLUMNS, import_people_and_needs

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
START = date(2026, 12, 1)
SEED = 2026
_WOMEN = "Anne Beryl Carol Dilys Edna Freda Gwyneth Hilda Irene Joan Kathleen Olive".split()
_MEN = "Albert Bernard Cyril Dennis Emlyn Frank Gwilym Harold Idris Kenneth".split()
_SURNAMES = "Morgan Price Evans Davies Jones Hughes Owen Bebb Corbett Mainwaring Pryce".split()
_STREETS = ("Church Street", "Mill Lane", "High Street", "Station Road", "Orchard Close")
_ACCESS = (
    "Key safe left of the front door; ring the bell before letting yourselves in.",
    "Use the back door (side gate). Dog is shut in the kitchen at night.",
    "",
)
_RISKS = ("Lives alone; history of falls at night.", "Oxygen in use: no naked flames.", "", "")
# First calls (earliest, latest, minutes, label) and second calls, all inside 22:00-07:00.
_FIRST_CALLS = (
    ("22:30", "23:30", 30, "settle and medication"),
    ("23:00", "23:45", 20, "reposition"),
    ("22:15", "23:00", 15, "evening medication"),
)
_SECOND_CALLS = (
    ("02:00", "03:30", 30, "reposition"),
    ("04:00", "05:30", 20, "check and settle"),
    ("05:30", "06:30", 15, "morning check"),
)


@dataclass(frozen=True)
class Run:
    """One timed import: the database, the file's size, whether it was stored, the figures."""

    database: str
    rows: int
    people: int
    stored: bool
    seconds: float
    cpu_seconds: float
    statements: int
    load: float


@dataclass(frozen=True)
class Runs:
    """The repeats of one import (same database, size and outcome), each on a fresh database."""

    repeats: tuple[Run, ...]

    @property
    def first(self) -> Run:
        """The first repeat (database, size, outcome and statements are the same in each)."""
        return self.repeats[0]

    @property
    def best_seconds(self) -> float:
        """The least wall seconds: the one least disturbed by other work on the machine."""
        return min(r.seconds for r in self.repeats)

    @property
    def median_seconds(self) -> float:
        """The median wall seconds."""
        return statistics.median(r.seconds for r in self.repeats)

    @property
    def best_cpu_seconds(self) -> float:
        """The least CPU seconds of the process."""
        return min(r.cpu_seconds for r in self.repeats)


def _home_in(spec: DemoArea, rng: random.Random, inside: Polygon) -> tuple[float, float, str]:
    """A home in one of the area's towns (most people) or a village a few km out."""
    place = town(rng.choice(spec.towns))
    return (*home_near(place, inside, rng), place.name)


def people_file(spec: DemoArea, rows: int, *, seed: int = SEED, wrong_last: bool = False) -> bytes:
    """A CSV file of `rows` rows, two per person, for the demo area `spec` (every column the
    import reads). With `wrong_last`, the last row's minutes are not a number."""
    rng = random.Random(seed)
    inside = spec.polygon().buffer(-0.003)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for number in range(math.ceil(rows / 2)):
        lat, lon, place = _home_in(spec, rng, inside)
        woman = rng.random() < 0.7
        has_key_safe = rng.random() < 0.85
        earliest, latest, minutes, label = rng.choice(_FIRST_CALLS)
        reference = f"P{number + 1}"
        writer.writerow(
            {
                "person": reference,
                "name": f"{rng.choice(_WOMEN if woman else _MEN)} {rng.choice(_SURNAMES)}",
                "address": f"{number + 1} {rng.choice(_STREETS)}, {place}",
                "lat": f"{lat:.5f}",
                "lon": f"{lon:.5f}",
                "gender_request": "F" if woman and rng.random() < 0.2 else "",
                "start_date": (START - timedelta(days=rng.randint(0, 400))).isoformat(),
                "access_notes": rng.choice(_ACCESS) if has_key_safe else "Knock twice.",
                "key_safe_code": f"{rng.randrange(10000):04d}" if has_key_safe else "",
                "phone": f"01632 960{number % 1000:03d}"
                if number % 3
                else f"07700 900{number % 1000:03d}",
                "contact_name": "" if number % 3 else "daughter, Sue",
                "risk_notes": rng.choice(_RISKS),
                "need": "first",
                "label": label,
                "weekdays": "daily" if rng.random() < 0.9 else "Mon-Fri",
                "earliest": earliest,
                "latest": latest,
                "minutes": str(minutes),
                "priority": rng.choice(("critical", "standard", "standard", "optional")),
                "skills": rng.choice(("", "", "medication", "hoist; medication")),
            }
        )
        if 2 * number + 1 >= rows:
            break
        earliest, latest, minutes, label = rng.choice(_SECOND_CALLS)
        linked = rng.random() < 0.5
        writer.writerow(
            {
                "person": reference,
                "label": label,
                "weekdays": "daily",
                "earliest": earliest,
                "latest": latest,
                "minutes": str(minutes),
                "after_need": "first" if linked else "",
                "min_gap_minutes": "150" if linked else "",
                "max_gap_minutes": "240" if linked else "",
            }
        )
    text = out.getvalue()
    if wrong_last:
        last = text.rstrip("\n").rsplit("\n", 1)
        cells = next(csv.reader([last[1]]))
        cells[COLUMNS.index("minutes")] = "half an hour"
        line = io.StringIO()
        csv.writer(line, lineterminator="\n").writerow(cells)
        text = f"{last[0]}\n{line.getvalue()}"
    return text.encode("utf-8")


def store_demo_areas(session: Session) -> dict[str, int]:
    """The four demo areas (no carers or people), as `nightcare demo` stores them; their ids."""
    ids = {}
    for index, spec in enumerate(DEMO_AREAS):
        area = create_area(session, SYSTEM, demo_area_fields(spec, index, START))
        ids[spec.key] = area.id
    session.commit()
    return ids


@contextmanager
def sqlite_engine() -> Iterator[Engine]:
    """An engine on a new SQLite file at the latest migration."""
    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine(f"sqlite:///{Path(directory) / 'bench.db'}")
        try:
            upgrade_to_head(engine)
            yield engine
        finally:
            engine.dispose()


@contextmanager
def postgres_engine() -> Iterator[Engine]:
    """An engine on a new database on the local PostgreSQL server at the latest migration,
    dropped afterwards."""
    name = f"nightcare_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
    try:
        upgrade_to_head(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def measure(engine: Engine, database: str, spec: DemoArea, rows: int, *, wrong_last: bool) -> Run:
    """Import a file of `rows` rows into `spec`'s area as its coordinator, timed with the commit."""
    with Session(engine) as session:
        area_id = store_demo_areas(session)[spec.key]
    content = people_file(spec, rows, wrong_last=wrong_last)
    coordinator = Actor(user_id=None, role=COORDINATOR, area_ids=frozenset({area_id}))
    statements = 0

    def counted(*_arguments: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", counted)
    try:
        with Session(engine) as session:
            began, began_cpu = time.perf_counter(), time.process_time()
            report = import_people_and_needs(
                session, coordinator, area_id, content, file_name="bench.csv"
            )
            session.commit()
            seconds = time.perf_counter() - began
            cpu_seconds = time.process_time() - began_cpu
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    if report.imported == wrong_last:
        print(f"{database}, {rows} rows: unexpected outcome, errors {report.errors[:3]}")
    return Run(
        database=database,
        rows=report.rows,
        people=len(report.people) if report.imported else math.ceil(rows / 2),
        stored=report.imported,
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        statements=statements,
        load=os.getloadavg()[0],
    )


def machine() -> str:
    """The CPU model, core count and Python version."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def report(runs: list[Runs], *, command: str, load_before: tuple[float, float, float]) -> str:
    """The figures as a Markdown table with the command, the machine and its load."""
    lines = [
        f"`{command}` ({date.today().isoformat()}, {machine()}; load average before the run "
        f"{' / '.join(f'{x:.1f}' for x in load_before)}). Best and median of "
        f"{len(runs[0].repeats) if runs else 0} runs, each on a fresh database.",
        "",
        "| database | rows | people | outcome | wall s best (median) | rows/s at best "
        "| process CPU s best | SQL statements | per row | load average (1 min) after runs |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for each in runs:
        run = each.first
        loads = ", ".join(f"{r.load:.1f}" for r in each.repeats)
        lines.append(
            f"| {run.database} | {run.rows} | {run.people} | "
            f"{'stored' if run.stored else 'refused (last row wrong)'} | "
            f"{each.best_seconds:.2f} ({each.median_seconds:.2f}) | "
            f"{run.rows / each.best_seconds:.0f} | {each.best_cpu_seconds:.2f} | "
            f"{run.statements} | {run.statements / run.rows:.2f} | {loads} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run each database and size, print the table and write it to --output."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", default="1000,2000", help="file sizes, comma-separated")
    parser.add_argument("--area", default="shrewsbury", choices=[a.key for a in DEMO_AREAS])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each, best reported")
    parser.add_argument("--output", type=Path, default=None, help="also write the table here")
    arguments = parser.parse_args()
    spec = next(a for a in DEMO_AREAS if a.key == arguments.area)
    sizes = [int(n) for n in arguments.rows.split(",")]
    engines = {"sqlite": sqlite_engine, "postgresql": postgres_engine}
    load_before = os.getloadavg()
    runs: list[Runs] = []
    for database in arguments.databases.split(","):
        try:
            for rows in sizes:
                for wrong_last in (False, True):
                    repeats = []
                    for _ in range(arguments.repeats):
                        with engines[database]() as engine:
                            repeats.append(
                                measure(engine, database, spec, rows, wrong_last=wrong_last)
                            )
                        print(repeats[-1], flush=True)
                    runs.append(Runs(tuple(repeats)))
        except OperationalError as error:
            print(f"{database}: skipped ({str(error.orig).strip().splitlines()[0]})")
    command = ".venv/bin/python -m bench.csv_import " + " ".join(
        f"--{k} {v}"
        for k, v in (
            ("rows", arguments.rows),
            ("area", arguments.area),
            ("databases", arguments.databases),
            ("repeats", arguments.repeats),
        )
    )
    text = report(runs, command=command, load_before=load_before)
    print(text)
    if arguments.output is not None:
        arguments.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
