"""The demo county's evening through the real path: the scheduler's start-up catch-up.

Loads the demo county (four areas) into a fresh SQLite database for a night, then, on a clock
set just after the areas' publish time, lets `scheduler.evening.Evening.catch_up` publish every
area: each night read from the database, solved in a worker process, published under the lock.
Prints the wall time and each area's outcome. Never fails.

    .venv/bin/python -m bench.demo_evening [--seconds 10] [--workers 2] [--night 2027-01-14]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

from data.database import make_engine, make_session_factory, upgrade_to_head
from data.demo_county import load_demo_county
from scheduler.evening import Evening


def main(argv: list[str] | None = None) -> int:
    """Load, publish, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--night", type=date.fromisoformat, default=date(2027, 1, 14))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'demo.db'}"
        engine = make_engine(url)
        upgrade_to_head(engine)
        with make_session_factory(engine)() as session, session.begin():
            load_demo_county(session, night=args.night, password="demo-password-1")
        with ProcessPoolExecutor(args.workers) as workers:
            probe = Evening(url, seconds=args.seconds, workers=workers)
            areas = probe.areas()
            now = max(a.local(args.night, a.publish) for a in areas) + timedelta(minutes=1)

            def clock() -> datetime:
                return now

            evening = Evening(url, seconds=args.seconds, workers=workers, now=clock)
            began = time.perf_counter()
            outcomes = evening.catch_up(areas)
            wall = time.perf_counter() - began
    print(f"demo county, {len(areas)} areas, {args.seconds} s each, {args.workers} workers")
    for outcome in outcomes:
        print(f"  area {outcome.area_id}: {outcome.describe()}")
    print(f"evening published in {wall:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
