"""Care needs: recurring night calls, one-off calls for a night, and cancellations for a night.

Every window is checked against the person's area's shift; a recurring need may follow another
need of the same person (an after-link), never one of someone else's and never in a cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Table, bindparam, exists, insert, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, defer

from data.database import SessionOrConnection
from data.errors import Conflict, Invalid, NotFound
from data.models import Area, Base, Cancellation, Need, OneOffCall, Person
from data.services import checks
from data.services.access import Actor, area_filter, reaches_area, require_area
from data.services.audit import record_event, snapshot, snapshot_of_values, write_event
from data.services.idempotency import (
    ACTOR_AND_STORED_RESPONSE,
    StoredResponse,
    actor_and_earlier_of_rows,
)
from data.services.listing import Page, page_of
from data.services.pins import remove_pins_of_calls
from data.services.uniqueness import flush_unique


@dataclass(frozen=True)
class NeedFields:
    """A recurring night call: on which weekdays (0 Monday .. 6 Sunday), from when, its window."""

    person_id: int
    label: str
    weekdays: list[int]
    start_date: date
    earliest: str
    latest: str
    minutes: int
    priority: str = "standard"
    skills: list[str] = field(default_factory=list)
    end_date: date | None = None
    after_need_id: int | None = None
    min_gap_minutes: int | None = None
    max_gap_minutes: int | None = None
    paused: bool = False


@dataclass(frozen=True)
class OneOffFields:
    """A call for one night only."""

    person_id: int
    night: date
    label: str
    earliest: str
    latest: str
    minutes: int
    priority: str = "standard"
    skills: list[str] = field(default_factory=list)
    note: str | None = None


@dataclass(frozen=True)
class CancellationFields:
    """No calls for a person on a night, and why ("in hospital", "respite", ...)."""

    person_id: int
    night: date
    reason: str
    note: str | None = None


def _person_and_area(session: Session, actor: Actor, person_id: int) -> tuple[Person, Area]:
    area_filter(actor)
    # One round trip for both: every call that is created needs the area's shift. The
    # person's encrypted notes are not needed here, so they are not decrypted (a Fernet
    # decryption each); reading them later loads them.
    row = session.execute(
        select(Person, Area)
        .join(Area, Area.id == Person.area_id)
        .where(Person.id == person_id)
        .options(defer(Person.access_notes), defer(Person.key_safe_code))
    ).one_or_none()
    if row is None or not reaches_area(actor, row.Person.area_id):
        raise Invalid(f"there is no person {person_id}", "person_id")
    return row.Person, row.Area


@dataclass(frozen=True)
class PersonArea:
    """A person's area and its night shift: all a recurring need's checks read of them."""

    area_id: int
    shift: checks.ShiftWindow


_PEOPLE, _AREAS = cast(Table, Person.__table__), cast(Table, Area.__table__)
_AREA_AND_SHIFT_OF_PERSON = (
    select(_PEOPLE.c.area_id, _AREAS.c.shift_start, _AREAS.c.shift_end)
    .join(_AREAS, _AREAS.c.id == _PEOPLE.c.area_id)
    .where(_PEOPLE.c.id == bindparam("person_id"))
)


def _person_area(
    session: SessionOrConnection, actor: Actor, person_id: int, known: PersonArea | None = None
) -> PersonArea:
    """The person's area and shift (read unless `known`), when the actor reaches the person."""
    area_filter(actor)
    found = known
    if found is None:
        row = session.execute(_AREA_AND_SHIFT_OF_PERSON, {"person_id": person_id}).one_or_none()
        if row is not None:
            found = PersonArea(row.area_id, checks.ShiftWindow(row.shift_start, row.shift_end))
    if found is None or not reaches_area(actor, found.area_id):
        raise Invalid(f"there is no person {person_id}", "person_id")
    return found


