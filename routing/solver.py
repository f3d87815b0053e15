"""The OR-Tools night solver (being written)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from routing.model import Night
from routing.plan import Plan


@dataclass(frozen=True, slots=True)
class Progress:
    """A moment in a solve: the best plan so far, reported to a progress callback."""

    elapsed: float
    unassigned: int
    travel_seconds: int


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """How long and how to search.

    `time_limit` is wall seconds; `stall_seconds` stops early when the best plan has not
    improved for that long; `workers` runs that many searches in parallel processes and keeps
    the best; `hint` is a previous plan (last night's, or pinned visits) to start from.
    """

    time_limit: float = 10.0
    seed: int = 0
    stall_seconds: float | None = None
    workers: int = 1
    hint: Plan | None = None


def solve(
    night: Night,
    options: SolveOptions | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> Plan:
    """Plan the night: every call ends up in exactly one route or unassigned with a reason."""
    raise NotImplementedError
