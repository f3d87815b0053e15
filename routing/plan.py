"""A night's plan: each crew's ordered visits and break, and the calls left unassigned."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Visit:
    """One call on a route: the crew arrives, may wait, then care runs from start to end."""

    call_id: str
    arrive: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class BreakSlot:
    """When a crew takes its break, in seconds from the night's start."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Route:
    """One crew's night: leaves its start point at `depart`, is back at its end at `return_at`."""

    crew_id: str
    depart: int
    return_at: int
    visits: tuple[Visit, ...] = ()
    rest_break: BreakSlot | None = None


@dataclass(frozen=True, slots=True)
class Unassigned:
    """A call no crew could take, with a reason a coordinator can act on."""

    call_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class PlanStats:
    """Figures about a plan and how it was found."""

    travel_seconds: int
    solve_seconds: float
    first_solution_seconds: float | None = None
    strategy: str = ""


@dataclass(frozen=True)
class Plan:
    """A whole night's plan for one problem."""

    problem: str
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    stats: PlanStats

    def route_of(self, crew_id: str) -> Route | None:
        """This crew's route, if it has one."""
        return next((r for r in self.routes if r.crew_id == crew_id), None)

    def assigned_call_ids(self) -> list[str]:
        """Every call on a route, in route order."""
        return [v.call_id for r in self.routes for v in r.visits]

    def unassigned_call_ids(self) -> list[str]:
        """Every call left unassigned."""
        return [u.call_id for u in self.unassigned]