def _owned(session: Session, actor: Actor, model: type[Any], record_id: int, what: str) -> Any:
    record = session.get(model, record_id)
    if record is None:
        raise NotFound(f"{what} {record_id} not found")
    person = session.get(Person, record.person_id)
    assert person is not None
    require_area(actor, person.area_id, f"{what} {record_id}")
    return record


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    record: Base,
    before: dict[str, Any] | None,
) -> None:
    record_event(
        session,
        actor,
        action=action,
        entity=entity,
        entity_id=record.id,  # type: ignore[attr-defined]
        before=before,
        after=None if action == "delete" else snapshot(record),
    )


# A person's dates of care


def care_dates_words(name: str, start: date, end: date | None, *, runs: str = "runs") -> str:
    """A person's dates of night care as a coordinator reads them: "Mrs Jones's night care
    runs from 2026-12-01 to 2027-03-31" (or "... from 2026-12-01 with no end date")."""
    until = f"to {end.isoformat()}" if end is not None else "with no end date"
    return f"{name}'s night care {runs} from {start.isoformat()} {until}"


def require_night_in_care(person: Person, night: date) -> None:
    """Refuse (Invalid on `night`) a night before the person's care starts or after it ends:
    no call is made there and the night's plan never reads it."""
    if night < person.start_date or (person.end_date is not None and night > person.end_date):
        dates = care_dates_words(person.name, person.start_date, person.end_date)
        raise Invalid(f"{dates}; {night.isoformat()} is outside it", "night")


LISTED_OUTSIDE_CARE = 3


def require_stored_nights_in_care(
    session: Session, person: Person, start: date, end: date | None
) -> None:
    """Refuse (Conflict) new dates of care `start`..`end` for `person` that would leave stored
    one-off calls or cancellations outside them, naming the first few. Refused rather than
    removed: they were recorded by a coordinator, and are theirs to move or withdraw."""

    def outside(night: InstrumentedAttribute[date]) -> ColumnElement[bool]:
        return or_(night < start, night > end) if end is not None else night < start

    one_offs = session.scalars(
        select(OneOffCall)
        .where(OneOffCall.person_id == person.id, outside(OneOffCall.night))
        .order_by(OneOffCall.night, OneOffCall.id)
    ).all()
    cancellations = session.scalars(
        select(Cancellation)
        .where(Cancellation.person_id == person.id, outside(Cancellation.night))
        .order_by(Cancellation.night, Cancellation.id)
    ).all()
    left: list[tuple[date, str]] = [
        *(
            (
                c.night,
                f"the {_call_words(c.label, c.earliest, c.latest)} on {c.night.isoformat()} "
                f"(one-off call {c.id})",
            )
            for c in one_offs
        ),
        *(
            (c.night, f"the cancellation on {c.night.isoformat()} (cancellation {c.id})")
            for c in cancellations
        ),
    ]
    if not left:
        return
    left.sort(key=lambda item: item[0])
    named = ", ".join(words for _night, words in left[:LISTED_OUTSIDE_CARE])
    more = len(left) - LISTED_OUTSIDE_CARE
    others = f" and {more} more" if more > 0 else ""
    dates = care_dates_words(person.name, start, end, runs="would run")
    raise Conflict(
        f"{dates}, leaving out {named}{others}; remove or move them first",
        "start_date" if left[0][0] < start else "end_date",
    )


# Recurring needs


def _call_words(label: str, earliest: str, latest: str) -> str:
    return f"{earliest}–{latest} {label} call"


def call_name(need: Need) -> str:
    """A recurring need named as a coordinator knows the call, by its window and label, with
    its id in brackets for support staff: "the 02:00–03:00 reposition call (need 17)"."""
    return f"the {_call_words(need.label, need.earliest, need.latest)} (need {need.id})"


