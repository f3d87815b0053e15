"""The rota: a standing weekly pattern of crews, and changes for a given night.

A crew is two different carers of the area. On any night a carer is in at most one crew: the
pattern is checked against the pattern of the same weekday, a night's change against the crews
that night actually has (the pattern with that night's other changes applied).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.errors import Conflict, Invalid, NotFound
from data.models import Area, Carer, RotaChange, RotaCrew
from data.services.access import Actor, require_area
from data.services.audit import record_event, snapshot
from data.services.uniqueness import flush_unique

WEEKDAY_NAMES = (
    "Mondays",
    "Tuesdays",
    "Wednesdays",
    "Thursdays",
    "Fridays",
    "Saturdays",
    "Sundays",
)


@dataclass(frozen=True)
class NightCrew:
    """Crew `crew_number` on one night: its two carers, or None when the crew is off.

    `source` says where it comes from: "pattern", "change" (a change for the night), or
    "none" (no pattern for the weekday and no change).
    """

    crew_number: int
    carer_a_id: int | None
    carer_b_id: int | None
    source: str

    @property
    def on(self) -> bool:
        """Whether the crew works this night."""
        return self.carer_a_id is not None and self.carer_b_id is not None


def resolve_crews(session: Session, area: Area, night: date) -> list[NightCrew]:
    """The area's crews on `night`, crew 1 first (two queries, no access check)."""
    pattern = {
        row.crew_number: row
        for row in session.scalars(
            select(RotaCrew).where(RotaCrew.area_id == area.id, RotaCrew.weekday == night.weekday())
        )
    }
    changes = {
        row.crew_number: row
        for row in session.scalars(
            select(RotaChange).where(RotaChange.area_id == area.id, RotaChange.night == night)
        )
    }
    return _night_crews(pattern, changes, area.crews_per_night)


def _night_crews(
    pattern: Mapping[int, RotaCrew], changes: Mapping[int, RotaChange], crews_per_night: int
) -> list[NightCrew]:
    """Crews 1..`crews_per_night` of a night from its weekday's pattern and its changes, each
    by crew number: a change wins over the pattern."""
    crews = []
    for number in range(1, crews_per_night + 1):
        if number in changes:
            change = changes[number]
            crews.append(NightCrew(number, change.carer_a_id, change.carer_b_id, "change"))
        elif number in pattern:
            row = pattern[number]
            crews.append(NightCrew(number, row.carer_a_id, row.carer_b_id, "pattern"))
        else:
            crews.append(NightCrew(number, None, None, "none"))
    return crews


def _area(session: Session, actor: Actor, area_id: int) -> Area:
    require_area(actor, area_id, f"area {area_id}")
    area = session.get(Area, area_id)
    if area is None:
        raise NotFound(f"area {area_id} not found")
    return area


def _check_crew(
    session: Session, area: Area, crew_number: int, carer_a_id: int, carer_b_id: int
) -> None:
    if not isinstance(crew_number, int) or not 1 <= crew_number <= area.crews_per_night:
        raise Invalid(
            f"must be from 1 to {area.crews_per_night} (the area's crews per night)",
            "crew_number",
        )
    if carer_a_id == carer_b_id:
        raise Invalid("a crew needs two different carers, not the same carer twice", "carer_b_id")
    for field, carer_id in (("carer_a_id", carer_a_id), ("carer_b_id", carer_b_id)):
        carer = session.get(Carer, carer_id)
        if carer is None or carer.area_id != area.id:
            raise Invalid(f"there is no carer {carer_id} in this area", field)
        if not carer.active:
            raise Invalid(f"carer {carer_id} ({carer.name}) is not active", field)


def _refuse_double_booking(
    others: Sequence[tuple[int, int | None, int | None]],
    carer_a_id: int,
    carer_b_id: int,
    when: str,
) -> None:
    for number, a, b in others:
        for field, carer_id in (("carer_a_id", carer_a_id), ("carer_b_id", carer_b_id)):
            if carer_id in (a, b):
                raise Conflict(f"carer {carer_id} is already in crew {number} {when}", field)


