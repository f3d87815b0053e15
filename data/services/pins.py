"""Coordinators' pins: one call of a night held to a crew, to a start time, or to both.

A call is named as in the night's problem and plan: "n<need id>" for a recurring need's
occurrence on the night, "o<one-off call id>" for a one-off call. A pinned start is exact:
care starts at that minute (the crew may arrive earlier and wait), because a pinned time is
one a family or a district nurse has been told. The solver sees it as the call's window
narrowed to that minute, and a pinned crew as a `CrewPin` beside the problem (see
`data.services.nights`); both hold for every later publication of the night, scheduled or
on demand, until the pin is removed.

A pin is checked against the night as stored when it is made: the call must be in the night,
the crew out that night and able to take it (skills, gender), the start inside the call's
window, and one crew's pinned starts must leave it time to drive between them.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from data.errors import Conflict, Invalid, NotFound
from data.models import Area, Pin
from data.services import checks
from data.services.access import Actor, require_area
from data.services.audit import record_event, snapshot
from data.services.naming import crew_ref
from data.services.nights import NightBuild, build_night, pin_call_ref
from data.services.uniqueness import flush_unique
from routing.clock import parse_clock_time
from routing.diagnosis import pin_conflicts
from routing.model import Call, Crew
from routing.route_timing import Window, earliest_schedule

_CALL_ID = re.compile(r"^([no])([1-9][0-9]{0,9})$")


@dataclass(frozen=True)
class PinFields:
    """What a coordinator pins: a call of the night, to a crew number and/or a start time."""

    call: str
    crew_number: int | None = None
    start: str | None = None


@dataclass(frozen=True)
class PinView:
    """A stored pin as the API shows it: the call and crew by their ids in the night's plan."""

    id: int
    area_id: int
    night: date
    call: str
    crew_number: int | None
    crew: str | None
    start: str | None
    created_at: datetime
    created_by: int | None


def _view(area: Area, pin: Pin) -> PinView:
    return PinView(
        id=pin.id,
        area_id=pin.area_id,
        night=pin.night,
        call=pin_call_ref(pin),
        crew_number=pin.crew_number,
        crew=crew_ref(area, pin.crew_number) if pin.crew_number is not None else None,
        start=pin.start,
        created_at=pin.created_at,
        created_by=pin.created_by,
    )


def _area(session: Session, actor: Actor, area_id: int) -> Area:
    require_area(actor, area_id, f"area {area_id}")
    area = session.get(Area, area_id)
    if area is None:
        raise NotFound(f"area {area_id} not found")
    return area


def _night_pins(session: Session, area_id: int, night: date) -> list[Pin]:
    return list(
        session.scalars(
            select(Pin).where(Pin.area_id == area_id, Pin.night == night).order_by(Pin.id)
        )
    )


def list_pins(session: Session, actor: Actor, area_id: int, night: date) -> list[PinView]:
    """The night's pins, oldest first (commissioners and the area's coordinators)."""
    area = _area(session, actor, area_id)
    return [_view(area, pin) for pin in _night_pins(session, area_id, night)]


def _call_in_night(build: NightBuild, call_id: str, night: date) -> Call:
    """The call of the night with this id; Conflict when it is left out, NotFound when the
    area has no such call on the night."""
    index = build.routing_night.call_index.get(call_id)
    if index is not None:
        return build.routing_night.calls[index]
    left = next((o for o in build.left_out if o.call_id == call_id), None)
    if left is not None:
        raise Conflict(f"call {call_id} is not in the night of {night}: {left.reason}", "call")
    raise NotFound(f"call {call_id} not found in this area on {night}", "call")


def _pinned_crew(build: NightBuild, area: Area, crew_number: int, call: Call) -> Crew:
    """The crew the call is pinned to: a crew number of the area, out on the night, able to
    take the call (skills, gender) and to reach it from its start and be back in its shift."""
    if not 1 <= crew_number <= area.crews_per_night:
        raise Invalid(f"the area has crews 1 to {area.crews_per_night}", "crew_number")
    crew_id = crew_ref(area, crew_number)
    off = next((c for c in build.crews_off if c.crew_id == crew_id), None)
    if off is not None:
        raise Conflict(f"crew {crew_id} is not out on {build.night}: {off.reason}", "crew_number")
    if crew_id not in build.routing_night.crew_index:
        raise Conflict(f"crew {crew_id} is not out on {build.night}", "crew_number")
    conflict = pin_conflicts(build.routing_night, {call.id: crew_id}).get(call.id)
    if conflict is not None:
        raise Conflict(f"call {call.id} cannot be {conflict}", "crew_number")
    return build.routing_night.crew(crew_id)


def _start_window(build: NightBuild, area: Area, call: Call, start: str) -> Window:
    """The pinned start as a one-minute window of the night, inside the call's window."""
    shift = checks.ShiftWindow(area.shift_start, area.shift_end)
    at = shift.offset(start, "start")
    if at > shift.length:
        raise Invalid(
            f"{start} is outside the area's night shift {area.shift_start}-{area.shift_end}",
            "start",
        )
    seconds = _night_seconds(build, start)
    if not call.earliest <= seconds <= call.latest:
        entry = next(c for c in build.problem["calls"] if c["id"] == call.id)
        raise Invalid(
            f"{start} is outside the call's window {entry['earliest']}-{entry['latest']}", "start"
        )
    return Window(seconds, seconds)


