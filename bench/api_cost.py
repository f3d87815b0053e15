"""CPU seconds per need submission: the server, its PostgreSQL backends, and the load generator.

Wall-clock throughput on a shared 2-core machine depends on what else runs; the CPU a request
costs does not (much). This bench serves the demo county over a fresh PostgreSQL database (as
`bench.api_load` does), drives POST /needs with `wrk` (C, with a Lua script giving each
request a new Idempotency-Key) for SECONDS, and reads the user+system CPU time of the server's
processes, of the PostgreSQL backends connected to the bench database, and of wrk itself,
before and after. From those:

- CPU ms per submission for each of the three;
- the submissions/s the machine's cores could give if the server and the database had them
  to themselves (cores ÷ (server + database CPU per submission)), and the same with the
  generator's share included (what a run on this machine can at best show).

Also printed: wrk's own requests/s, latency percentiles and non-2xx count, with the load
average at the start (those are wall-clock figures, as noisy as the machine), and
`calibration_ms`: a fixed Python loop's CPU time right after the run. CPU per request is not
independent of the machine's load (other work evicts caches and shares the cores' pipelines),
so compare runs made at a similar calibration.

    .venv/bin/python -m bench.api_cost [--seconds 20] [--clients 20] [--workers 1]
        [--no-access-log] [--output bench/results/api-cost.md] [--label TEXT]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from sqlalchemy import create_engine, text

from bench.api_load import (
    NIGHT,
    POSTGRES_ADMIN_URL,
    REPO,
    add_served_code_arguments,
    append_row,
    postgres_database,
    run_demo,
    serving_process,
    sign_in_and_find_targets,
)

WRK_SCRIPT = """
local people = {PEOPLE}
local counter = 0
local prefix = tostring(math.random(1, 2^30))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "{AUTHORIZATION}"

function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
end

