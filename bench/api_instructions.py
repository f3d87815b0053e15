"""Instructions per need submission in the real server process, counted by callgrind.

CPU seconds per request (`bench.api_cost`, `bench.api_paced`) move with whatever else runs on
this shared 2-core machine; an instruction count does not. This bench serves the demo county
over a fresh PostgreSQL database (as `bench.api_cost` does) with one `nightcare serve` process
(uvicorn, the app, psycopg: the whole server side but PostgreSQL itself) run under
`valgrind --tool=callgrind --instr-atstart=no`. The generator (`bench.api_load`'s keep-alive
client, CLIENTS connections) runs outside valgrind. After WARM_UP submissions, callgrind's
instrumentation is switched on (`callgrind_control -i on`) for REQUESTS submissions (each a new
Idempotency-Key, as in the other benches) and off again; the server is then stopped, and the
total it counted, divided by REQUESTS, is the figure.

Counted: everything the server process executes while the measured submissions run (HTTP
parsing, the event loop, the access log when on, the app, the thread hand-off, psycopg and
libpq), in all its threads. Not counted: PostgreSQL's backends and the generator.

    .venv/bin/python -m bench.api_instructions [--requests 500] [--warm-up 300]
        [--clients 20] [--no-access-log] [--tree PATH] [--label TEXT]
        [--output bench/results/api-instructions.md] [--keep-profile PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.api_load import (
    REPO,
    add_served_code_arguments,
    append_row,
    bounded_load,
    need_submission,
    postgres_database,
    run_demo,
    serving_process,
    sign_in_and_find_targets,
)

# Python under callgrind runs some 50-100 times slower: starting the app takes minutes.
START_SECONDS = 600.0
LOAD_SECONDS = 3600.0


@dataclass(frozen=True)
class InstructionRun:
    """One counted run: what was sent, what failed, and the instructions the server spent."""

    label: str
    commit: str
    access_log: bool
    clients: int
    requests: int
    errors: int
    instructions: int

    @property
    def per_submission(self) -> float:
        """Instructions per measured submission."""
        return self.instructions / self.requests


def _commit(tree: Path) -> str:
    found = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    changed = subprocess.run(
        # the server's code only: the other work in a shared tree is not the server's
        ["git", "-C", str(tree), "status", "--porcelain", "--", "api", "data", "nightcare"],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip() + (" + changes" if changed.stdout.strip() else "")


@contextmanager
def counted_server(
    url: str, profile: Path, log: Path, *, access_log: bool, tree: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """One `nightcare serve` process under callgrind (instrumentation off) on a free port;
    yields its base URL and process, then stops it, which writes `profile`."""
    callgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
    callgrind += [f"--callgrind-out-file={profile}"]
    # uvicorn shuts down on terminate; valgrind then takes a while to write the profile.
    with serving_process(
        url,
        log,
        1,
        access_log,
        tree,
        wrapper=callgrind,
        start_seconds=START_SECONDS,
        stop_seconds=300,
    ) as served:
        yield served


def _instrumentation(pid: int, state: str) -> None:
    subprocess.run(
        ["callgrind_control", "-i", state, str(pid)],
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=120,
    )


def total_instructions(profile: Path) -> int:
    """The event total (Ir) a callgrind profile file reports.

    Its `totals:` line, not `summary:`, which stays 0 when instrumentation started off.
    """
    text = profile.read_text(encoding="utf-8", errors="replace")
    found = re.search(r"^totals:\s+(\d+)", text, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"no totals line in {profile}")
    return int(found.group(1))


def measure(
    label: str,
    *,
    requests: int,
    warm_up: int,
    clients: int,
    access_log: bool,
    tree: Path = REPO,
    keep_profile: Path | None = None,
) -> InstructionRun:
    """Serve the demo over a new PostgreSQL database under callgrind and count one run."""
    with (
        postgres_database() as url,
        tempfile.TemporaryDirectory(prefix="nightcare-callgrind-") as directory,
    ):
        run_demo(url, tree)
        profile = Path(directory) / "callgrind.out"
        log = Path(directory) / "serve.log"
        with counted_server(url, profile, log, access_log=access_log, tree=tree) as (
            base,
            server,
        ):
            submit = need_submission(sign_in_and_find_targets(base))

            def load(count: int) -> int:
                _seconds, _latencies, errors, first = asyncio.run(
                    bounded_load(
                        base, submit, clients=clients, requests=count, max_seconds=LOAD_SECONDS
                    )
                )
                if errors:
                    print(f"errors: {dict(errors)}; first: {first}", file=sys.stderr)
                return sum(errors.values())

            load(warm_up)  # pools, caches, prepared statements, the code paths' first runs
            _instrumentation(server.pid, "on")
            errors = load(requests)
            _instrumentation(server.pid, "off")
        instructions = total_instructions(profile)
        if keep_profile is not None:
            shutil.copyfile(profile, keep_profile)
    return InstructionRun(
        label=label,
        commit=_commit(tree),
        access_log=access_log,
        clients=clients,
        requests=requests,
        errors=errors,
        instructions=instructions,
    )


HEADER = (
    "| server | commit | access log | clients | submissions counted | errors | "
    "instructions | instructions per submission |\n"
    "|---|---|---|---|---|---|---|---|"
)


def row(run: InstructionRun) -> str:
    """One Markdown table row."""
    return (
        f"| {run.label} | {run.commit} | {'on' if run.access_log else 'off'} | {run.clients} | "
        f"{run.requests} | {run.errors} | {run.instructions:,} | "
        f"{run.per_submission / 1e6:.2f} M |"
    )


def main() -> None:
    """Count one configuration and append its row to the output file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--warm-up", type=int, default=300)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--label", default="nightcare serve, 1 process")
    add_served_code_arguments(parser)
    parser.add_argument("--output", type=Path, default=REPO / "bench/results/api-instructions.md")
    parser.add_argument(
        "--keep-profile", type=Path, help="copy callgrind's profile here (callgrind_annotate)"
    )
    arguments = parser.parse_args()
    run = measure(
        arguments.label,
        requests=arguments.requests,
        warm_up=arguments.warm_up,
        clients=arguments.clients,
        access_log=arguments.access_log,
        tree=arguments.tree,
        keep_profile=arguments.keep_profile,
    )
    line = row(run)
    append_row(
        arguments.output,
        "Instructions per need submission (PostgreSQL), from `bench/api_instructions.py`",
        "one `nightcare serve` process under `valgrind --tool=callgrind`, instrumentation on "
        "only while the counted submissions run; PostgreSQL and the generator not counted.",
        HEADER,
        line,
    )
    print(HEADER)
    print(line)


if __name__ == "__main__":
    main()