def _check_link(
    session: SessionOrConnection, fields: NeedFields, need_id: int | None
) -> tuple[int | None, int | None, int | None]:
    if fields.after_need_id is None:
        return None, None, None
    if fields.after_need_id == need_id:
        raise Invalid("a need cannot follow itself", "after_need_id")
    rows = session.execute(
        select(
            Need.id, Need.person_id, Need.after_need_id, Need.label, Need.earliest, Need.latest
        ).where(Need.person_id == fields.person_id)
    ).all()
    links = {row.id: (row.person_id, row.after_need_id) for row in rows}
    names = {
        row.id: f"the {_call_words(row.label, row.earliest, row.latest)} (need {row.id})"
        for row in rows
    }
    if fields.after_need_id not in links:
        other = session.execute(select(Need.id).where(Need.id == fields.after_need_id)).first()
        if other is None:
            raise Invalid(f"there is no need {fields.after_need_id}", "after_need_id")
        raise Invalid(
            f"need {fields.after_need_id} belongs to another person; a call can only follow "
            "another call of the same person",
            "after_need_id",
        )
    chain = [fields.after_need_id]
    while (step := links[chain[-1]][1]) is not None:
        chain.append(step)
        if need_id is not None and step == need_id:
            names[need_id] = "this call"
            path = ", which follows ".join(names[n] for n in chain)
            raise Invalid(
                f"this link would make a cycle of calls: this call would follow {path}",
                "after_need_id",
            )
        if len(chain) > len(links):
            break
    low, high = fields.min_gap_minutes, fields.max_gap_minutes
    if low is None or low < 0:
        raise Invalid(
            "give the least minutes after the earlier call (0 or more)", "min_gap_minutes"
        )
    if high is None or high < low:
        raise Invalid(
            "give the most minutes after the earlier call (at least the least)", "max_gap_minutes"
        )
    return fields.after_need_id, low, high


def _check_need(
    session: SessionOrConnection,
    actor: Actor,
    fields: NeedFields,
    need_id: int | None,
    person_area: PersonArea | None = None,
) -> NeedFields:
    shift = _person_area(session, actor, fields.person_id, person_area).shift
    label = checks.text_required(fields.label, "label", 120)
    days = set(fields.weekdays)
    if not days or not all(isinstance(d, int) and 0 <= d <= 6 for d in days):
        raise Invalid("give one or more weekdays, 0 (Monday) to 6 (Sunday)", "weekdays")
    shift.check_call(fields.earliest, fields.latest, fields.minutes)
    checks.date_range(fields.start_date, fields.end_date)
    after, low, high = _check_link(session, fields, need_id)
    return NeedFields(
        person_id=fields.person_id,
        label=label,
        weekdays=sorted(days),
        start_date=fields.start_date,
        earliest=fields.earliest,
        latest=fields.latest,
        minutes=fields.minutes,
        priority=checks.priority(fields.priority),
        skills=checks.skills_list(fields.skills),
        end_date=fields.end_date,
        after_need_id=after,
        min_gap_minutes=low,
        max_gap_minutes=high,
        paused=bool(fields.paused),
    )


_NEEDS = cast(Table, Need.__table__)
_INSERT_NEED = insert(_NEEDS).returning(_NEEDS.c.id)


def add_need(
    session: SessionOrConnection,
    actor: Actor,
    fields: NeedFields,
    *,
    person_area: PersonArea | None = None,
) -> dict[str, Any]:
    """Add a recurring night call for a person in an area the actor reaches, audited; returns
    the stored need's columns.

    Two INSERTs and no ORM object: the API's busiest write (`create_need` gives the object).
    `person_area` is the person's, when the caller has read it already (`submission_context`).
    """
    checked = _check_need(session, actor, fields, None, person_area)
    values: dict[str, Any] = dict(checked.__dict__)
    values["id"] = session.execute(_INSERT_NEED, values).scalar_one()
    write_event(
        session,
        actor,
        action="create",
        entity="need",
        entity_id=values["id"],
        after=snapshot_of_values(_NEEDS, values),
    )
    return values