def _night_seconds(build: NightBuild, clock_time: str) -> int:
    """Seconds from the night's start to a local "HH:MM" (true seconds across a clock change)."""
    clock = build.routing_night.clock
    if clock is None:
        raise ValueError("a night built from the database always has a clock")
    return clock.seconds(parse_clock_time(clock_time))


def _check_crew_can_keep_its_pins(
    session: Session, build: NightBuild, area: Area, crew: Crew, call: Call, window: Window
) -> None:
    """The crew can make this pinned start and its other pinned starts of the night, in order
    of time, from its start point and back within its shift (with its break)."""
    timed: list[tuple[Call, Window]] = [(call, window)]
    for other in _night_pins(session, area.id, build.night):
        other_call_id = pin_call_ref(other)
        if (
            other.start is None
            or other_call_id == call.id
            or other.crew_number is None
            or crew_ref(area, other.crew_number) != crew.id
            or other_call_id not in build.routing_night.call_index
        ):
            continue
        seconds = _night_seconds(build, other.start)
        timed.append((build.routing_night.call(other_call_id), Window(seconds, seconds)))
    timed.sort(key=lambda pair: pair[1].earliest)
    calls = [c for c, _ in timed]
    windows = {c.id: w for c, w in timed}
    if earliest_schedule(build.routing_night, crew, calls, windows) is not None:
        return
    if len(calls) == 1:
        detail = "from its start point and back within its shift"
    else:
        others = ", ".join(c.id for c in calls if c.id != call.id)
        detail = f"as well as its other pinned calls ({others})"
    start = build.routing_night.clock.hhmm(window.earliest) if build.routing_night.clock else ""
    raise Conflict(f"crew {crew.id} cannot start call {call.id} at {start} {detail}", "start")


def create_pin(
    session: Session, actor: Actor, area_id: int, night: date, fields: PinFields
) -> PinView:
    """Pin a call of the night to a crew and/or a start time (commissioners and the area's
    coordinators); checked against the night as stored, audited."""
    area = _area(session, actor, area_id)
    if fields.crew_number is None and fields.start is None:
        raise Invalid("pin the call to a crew_number, a start time or both", "crew_number")
    match = _CALL_ID.match(fields.call.strip()) if isinstance(fields.call, str) else None
    if match is None:
        raise Invalid(
            'must be a call of the night: "n" and a need id, or "o" and a one-off call id',
            "call",
        )
    call_id = match.group(0)
    if fields.start is not None:
        checks.clock_minutes(fields.start, "start")
    build = build_night(session, area_id, night, with_pins=False)
    call = _call_in_night(build, call_id, night)
    number = int(match.group(2))
    need_id, one_off_id = (number, None) if match.group(1) == "n" else (None, number)
    taken = session.scalar(
        select(Pin.id).where(
            Pin.area_id == area_id,
            Pin.night == night,
            Pin.need_id == need_id if need_id is not None else Pin.one_off_call_id == one_off_id,
        )
    )
    if taken is not None:
        raise Conflict(
            f"call {call_id} is already pinned on {night} (pin {taken}); remove that pin first",
            "call",
        )
    crew = (
        _pinned_crew(build, area, fields.crew_number, call)
        if fields.crew_number is not None
        else None
    )
    if fields.start is not None:
        window = _start_window(build, area, call, fields.start)
        if crew is not None:
            _check_crew_can_keep_its_pins(session, build, area, crew, call, window)
    pin = Pin(
        area_id=area_id,
        night=night,
        need_id=need_id,
        one_off_call_id=one_off_id,
        crew_number=fields.crew_number,
        start=fields.start,
        created_by=actor.user_id,
    )
    flush_unique(session, pin, f"call {call_id} was pinned at the same moment", "call")
    record_event(
        session, actor, action="create", entity="pin", entity_id=pin.id, after=snapshot(pin)
    )
    return _view(area, pin)


def delete_pin(session: Session, actor: Actor, area_id: int, night: date, pin_id: int) -> None:
    """Remove a pin of the night: later publications plan the call freely again; audited."""
    _area(session, actor, area_id)
    pin = session.get(Pin, pin_id)
    if pin is None or pin.area_id != area_id or pin.night != night:
        raise NotFound(f"pin {pin_id} not found on {night}")
    before = snapshot(pin)
    session.delete(pin)
    session.flush()
    record_event(session, actor, action="delete", entity="pin", entity_id=pin_id, before=before)


def remove_pins_of_calls(
    session: Session,
    actor: Actor,
    *,
    need_ids: Collection[int] = (),
    one_off_call_ids: Collection[int] = (),
) -> None:
    """Remove the pins, on any night, of recurring needs and one-off calls that are being
    removed, each audited as a pin removed by hand is (the database would otherwise drop
    them with their call and leave no trace of who removed them)."""
    holds = [
        condition
        for ids, condition in (
            (need_ids, Pin.need_id.in_(need_ids)),
            (one_off_call_ids, Pin.one_off_call_id.in_(one_off_call_ids)),
        )
        if ids
    ]
    if not holds:
        return
    for pin in session.scalars(select(Pin).where(or_(*holds)).order_by(Pin.id)).all():
        before = snapshot(pin)
        pin_id = pin.id
        session.delete(pin)
        record_event(session, actor, action="delete", entity="pin", entity_id=pin_id, before=before)
    session.flush()
