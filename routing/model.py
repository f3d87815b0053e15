"""The night problem as the solver sees it: frozen dataclasses in integer seconds.

Every time is a whole number of seconds from the night's origin (the problem's shift start).
Places are indices into the night's travel matrix; the matrix already holds the spec's
travel rule (rounded drive time plus the stop allowance, zero between identical points).
Constructors check their values and raise `ProblemError` with a message naming the field.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from routing.clock import NightClock

GENDERS = ("F", "M")
# The most a crew's capacity or a call's demand may be: far beyond any contract, and small
# enough that the solver's sums of demands (a crew without a capacity holds all of them) stay
# inside the 64-bit integers OR-Tools counts in.
LARGEST_COUNT = 10**12


def whole_seconds(minutes: float, *, round_down: bool = False) -> int:
    """Minutes as whole seconds, rounded up (never shorter than asked) or, for an upper
    bound, down (never longer), so that plans in whole seconds keep a rule given in
    fractional minutes to the fraction. The inner round() keeps float noise out: 2.2 × 60 is
    132.00000000000003, which is 132 s, not 133."""
    seconds = round(minutes * 60, 6)
    return math.floor(seconds) if round_down else math.ceil(seconds)


class ProblemError(ValueError):
    """A night problem value is out of range or inconsistent.

    `path` names where the bad value sits (for example ``calls[3].earliest``), so a file
    reader can report it against the key that holds it.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}" if path else reason)
        self.path = path
        self.reason = reason


class Priority(enum.Enum):
    """How much a call matters when not every call can be planned."""

    CRITICAL = "critical"
    STANDARD = "standard"
    OPTIONAL = "optional"

    @property
    def rank(self) -> int:
        """0 for critical, 1 for standard, 2 for optional: the order plans are judged in."""
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.CRITICAL: 0, Priority.STANDARD: 1, Priority.OPTIONAL: 2}


def _require(condition: bool, path: str, reason: str) -> None:
    if not condition:
        raise ProblemError(path, reason)


def _check_id(value: object, path: str) -> None:
    _require(isinstance(value, str) and value.strip() != "", path, "must be a non-empty string")


@dataclass(frozen=True, slots=True)
class Point:
    """A place on the WGS-84 ellipsoid."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        _require(-90.0 <= self.lat <= 90.0, "lat", f"{self.lat} is not a latitude (-90..90)")
        _require(-180.0 <= self.lon <= 180.0, "lon", f"{self.lon} is not a longitude (-180..180)")


@dataclass(frozen=True, slots=True)
class Carer:
    """One of a crew's two carers."""

    id: str
    gender: str
    skills: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        _check_id(self.id, "id")
        _require(self.gender in GENDERS, "gender", f"{self.gender!r} is not one of F, M")


@dataclass(frozen=True, slots=True)
class BreakRule:
    """A crew's rest: `duration` seconds starting between `earliest` and `latest`."""

    duration: int
    earliest: int
    latest: int

    def __post_init__(self) -> None:
        _require(self.duration > 0, "minutes", "a break must last more than 0 minutes")
        _require(
            self.earliest <= self.latest,
            "latest",
            "the break's latest start is before its earliest",
        )


@dataclass(frozen=True, slots=True)
class Crew:
    """One car with two carers, its shift, where it starts and ends, its break and capacity."""

    id: str
    carers: tuple[Carer, Carer]
    shift_start: int
    shift_end: int
    start_place: int = 0
    end_place: int = 0
    rest_break: BreakRule | None = None
    capacity: int | None = None

    def __post_init__(self) -> None:
        _check_id(self.id, "id")
        _require(len(self.carers) == 2, "carers", "a crew is exactly two carers")
        _require(
            self.carers[0].id != self.carers[1].id, "carers", "a crew has the same carer twice"
        )
        _require(self.shift_start >= 0, "shift.start", "starts before the night does")
        _require(self.shift_end > self.shift_start, "shift.end", "the shift ends before it starts")
        _require(self.start_place >= 0, "start", "is not a place of the night")
        _require(self.end_place >= 0, "end", "is not a place of the night")
        if self.rest_break is not None:
            b = self.rest_break
            _require(
                b.earliest >= self.shift_start,
                "break.earliest",
                "the break could start before the crew's shift",
            )
            _require(
                b.latest + b.duration <= self.shift_end,
                "break.latest",
                "the break could end after the crew's shift",
            )
        if self.capacity is not None:
            _require(self.capacity >= 0, "capacity", "must be 0 or more")
            _require(self.capacity <= LARGEST_COUNT, "capacity", f"must be at most {LARGEST_COUNT}")

    @property
    def skills(self) -> frozenset[str]:
        """Every skill held by at least one of the two carers."""
        return self.carers[0].skills | self.carers[1].skills

    @property
    def gender(self) -> str | None:
        """The carers' shared gender, or None when the crew is mixed."""
        first, second = self.carers
        return first.gender if first.gender == second.gender else None


@dataclass(frozen=True, slots=True)
class AfterLink:
    """This call starts `min_gap`..`max_gap` seconds after `call_id` starts, and only if it does."""

    call_id: str
    min_gap: int
    max_gap: int

    def __post_init__(self) -> None:
        _check_id(self.call_id, "after.call")
        _require(self.min_gap >= 0, "after.min_minutes", "must be 0 or more")
        _require(
            self.max_gap >= self.min_gap,
            "after.max_minutes",
            "is smaller than after.min_minutes",
        )


