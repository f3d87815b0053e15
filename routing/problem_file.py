"""Read and write night problem files ("nightcare-problem/1", see night-problem.md).

The reader is strict: an unknown key, a wrong type or a value out of range anywhere is a
`ProblemFileError` naming the key path that holds it (``calls[3] (v-17b).after.call``), because
a typo must never silently drop a constraint. Clock times become seconds from the problem's
shift start with `routing.clock.NightClock`; places are the distinct points of the base, the
crews' start and end points and the calls, in that first-seen order.

Readings of the spec this module commits to (the spec leaves them open):

* `travel` needs all three of `speed_kmh`, `circuity` and `stop_minutes`; only the keys the
  spec calls optional (per crew, per call) may be left out, plus a carer's `skills`, which
  defaults to none (a missing list can only make a crew able to take fewer calls).
* A crew's own `shift` may end after the problem's: each of its times is placed by the spec's
  date rule like any other, and the crew leaves and returns within its own shift.
* A call whose window no crew's shift can hold (or that lies after the night) is read, not
  refused: the spec says every call of the problem appears in the plan, so it is listed as
  unassigned with its reason. Only a window whose latest start is before its earliest is
  refused. Care may run past `shift.end` when it starts early enough to end in some shift.
* A break window reaching outside the crew's shift is cut to the starts that let the break end
  inside it (the crew rests between leaving and returning); a window with no such start is
  refused.
* `after` needs its `call`, `min_minutes` and `max_minutes`; whole-number values such as
  `capacity` and `demand` may be written `8` or `8.0`.
* Empty `crews` or `calls` are allowed: a night with nothing to do is a valid night, and a
  night with no car out (snow, sickness) still needs every call listed as unassigned.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, time
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from routing.clock import ClockError, NightClock, load_zone, parse_clock_time, skipped_times
from routing.model import (
    GENDERS,
    AfterLink,
    BreakRule,
    Call,
    Carer,
    Crew,
    Night,
    Point,
    Priority,
    ProblemError,
    whole_seconds,
)
from routing.travel import TravelSettings, distinct_places, travel_matrix

PROBLEM_FORMAT = "nightcare-problem/1"

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_T = TypeVar("_T")


class ProblemFileError(ValueError):
    """A night problem file that cannot be read: `path` is the key path into the JSON."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}" if path else reason)
        self.path = path
        self.reason = reason


def join_path(path: str, key: str | int) -> str:
    """The key path of `key` inside `path`: ``calls[3]`` for an index, ``shift.end`` for a key."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def load_json_file(source: str | Path, error: Callable[[str, str], Exception]) -> Any:
    """Parse a JSON file strictly: no duplicate keys, no NaN/Infinity; errors via `error`."""
    try:
        text = Path(source).read_text(encoding="utf-8")
    except UnicodeDecodeError as problem:
        raise error("", f"the file is not UTF-8 text ({problem.reason})") from problem
    except OSError as problem:
        raise error("", f"cannot read the file: {problem.strerror or problem}") from problem
    if text.startswith("\ufeff"):
        # What Notepad and spreadsheet exports write; json's own message says to decode
        # "using utf-8-sig", which means nothing to the person who saved the file.
        raise error(
            "", "the file begins with a byte-order mark (BOM): save it as UTF-8 without one"
        )
    return parse_json_text(text, error)


def parse_json_text(text: str, error: Callable[[str, str], Exception]) -> Any:
    """Parse JSON text strictly: no duplicate keys, no NaN/Infinity; errors via `error`."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise ValueError(f"the key {key!r} appears twice in one object")
            result[key] = value
        return result

    def no_constant(name: str) -> NoReturn:
        raise ValueError(f"{name} is not a JSON number")

    try:
        return json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constant)
    except json.JSONDecodeError as problem:
        raise error(
            "", f"invalid JSON at line {problem.lineno} column {problem.colno}: {problem.msg}"
        ) from problem
    except ValueError as problem:
        raise error("", f"invalid JSON: {problem}") from problem


