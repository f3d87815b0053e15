"""The `nightcare` command line: solve a night problem file, check a plan file against one.

Exit codes: 0 done (and, for `check`, the plan is feasible); 1 the plan is infeasible; 2 bad
input of any kind (missing file, bad JSON, a refused value, bad arguments), reported as one
`nightcare: error: FILE: KEY.PATH: reason` line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import NoReturn, TextIO

from nightcare.route_sheet_text import plan_summary, route_sheet_text
from routing.model import Night
from routing.plan import Plan
from routing.plan_file import PlanFileError, plan_to_json, read_hint, read_plan
from routing.problem_file import ProblemFileError, read_problem
from routing.solver import Progress, SolveOptions, solve
from routing.validate import check_plan

PROG = "nightcare"
EXIT_OK = 0
EXIT_INFEASIBLE = 1
EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Bad input on the command line or in a file: reported on one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises UsageError instead of printing and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


class _CommandList(argparse.HelpFormatter):
    """Help with room for the longest command name ("scheduler") beside its line."""

    def add_argument(self, action: argparse.Action) -> None:
        """Measure the action; subcommands as indented as they are printed."""
        super().add_argument(action)
        # argparse measures subcommand names two columns less indented than it prints them,
        # so the longest would wrap onto a line of its own.
        if isinstance(action, argparse._SubParsersAction):
            self._action_max_length += 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: sys.argv[1:]); returns the exit code."""
    parser = _build_parser()
    try:
        try:
            arguments = parser.parse_args(argv)
        except SystemExit as done:  # --help and --version print, then exit
            return done.code if isinstance(done.code, int) else EXIT_OK
        command: Callable[[argparse.Namespace], int] | None = getattr(arguments, "command", None)
        if command is None:
            parser.print_help(sys.stderr)
            return EXIT_BAD_INPUT
        return command(arguments)
    except UsageError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Plan and check night care rounds, and run the service that publishes them.",
        epilog="Commands that use the database read NIGHTCARE_DATABASE_URL (default: SQLite "
        "nightcare.db in the current directory). 'nightcare COMMAND --help' tells more.",
        formatter_class=_CommandList,
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    solve_parser = commands.add_parser(
        "solve",
        help="plan a night problem file",
        description="Plan the night in PROBLEM.json. Without -o, print a route sheet per crew.",
    )
    solve_parser.add_argument("problem", metavar="PROBLEM.json", type=Path)
    solve_parser.add_argument(
        "-o", "--output", metavar="PLAN.json", type=Path, help="write the plan file here"
    )
    solve_parser.add_argument(
        "--seconds",
        type=_positive_float,
        default=10.0,
        help="time limit for the search (default 10)",
    )
    solve_parser.add_argument(
        "--hint", metavar="PLAN.json", type=Path, help="a plan of this night to start from"
    )
    solve_parser.add_argument("--seed", type=int, default=0, help="search seed (default 0)")
    solve_parser.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        help="searches at once, each its own way (default: 2 when a core is idle, else 1)",
    )
    solve_parser.add_argument(
        "--stall",
        metavar="SECONDS",
        type=_positive_float,
        help="stop when the best plan has not improved for this long",
    )
    solve_parser.add_argument(
        "--progress",
        action="store_true",
        help="print progress to stderr even when it is not a terminal",
    )
    solve_parser.set_defaults(command=_solve_command)

    check_parser = commands.add_parser(
        "check",
        help="check a plan file against its problem",
        description="Exit 0 when PLAN.json is a feasible plan of PROBLEM.json, 1 when not.",
    )
    check_parser.add_argument("problem", metavar="PROBLEM.json", type=Path)
    check_parser.add_argument("plan", metavar="PLAN.json", type=Path)
    check_parser.set_defaults(command=_check_command)

    serve_parser = commands.add_parser(
        "serve",
        help="start the HTTP API",
        description="Serve the API over the database in NIGHTCARE_DATABASE_URL.",
    )
    serve_parser.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1")
    serve_parser.add_argument("--port", type=_port, default=8000, help="default 8000")
    serve_parser.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        help="server processes, each with its own app and connection pool (default 1); "
        "on PostgreSQL one or two per core uses every core, on SQLite keep 1",
    )
    serve_parser.add_argument(
        "--no-access-log",
        dest="access_log",
        action="store_false",
        help="do not log a line per request",
    )
    serve_parser.set_defaults(command=_serve_command)

    users_parser = commands.add_parser(
        "users", help="manage who can sign in", description="Manage who can sign in."
    )
    users_commands = users_parser.add_subparsers(title="commands", metavar="COMMAND")
    add_user_parser = users_commands.add_parser(
        "add",
        help="add a user",
        description="Add a user to the database in NIGHTCARE_DATABASE_URL; the password is "
        "asked for, or read from standard input with --password-stdin.",
    )
    add_user_parser.add_argument("--username", required=True)
    add_user_parser.add_argument(
        "--role", required=True, choices=("commissioner", "coordinator", "carer")
    )
    add_user_parser.add_argument(
        "--area",
        dest="areas",
        metavar="ID",
        type=_positive_int,
        action="append",
        default=[],
        help="an area a coordinator coordinates (repeat for more)",
    )
    add_user_parser.add_argument(
        "--carer", metavar="ID", type=_positive_int, help="a carer user's carer record"
    )
    add_user_parser.add_argument(
        "--email", help="where a coordinator is told of failed publications and unassigned calls"
    )
    add_user_parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add_user_parser.set_defaults(command=_users_add_command)

    db_parser = commands.add_parser(
        "db", help="manage the database", description="Manage the database."
    )
    db_commands = db_parser.add_subparsers(title="commands", metavar="COMMAND")
    upgrade_parser = db_commands.add_parser(
        "upgrade",
        help="bring the database up to date",
        description="Run the migrations on the database in NIGHTCARE_DATABASE_URL.",
    )
    upgrade_parser.set_defaults(command=_db_upgrade_command)

    from nightcare.demo.command import add_demo_command  # it imports this module

    add_demo_command(commands)
    from scheduler.command import add_scheduler_command  # it imports this module

    add_scheduler_command(commands)
    return parser


