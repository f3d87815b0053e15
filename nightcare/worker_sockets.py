"""A listening socket of its own for each `nightcare serve --workers N` process (SO_REUSEPORT).

uvicorn's worker processes share one listening socket: whichever process wakes first accepts
every connection waiting, so keep-alive clients pile onto one process. Counted during a paced
run of 20 connections (`bench/api_paced.py`): 1, 1, 4 and 14 connections on 4 processes; 1, 6
and 13 on 3. The busy process serves most requests on one GIL while the others idle.

With SO_REUSEPORT each worker listens on a socket of its own, bound to the same address, and
the kernel hashes each new connection to one of them, so they spread as evenly as a random
draw. uvicorn hands its workers the parent's sockets by pickling them into each spawned
process; `OwnSocketInEachWorker` is the parent's (bound, never listening: it holds the port
and reports it taken) and unpickles in each worker as a new socket bound with SO_REUSEPORT.
"""

from __future__ import annotations

import socket
from typing import Any


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) with SO_REUSEPORT, for one worker to listen on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


class OwnSocketInEachWorker(socket.socket):
    """The parent's socket: bound with SO_REUSEPORT and never listening; pickled into a
    spawned worker, it becomes that worker's own `reuse_port_socket` on the same address."""

    def __init__(self, host: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__(family, socket.SOCK_STREAM)
        self.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        self.bind((host, port))
        self.address: tuple[str, int] = (host, self.getsockname()[1])

    def __reduce__(self) -> tuple[Any, ...]:
        return reuse_port_socket, self.address


def reuse_port_available() -> bool:
    """Whether this platform has SO_REUSEPORT (Linux, the BSDs, macOS)."""
    return hasattr(socket, "SO_REUSEPORT")
