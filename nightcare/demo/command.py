"""`nightcare demo`: load the demo county into the database and plan tonight in every area.

The database is NIGHTCARE_DATABASE_URL (default: nightcare.db in the working directory); it is
brought to the latest migration first. Tonight is then published in every area by the
evening's own path (build, solve from last night's plan, publish). A second run finds the county
loaded, says so, and publishes again (a new version; the one before becomes superseded).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from nightcare.cli import EXIT_OK, PROG, UsageError
from nightcare.route_sheet_text import crew_sheet_text, plan_summary

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

DEMO_TIMEZONE = "Europe/London"
# Before the morning shift ends, "tonight" is the night already under way.
_NIGHT_ENDS_HOUR = 7
DEFAULT_SECONDS = 3.0


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


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0 and at most 600")
    return value


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
        type=_seconds,
        default=DEFAULT_SECONDS,
        help=f"time limit for each area's search (default {DEFAULT_SECONDS:g})",
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
        _load_and_plan(url, night, arguments.seconds, arguments.password, sys.stdout)
    except DomainError as error:
        raise UsageError(str(error)) from error
    except OperationalError as error:
        raise UsageError(f"the database failed: {str(error.orig).strip()}") from error
    return EXIT_OK


def _load_and_plan(
    url: str, night: date, seconds: float, password: str | None, out: TextIO
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
        for spec, area_id in zip(DEMO_AREAS, county.area_ids, strict=True):
            print("", file=out)
            _plan_area(sessions, area_id, spec.name, night, seconds, out)
    finally:
        engine.dispose()


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