@dataclass(frozen=True)
class SubmissionContext:
    """What POST /needs reads before it writes: who is asking (None: the token is unknown or
    expired), their response stored under the Idempotency-Key, and the person's area (None:
    there is no such person)."""

    actor: Actor | None
    earlier: StoredResponse | None
    person_area: PersonArea | None


# `ACTOR_AND_STORED_RESPONSE` with the person's area and shift beside each row.
_SUBMISSION_CONTEXT = (
    ACTOR_AND_STORED_RESPONSE.add_columns(
        _PEOPLE.c.area_id.label("person_area_id"), _AREAS.c.shift_start, _AREAS.c.shift_end
    )
    .outerjoin(_PEOPLE, _PEOPLE.c.id == bindparam("person_id"))
    .outerjoin(_AREAS, _AREAS.c.id == _PEOPLE.c.area_id)
)


def submission_context(
    session: SessionOrConnection, digest: str, now: datetime, key: str | None, person_id: int
) -> SubmissionContext:
    """`actor_and_stored_response` and the person's area, in one round trip for the busiest
    write (checked in the same order as apart: the token, the key, then the person)."""
    rows = session.execute(
        _SUBMISSION_CONTEXT, {"digest": digest, "now": now, "key": key, "person_id": person_id}
    ).all()
    actor, earlier = actor_and_earlier_of_rows(rows)
    if actor is None or rows[0].person_area_id is None:
        return SubmissionContext(actor, earlier, None)
    first = rows[0]
    shift = checks.ShiftWindow(first.shift_start, first.shift_end)
    return SubmissionContext(actor, earlier, PersonArea(first.person_area_id, shift))


def create_need(session: Session, actor: Actor, fields: NeedFields) -> Need:
    """Add a recurring night call for a person in an area the actor reaches (see `add_need`)."""
    need = session.get(Need, add_need(session, actor, fields)["id"])
    assert need is not None
    return need


def get_need(session: Session, actor: Actor, need_id: int) -> Need:
    """One recurring need the actor reaches."""
    need: Need = _owned(session, actor, Need, need_id, "need")
    return need