def _port(text: str) -> int:
    port = _positive_int(text)
    if port > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} must be a port number up to 65535")
    return port


def _serve_command(arguments: argparse.Namespace) -> int:
    # Imported here so that `solve` and `check` start without loading the web stack.
    import uvicorn

    from api.app import create_app, create_logged_app
    from data.settings import get_settings
    from nightcare.worker_sockets import OwnSocketInEachWorker, reuse_port_available

    try:
        settings = get_settings()
    except ValueError as error:  # pydantic's ValidationError: a refused NIGHTCARE_* value
        raise UsageError(str(error).replace("\n", " ")) from error
    # The access log is the app's (`api.access_log`), cheaper than uvicorn's, which stays off.
    if arguments.workers == 1:
        app = create_logged_app(settings) if arguments.access_log else create_app(settings)
        uvicorn.run(app, host=arguments.host, port=arguments.port, access_log=False)
        return EXIT_OK
    # Each worker process imports the factory and builds its own app, engine and pool
    # (an engine's connections must not cross a fork); they read the same environment.
    factory = "api.app:create_logged_app" if arguments.access_log else "api.app:create_app"
    if not reuse_port_available():
        uvicorn.run(
            factory,
            factory=True,
            host=arguments.host,
            port=arguments.port,
            workers=arguments.workers,
            access_log=False,
        )
        return EXIT_OK
    # What `uvicorn.run` does for workers, but each worker listens on a socket of its own
    # (see `nightcare.worker_sockets`), so the connections spread over the processes.
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        factory,
        factory=True,
        host=arguments.host,
        port=arguments.port,
        workers=arguments.workers,
        access_log=False,
    )
    try:
        held = OwnSocketInEachWorker(arguments.host, arguments.port)
    except OSError as error:
        raise UsageError(f"cannot listen on {arguments.host}:{arguments.port}: {error}") from error
    logging.getLogger("uvicorn.error").info(
        "Uvicorn running on http://%s:%d, a socket per worker (Press CTRL+C to quit)", *held.address
    )
    try:
        Multiprocess(config, sockets=[held]).run()
    except KeyboardInterrupt:
        pass
    finally:
        held.close()
    return EXIT_OK