def _refuse_double_booking_on_changed_nights(
    session: Session,
    area: Area,
    weekday: int,
    crew_number: int,
    pattern_others: Sequence[tuple[int, int | None, int | None]],
    carer_a_id: int,
    carer_b_id: int,
) -> None:
    """A pattern change must not double-book a carer on a coming night that has changes."""
    # From yesterday in the area, so the night under way counts too.
    since = datetime.now(ZoneInfo(area.timezone)).date() - timedelta(days=1)
    changes: dict[date, dict[int, RotaChange]] = {}
    for change in session.scalars(
        select(RotaChange).where(RotaChange.area_id == area.id, RotaChange.night >= since)
    ):
        if change.night.weekday() == weekday:
            changes.setdefault(change.night, {})[change.crew_number] = change
    for night, changed in sorted(changes.items()):
        if crew_number in changed:
            continue  # that night the crew is the change's, not the pattern's
        others = [
            (n, changed[n].carer_a_id, changed[n].carer_b_id) if n in changed else (n, a, b)
            for n, a, b in pattern_others
        ]
        others += [
            (n, c.carer_a_id, c.carer_b_id)
            for n, c in changed.items()
            if n not in {o[0] for o in pattern_others}
        ]
        _refuse_double_booking(others, carer_a_id, carer_b_id, f"on {night.isoformat()}")


def double_booking_with_crews(session: Session, area: Area, crews_per_night: int) -> str | None:
    """The first coming night with changes (from yesterday in the area, so the night under
    way counts) on which `crews_per_night` crews would put a carer in two crews, described for
    a coordinator; None when there is none.

    More crews a night bring back pattern crews that were beyond the old number, and a night's
    change may have put one of their carers into another crew meanwhile.
    """
    since = datetime.now(ZoneInfo(area.timezone)).date() - timedelta(days=1)
    patterns: dict[int, dict[int, RotaCrew]] = {}
    for row in session.scalars(select(RotaCrew).where(RotaCrew.area_id == area.id)):
        patterns.setdefault(row.weekday, {})[row.crew_number] = row
    changes: dict[date, dict[int, RotaChange]] = {}
    for change in session.scalars(
        select(RotaChange).where(RotaChange.area_id == area.id, RotaChange.night >= since)
    ):
        changes.setdefault(change.night, {})[change.crew_number] = change
    for night, changed in sorted(changes.items()):
        crew_of: dict[int, int] = {}
        for crew in _night_crews(patterns.get(night.weekday(), {}), changed, crews_per_night):
            for carer_id in (crew.carer_a_id, crew.carer_b_id):
                if carer_id is None:
                    continue
                if carer_id in crew_of:
                    return (
                        f"carer {carer_id} would be in crews {crew_of[carer_id]} and "
                        f"{crew.crew_number} on {night.isoformat()}"
                    )
                crew_of[carer_id] = crew.crew_number
    return None


def set_rota_crew(
    session: Session,
    actor: Actor,
    area_id: int,
    *,
    weekday: int,
    crew_number: int,
    carer_a_id: int,
    carer_b_id: int,
) -> RotaCrew:
    """Put two carers in crew `crew_number` on every `weekday` (0 Monday .. 6 Sunday)."""
    area = _area(session, actor, area_id)
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise Invalid("must be 0 (Monday) to 6 (Sunday)", "weekday")
    _check_crew(session, area, crew_number, carer_a_id, carer_b_id)
    rows = session.scalars(
        select(RotaCrew).where(RotaCrew.area_id == area_id, RotaCrew.weekday == weekday)
    ).all()
    others = [
        (r.crew_number, r.carer_a_id, r.carer_b_id) for r in rows if r.crew_number != crew_number
    ]
    _refuse_double_booking(others, carer_a_id, carer_b_id, f"on {WEEKDAY_NAMES[weekday]}")
    _refuse_double_booking_on_changed_nights(
        session, area, weekday, crew_number, others, carer_a_id, carer_b_id
    )
    row = next((r for r in rows if r.crew_number == crew_number), None)
    before = snapshot(row) if row is not None else None
    if row is None:
        row = RotaCrew(
            area_id=area_id,
            weekday=weekday,
            crew_number=crew_number,
            carer_a_id=carer_a_id,
            carer_b_id=carer_b_id,
        )
    else:
        row.carer_a_id, row.carer_b_id = carer_a_id, carer_b_id
    flush_unique(session, row, f"crew {crew_number} on {WEEKDAY_NAMES[weekday]} was just set")
    record_event(
        session,
        actor,
        action="create" if before is None else "update",
        entity="rota",
        entity_id=row.id,
        before=before,
        after=snapshot(row),
    )
    return row


