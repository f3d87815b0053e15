"""The access log of `nightcare serve`: one line per answered request, on standard output.

    2026-11-26T23:04:05Z 127.0.0.1:50412 "POST /needs HTTP/1.1" 201 3.1 ms

It replaces uvicorn's own access log, which builds a `logging` record, runs a formatter (with
the status phrase and colour checks) and writes and flushes the stream for every request:
counted with callgrind (`bench/api_instructions.py`), that was about 0.19 M of a submission's
3.47 M instructions, and its write held the GIL for ~10 % of the serving process's samples.
Here a line is one f-string appended to a list; the lines of one turn of the event loop are
written together, with one flush, at the start of its next turn, so a line appears as soon
as its response is sent and a burst of requests costs one write.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TextIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class AccessLog:
    """ASGI middleware: after each HTTP response, a line with the client, the request line,
    the status and the milliseconds the app took (500 when it failed before answering)."""

    def __init__(self, app: ASGIApp, stream: TextIO | None = None) -> None:
        self.app = app
        self._stream = stream
        self._lines: list[str] = []
        self._flush_scheduled = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request through the app and log it; other scopes pass through."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            self._add_line(scope, status, 1000 * (time.perf_counter() - started))

    def _add_line(self, scope: Scope, status: int, milliseconds: float) -> None:
        client = scope.get("client")
        who = f"{client[0]}:{client[1]}" if client else "-"
        path = scope.get("root_path", "") + scope["path"]
        if query := scope.get("query_string"):
            path += "?" + query.decode("latin-1")
        self._lines.append(
            f'{who} "{scope["method"]} {path} HTTP/{scope["http_version"]}" {status} '
            f"{milliseconds:.1f} ms\n"
        )
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Write the lines gathered so far, each after the time of writing (UTC, seconds)."""
        self._flush_scheduled = False
        lines, self._lines = self._lines, []
        if not lines:
            return
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ ", time.gmtime())
        stream = self._stream or sys.stdout  # looked up late: uvicorn and tests replace it
        stream.write(stamp + stamp.join(lines))
        stream.flush()
