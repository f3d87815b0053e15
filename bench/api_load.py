"""Need submissions and plan reads against `nightcare serve` on loopback, SQLite and PostgreSQL.

For each database: a fresh one (a temporary SQLite file; a new database on the local
PostgreSQL server, dropped afterwards), `nightcare demo` loads the demo county and plans
tonight, `nightcare serve` starts on a free 127.0.0.1 port, a coordinator signs in, and
CLIENTS concurrent clients (asyncio, one keep-alive connection each; see
`KeepAliveConnection`) run two bounded loads:

- submissions: POST /needs, each with a new Idempotency-Key (a recurring welfare check for one
  of the area's people, cycling through them);
- plan reads: GET /plans/{id} of tonight's stored draft.

Each load stops after REQUESTS requests or MAX_SECONDS, whichever comes first; a warm-up of
a few requests each goes first and is not counted. Reported per load: requests/s over the
wall time, p50/p95/p99 latency as the client saw it, and errors (anything but the expected
2xx, or a transport failure). Targets from issue 3, reported, never asserted: on PostgreSQL
at least 300 submissions/s with p95 at most 50 ms; on SQLite no errors with 20 clients.

The client runs on the same machine as the server and competes with it for the CPUs.

With `--workers N` the server is `nightcare serve --workers N` (N processes).

    .venv/bin/python -m bench.api_load [--clients 20] [--requests 2000] [--max-seconds 60]
        [--databases sqlite,postgresql] [--workers 1] [--output bench/results/api-load.md]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
NIGHT = date(2026, 11, 26)
PASSWORD = "bench-password-1"
COORDINATOR = "coordinator-shrewsbury"
AREA_NAME = "Shrewsbury and Severn"
WARM_UP = 20
SERVER_START_SECONDS = 180.0


@dataclass(frozen=True)
class LoadResult:
    """One bounded load: what was asked, how long it took, latencies and failures."""

    database: str
    kind: str
    clients: int
    requests: int
    seconds: float
    latencies_ms: list[float]
    errors: Counter[str]
    first_errors: dict[str, str]
    client_cpu_seconds: float = 0.0

    @property
    def client_cpu_ms(self) -> float:
        """The load generator's own CPU milliseconds per request (it shares the cores)."""
        return 1000 * self.client_cpu_seconds / self.requests if self.requests else 0.0

    @property
    def per_second(self) -> float:
        """Requests completed per second of wall time (errors included)."""
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, share: float) -> float:
        """The latency (ms) that `share` of the requests did not exceed."""
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass(frozen=True)
class DatabaseRun:
    """Everything measured on one database."""

    database: str
    demo_seconds: float
    loads: list[LoadResult]
    server_errors: list[str]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def sqlite_database() -> Iterator[str]:
    """A URL of a new SQLite file in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="nightcare-bench-") as directory:
        yield f"sqlite:///{Path(directory) / 'nightcare.db'}"


@contextmanager
def postgres_database() -> Iterator[str]:
    """A URL of a new database on the local PostgreSQL server, dropped afterwards."""
    from sqlalchemy import create_engine

    name = f"nightcare_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def run_demo(url: str, tree: Path = REPO) -> float:
    """Load the demo county and plan tonight with `nightcare demo` (the code in `tree`);
    returns its seconds."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "nightcare", "demo", "--night", NIGHT.isoformat()]
        + ["--seconds", "1", "--password", PASSWORD],
        cwd=tree,
        env={**os.environ, "NIGHTCARE_DATABASE_URL": url},
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=300,
    )
    return time.perf_counter() - started


def server_command(port: int, workers: int, access_log: bool = True) -> list[str]:
    """`nightcare serve` on `port` with `workers` processes (access log on, as by default)."""
    command = [sys.executable, "-m", "nightcare", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port)]
    command += [] if workers == 1 else ["--workers", str(workers)]  # older versions lack it
    return command + ([] if access_log else ["--no-access-log"])


def server_description(workers: int, access_log: bool = True) -> str:
    """How the server ran, for the report."""
    processes = "one process" if workers <= 1 else f"{workers} worker processes"
    log = "access log on" if access_log else "no access log"
    return f"`nightcare serve --workers {workers}`: {processes}, {log}"


