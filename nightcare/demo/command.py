"""`nightcare demo`: load the demo county into the database and plan tonight in every area.

The database is NIGHTCARE_DATABASE_URL (default: nightcare.db in the working directory); it is
brought to the latest migration first. Tonight is then published in every area by the
evening's own path (build, solve from last night's plan, publish). When the county is newly
loaded, the nights before tonight (`--history N`, default 7) are published first by the same
path, so the commissioner's charts, "changed since last night" and warm starts have a past. A
second run finds the county loaded, says so, and publishes tonight again (a new version; the
one before becomes superseded) without publishing the earlier nights again.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from nightcare.arguments import solve_seconds, whole_number
from nightcare.cli import EXIT_OK, PROG, UsageError
from nightcare.route_sheet_text import crew_sheet_text, plan_summary

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

DEMO_TIMEZONE = "Europe/London"
# Before the morning shift ends, "tonight" is the night already under way.
_NIGHT_ENDS_HOUR = 7
DEFAULT_SECONDS = 3.0
DEFAULT_HISTORY = 7
# Each earlier night gets a short search: it only needs a sensible plan to compare against.
HISTORY_SECONDS = 0.3
HISTORY_TRIGGER = "demo-history"


def tonight(now: datetime | None = None) -> date:
    """The night under way or about to start in Europe/London at `now` (default: now).

    Until 07:00 that is the night that began the evening before.
    """
    local = (now or datetime.now(UTC)).astimezone(ZoneInfo(DEMO_TIMEZONE))
    return local.date() - timedelta(days=1) if local.hour < _NIGHT_ENDS_HOUR else local.date()


def _night(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _history(text: str) -> int:
    from data.demo_county import DEMO_HISTORY_NIGHTS

    return whole_number(0, DEMO_HISTORY_NIGHTS)(text)


def add_demo_command(commands: Any) -> None:
    """Add `demo` to the command line's subcommands (`commands` from add_subparsers)."""
    parser = commands.add_parser(
        "demo",
        help="load the demo county and publish tonight's plans",
        description="Load a demo county (4 areas, about 120 synthetic people, carers, a rota) "
        "into the database in NIGHTCARE_DATABASE_URL, then plan and publish tonight in every area "
        "as the evening run does, and print each area's figures and its first crew's route "
        "sheet.",
    )
    parser.add_argument(
        "--night",
        type=_night,
        help="the night to plan, YYYY-MM-DD (default: tonight in Europe/London)",
    )
    parser.add_argument(
        "--seconds",
        type=solve_seconds,
        default=DEFAULT_SECONDS,
        help=f"time limit for each area's search (default {DEFAULT_SECONDS:g})",
    )
    parser.add_argument(
        "--history",
        type=_history,
        default=DEFAULT_HISTORY,
        metavar="N",
        help="when the county is first loaded, also publish the N nights before in every area "
        f"(default {DEFAULT_HISTORY}, 0 for none, at most 30; {HISTORY_SECONDS:g} s search each)",
    )
    parser.add_argument(
        "--password",
        help="give every demo user this password (default: a random one each, printed once)",
    )
    parser.set_defaults(command=demo_command)


def demo_command(arguments: argparse.Namespace) -> int:
    """Run `nightcare demo` with parsed `arguments`; returns the exit code."""
    # Imported here so that `solve` and `check` start without loading the database layer.
    from sqlalchemy.exc import OperationalError

    from data.accounts import upgrade_database
    from data.errors import DomainError
    from data.settings import get_settings

    night: date = arguments.night or tonight()
    try:
        url = get_settings().database_url
    except ValueError as error:  # pydantic's ValidationError: a refused NIGHTCARE_* value
        raise UsageError(str(error).replace("\n", " ")) from error
    try:
        upgrade_database(url)
        _load_and_plan(
            url, night, arguments.seconds, arguments.history, arguments.password, sys.stdout
        )
    except DomainError as error:
        raise UsageError(str(error)) from error
    except OperationalError as error:
        raise UsageError(f"the database failed: {str(error.orig).strip()}") from error
    return EXIT_OK


