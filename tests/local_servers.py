"""Servers tests start on loopback: the app itself under uvicorn, an SMTP server (aiosmtpd) that
keeps what it is sent, and an HTTP server that keeps the webhook requests it is given."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller


@dataclass
class ReceivedMail:
    """What the local SMTP server was given: envelope recipients and parsed messages."""

    recipients: list[str] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """aiosmtpd's hook: keep the message."""
        self.recipients += list(envelope.rcpt_tos)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"

    def to(self, address: str) -> list[Message]:
        """The messages sent to `address`."""
        return [m for m in self.messages if str(m["To"]) == address]


@dataclass
class ReceivedHooks:
    """Webhook requests a local HTTP server was given: headers and raw bodies."""

    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


def body_of(message: Message) -> str:
    """A received message's text."""
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served_app(app: Any, **uvicorn_options: Any) -> Iterator[str]:
    """`app` served by uvicorn on a free loopback port in a background thread (real sockets,
    requests in parallel); its base URL. `uvicorn_options` go to uvicorn.Config."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", **uvicorn_options
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"app-on-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise AssertionError("the app did not start under uvicorn")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def running_smtp_server() -> Iterator[tuple[int, ReceivedMail]]:
    """A local SMTP server (aiosmtpd) on a free loopback port, and what it receives."""
    received = ReceivedMail()
    controller = Controller(received, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, received
    finally:
        controller.stop()


@contextmanager
def running_webhook_server() -> Iterator[tuple[str, ReceivedHooks]]:
    """A tiny HTTP server in a thread on 127.0.0.1 that answers 204 to any POST."""
    received = ReceivedHooks()

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.requests.append((dict(self.headers.items()), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/nightcare", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=2)