def _database_url() -> str:
    from data.settings import get_settings

    try:
        return get_settings().database_url
    except ValueError as error:  # pydantic's ValidationError: a refused NIGHTCARE_* value
        raise UsageError(str(error).replace("\n", " ")) from error


def _users_add_command(arguments: argparse.Namespace) -> int:
    import getpass

    from data.accounts import add_user_to_database
    from data.errors import DomainError

    if arguments.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            raise UsageError("the passwords do not match")
    try:
        user_id = add_user_to_database(
            _database_url(),
            username=arguments.username,
            password=password,
            role=arguments.role,
            area_ids=arguments.areas,
            carer_id=arguments.carer,
            email=arguments.email,
        )
    except DomainError as error:
        raise UsageError(str(error)) from error
    print(f"{PROG}: added {arguments.role} {arguments.username} (user {user_id})", file=sys.stderr)
    return EXIT_OK


def _db_upgrade_command(arguments: argparse.Namespace) -> int:
    from data.accounts import upgrade_database
    from data.errors import DomainError

    try:
        revision = upgrade_database(_database_url())
    except DomainError as error:
        raise UsageError(str(error)) from error
    print(f"{PROG}: database at revision {revision}", file=sys.stderr)
    return EXIT_OK


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a number more than 0")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def _load_night(path: Path) -> Night:
    notes: list[str] = []
    try:
        night = read_problem(path, notes=notes)
    except ProblemFileError as error:
        raise UsageError(f"{path}: {error}") from error
    for note in notes:
        print(f"{PROG}: note: {path}: {note}", file=sys.stderr)
    return night


def _load_plan(path: Path, night: Night) -> Plan:
    try:
        return read_plan(path, night)
    except PlanFileError as error:
        raise UsageError(f"{path}: {error}") from error


def _load_hint(path: Path, night: Night) -> Plan:
    """A plan file (last night's, say) as this night's warm start; what it names that the
    night does not have is left out, and said on stderr."""
    try:
        hint = read_hint(path, night)
    except PlanFileError as error:
        raise UsageError(f"{path}: {error}") from error
    for kind, ids in (
        ("calls", hint.calls_not_in_night),
        ("crews", hint.crews_not_in_night),
    ):
        if ids:
            shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
            print(
                f"nightcare: {path}: not in this night, left out of the hint: {kind} {shown}",
                file=sys.stderr,
            )
    return hint.plan


def _solve_command(arguments: argparse.Namespace) -> int:
    night = _load_night(arguments.problem)
    if arguments.output is not None and _same_file(arguments.output, arguments.problem):
        raise UsageError(f"{arguments.output}: -o would write the plan over the problem file")
    hint = _load_hint(arguments.hint, night) if arguments.hint is not None else None
    options = SolveOptions(
        time_limit=arguments.seconds,
        seed=arguments.seed,
        stall_seconds=arguments.stall,
        workers=arguments.workers,
        hint=hint,
    )
    show_progress = arguments.progress or sys.stderr.isatty()
    if show_progress:
        reporter = ProgressLines(sys.stderr)
        with reporter.heartbeat():
            plan = solve(night, options, progress=reporter)
    else:
        plan = solve(night, options)
    if arguments.output is None:
        _print_out(route_sheet_text(plan, night))
        return EXIT_OK
    _write_json(arguments.output, plan_to_json(plan, night))
    print(
        f"{PROG}: {plan_summary(plan, night)}, solved in {plan.stats.solve_seconds:.1f} s "
        f"-> {arguments.output}",
        file=sys.stderr,
    )
    return EXIT_OK


def _same_file(first: Path, second: Path) -> bool:
    """True when both paths name one existing file (through links and relative paths too)."""
    try:
        return first.exists() and first.samefile(second)
    except OSError:
        return False