@dataclass(frozen=True, slots=True)
class Call:
    """One visit by a whole crew: care starts inside [earliest, latest] and lasts `duration`."""

    id: str
    client: str
    place: int
    earliest: int
    latest: int
    duration: int
    priority: Priority = Priority.STANDARD
    skills: frozenset[str] = frozenset()
    gender: str | None = None
    after: AfterLink | None = None
    demand: int | None = None

    def __post_init__(self) -> None:
        _check_id(self.id, "id")
        _check_id(self.client, "client")
        _require(self.place >= 0, "place", "is not a place of the night")
        _require(self.earliest >= 0, "earliest", "is before the night starts")
        _require(self.latest >= self.earliest, "latest", "is before earliest")
        _require(self.duration > 0, "minutes", "a call must last more than 0 minutes")
        _require(
            self.gender is None or self.gender in GENDERS,
            "gender",
            f"{self.gender!r} is not one of F, M",
        )
        if self.demand is not None:
            _require(self.demand >= 0, "demand", "must be 0 or more")
            _require(self.demand <= LARGEST_COUNT, "demand", f"must be at most {LARGEST_COUNT}")
        if self.after is not None:
            _require(self.after.call_id != self.id, "after.call", "a call cannot follow itself")

    def crew_can_take(self, crew: Crew) -> bool:
        """True when the crew has every skill this call needs and matches its gender request."""
        if not self.skills <= crew.skills:
            return False
        return self.gender is None or crew.gender == self.gender


@dataclass(frozen=True, slots=True)
class CrewPin:
    """A coordinator's decision that call `call_id` is done by crew `crew_id` or not at all."""

    call_id: str
    crew_id: str

    def __post_init__(self) -> None:
        _check_id(self.call_id, "call")
        _check_id(self.crew_id, "crew")


class TravelMatrix:
    """Drive seconds between the night's places; read-only, square, non-negative integers."""

    __slots__ = ("_seconds",)

    def __init__(self, seconds: npt.ArrayLike) -> None:
        array = np.array(seconds, dtype=np.int64)
        if array.ndim != 2 or array.shape[0] != array.shape[1]:
            raise ProblemError("travel", "the travel matrix must be square")
        if array.size and int(array.min()) < 0:
            raise ProblemError("travel", "travel times must be 0 or more")
        array.setflags(write=False)
        self._seconds = array

    @property
    def size(self) -> int:
        """How many places the matrix covers."""
        return int(self._seconds.shape[0])

    @property
    def seconds(self) -> npt.NDArray[np.int64]:
        """The read-only array of drive seconds, [from, to]."""
        return self._seconds

    def __call__(self, origin: int, destination: int) -> int:
        return int(self._seconds[origin, destination])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TravelMatrix) and bool(
            np.array_equal(self._seconds, other._seconds)
        )

    def __hash__(self) -> int:
        return hash(self._seconds.tobytes())

    def __repr__(self) -> str:
        return f"TravelMatrix({self.size} places)"

    def __reduce__(self) -> tuple[type[TravelMatrix], tuple[npt.NDArray[np.int64]]]:
        return (TravelMatrix, (np.array(self._seconds),))


@dataclass(frozen=True)
class Night:
    """One contract area's night: crews, calls and the travel between their places.

    `clock` turns seconds into local instants; it is None for abstract benchmark nights
    (Solomon) whose times have no calendar. `places` holds coordinates where they are known.
    """

    name: str
    crews: tuple[Crew, ...]
    calls: tuple[Call, ...]
    travel: TravelMatrix
    clock: NightClock | None = None
    places: tuple[Point, ...] = ()
    call_index: dict[str, int] = field(init=False, repr=False, compare=False)
    crew_index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_id(self.name, "name")
        crew_index = _index_ids((c.id for c in self.crews), "crews")
        call_index = _index_ids((c.id for c in self.calls), "calls")
        object.__setattr__(self, "crew_index", crew_index)
        object.__setattr__(self, "call_index", call_index)
        size = self.travel.size
        _require(
            not self.places or len(self.places) == size,
            "places",
            "there must be one point per place of the travel matrix",
        )
        for i, crew in enumerate(self.crews):
            for where, place in (("start", crew.start_place), ("end", crew.end_place)):
                _require(place < size, f"crews[{i}].{where}", "is not a place of the night")
        for i, call in enumerate(self.calls):
            _require(call.place < size, f"calls[{i}]", "is not a place of the night")
            if call.after is not None:
                _require(
                    call.after.call_id in call_index,
                    f"calls[{i}].after.call",
                    f"no call has id {call.after.call_id!r}",
                )
        _check_after_cycles(self.calls)

    def call(self, call_id: str) -> Call:
        """The call with this id."""
        return self.calls[self.call_index[call_id]]

    def crew(self, crew_id: str) -> Crew:
        """The crew with this id."""
        return self.crews[self.crew_index[crew_id]]

    @property
    def uses_capacity(self) -> bool:
        """True when at least one crew has a capacity, so calls' demands count."""
        return any(crew.capacity is not None for crew in self.crews)

    def demand_of(self, call: Call) -> int:
        """The call's demand: its own, or 1 when a capacity is set and it gives none."""
        if call.demand is not None:
            return call.demand
        return 1 if self.uses_capacity else 0


def _index_ids(ids: Iterable[str], what: str) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, ident in enumerate(ids):
        _require(ident not in index, f"{what}[{i}].id", f"duplicate id {ident!r}")
        index[ident] = i
    return index


def _check_after_cycles(calls: Sequence[Call]) -> None:
    by_id = {c.id: c for c in calls}
    settled: set[str] = set()
    for i, call in enumerate(calls):
        seen: list[str] = []
        current: Call | None = call
        while current is not None and current.id not in settled:
            if current.id in seen:
                cycle = " -> ".join([*seen[seen.index(current.id) :], current.id])
                raise ProblemError(
                    f"calls[{i}] ({call.id}).after", f"after-links form a cycle: {cycle}"
                )
            seen.append(current.id)
            current = by_id[current.after.call_id] if current.after is not None else None
        settled.update(seen)
