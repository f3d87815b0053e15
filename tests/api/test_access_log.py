"""The access log of `nightcare serve` (`api.access_log.AccessLog`), on a small ASGI app."""

from __future__ import annotations

import io
import re

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from api.access_log import AccessLog

LINE = re.compile(
    r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ testclient:50000 "(?P<request>[^"]+)" '
    r"(?P<status>\d{3}) (?P<ms>\d+\.\d) ms$"
)


async def _created(request: Request) -> PlainTextResponse:
    return PlainTextResponse("made", status_code=201)


async def _broken(request: Request) -> PlainTextResponse:
    raise RuntimeError("not a handled failure")


def _logged(stream: io.StringIO) -> tuple[TestClient, AccessLog]:
    log = AccessLog(
        Starlette(routes=[Route("/made", _created, methods=["POST"]), Route("/broken", _broken)]),
        stream,
    )
    return TestClient(log, raise_server_exceptions=False), log


def _lines(stream: io.StringIO) -> list[re.Match[str]]:
    found = [LINE.match(line) for line in stream.getvalue().splitlines()]
    assert all(found), stream.getvalue()
    return [match for match in found if match]


def test_each_request_gets_one_line_with_its_request_line_status_and_duration() -> None:
    """A POST with a query string and a GET of a missing path: two lines, in order."""
    stream = io.StringIO()
    client, log = _logged(stream)
    assert client.post("/made?area_id=3").status_code == 201
    assert client.get("/nowhere").status_code == 404
    log.flush()  # the lines of the last turn of the loop, if it has not written them yet
    lines = _lines(stream)
    assert [(m["request"], m["status"]) for m in lines] == [
        ("POST /made?area_id=3 HTTP/1.1", "201"),
        ("GET /nowhere HTTP/1.1", "404"),
    ]


def test_a_request_that_fails_is_logged_as_500() -> None:
    """An exception past every handler still gets its line, with the 500 the client saw."""
    stream = io.StringIO()
    client, log = _logged(stream)
    assert client.get("/broken").status_code == 500
    log.flush()
    assert [m["status"] for m in _lines(stream)] == ["500"]


def test_the_lifespan_passes_through_without_a_line() -> None:
    """Starting and stopping the app (lifespan) writes nothing."""
    stream = io.StringIO()
    client, log = _logged(stream)
    with client:
        pass
    log.flush()
    assert stream.getvalue() == ""
