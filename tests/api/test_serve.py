"""`nightcare serve`: the API under uvicorn on a loopback port, signed in over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from data.database import make_engine, make_session_factory, upgrade_to_head
from data.services.users import add_user
from data.settings import Settings
from nightcare.cli import main

PASSWORD = "a long enough password"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(
    tmp_path: Path, *options: str, start_seconds: float = 60, output: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`nightcare serve OPTIONS` over a fresh SQLite database with one commissioner; its base
    URL and process (its standard output written to `output` when given)."""
    url = f"sqlite:///{tmp_path / 'served.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    with make_session_factory(engine)() as session:
        add_user(session, username="chief", password=PASSWORD, role="commissioner")
        session.commit()
    engine.dispose()
    port = free_port()
    with output.open("wb") if output else open(os.devnull, "wb") as stdout:
        server = subprocess.Popen(
            [sys.executable, "-m", "nightcare.cli", "serve", "--port", str(port), *options],
            env={**os.environ, "NIGHTCARE_DATABASE_URL": url},
            cwd=tmp_path,
            stdout=stdout,
            stderr=subprocess.PIPE,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_seconds
        while True:
            try:
                httpx.get(f"{base}/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"server did not start: {server.stderr}") from None
                time.sleep(0.1)
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`nightcare serve` over a fresh SQLite database with one commissioner; its base URL."""
    with serving(tmp_path) as (base, _server):
        yield base


def test_serve_answers_over_http_with_sign_in(served: str) -> None:
    """The first commissioner signs in through the form and lists areas with the token."""
    token = httpx.post(
        f"{served}/auth/token", data={"username": "chief", "password": PASSWORD}
    ).json()["access_token"]
    areas = httpx.get(f"{served}/areas", headers={"Authorization": f"Bearer {token}"})
    assert areas.status_code == 200
    assert areas.json() == {"items": [], "total": 0, "limit": 50, "offset": 0}
    assert httpx.get(f"{served}/areas").status_code == 401


@pytest.mark.parametrize("options", [(), ("--workers", "2")], ids=["one process", "two"])
def test_serve_logs_one_line_per_request_unless_told_not_to(
    tmp_path: Path, options: tuple[str, ...]
) -> None:
    """By default each request gets an access-log line on standard output (method, path,
    status, milliseconds); with `--no-access-log` none does."""
    for logged in (True, False):
        directory = tmp_path / ("logged" if logged else "quiet")
        directory.mkdir()
        output = directory / "serve.out"
        switch = () if logged else ("--no-access-log",)
        with serving(directory, *options, *switch, start_seconds=90, output=output) as (base, _):
            assert httpx.get(f"{base}/areas?limit=5").status_code == 401
            time.sleep(0.5)  # written at the loop's next turn
            text = output.read_text()
        assert ('"GET /areas?limit=5 HTTP/1.1" 401 ' in text) is logged, text
        assert "/openapi.json" in text if logged else "HTTP/1.1" not in text


def test_serve_runs_several_worker_processes_each_with_its_own_app(tmp_path: Path) -> None:
    """`--workers 2`: two worker processes under the server, and each request, on
    whichever worker it lands, signs in and reads through that worker's own engine."""
    # Each worker imports the app on its own: slower to start on a busy machine.
    started = serving(tmp_path, "--workers", "2", "--no-access-log", start_seconds=90)
    with started as (base, server):
        deadline = time.monotonic() + 20
        while len(psutil.Process(server.pid).children()) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = [
            child
            for child in psutil.Process(server.pid).children()
            if "spawn_main" in " ".join(child.cmdline())  # not the resource tracker
        ]
        assert len(workers) == 2
        for _ in range(6):  # fresh connections, so both workers are likely to answer
            token = httpx.post(
                f"{base}/auth/token", data={"username": "chief", "password": PASSWORD}
            ).json()["access_token"]
            areas = httpx.get(f"{base}/areas", headers={"Authorization": f"Bearer {token}"})
            assert areas.status_code == 200
        assert httpx.get(f"{base}/areas").status_code == 401


def test_each_worker_listens_on_a_socket_of_its_own(tmp_path: Path) -> None:
    """`--workers 2`: each worker process holds its own listening socket on the port
    (SO_REUSEPORT), so the kernel spreads connections over them; the parent listens on none."""
    started = serving(tmp_path, "--workers", "2", "--no-access-log", start_seconds=90)
    with started as (base, server):
        port = int(base.rsplit(":", 1)[1])

        def listening(process: psutil.Process) -> int:
            return sum(
                1
                for connection in process.net_connections("tcp")
                if connection.laddr.port == port and connection.status == psutil.CONN_LISTEN
            )

        workers = [
            child
            for child in psutil.Process(server.pid).children()
            if "spawn_main" in " ".join(child.cmdline())
        ]
        # The server answers once one worker listens; the other may still be starting.
        deadline = time.monotonic() + 60
        while [listening(w) for w in workers] != [1, 1] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [listening(worker) for worker in workers] == [1, 1]
        assert listening(psutil.Process(server.pid)) == 0


def test_serve_with_workers_refuses_a_port_in_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A port another program listens on is a usage error (exit 2) naming it, not a traceback."""
    monkeypatch.setenv("NIGHTCARE_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.db'}")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--workers", "2", "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_serve_refuses_no_workers(capsys: pytest.CaptureFixture[str]) -> None:
    """`--workers 0` is a usage error (exit 2) naming the value."""
    assert main(["serve", "--workers", "0"]) == 2
    assert "'0' must be 1 or more" in capsys.readouterr().err


def test_serve_refuses_a_port_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    """A port above 65535 is a usage error (exit 2), not a traceback."""
    assert main(["serve", "--port", "70000"]) == 2
    assert "port number" in capsys.readouterr().err


def test_reads_do_not_wait_for_a_writer_on_sqlite(tmp_path: Path) -> None:
    """While another connection holds SQLite's write lock, a GET still answers at once."""
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    with make_session_factory(engine)() as session:
        add_user(session, username="chief", password=PASSWORD, role="commissioner")
        session.commit()
    app = create_app(Settings(database_url=url))
    with TestClient(app) as client, engine.connect() as writer:
        token = client.post("/auth/token", data={"username": "chief", "password": PASSWORD}).json()[
            "access_token"
        ]
        writer.begin()  # BEGIN IMMEDIATE: the write lock, held until the block ends
        began = time.monotonic()
        response = client.get("/areas", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        assert time.monotonic() - began < 2
    engine.dispose()