class JsonFields:
    """One JSON object of a strict file: refuses unknown and missing keys, reads typed values.

    Every failure is raised as `error(key_path, reason)`, so the problem and plan readers share
    one set of messages. With `id_key`, a valid id joins the path (``calls[3] (v-17b)``).
    """

    def __init__(
        self,
        value: object,
        path: str,
        required: Sequence[str],
        optional: Sequence[str],
        error: Callable[[str, str], Exception],
        id_key: str | None = None,
    ) -> None:
        self._error = error
        if not isinstance(value, Mapping):
            self.fail(path, f"must be an object, not {json_type(value)}")
        ident = value.get(id_key) if id_key is not None else None
        if isinstance(ident, str) and ident.strip():
            # Name the object by its id as soon as it has one: "calls[3] (v-17b).after.call".
            path = f"{path} ({ident})"
        self.path = path
        for key in value:
            if key not in required and key not in optional:
                known = ", ".join([*required, *optional])
                self.fail(join_path(path, str(key)), f"unknown key (expected one of: {known})")
        for key in required:
            if key not in value:
                self.fail(join_path(path, key), "is missing")
        self.values: Mapping[str, object] = value

    def fail(self, path: str, reason: str) -> NoReturn:
        """Raise the reader's error for `path`."""
        raise self._error(path, reason)

    def has(self, key: str) -> bool:
        """True when the object holds `key`."""
        return key in self.values

    def at(self, key: str) -> str:
        """The key path of `key` in this object."""
        return join_path(self.path, key)

    def raw(self, key: str) -> object:
        """The value at `key`, unchecked."""
        return self.values[key]

    def string(self, key: str) -> str:
        """A non-empty string."""
        value = self.values[key]
        if not isinstance(value, str) or not value.strip():
            self.fail(self.at(key), f"must be a non-empty string, not {json_repr(value)}")
        return value

    def number(self, key: str) -> float:
        """A finite number (int or float; a boolean is not a number)."""
        value = self.values[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(self.at(key), f"must be a number, not {json_repr(value)}")
        try:
            finite = math.isfinite(value)
        except OverflowError:  # a whole number with hundreds of digits
            self.fail(self.at(key), "is too large a number")
        if not finite:
            self.fail(self.at(key), f"must be a finite number, not {value!r}")
        return value

    def integer(self, key: str) -> int:
        """A whole number, written 8 or 8.0 (a boolean is not one)."""
        value = self.values[key]
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(self.at(key), f"must be a whole number, not {json_repr(value)}")
        return value

    def minutes(self, key: str, *, upper_bound: bool = False) -> int:
        """Minutes (a number, possibly fractional) as whole seconds; negatives fail.

        Rounded up (care, a break, a least gap is never shorter than asked), or down for an
        upper bound (a greatest gap is never longer), so plans in whole seconds keep the
        spec's rules however a checker reads a fraction of a second (`whole_seconds`).
        """
        value = self.number(key)
        if value < 0:
            self.fail(self.at(key), f"must be 0 or more, not {value!r}")
        if not math.isfinite(value * 60):  # 1e308 minutes: finite, but not in seconds
            self.fail(self.at(key), f"{value!r} minutes is too large a number")
        return whole_seconds(value, round_down=upper_bound)

    def gender(self, key: str) -> str:
        """One of the genders F, M."""
        value = self.values[key]
        if value not in GENDERS:
            self.fail(self.at(key), f"{json_repr(value)} is not one of {', '.join(GENDERS)}")
        return str(value)

    def string_list(self, key: str) -> list[str]:
        """A list of non-empty strings."""
        value = self.values[key]
        if not isinstance(value, list):
            self.fail(self.at(key), f"must be a list of strings, not {json_type(value)}")
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.fail(
                    join_path(self.at(key), i), f"must be a non-empty string, not {json_repr(item)}"
                )
        return list(value)

    def object_list(self, key: str) -> list[object]:
        """A list (its items are checked by the caller)."""
        value = self.values[key]
        if not isinstance(value, list):
            self.fail(self.at(key), f"must be a list, not {json_type(value)}")
        return list(value)


def json_type(value: object) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def json_repr(value: object) -> str:
    """A short JSON rendering of a value for messages (its type when it is big)."""
    if isinstance(value, list | Mapping):
        return json_type(value)
    return json.dumps(value) if isinstance(value, str | int | float | bool | None) else repr(value)


def refuse_other_format(
    document: object, expected: str, error: Callable[[str, str], Exception]
) -> None:
    """Fail on a wrong `format` before anything else: its other keys would only confuse."""
    if isinstance(document, Mapping) and "format" in document:
        fmt = document["format"]
        if fmt != expected:
            raise error("format", f"must be {expected!r}, not {json_repr(fmt)}")


def _wrap(prefix: str, build: Callable[[], _T]) -> _T:
    """Run a model constructor, turning its ProblemError into a ProblemFileError under `prefix`."""
    try:
        return build()
    except ProblemError as problem:
        raise ProblemFileError(join_path(prefix, problem.path), problem.reason) from problem


class _ProblemReader:
    """Reads one problem document; keeps the clock and the points seen so far."""

    def __init__(self, document: object) -> None:
        refuse_other_format(document, PROBLEM_FORMAT, ProblemFileError)
        top = JsonFields(
            document,
            "",
            ("format", "name", "night", "timezone", "shift", "base", "travel", "crews", "calls"),
            (),
            ProblemFileError,
        )
        self.top = top
        # Times the spec reads by a rule a coordinator may not expect (a time in the hour the
        # clocks skip in March): said, not refused, as `read_problem(notes=...)` hands them on.
        self.notes: list[str] = []
        self.name = top.string("name")
        night_text = top.string("night")
        if not _DATE.fullmatch(night_text):
            top.fail("night", f"{night_text!r} is not a date YYYY-MM-DD")
        try:
            night_date = date.fromisoformat(night_text)
        except ValueError:
            top.fail("night", f"{night_text!r} is not a date YYYY-MM-DD")
        zone = top.string("timezone")
        try:
            load_zone(zone)
        except ClockError as problem:
            top.fail("timezone", str(problem))
        shift = JsonFields(top.raw("shift"), "shift", ("start", "end"), (), ProblemFileError)
        self.clock = NightClock(night_date, self._clock_time(shift, "start"), zone)
        self._note_if_skipped(shift, "start", self.clock.shift_start, 0)
        self.shift_end = self.clock_seconds(shift, "end")
        if self.shift_end <= 0:
            shift.fail("shift.end", "the night's shift must end after it starts")
        self.points: list[Point] = []
        self.base = self._add_point(top.raw("base"), "base")
        self.settings = self._travel(top.raw("travel"))

    def _clock_time(self, fields: JsonFields, key: str) -> time:
        text = fields.raw(key)
        if not isinstance(text, str):
            fields.fail(fields.at(key), f"must be a clock time HH:MM, not {json_repr(text)}")
        try:
            return parse_clock_time(text)
        except ClockError as problem:
            fields.fail(fields.at(key), str(problem))

    def clock_seconds(self, fields: JsonFields, key: str, *, before_start_ok: bool = False) -> int:
        """The clock time at `key` as seconds from the night's start.

        A time before the night starts is refused unless `before_start_ok` (a break window
        is cut to the shift instead): it can only come from a shift start that does not exist.
        """
        given = self._clock_time(fields, key)
        seconds = self.clock.seconds(given)
        if seconds < 0 and not before_start_ok:
            fields.fail(fields.at(key), self._before_skipped_start(seconds))
        self._note_if_skipped(fields, key, given, seconds)
        return seconds

    def _note_if_skipped(self, fields: JsonFields, key: str, given: time, seconds: int) -> None:
        """Note a clock time that does not exist that night (the hour skipped in March): the
        spec reads it as zoneinfo does, an hour on (01:30 becomes 02:30 BST)."""
        read_as = self.clock.instant(seconds)
        if read_as.strftime("%H:%M") == given.strftime("%H:%M"):
            return
        self.notes.append(
            f"{fields.at(key)}: {given:%H:%M} does not exist on {read_as.date().isoformat()} in "
            f"{self.clock.timezone} (the clocks go forward), so it is read as "
            f"{read_as:%H:%M %Z}"
        )

    def _before_skipped_start(self, seconds: int) -> str:
        """Why a time is before the night starts, and what to give instead.

        Times at or after the shift start fall on the night's date, so only a start in the
        hour skipped in March (read later than the times just after that hour) lets one fall
        before it; the bare "before the night starts" leaves the coordinator staring at
        02:00 > 01:30.
        """
        clock = self.clock
        given = f"{clock.hhmm(seconds)} is before the night starts"
        skipped = skipped_times(clock.night, clock.shift_start, clock.zone)
        if skipped is None:
            return given
        first, after = (t.strftime("%H:%M") for t in skipped)
        start = clock.shift_start.strftime("%H:%M")
        actual = clock.hhmm(0)
        return (
            f"{given}: shift.start {start} does not exist on {clock.night.isoformat()} in "
            f"{clock.timezone} (clocks go forward at {first} to {after}), so the night is read "
            f"as starting at {actual}; give shift.start as {after} or before {first}, "
            f"or this time as {actual} or later"
        )

    def _next_day_note(self, fields: JsonFields, key: str) -> str:
        """Why a time before the night's start lands late: it is read on the next day."""
        clock = self._clock_time(fields, key)
        if clock >= self.clock.shift_start:
            return ""
        night_start = self.clock.shift_start.strftime("%H:%M")
        return (
            f" ({clock.strftime('%H:%M')} is before the night's start {night_start}, "
            "so it is read on the next day)"
        )

    def _add_point(self, value: object, path: str) -> int:
        """Read a {lat, lon} object; returns its index into `self.points`."""
        fields = JsonFields(value, path, ("lat", "lon"), (), ProblemFileError)
        return self._add_lat_lon(fields)

    def _add_lat_lon(self, fields: JsonFields) -> int:
        lat, lon = fields.number("lat"), fields.number("lon")
        point = _wrap(fields.path, lambda: Point(float(lat), float(lon)))
        self.points.append(point)
        return len(self.points) - 1

    def _travel(self, value: object) -> TravelSettings:
        fields = JsonFields(
            value, "travel", ("speed_kmh", "circuity", "stop_minutes"), (), ProblemFileError
        )
        speed, circuity = fields.number("speed_kmh"), fields.number("circuity")
        stop = fields.number("stop_minutes")
        return _wrap("", lambda: TravelSettings(float(speed), float(circuity), float(stop)))

    def hhmm(self, seconds: int) -> str:
        return self.clock.hhmm(seconds)

    def read(self) -> Night:
        top = self.top
        crew_values = top.object_list("crews")
        call_values = top.object_list("calls")
        crews = [self._crew(value, join_path("crews", i)) for i, value in enumerate(crew_values)]
        _refuse_duplicates([c.id for c, _, _ in crews], "crews")
        _refuse_carers_in_two_crews([c for c, _, _ in crews])
        call_ids = _call_ids(call_values)
        calls = [
            self._call(value, join_path("calls", i), call_ids)
            for i, value in enumerate(call_values)
        ]
        places, place_of = distinct_places(self.points)
        matrix = _wrap("", lambda: travel_matrix(places, self.settings))
        # Placing cannot fail: every index comes from distinct_places over the same points.
        built_crews = tuple(
            replace(crew, start_place=place_of[start], end_place=place_of[end])
            for crew, start, end in crews
        )
        built_calls = tuple(replace(call, place=place_of[point]) for call, point in calls)
        return _wrap(
            "",
            lambda: Night(
                name=self.name,
                crews=built_crews,
                calls=built_calls,
                travel=matrix,
                clock=self.clock,
                places=tuple(places),
            ),
        )

    def _crew(self, value: object, path: str) -> tuple[Crew, int, int]:
        fields = JsonFields(
            value,
            path,
            ("id", "carers"),
            ("shift", "start", "end", "break", "capacity"),
            ProblemFileError,
            id_key="id",
        )
        crew_id = fields.string("id")
        path = fields.path
        carer_values = fields.object_list("carers")
        if len(carer_values) != 2:
            fields.fail(
                fields.at("carers"), f"a crew is exactly two carers, not {len(carer_values)}"
            )
        carers = tuple(
            self._carer(v, join_path(fields.at("carers"), i)) for i, v in enumerate(carer_values)
        )
        shift_start, shift_end = 0, self.shift_end
        if fields.has("shift"):
            shift = JsonFields(
                fields.raw("shift"), fields.at("shift"), ("start", "end"), (), ProblemFileError
            )
            shift_start = self.clock_seconds(shift, "start")
            shift_end = self.clock_seconds(shift, "end")
            if shift_end <= shift_start:
                shift.fail(
                    shift.at("end"),
                    "the crew's shift must end after it starts"
                    + self._next_day_note(shift, "start"),
                )
        start = (
            self._add_point(fields.raw("start"), fields.at("start"))
            if fields.has("start")
            else self.base
        )
        end = (
            self._add_point(fields.raw("end"), fields.at("end")) if fields.has("end") else self.base
        )
        rest_break = None
        if fields.has("break"):
            rest = JsonFields(
                fields.raw("break"),
                fields.at("break"),
                ("minutes", "earliest", "latest"),
                (),
                ProblemFileError,
            )
            rest_break = self._break(rest, shift_start, shift_end)
        capacity = fields.integer("capacity") if fields.has("capacity") else None
        crew = _wrap(
            path,
            lambda: Crew(
                id=crew_id,
                carers=(carers[0], carers[1]),
                shift_start=shift_start,
                shift_end=shift_end,
                rest_break=rest_break,
                capacity=capacity,
            ),
        )
        return crew, start, end

    def _break(self, rest: JsonFields, shift_start: int, shift_end: int) -> BreakRule:
        """The break rule, its window cut to the starts that let the break end within the shift.

        A crew rests between leaving and coming back, both inside its shift, so a window
        reaching past the shift (01:00-06:45 for a 30-minute break in a shift ending 07:00)
        means the part that fits; only a window with no such start at all is refused.
        """
        duration = rest.minutes("minutes")
        earliest = self.clock_seconds(rest, "earliest", before_start_ok=True)
        latest = self.clock_seconds(rest, "latest")
        given = _wrap(rest.path, lambda: BreakRule(duration, earliest, latest))
        first, last = max(earliest, shift_start), min(latest, shift_end - duration)
        if first > last:
            rest.fail(
                rest.at("latest"),
                f"a {_minutes_text(duration)}-minute break starting {self.hhmm(earliest)}-"
                f"{self.hhmm(latest)} cannot be taken within the crew's shift "
                f"{self.hhmm(shift_start)}-{self.hhmm(shift_end)}"
                + self._next_day_note(rest, "earliest"),
            )
        return replace(given, earliest=first, latest=last)

    def _carer(self, value: object, path: str) -> Carer:
        fields = JsonFields(value, path, ("id", "gender"), ("skills",), ProblemFileError)
        carer_id = fields.string("id")
        gender = fields.gender("gender")
        skills = fields.string_list("skills") if fields.has("skills") else []
        return _wrap(path, lambda: Carer(carer_id, gender, frozenset(skills)))

    def _call(self, value: object, path: str, call_ids: set[str]) -> tuple[Call, int]:
        fields = JsonFields(
            value,
            path,
            ("id", "client", "lat", "lon", "earliest", "latest", "minutes"),
            ("priority", "skills", "gender", "after", "demand"),
            ProblemFileError,
            id_key="id",
        )
        call_id = fields.string("id")
        path = fields.path
        client = fields.string("client")
        point = self._add_lat_lon(fields)
        earliest = self.clock_seconds(fields, "earliest")
        latest = self.clock_seconds(fields, "latest")
        if latest < earliest:
            fields.fail(
                fields.at("latest"),
                f"{self.hhmm(latest)} is before earliest {self.hhmm(earliest)}",
            )
        duration = fields.minutes("minutes")
        priority = Priority.STANDARD
        if fields.has("priority"):
            text = fields.raw("priority")
            known = [p.value for p in Priority]
            if text not in known:
                fields.fail(
                    fields.at("priority"),
                    f"{json_repr(text)} is not one of {', '.join(known)}",
                )
            priority = Priority(text)
        skills = frozenset(fields.string_list("skills")) if fields.has("skills") else frozenset()
        gender = fields.gender("gender") if fields.has("gender") else None
        after = self._after(fields, call_ids) if fields.has("after") else None
        demand = fields.integer("demand") if fields.has("demand") else None
        call = _wrap(
            path,
            lambda: Call(
                id=call_id,
                client=client,
                place=0,
                earliest=earliest,
                latest=latest,
                duration=duration,
                priority=priority,
                skills=skills,
                gender=gender,
                after=after,
                demand=demand,
            ),
        )
        return call, point

    def _after(self, fields: JsonFields, call_ids: set[str]) -> AfterLink:
        link = JsonFields(
            fields.raw("after"),
            fields.at("after"),
            ("call", "min_minutes", "max_minutes"),
            (),
            ProblemFileError,
        )
        other = link.string("call")
        if other not in call_ids:
            link.fail(link.at("call"), f"no call has id {other!r}")
        min_gap, max_gap = (
            link.minutes("min_minutes"),
            link.minutes("max_minutes", upper_bound=True),
        )
        if min_gap > max_gap and link.number("min_minutes") <= link.number("max_minutes"):
            # Both within one second (10.33 to 10.33 minutes): no whole second lies between
            # them, so the link is held at the nearest one rather than refused.
            min_gap = max_gap = round(link.number("min_minutes") * 60)
        return _wrap(fields.path, lambda: AfterLink(other, min_gap, max_gap))


def _call_ids(call_values: Sequence[object]) -> set[str]:
    """Every call id, refusing duplicates up front so `after` links can be checked as read."""
    ids: list[str] = []
    for i, value in enumerate(call_values):
        if isinstance(value, Mapping) and isinstance(value.get("id"), str):
            ids.append(value["id"])
        else:
            ids.append(f"\0{i}")  # not an id: the call's own reading reports it
    _refuse_duplicates(ids, "calls")
    return set(ids)


def _refuse_carers_in_two_crews(crews: Sequence[Crew]) -> None:
    """A carer is in one car a night: in two, the plan would send them two ways at once."""
    crew_of: dict[str, int] = {}
    for i, crew in enumerate(crews):
        for j, carer in enumerate(crew.carers):
            if carer.id in crew_of:
                first = crew_of[carer.id]
                raise ProblemFileError(
                    f"crews[{i}] ({crew.id}).carers[{j}].id",
                    f"carer {carer.id!r} is also in crews[{first}] ({crews[first].id})",
                )
            crew_of[carer.id] = i


def _refuse_duplicates(ids: Sequence[str], what: str) -> None:
    first: dict[str, int] = {}
    for i, ident in enumerate(ids):
        if ident in first:
            raise ProblemFileError(
                f"{what}[{i}].id", f"duplicate id {ident!r} (also {what}[{first[ident]}])"
            )
        first[ident] = i


def _minutes_text(seconds: int) -> str:
    return str(seconds // 60) if seconds % 60 == 0 else f"{seconds / 60:g}"


def read_problem(
    source: str | Path | Mapping[str, Any], *, notes: list[str] | None = None
) -> Night:
    """Read a "nightcare-problem/1" night: a file path (str or Path) or the parsed JSON object.

    Raises ProblemFileError naming the key path and the reason for anything the spec refuses.
    What the spec accepts but reads by a rule worth saying (a clock time in the hour skipped in
    March, read an hour on) is appended to `notes`, one line each naming the key path.
    """
    if isinstance(source, str | Path):
        document = load_json_file(source, ProblemFileError)
    else:
        document = source
    reader = _ProblemReader(document)
    night = reader.read()
    if notes is not None:
        notes.extend(reader.notes)
    return night


def problem_to_json(
    night: Night, travel: TravelSettings, *, shift_end: int | None = None
) -> dict[str, Any]:
    """Write `night` as a "nightcare-problem/1" document (a dict ready for `json.dump`).

    A night has no record of how its matrix was built, so `travel` must be the settings that
    built it. The base is `night.places[0]`; the problem's shift ends at `shift_end`, by default
    the latest crew shift end (or, with no crews, the latest end of care). Reading the result
    gives an equal Night when the night's places are in the reader's order (base, crews'
    points, calls' points, first seen), as every night read from a file is. Raises ValueError
    for a night the format cannot hold (no clock, no places, a time that is not a whole
    minute or falls in the second pass of a repeated hour).
    """
    clock = night.clock
    if clock is None or not night.places:
        raise ValueError("only a night with a clock and places can be written as a problem file")
    if shift_end is None:
        ends = [c.shift_end for c in night.crews] or [c.latest + c.duration for c in night.calls]
        if not ends:
            raise ValueError("a night with no crews and no calls needs an explicit shift_end")
        shift_end = max(ends)
    base = night.places[0]

    def clock_text(seconds: int, path: str) -> str:
        text = clock.hhmm(seconds)
        if clock.seconds(parse_clock_time(text)) != seconds:
            raise ValueError(f"{path}: {seconds} s is not a clock time HH:MM of this night")
        return text

    def point_json(place: int) -> dict[str, float]:
        point = night.places[place]
        return {"lat": point.lat, "lon": point.lon}

    crews: list[dict[str, Any]] = []
    for i, crew in enumerate(night.crews):
        path = join_path("crews", i)
        entry: dict[str, Any] = {
            "id": crew.id,
            "carers": [
                {"id": c.id, "gender": c.gender, "skills": sorted(c.skills)} for c in crew.carers
            ],
        }
        if (crew.shift_start, crew.shift_end) != (0, shift_end):
            entry["shift"] = {
                "start": clock_text(crew.shift_start, f"{path}.shift.start"),
                "end": clock_text(crew.shift_end, f"{path}.shift.end"),
            }
        if night.places[crew.start_place] != base:
            entry["start"] = point_json(crew.start_place)
        if night.places[crew.end_place] != base:
            entry["end"] = point_json(crew.end_place)
        if crew.rest_break is not None:
            rest = crew.rest_break
            entry["break"] = {
                "minutes": _minutes_number(rest.duration),
                "earliest": clock_text(rest.earliest, f"{path}.break.earliest"),
                "latest": clock_text(rest.latest, f"{path}.break.latest"),
            }
        if crew.capacity is not None:
            entry["capacity"] = crew.capacity
        crews.append(entry)

    calls: list[dict[str, Any]] = []
    for i, call in enumerate(night.calls):
        path = join_path("calls", i)
        point = night.places[call.place]
        entry = {
            "id": call.id,
            "client": call.client,
            "lat": point.lat,
            "lon": point.lon,
            "earliest": clock_text(call.earliest, f"{path}.earliest"),
            "latest": clock_text(call.latest, f"{path}.latest"),
            "minutes": _minutes_number(call.duration),
        }
        if call.priority is not Priority.STANDARD:
            entry["priority"] = call.priority.value
        if call.skills:
            entry["skills"] = sorted(call.skills)
        if call.gender is not None:
            entry["gender"] = call.gender
        if call.after is not None:
            entry["after"] = {
                "call": call.after.call_id,
                "min_minutes": _minutes_number(call.after.min_gap),
                "max_minutes": _minutes_number(call.after.max_gap),
            }
        if call.demand is not None:
            entry["demand"] = call.demand
        calls.append(entry)

    return {
        "format": PROBLEM_FORMAT,
        "name": night.name,
        "night": clock.night.isoformat(),
        "timezone": clock.timezone,
        "shift": {
            "start": clock.shift_start.strftime("%H:%M"),
            "end": clock_text(shift_end, "shift.end"),
        },
        "base": {"lat": base.lat, "lon": base.lon},
        "travel": {
            "speed_kmh": travel.speed_kmh,
            "circuity": travel.circuity,
            "stop_minutes": travel.stop_minutes,
        },
        "crews": crews,
        "calls": calls,
    }


def _minutes_number(seconds: int) -> int | float:
    return seconds // 60 if seconds % 60 == 0 else seconds / 60