local sent = 0
request = function()
  sent = sent + 1
  local person = people[(sent % #people) + 1]
  local body = '{"person_id":' .. person .. ',"label":"welfare check (bench)",'
    .. '"weekdays":[0,1,2,3,4,5,6],"start_date":"{NIGHT}",'
    .. '"earliest":"23:00","latest":"23:45","minutes":15}'
  wrk.headers["Idempotency-Key"] = prefix .. "-" .. tostring(thread_id) .. "-" .. sent
  return wrk.format(nil, "/needs", nil, body)
end

done = function(summary, latency, requests)
  io.write(string.format(
    "RESULT %d %d %d %d %.1f %.1f %.1f %.1f\\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.mean / 1000))
end
"""


@dataclass(frozen=True)
class CostRun:
    """One measured wrk run: counts, CPU seconds by party, and wrk's wall-clock figures."""

    label: str
    workers: int
    clients: int
    requests: int
    non_2xx: int
    socket_errors: int
    wall_seconds: float
    server_cpu: float
    database_cpu: float
    generator_cpu: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    load_average: str
    calibration_ms: float

    def per_request_ms(self, cpu_seconds: float) -> float:
        """CPU milliseconds per request."""
        return 1000 * cpu_seconds / self.requests if self.requests else float("nan")

    def ceiling(self, *, with_generator: bool) -> float:
        """Requests/s that `os.cpu_count()` cores could give at this CPU cost per request."""
        cost = self.server_cpu + self.database_cpu
        if with_generator:
            cost += self.generator_cpu
        return (os.cpu_count() or 1) * self.requests / cost if cost else float("nan")


CALIBRATION_STEPS = 2_000_000


def calibration_ms() -> float:
    """CPU milliseconds of a fixed pure-Python loop: how fast a core is right now.

    On a shared machine the CPU a request costs grows with the other work (caches, the
    other hyperthread), so each run reports this beside its figures; dividing by it
    compares runs made under different loads.
    """
    started = time.thread_time()
    total = 0
    for step in range(CALIBRATION_STEPS):
        total += step
    return 1000 * (time.thread_time() - started)


def processes_cpu_seconds(processes: list[psutil.Process]) -> float:
    """CPU seconds (user and system) the processes have used so far; gone ones count 0."""
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def server_processes(root: psutil.Process) -> list[psutil.Process]:
    """The server process and every process under it (its workers)."""
    return [root, *root.children(recursive=True)]


def record_backend_cpu(database: str, seen: dict[int, float]) -> None:
    """Record the CPU seconds of every backend connected to `database` now (by pid)."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            own = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            pids = connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :name AND pid <> :own"),
                {"name": database, "own": own},
            ).scalars()
            for pid in pids:
                try:
                    seen[pid] = processes_cpu_seconds([psutil.Process(pid)])
                except psutil.NoSuchProcess:
                    pass
    finally:
        admin.dispose()


def _write_script(person_ids: list[int], authorization: str) -> Path:
    script = (
        WRK_SCRIPT.replace("{PEOPLE}", "{" + ",".join(str(p) for p in person_ids) + "}")
        .replace("{AUTHORIZATION}", authorization)
        .replace("{NIGHT}", NIGHT.isoformat())
    )
    handle, name = tempfile.mkstemp(prefix="nightcare-wrk-", suffix=".lua")
    os.close(handle)
    Path(name).write_text(script, encoding="utf-8")
    return Path(name)


def _run_wrk(base: str, script: Path, *, clients: int, seconds: float) -> tuple[str, float]:
    """wrk's output and its own CPU seconds (user + system of the child)."""
    command = ["wrk", "-t", "1", "-c", str(clients), "-d", f"{seconds:.0f}s"]
    command += ["--timeout", "30s", "-s", str(script), base]
    before = os.times()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return done.stdout, cpu


def measure(
    label: str,
    *,
    seconds: float,
    clients: int,
    workers: int,
    access_log: bool = True,
    tree: Path = REPO,
) -> CostRun:
    """Serve the demo over a new PostgreSQL database and measure one wrk run of submissions
    (the server and the demo from the code in `tree`: another checkout compares versions)."""
    with postgres_database() as url:
        database = url.rsplit("/", 1)[1]
        run_demo(url, tree)
        log = Path(tempfile.mkstemp(prefix="nightcare-cost-", suffix=".log")[1])
        with serving_process(url, log, workers, access_log, tree) as (base, process):
            targets = sign_in_and_find_targets(base)
            script = _write_script(targets.person_ids, targets.headers["Authorization"])
            server = psutil.Process(process.pid)
            _run_wrk(base, script, clients=clients, seconds=3)  # warm-up: pools, caches
            backends_before: dict[int, float] = {}
            record_backend_cpu(database, backends_before)
            server_before = processes_cpu_seconds(server_processes(server))
            load_average = " / ".join(f"{x:.1f}" for x in os.getloadavg())
            output, generator_cpu = _run_wrk(base, script, clients=clients, seconds=seconds)
            server_cpu = processes_cpu_seconds(server_processes(server)) - server_before
            calibration = calibration_ms()
            backends_after: dict[int, float] = {}
            record_backend_cpu(database, backends_after)
            script.unlink()
        log.unlink()
    database_cpu = sum(cpu - backends_before.get(pid, 0.0) for pid, cpu in backends_after.items())
    found = re.search(r"^RESULT (.+)$", output, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"wrk printed no RESULT line:\n{output}")
    requests, non_2xx, socket_errors, micros, p50, p95, p99, _mean = found.group(1).split()
    return CostRun(
        label=label,
        workers=workers,
        clients=clients,
        requests=int(requests),
        non_2xx=int(non_2xx),
        socket_errors=int(socket_errors),
        wall_seconds=int(micros) / 1e6,
        server_cpu=server_cpu,
        database_cpu=database_cpu,
        generator_cpu=generator_cpu,
        p50_ms=float(p50),
        p95_ms=float(p95),
        p99_ms=float(p99),
        load_average=load_average,
        calibration_ms=calibration,
    )


def row(run: CostRun) -> str:
    """One Markdown table row."""
    return (
        f"| {run.label} | {run.workers} | {run.requests} | {run.non_2xx + run.socket_errors} | "
        f"{run.per_request_ms(run.server_cpu):.2f} | {run.per_request_ms(run.database_cpu):.2f} | "
        f"{run.per_request_ms(run.generator_cpu):.2f} | "
        f"{run.ceiling(with_generator=False):.0f} | {run.ceiling(with_generator=True):.0f} | "
        f"{run.requests / run.wall_seconds:.0f} | {run.p50_ms:.1f} | {run.p95_ms:.1f} | "
        f"{run.load_average} | {run.calibration_ms:.0f} |"
    )


HEADER = (
    "| server | workers | requests | errors | server CPU ms/req | PostgreSQL CPU ms/req | "
    "wrk CPU ms/req | ceiling req/s (server + db) | ceiling req/s (all three) | "
    "wall req/s | p50 ms | p95 ms | load average | calibration ms |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def main() -> None:
    """Measure one configuration and append its row to the output file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--label", default="nightcare serve")
    add_served_code_arguments(parser)
    parser.add_argument("--output", type=Path, default=REPO / "bench/results/api-cost.md")
    arguments = parser.parse_args()
    run = measure(
        arguments.label,
        seconds=arguments.seconds,
        clients=arguments.clients,
        workers=arguments.workers,
        access_log=arguments.access_log,
        tree=arguments.tree,
    )
    line = row(run)
    append_row(
        arguments.output,
        "CPU per need submission (PostgreSQL), from `bench/api_cost.py`",
        "wrk 4.1 with one thread drives POST /needs, each request with a new Idempotency-Key.",
        HEADER,
        line,
    )
    print(HEADER)
    print(line)
    print(json.dumps(run.__dict__))


if __name__ == "__main__":
    main()
