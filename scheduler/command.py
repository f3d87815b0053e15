"""`nightcare scheduler`: the evening jobs of every area, in a process of its own.

The database is NIGHTCARE_DATABASE_URL. Runs until stopped (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import argparse
import logging
import signal
from typing import Any

from nightcare.arguments import solve_seconds, whole_number
from nightcare.cli import EXIT_OK, UsageError

# Areas publishing at the same time queue for the workers: the demo county's four areas on two
# workers take two rounds, about 40 s at 20 s each (58 s at 30 s, too near the minute).
DEFAULT_SECONDS = 20.0


def add_scheduler_command(commands: Any) -> None:
    """Add `scheduler` to the command line's subcommands (`commands` from add_subparsers)."""
    parser = commands.add_parser(
        "scheduler",
        help="run the evening cut-off and publish jobs",
        description="Per area, record the cut-off and build, solve and publish tonight's plan "
        "at the area's local times; missed publications of nights not yet started run at once.",
    )
    parser.add_argument(
        "--seconds",
        type=solve_seconds,
        default=DEFAULT_SECONDS,
        help=f"solver time per area (default {DEFAULT_SECONDS:g})",
    )
    parser.add_argument(
        "--workers", type=whole_number(1, 64), default=2, help="solver worker processes (default 2)"
    )
    parser.set_defaults(command=_scheduler_command)


def _stop(_signal: int, _frame: object) -> None:
    raise SystemExit(0)


def _scheduler_command(arguments: argparse.Namespace) -> int:
    from data.settings import get_settings
    from scheduler.evening import run_scheduler

    try:
        url = get_settings().database_url
    except ValueError as error:  # pydantic's ValidationError: a refused NIGHTCARE_* value
        raise UsageError(str(error).replace("\n", " ")) from error
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # APScheduler's own start-up lines ("Adding job tentatively", one per job) say nothing the
    # next-runs lines do not; its executor still logs each run and any error.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.WARNING)
    # SIGTERM ends the run like Ctrl-C, so the worker pool is shut down with it rather than
    # left orphaned.
    signal.signal(signal.SIGTERM, _stop)
    try:
        run_scheduler(url, seconds=arguments.seconds, workers=arguments.workers)
    except (KeyboardInterrupt, SystemExit):
        pass
    return EXIT_OK