def list_needs(
    session: Session,
    actor: Actor,
    *,
    person_id: int | None = None,
    area_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[Need]:
    """Recurring needs the actor reaches, of one person or one area if given, by id."""
    reachable = area_filter(actor)
    query = select(Need).join(Person, Person.id == Need.person_id).order_by(Need.id)
    if reachable is not None:
        query = query.where(Person.area_id.in_(reachable))
    if area_id is not None:
        require_area(actor, area_id, f"area {area_id}")
        query = query.where(Person.area_id == area_id)
    if person_id is not None:
        query = query.where(Need.person_id == person_id)
    return page_of(session, query, offset=offset, limit=limit)


def update_need(session: Session, actor: Actor, need_id: int, changes: Mapping[str, Any]) -> Need:
    """Change some of a need's fields (pause it, move its window, link it...)."""
    need = get_need(session, actor, need_id)
    before = snapshot(need)
    current = NeedFields(**{n: getattr(need, n) for n in NeedFields.__dataclass_fields__})
    merged = checks.merge_changes(current, changes)
    if merged.person_id != need.person_id:
        raise Invalid("a need cannot move to another person", "person_id")
    checked = _check_need(session, actor, merged, need.id)
    for name, value in checked.__dict__.items():
        setattr(need, name, value)
    session.flush()
    _audit(session, actor, "update", "need", need, before)
    return need


def delete_need(session: Session, actor: Actor, need_id: int) -> None:
    """Remove a need that no other need follows."""
    need = get_need(session, actor, need_id)
    follower = session.scalar(
        select(Need).where(Need.after_need_id == need_id).order_by(Need.id).limit(1)
    )
    if follower is not None:
        raise Conflict(f"{call_name(follower)} follows this call; remove that link first")
    before = snapshot(need)
    remove_pins_of_calls(session, actor, need_ids=[need_id])
    session.delete(need)
    session.flush()
    _audit(session, actor, "delete", "need", need, before)


# One-off calls


def _check_one_off(session: Session, actor: Actor, fields: OneOffFields) -> OneOffFields:
    person, area = _person_and_area(session, actor, fields.person_id)
    checks.ShiftWindow(area.shift_start, area.shift_end).check_call(
        fields.earliest, fields.latest, fields.minutes
    )
    require_night_in_care(person, fields.night)
    return OneOffFields(
        person_id=fields.person_id,
        night=fields.night,
        label=checks.text_required(fields.label, "label", 120),
        earliest=fields.earliest,
        latest=fields.latest,
        minutes=fields.minutes,
        priority=checks.priority(fields.priority),
        skills=checks.skills_list(fields.skills),
        note=fields.note or None,
    )


def create_one_off_call(session: Session, actor: Actor, fields: OneOffFields) -> OneOffCall:
    """Add a call for one night."""
    call = OneOffCall(**_check_one_off(session, actor, fields).__dict__)
    session.add(call)
    session.flush()
    _audit(session, actor, "create", "one_off_call", call, None)
    return call


def get_one_off_call(session: Session, actor: Actor, call_id: int) -> OneOffCall:
    """One one-off call the actor reaches."""
    call: OneOffCall = _owned(session, actor, OneOffCall, call_id, "one-off call")
    return call


def list_one_off_calls(
    session: Session,
    actor: Actor,
    *,
    person_id: int | None = None,
    area_id: int | None = None,
    night: date | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[OneOffCall]:
    """One-off calls the actor reaches, filtered by person, area or night, by night then id."""
    return _list_for_night(
        session,
        actor,
        OneOffCall,
        person_id=person_id,
        area_id=area_id,
        night=night,
        offset=offset,
        limit=limit,
    )


def update_one_off_call(
    session: Session, actor: Actor, call_id: int, changes: Mapping[str, Any]
) -> OneOffCall:
    """Change some of a one-off call's fields."""
    call = get_one_off_call(session, actor, call_id)
    before = snapshot(call)
    current = OneOffFields(**{n: getattr(call, n) for n in OneOffFields.__dataclass_fields__})
    merged = checks.merge_changes(current, changes)
    if merged.person_id != call.person_id:
        raise Invalid("a call cannot move to another person", "person_id")
    for name, value in _check_one_off(session, actor, merged).__dict__.items():
        setattr(call, name, value)
    session.flush()
    _audit(session, actor, "update", "one_off_call", call, before)
    return call


def delete_one_off_call(session: Session, actor: Actor, call_id: int) -> None:
    """Remove a one-off call."""
    call = get_one_off_call(session, actor, call_id)
    before = snapshot(call)
    remove_pins_of_calls(session, actor, one_off_call_ids=[call_id])
    session.delete(call)
    session.flush()
    _audit(session, actor, "delete", "one_off_call", call, before)


# Cancellations


def create_cancellation(session: Session, actor: Actor, fields: CancellationFields) -> Cancellation:
    """Cancel all of a person's calls on one night; one cancellation per person and night."""
    person, _area = _person_and_area(session, actor, fields.person_id)
    require_night_in_care(person, fields.night)
    reason = checks.text_required(fields.reason, "reason")
    taken_message = (
        f"{person.name} (person {person.id}) already has a cancellation on "
        f"{fields.night.isoformat()}"
    )
    taken = exists().where(
        Cancellation.person_id == fields.person_id, Cancellation.night == fields.night
    )
    if session.scalar(select(taken)):
        raise Conflict(taken_message, "night")
    cancellation = Cancellation(
        person_id=fields.person_id, night=fields.night, reason=reason, note=fields.note or None
    )
    # Another request may cancel the same night between our check and our insert.
    flush_unique(session, cancellation, taken_message, "night")
    _audit(session, actor, "create", "cancellation", cancellation, None)
    return cancellation


def get_cancellation(session: Session, actor: Actor, cancellation_id: int) -> Cancellation:
    """One cancellation the actor reaches."""
    found: Cancellation = _owned(session, actor, Cancellation, cancellation_id, "cancellation")
    return found


def list_cancellations(
    session: Session,
    actor: Actor,
    *,
    person_id: int | None = None,
    area_id: int | None = None,
    night: date | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[Cancellation]:
    """Cancellations the actor reaches, filtered by person, area or night, by night then id."""
    return _list_for_night(
        session,
        actor,
        Cancellation,
        person_id=person_id,
        area_id=area_id,
        night=night,
        offset=offset,
        limit=limit,
    )


def delete_cancellation(session: Session, actor: Actor, cancellation_id: int) -> None:
    """Withdraw a cancellation, so the person's calls that night count again."""
    cancellation = get_cancellation(session, actor, cancellation_id)
    before = snapshot(cancellation)
    session.delete(cancellation)
    session.flush()
    _audit(session, actor, "delete", "cancellation", cancellation, before)


def call_outside_shift(
    session: Session,
    window: checks.ShiftWindow,
    *,
    area_id: int | None = None,
    person_id: int | None = None,
    today: date | None = None,
) -> str | None:
    """The first stored need or coming one-off call (of an area or a person) that would not
    fit `window`, described for a coordinator; None when all fit. One-off calls count from
    the night before `today` (default: the real date), which may still be under way."""
    since = (today or date.today()) - timedelta(days=1)
    needs = select(Need, Person.name).join(Person, Person.id == Need.person_id).order_by(Need.id)
    one_offs = (
        select(OneOffCall, Person.name)
        .join(Person, Person.id == OneOffCall.person_id)
        .where(OneOffCall.night >= since)
        .order_by(OneOffCall.id)
    )
    if area_id is not None:
        needs = needs.where(Person.area_id == area_id)
        one_offs = one_offs.where(Person.area_id == area_id)
    if person_id is not None:
        needs = needs.where(Need.person_id == person_id)
        one_offs = one_offs.where(OneOffCall.person_id == person_id)
    calls: list[tuple[str, str, str, Need | OneOffCall]] = [
        *((name, "", f"need {n.id}", n) for n, name in session.execute(needs)),
        *(
            (name, f" on {c.night.isoformat()}", f"one-off call {c.id}", c)
            for c, name in session.execute(one_offs)
        ),
    ]
    for person, night, ref, call in calls:
        try:
            window.check_call(call.earliest, call.latest, call.minutes)
        except Invalid:
            return (
                f"{person}'s {_call_words(call.label, call.earliest, call.latest)}{night} "
                f"({ref}, {call.minutes} min) would not fit the shift "
                f"{window.start_text}–{window.end_text}"
            )
    return None


_NightRecord = TypeVar("_NightRecord", OneOffCall, Cancellation)


def _list_for_night(
    session: Session,
    actor: Actor,
    model: type[_NightRecord],
    *,
    person_id: int | None,
    area_id: int | None,
    night: date | None,
    offset: int,
    limit: int,
) -> Page[_NightRecord]:
    """One-off calls or cancellations the actor reaches, filtered, by night then id."""
    reachable = area_filter(actor)
    query = select(model).join(Person, Person.id == model.person_id).order_by(model.night, model.id)
    if reachable is not None:
        query = query.where(Person.area_id.in_(reachable))
    if area_id is not None:
        require_area(actor, area_id, f"area {area_id}")
        query = query.where(Person.area_id == area_id)
    if person_id is not None:
        query = query.where(model.person_id == person_id)
    if night is not None:
        query = query.where(model.night == night)
    return page_of(session, query, offset=offset, limit=limit)