def _load_and_plan(
    url: str, night: date, seconds: float, history: int, password: str | None, out: TextIO
) -> None:
    from data.database import make_engine, make_session_factory
    from data.demo_county import DEMO_AREAS, demo_county_size, load_demo_county

    engine = make_engine(url)
    try:
        sessions = make_session_factory(engine)
        with sessions.begin() as session:
            county = load_demo_county(session, night=night, password=password)
            size = demo_county_size(session, county.area_ids)
        if county.newly_loaded:
            print(
                f"{PROG}: loaded the demo county: {len(county.area_ids)} areas, "
                f"{size.carers} carers, {size.people} people, {size.needs} recurring needs, "
                f"{size.one_off_calls} one-off calls on {night.isoformat()}",
                file=out,
            )
        elif county.sign_ins:
            print(
                f"{PROG}: demo county already loaded ({size.people} people in "
                f"{len(county.area_ids)} areas); its users now have the password given",
                file=out,
            )
        else:
            print(
                f"{PROG}: demo county already loaded ({size.people} people in "
                f"{len(county.area_ids)} areas); its passwords were shown when it was loaded "
                "(--password P gives its users a new one)",
                file=out,
            )
        if county.sign_ins:
            print("\nSign in with (shown once; only hashes are stored):", file=out)
            for sign_in in county.sign_ins:
                areas = "all areas" if sign_in.role == "commissioner" else sign_in.areas[0]
                print(
                    f"  {sign_in.username:30} {sign_in.password:20} {sign_in.role}, {areas}",
                    file=out,
                )
        if county.newly_loaded and history > 0:
            _publish_history(
                sessions, county.area_ids, night, history, min(seconds, HISTORY_SECONDS), out
            )
        for spec, area_id in zip(DEMO_AREAS, county.area_ids, strict=True):
            print("", file=out)
            _plan_area(sessions, area_id, spec.name, night, seconds, out)
    finally:
        engine.dispose()


def _publish_history(
    sessions: sessionmaker[Session],
    area_ids: tuple[int, ...],
    night: date,
    nights: int,
    seconds: float,
    out: TextIO,
) -> None:
    """Publish the `nights` nights before `night` in every area, oldest first, each by the
    evening's path and in its own transaction, so each starts from the night before's plan.
    Nothing is notified: the demo never notifies, and these nights are long over."""
    from data.services.publication import publish_night

    started = time.monotonic()
    for days_before in range(nights, 0, -1):
        earlier = night - timedelta(days=days_before)
        for area_id in area_ids:
            with sessions.begin() as session:
                publish_night(
                    session,
                    area_id,
                    earlier,
                    trigger=HISTORY_TRIGGER,
                    actor_user_id=None,
                    seconds=seconds,
                )
    took = time.monotonic() - started
    night_word = "night" if nights == 1 else "nights"
    print(
        f"\n{PROG}: published {nights} earlier {night_word} in each area "
        f"({nights * len(area_ids)} plans, {night - timedelta(days=nights)} to "
        f"{night - timedelta(days=1)}, {took:.1f} s)",
        file=out,
    )


def _plan_area(
    sessions: sessionmaker[Session],
    area_id: int,
    name: str,
    night: date,
    seconds: float,
    out: TextIO,
) -> None:
    from data.models import StoredPlan
    from data.services.nights import build_night
    from data.services.publication import publish_night
    from routing.plan_file import read_plan
    from routing.problem_file import read_problem

    # The evening's own path (build, solve from last night's plan, publish, supersede), as
    # the scheduler runs it at each area's publish time; a demo run publishes again at once.
    with sessions.begin() as session:
        left_out = build_night(session, area_id, night).left_out
        result = publish_night(
            session, area_id, night, trigger="demo", actor_user_id=None, seconds=seconds
        )
        stored = session.get_one(StoredPlan, result.plan_id)
    routing_night = read_problem(stored.problem)
    plan = read_plan(stored.plan, routing_night)
    print(f"== {name} (area {area_id}), night of {night.isoformat()}", file=out)
    print(
        f"published plan {stored.id} (version {stored.version}): "
        f"{len(routing_night.calls)} calls, {plan_summary(plan, routing_night)}",
        file=out,
    )
    if left_out:
        reasons = Counter(o.reason for o in left_out)
        listed = ", ".join(f"{reason} ({count})" for reason, count in sorted(reasons.items()))
        print(f"left out of tonight: {len(left_out)} ({listed})", file=out)
    for item in plan.unassigned:
        print(f"unassigned {item.call_id}: {item.reason}", file=out)
    first = plan.routes[0] if plan.routes else None
    if first is not None:
        print(f"\nFirst crew's route sheet ({first.crew_id}):", file=out)
        out.write(crew_sheet_text(first, routing_night))