def _write_json(path: Path, document: object) -> None:
    """Write a JSON file whole or not at all (a temporary file renamed over the target)."""
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
    except OSError as error:
        raise UsageError(f"{path}: cannot write the file: {error.strerror or error}") from error
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise UsageError(f"{path}: cannot write the file: {error.strerror or error}") from error


def _check_command(arguments: argparse.Namespace) -> int:
    night = _load_night(arguments.problem)
    plan = _load_plan(arguments.plan, night)
    violations = check_plan(night, plan)
    if not violations:
        _print_out(f"feasible: {plan_summary(plan, night)}\n")
        return EXIT_OK
    lines = [f"infeasible: {len(violations)} rule(s) broken"]
    for violation in violations:
        about = [
            f"crew {violation.crew_id}" if violation.crew_id else "",
            f"call {violation.call_id}" if violation.call_id else "",
        ]
        where = ", ".join(a for a in about if a)
        lines.append(f"  {where + ': ' if where else ''}{violation.message}")
    _print_out("\n".join(lines) + "\n")
    return EXIT_INFEASIBLE


def _print_out(text: str) -> None:
    """Write `text` to stdout; a reader that has gone (`| head`, `| grep -q`) is no error.

    The exit code still says what was found: a script piping `check` into `grep -q` must not
    read a traceback's exit 1 as "infeasible".
    """
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # Point stdout at /dev/null so the interpreter's last flush does not fail as well.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


class ProgressLines:
    """A solve progress callback printing at most one line a second, from the first second on.

    Short solves stay quiet; a long one shows elapsed time, calls still unassigned and travel.
    The search reports only when its plan improves, and it mostly settles within a second, so
    `heartbeat` repeats the best plan so far each second until the solve ends: a 10-second
    solve is never silent for 9 of them.
    """

    def __init__(self, stream: TextIO, every: float = 1.0) -> None:
        self.stream = stream
        self.every = every
        self.last: float | None = None
        self.best: Progress | None = None
        self._printing = threading.Lock()
        self._began: float | None = None
        self._done = threading.Event()
        self._beating: threading.Thread | None = None

    def __call__(self, progress: Progress) -> None:
        """Print `progress` if a second has passed since the solve began and since the last line."""
        with self._printing:
            self.best = progress
            self._print_if_due(progress)
        if self._began is not None and self._beating is None:
            self._start_beating()

    def tick(self, elapsed: float) -> None:
        """Print the best plan so far at `elapsed` seconds, if a line is due and there is one."""
        with self._printing:
            if self.best is not None:
                self._print_if_due(replace(self.best, elapsed=elapsed))

    @contextmanager
    def heartbeat(self) -> Iterator[None]:
        """Call `tick` every `every` seconds from a thread while the block (a solve) runs.

        OR-Tools releases the interpreter while it searches, so the thread runs meanwhile.
        The thread starts at the first report, not before: by then the solve has counted
        this process's threads (it runs two searches only where it has no other thread,
        see `routing.solver.workers_for_now`) and forked its second search.
        """
        self._began = time.perf_counter()
        self._done.clear()
        try:
            yield
        finally:
            self._done.set()
            if self._beating is not None:
                self._beating.join()
            self._began = self._beating = None

    def _start_beating(self) -> None:
        began = self._began
        assert began is not None

        def beat() -> None:
            while not self._done.wait(self.every / 4):
                self.tick(time.perf_counter() - began)

        self._beating = threading.Thread(target=beat, name="progress-heartbeat", daemon=True)
        self._beating.start()

    def _print_if_due(self, progress: Progress) -> None:
        if progress.elapsed < self.every:
            return
        if self.last is not None and progress.elapsed - self.last < self.every:
            return
        self.last = progress.elapsed
        print(
            f"{PROG}: {progress.elapsed:5.1f} s  unassigned {progress.unassigned}  "
            f"travel {progress.travel_seconds / 60:.1f} min",
            file=self.stream,
            flush=True,
        )


if __name__ == "__main__":
    raise SystemExit(main())
