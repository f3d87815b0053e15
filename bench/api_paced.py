"""Need submissions offered at a fixed rate (wrk2-style), latency corrected for omission.

`bench.api_cost` drives POST /needs with wrk in a closed loop: each of the 20 connections
sends its next request as soon as its last one is answered, so the rate is whatever the
server gives, and the requests a slow moment would have seen are never sent, so never timed
(coordinated omission). Debian has no wrk2, and wrk's Lua cannot tell which connection a
response came back on, so this paced generator is Python (asyncio on uvloop, reusing
`bench.api_load`'s keep-alive client at ~0.2 ms of CPU per request):

- request i is due at start + i / RATE; the first of CLIENTS keep-alive connections that is
  free sends it, at its due time, or late when every connection was busy;
- its latency is measured from its due time, as wrk2 does, so the wait for a free
  connection counts; the service time (from the actual send) is reported beside it;
- a warm-up of a few seconds at the same rate comes first and is not counted.

As in `bench.api_cost`, it serves the demo county over a fresh PostgreSQL database and reads
the CPU seconds of the server's processes, the PostgreSQL backends and the generator itself.
Timers fire up to about a millisecond late, which shows in the corrected latencies only.

    .venv/bin/python -m bench.api_paced [--rate 300] [--clients 20] [--seconds 20]
        [--workers 3] [--no-access-log] [--tree PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import uvloop

from bench.api_cost import (
    calibration_ms,
    processes_cpu_seconds,
    record_backend_cpu,
    server_processes,
)
from bench.api_load import (
    REPO,
    KeepAliveConnection,
    Request,
    add_served_code_arguments,
    need_submission,
    postgres_database,
    run_demo,
    serving_process,
    sign_in_and_find_targets,
)

WARM_UP_SECONDS = 3.0


@dataclass(frozen=True)
class PacedRun:
    """One paced run: what was offered and answered, latencies, and CPU by party."""

    rate: float
    clients: int
    workers: int
    offered: int
    answered: int
    errors: int
    seconds: float
    corrected_ms: list[float]
    service_ms: list[float]
    server_cpu: float
    database_cpu: float
    generator_cpu: float
    load_average: str
    calibration_ms: float

    def percentile(self, values: list[float], share: float) -> float:
        """The `share` quantile of `values` (inclusive method), NaN when empty."""
        if len(values) < 2:
            return values[0] if values else float("nan")
        return statistics.quantiles(values, n=1000, method="inclusive")[round(share * 1000) - 1]

    def per_request_ms(self, cpu_seconds: float) -> float:
        """CPU milliseconds per answered request."""
        return 1000 * cpu_seconds / self.answered if self.answered else float("nan")


async def _paced_load(
    base: str, request: Request, *, rate: float, clients: int, seconds: float
) -> tuple[int, int, int, float, list[float], list[float]]:
    """Offer `rate` requests/s over `clients` connections for `seconds`.

    Returns (offered, answered, errors, seconds until the last answer, corrected latencies
    in ms, service times in ms).
    """
    host, port = base.removeprefix("http://").rsplit(":", 1)
    connections = [KeepAliveConnection(host, int(port)) for _ in range(clients)]
    corrected: list[float] = []
    service: list[float] = []
    errors = 0
    next_index = 0
    started = time.perf_counter()
    last_done = started
    total = int(rate * seconds)

    async def one_client(connection: KeepAliveConnection) -> None:
        nonlocal next_index, errors, last_done
        while next_index < total:
            index = next_index
            next_index += 1
            due = started + index / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            sent = time.perf_counter()
            try:
                status, _body = await connection.send(request())
            except (OSError, ValueError, asyncio.IncompleteReadError):
                errors += 1
                continue
            done = time.perf_counter()
            last_done = max(last_done, done)
            if not 200 <= status < 300:
                errors += 1
            corrected.append((done - due) * 1000)
            service.append((done - sent) * 1000)

    try:
        await asyncio.gather(*(one_client(c) for c in connections))
    finally:
        for connection in connections:
            await connection.close()
    return total, len(corrected), errors, last_done - started, corrected, service


def measure(
    *,
    rate: float,
    clients: int,
    seconds: float,
    workers: int,
    access_log: bool,
    tree: Path = REPO,
) -> PacedRun:
    """Serve the demo over a new PostgreSQL database and measure one paced run (the server
    and the demo from the code in `tree`: another checkout compares versions)."""
    with postgres_database() as url:
        database = url.rsplit("/", 1)[1]
        run_demo(url, tree)
        log = Path(tempfile.mkstemp(prefix="nightcare-paced-", suffix=".log")[1])
        with serving_process(url, log, workers, access_log, tree) as (base, process):
            submit = need_submission(sign_in_and_find_targets(base))
            server = psutil.Process(process.pid)
            uvloop.run(
                _paced_load(base, submit, rate=rate, clients=clients, seconds=WARM_UP_SECONDS)
            )
            backends_before: dict[int, float] = {}
            record_backend_cpu(database, backends_before)
            server_before = processes_cpu_seconds(server_processes(server))
            own_before = time.process_time()
            load_average = " / ".join(f"{x:.1f}" for x in os.getloadavg())
            offered, answered, errors, elapsed, corrected, service = uvloop.run(
                _paced_load(base, submit, rate=rate, clients=clients, seconds=seconds)
            )
            generator_cpu = time.process_time() - own_before
            server_cpu = processes_cpu_seconds(server_processes(server)) - server_before
            calibration = calibration_ms()
            backends_after: dict[int, float] = {}
            record_backend_cpu(database, backends_after)
        log.unlink()
    database_cpu = sum(cpu - backends_before.get(pid, 0.0) for pid, cpu in backends_after.items())
    return PacedRun(
        rate=rate,
        clients=clients,
        workers=workers,
        offered=offered,
        answered=answered,
        errors=errors,
        seconds=elapsed,
        corrected_ms=corrected,
        service_ms=service,
        server_cpu=server_cpu,
        database_cpu=database_cpu,
        generator_cpu=generator_cpu,
        load_average=load_average,
        calibration_ms=calibration,
    )


HEADER = (
    "| offered req/s | clients | workers | answered | errors | achieved req/s | "
    "p50 ms (from due) | p95 ms (from due) | p99 ms (from due) | p95 ms (service) | "
    "server CPU ms/req | PostgreSQL CPU ms/req | generator CPU ms/req | load average | "
    "calibration ms |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def row(run: PacedRun) -> str:
    """One Markdown table row."""
    return (
        f"| {run.rate:.0f} | {run.clients} | {run.workers} | {run.answered} | {run.errors} | "
        f"{run.answered / run.seconds:.0f} | {run.percentile(run.corrected_ms, 0.5):.1f} | "
        f"{run.percentile(run.corrected_ms, 0.95):.1f} | "
        f"{run.percentile(run.corrected_ms, 0.99):.1f} | "
        f"{run.percentile(run.service_ms, 0.95):.1f} | "
        f"{run.per_request_ms(run.server_cpu):.2f} | {run.per_request_ms(run.database_cpu):.2f} | "
        f"{run.per_request_ms(run.generator_cpu):.2f} | {run.load_average} | "
        f"{run.calibration_ms:.0f} |"
    )


def main() -> None:
    """Measure one paced run and print its row."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=3)
    add_served_code_arguments(parser)
    arguments = parser.parse_args()
    run = measure(
        rate=arguments.rate,
        clients=arguments.clients,
        seconds=arguments.seconds,
        workers=arguments.workers,
        access_log=arguments.access_log,
        tree=arguments.tree,
    )
    print(HEADER)
    print(row(run))


if __name__ == "__main__":
    main()