def remove_rota_crew(
    session: Session, actor: Actor, area_id: int, *, weekday: int, crew_number: int
) -> None:
    """Take crew `crew_number` off the standing pattern for `weekday`."""
    _area(session, actor, area_id)
    row = session.scalars(
        select(RotaCrew).where(
            RotaCrew.area_id == area_id,
            RotaCrew.weekday == weekday,
            RotaCrew.crew_number == crew_number,
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"no crew {crew_number} on weekday {weekday} in area {area_id}")
    before = snapshot(row)
    session.delete(row)
    session.flush()
    record_event(
        session, actor, action="delete", entity="rota", entity_id=before["id"], before=before
    )


def list_rota(session: Session, actor: Actor, area_id: int) -> list[RotaCrew]:
    """The area's standing pattern, by weekday then crew."""
    _area(session, actor, area_id)
    return list(
        session.scalars(
            select(RotaCrew)
            .where(RotaCrew.area_id == area_id)
            .order_by(RotaCrew.weekday, RotaCrew.crew_number)
        )
    )


def set_rota_change(
    session: Session,
    actor: Actor,
    area_id: int,
    *,
    night: date,
    crew_number: int,
    carer_a_id: int | None,
    carer_b_id: int | None,
    note: str | None = None,
) -> RotaChange:
    """Change crew `crew_number` for one night; both carers None stands the crew down."""
    area = _area(session, actor, area_id)
    if (carer_a_id is None) != (carer_b_id is None):
        raise Invalid(
            "a crew needs two carers; leave both empty to stand the crew down",
            "carer_b_id" if carer_b_id is None else "carer_a_id",
        )
    if carer_a_id is not None and carer_b_id is not None:
        _check_crew(session, area, crew_number, carer_a_id, carer_b_id)
        others = [
            (c.crew_number, c.carer_a_id, c.carer_b_id)
            for c in resolve_crews(session, area, night)
            if c.crew_number != crew_number
        ]
        _refuse_double_booking(others, carer_a_id, carer_b_id, f"on {night.isoformat()}")
    elif not 1 <= crew_number <= area.crews_per_night:
        raise Invalid(f"must be from 1 to {area.crews_per_night}", "crew_number")
    row = session.scalars(
        select(RotaChange).where(
            RotaChange.area_id == area_id,
            RotaChange.night == night,
            RotaChange.crew_number == crew_number,
        )
    ).one_or_none()
    before = snapshot(row) if row is not None else None
    if row is None:
        row = RotaChange(area_id=area_id, night=night, crew_number=crew_number)
    row.carer_a_id, row.carer_b_id, row.note = carer_a_id, carer_b_id, note
    flush_unique(session, row, f"crew {crew_number} on {night.isoformat()} was just changed")
    record_event(
        session,
        actor,
        action="create" if before is None else "update",
        entity="rota_change",
        entity_id=row.id,
        before=before,
        after=snapshot(row),
    )
    return row


def _refuse_pattern_double_booking(
    session: Session, area: Area, night: date, crew_number: int
) -> None:
    """Crew `crew_number`'s weekly pattern must not come back on `night` with a carer who is in
    another crew that night (a swap made by changing two crews, undone for one of them)."""
    pattern = session.scalars(
        select(RotaCrew).where(
            RotaCrew.area_id == area.id,
            RotaCrew.weekday == night.weekday(),
            RotaCrew.crew_number == crew_number,
        )
    ).one_or_none()
    if pattern is None:
        return
    for other in resolve_crews(session, area, night):
        if other.crew_number == crew_number:
            continue
        for carer_id in (pattern.carer_a_id, pattern.carer_b_id):
            if carer_id in (other.carer_a_id, other.carer_b_id):
                raise Conflict(
                    f"without this change crew {crew_number} would be its weekly pattern, with "
                    f"carer {carer_id}, who is in crew {other.crew_number} on "
                    f"{night.isoformat()}; change crew {other.crew_number} first"
                )


def remove_rota_change(
    session: Session, actor: Actor, area_id: int, *, night: date, crew_number: int
) -> None:
    """Drop a night's change, so the standing pattern applies again; refused (Conflict) when
    the pattern's carers are in another crew that night."""
    area = _area(session, actor, area_id)
    row = session.scalars(
        select(RotaChange).where(
            RotaChange.area_id == area_id,
            RotaChange.night == night,
            RotaChange.crew_number == crew_number,
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"no change for crew {crew_number} on {night.isoformat()}")
    _refuse_pattern_double_booking(session, area, night, crew_number)
    before = snapshot(row)
    session.delete(row)
    session.flush()
    record_event(
        session, actor, action="delete", entity="rota_change", entity_id=before["id"], before=before
    )


def list_rota_changes(
    session: Session, actor: Actor, area_id: int, *, start: date, end: date
) -> list[RotaChange]:
    """The area's night changes from `start` to `end` inclusive, by night then crew."""
    _area(session, actor, area_id)
    return list(
        session.scalars(
            select(RotaChange)
            .where(
                RotaChange.area_id == area_id, RotaChange.night >= start, RotaChange.night <= end
            )
            .order_by(RotaChange.night, RotaChange.crew_number)
        )
    )


def crews_on_night(session: Session, actor: Actor, area_id: int, night: date) -> list[NightCrew]:
    """The crews an area actually has on `night`: the pattern with that night's changes."""
    return resolve_crews(session, _area(session, actor, area_id), night)