def add_served_code_arguments(parser: argparse.ArgumentParser) -> None:
    """`--no-access-log` and `--tree`: how the benches that start `nightcare serve` choose
    what they serve."""
    parser.add_argument("--no-access-log", dest="access_log", action="store_false")
    parser.add_argument(
        "--tree",
        type=Path,
        default=REPO,
        help="serve the code of this checkout (e.g. a `git worktree` of an older commit)",
    )


def append_row(output: Path, title: str, setting: str, header: str, line: str) -> None:
    """Add a result row to the Markdown table in `output`, starting the file (its title, the
    machine and `setting`, then `header`) when it does not exist yet."""
    if not output.exists():
        output.write_text(
            f"# {title}\n\n{os.cpu_count()} CPUs, {platform.machine()}, "
            f"Python {platform.python_version()}; {setting}\n\n{header}\n",
            encoding="utf-8",
        )
    with output.open("a", encoding="utf-8") as results:
        results.write(line + "\n")


@contextmanager
def serving_process(
    url: str,
    log: Path,
    workers: int = 1,
    access_log: bool = True,
    tree: Path = REPO,
    *,
    wrapper: Sequence[str] = (),
    start_seconds: float = SERVER_START_SECONDS,
    stop_seconds: float = 15,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The server (see `server_command`, the code in `tree`) on a free loopback port over
    `url`, its output in `log`; yields its base URL and process (the workers are its
    children), then stops it. `wrapper` goes before the command (valgrind, say): the server
    then gets `start_seconds` to answer and `stop_seconds` to exit."""
    port = free_port()
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*wrapper, *server_command(port, workers, access_log)],
            cwd=tree,
            env={**os.environ, "NIGHTCARE_DATABASE_URL": url},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_seconds
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"nightcare serve exited with {server.returncode}; see {log}")
            try:
                if httpx.get(f"{base}/openapi.json", timeout=30).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"nightcare serve did not answer within {start_seconds} s")
            time.sleep(0.2)
        yield base, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=stop_seconds)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


@contextmanager
def serving(url: str, log: Path, workers: int = 1, access_log: bool = True) -> Iterator[str]:
    """`serving_process`, yielding only the base URL."""
    with serving_process(url, log, workers, access_log) as (base, _server):
        yield base


@dataclass(frozen=True)
class Targets:
    """What the loads need: a signed-in coordinator's headers, their people, tonight's plan."""

    headers: dict[str, str]
    person_ids: list[int]
    plan_id: int


def sign_in_and_find_targets(base: str) -> Targets:
    """Sign in as the Shrewsbury coordinator; find their area's people and tonight's draft."""
    with httpx.Client(base_url=base, timeout=30) as client:
        token = client.post(
            "/auth/token", data={"username": COORDINATOR, "password": PASSWORD}
        ).raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        areas = client.get("/areas", headers=headers).raise_for_status().json()["items"]
        area_id = next(a["id"] for a in areas if a["name"] == AREA_NAME)
        people = client.get(
            "/people", params={"area_id": area_id, "limit": 100}, headers=headers
        ).raise_for_status()
        plans = client.get(
            f"/areas/{area_id}/nights/{NIGHT.isoformat()}/plans", headers=headers
        ).raise_for_status()
    return Targets(
        headers=headers,
        person_ids=[p["id"] for p in people.json()["items"]],
        plan_id=plans.json()["items"][0]["id"],
    )


@dataclass(frozen=True)
class Outgoing:
    """One HTTP request to send: method, path, headers and body."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


Request = Callable[[], Outgoing]


class KeepAliveConnection:
    """One client's HTTP/1.1 keep-alive connection, written with asyncio streams.

    The load generator shares the two cores with the server, so it must cost little: httpx
    spent 3–5 ms of CPU per request here, about as much as the server, and the measured rate
    was the generator's. This sends each request in one write and reads the status line,
    the headers and a Content-Length (or chunked) body; nothing else of HTTP is needed here.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def send(self, outgoing: Outgoing) -> tuple[int, bytes]:
        """The status code and body of the response to `outgoing` (reconnects when closed)."""
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        head = [f"{outgoing.method} {outgoing.path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{name}: {value}" for name, value in outgoing.headers.items()]
        head.append(f"Content-Length: {len(outgoing.body)}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + outgoing.body)
        try:
            status_line = await reader.readline()
            if not status_line:
                raise ConnectionError("the server closed the connection")
            status = int(status_line.split()[1])
            length, chunked, closing = 0, False, False
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"transfer-encoding":
                    chunked = b"chunked" in value.lower()
                elif name == b"connection":
                    closing = b"close" in value.lower()
            body = await (_read_chunked(reader) if chunked else reader.readexactly(length))
        except BaseException:
            await self.close()
            raise
        if closing:
            await self.close()
        return status, body

    async def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self._streams is not None:
            writer = self._streams[1]
            self._streams = None
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while size := int((await reader.readline()).split(b";")[0], 16):
        parts.append(await reader.readexactly(size))
        await reader.readline()
    await reader.readline()
    return b"".join(parts)


def need_submission(targets: Targets) -> Request:
    """POST /needs for the next person in turn, with a new Idempotency-Key each time."""
    people = itertools.cycle(targets.person_ids)

    def submit() -> Outgoing:
        body = {
            "person_id": next(people),
            "label": "welfare check (bench)",
            "weekdays": [0, 1, 2, 3, 4, 5, 6],
            "start_date": NIGHT.isoformat(),
            "earliest": "23:00",
            "latest": "23:45",
            "minutes": 15,
        }
        headers = {
            **targets.headers,
            "Idempotency-Key": uuid.uuid4().hex,
            "Content-Type": "application/json",
        }
        return Outgoing("POST", "/needs", headers, json.dumps(body).encode())

    return submit


def plan_read(targets: Targets) -> Request:
    """GET /plans/{id} of tonight's draft."""

    def read() -> Outgoing:
        return Outgoing("GET", f"/plans/{targets.plan_id}", targets.headers)

    return read


async def bounded_load(
    base: str, request: Request, *, clients: int, requests: int, max_seconds: float
) -> tuple[float, list[float], Counter[str], dict[str, str]]:
    """`clients` keep-alive connections share `requests` requests, stopping early at
    `max_seconds`.

    Returns the wall seconds, each request's latency in ms, errors by kind, and the first
    response (or exception) of each kind of error.
    """
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    first: dict[str, str] = {}
    left = requests
    host, port = base.removeprefix("http://").rsplit(":", 1)
    connections = [KeepAliveConnection(host, int(port)) for _ in range(clients)]
    started = time.perf_counter()
    deadline = started + max_seconds

    async def one_client(connection: KeepAliveConnection) -> None:
        nonlocal left
        while left > 0 and time.perf_counter() < deadline:
            left -= 1
            outgoing = request()
            sent = time.perf_counter()
            try:
                status, body = await connection.send(outgoing)
            except (OSError, ValueError, asyncio.IncompleteReadError) as error:
                errors[type(error).__name__] += 1
                first.setdefault(type(error).__name__, repr(error)[:200])
                continue
            latencies.append((time.perf_counter() - sent) * 1000)
            if not 200 <= status < 300:
                errors[f"HTTP {status}"] += 1
                first.setdefault(f"HTTP {status}", body[:200].decode("utf-8", "replace"))

    try:
        await asyncio.gather(*(one_client(c) for c in connections))
        elapsed = time.perf_counter() - started
    finally:
        for connection in connections:
            await connection.close()
    return elapsed, latencies, errors, first


def measure(
    database: str,
    url: str,
    *,
    clients: int,
    requests: int,
    baseline: int,
    max_seconds: float,
    workers: int = 1,
    access_log: bool = True,
) -> DatabaseRun:
    """Load the demo into `url`, serve it, and run both loads: first `baseline` requests from
    one client (the cost of a request without contention), then `requests` from `clients`."""
    demo_seconds = run_demo(url)
    loads = []
    log = Path(tempfile.mkstemp(prefix=f"nightcare-serve-{database}-", suffix=".log")[1])
    with serving(url, log, workers, access_log) as base:
        targets = sign_in_and_find_targets(base)
        for kind, make in (("need submissions", need_submission), ("plan reads", plan_read)):
            request = make(targets)
            asyncio.run(
                bounded_load(base, request, clients=clients, requests=WARM_UP, max_seconds=30)
            )
            for concurrent, count in ((1, baseline), (clients, requests)):
                if count < 1:
                    continue
                cpu_before = time.process_time()
                elapsed, latencies, errors, first = asyncio.run(
                    bounded_load(
                        base, request, clients=concurrent, requests=count, max_seconds=max_seconds
                    )
                )
                client_cpu = time.process_time() - cpu_before
                done = len(latencies) + sum(
                    v for k, v in errors.items() if not k.startswith("HTTP")
                )
                result = LoadResult(
                    database, kind, concurrent, done, elapsed, latencies, errors, first, client_cpu
                )
                print(_row(result), file=sys.stderr, flush=True)
                loads.append(result)
    server_errors = server_error_lines(log)
    log.unlink()
    return DatabaseRun(database, demo_seconds, loads, server_errors)


def server_error_lines(log: Path, most: int = 8) -> list[str]:
    """The distinct exception lines (the last line of each traceback) in the server's log."""
    found: Counter[str] = Counter()
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        head = line.split(":", 1)[0]
        if head and " " not in head.strip() and head.endswith(("Error", "Exception")):
            found[line.strip()[:240]] += 1
    return [f"{line} (× {count})" for line, count in found.most_common(most)]


def _row(result: LoadResult) -> str:
    errors = ", ".join(f"{k} × {v}" for k, v in sorted(result.errors.items())) or "0"
    return (
        f"| {result.database} | {result.kind} | {result.clients} | {result.requests} | "
        f"{result.seconds:.1f} | {result.per_second:.0f} | {result.percentile(0.5):.1f} | "
        f"{result.percentile(0.95):.1f} | {result.percentile(0.99):.1f} | {errors} | "
        f"{result.client_cpu_ms:.1f} |"
    )


def report(
    runs: list[DatabaseRun],
    *,
    clients: int,
    requests: int,
    load_before: str,
    workers: int = 1,
    access_log: bool = True,
) -> str:
    """The results as Markdown."""
    lines = [
        "# API load: need submissions and plan reads against `nightcare serve`",
        "",
        f"`.venv/bin/python -m bench.api_load --clients {clients} --requests {requests}"
        + (f" --workers {workers}" if workers > 1 else "")
        + ("" if access_log else " --no-access-log")
        + "` "
        "(each load also runs first from a single client, for the cost of one request), "
        f"run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} CPUs "
        f"({platform.processor() or platform.machine()}, Python {platform.python_version()}); "
        f"load average before the run {load_before}. Other work was running on the machine, "
        "and the load generator (asyncio streams, one process) shares the two CPUs with the server "
        f"({server_description(workers, access_log)}).",
        "",
        "| database | load | clients | requests | seconds | requests/s | p50 ms | p95 ms | "
        "p99 ms | errors | client CPU ms/request |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [_row(load) for run in runs for load in run.loads]
    lines += [
        "",
        "Targets (issue 3): PostgreSQL ≥ 300 submissions/s with p95 ≤ 50 ms; SQLite: zero "
        f"errors with {clients} concurrent clients.",
        "",
    ]
    for run in runs:
        lines.append(
            f"- {run.database}: `nightcare demo` (load the county, plan 4 areas at 1 s each) "
            f"took {run.demo_seconds:.1f} s."
        )
        for load in run.loads:
            if load.latencies_ms:
                lines.append(
                    f"  - {load.kind}, {load.clients} client(s): "
                    f"mean {statistics.fmean(load.latencies_ms):.1f} ms, "
                    f"max {max(load.latencies_ms):.1f} ms."
                )
            for kind, text in sorted(load.first_errors.items()):
                lines.append(f"  - first {kind}: `{' '.join(text.split())}`")
        for line in run.server_errors:
            lines.append(f"  - server log: `{line}`")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the loads on each database and write the Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000, help="per load (default 2000)")
    parser.add_argument(
        "--baseline", type=int, default=200, help="requests from one client first (default 200)"
    )
    parser.add_argument("--max-seconds", type=float, default=60.0, help="per load (default 60)")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    parser.add_argument("--no-access-log", dest="access_log", action="store_false")
    parser.add_argument("--output", type=Path, default=REPO / "bench/results/api-load.md")
    arguments = parser.parse_args()
    load_before = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    makers = {"sqlite": sqlite_database, "postgresql": postgres_database}
    runs = []
    for database in arguments.databases.split(","):
        with makers[database]() as url:
            runs.append(
                measure(
                    database,
                    url,
                    clients=arguments.clients,
                    requests=arguments.requests,
                    baseline=arguments.baseline,
                    max_seconds=arguments.max_seconds,
                    workers=arguments.workers,
                    access_log=arguments.access_log,
                )
            )
    text = report(
        runs,
        clients=arguments.clients,
        requests=arguments.requests,
        load_before=load_before,
        workers=arguments.workers,
        access_log=arguments.access_log,
    )
    arguments.output.write_text(text, encoding="utf-8")
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
