"""Areas: boundaries checked with shapely, names unique, coordinators see only their own."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data.database import make_session_factory
from data.errors import Conflict, Forbidden, Invalid, NotFound
from data.models import Area, AuditEvent
from data.services.access import SYSTEM
from data.services.areas import create_area, get_area, list_areas, update_area
from tests.conftest import DATABASES, drop_database, new_database
from tests.data.factories import (
    a_need,
    a_person,
    an_area,
    area_fields,
    coordinator_of,
    square,
)


def test_a_boundary_that_is_not_a_polygon_is_refused(db_session: Session) -> None:
    """A GeoJSON Point is no boundary; the message names the field."""
    fields = area_fields(boundary={"type": "Point", "coordinates": [-2.9, 52.5]})
    with pytest.raises(Invalid) as refused:
        create_area(db_session, SYSTEM, fields)
    assert refused.value.field == "boundary"


def test_a_self_crossing_boundary_is_refused(db_session: Session) -> None:
    """A bow-tie polygon is invalid for shapely, and the message says why."""
    bow_tie = [[-3.0, 52.4], [-2.8, 52.6], [-2.8, 52.4], [-3.0, 52.6], [-3.0, 52.4]]
    fields = area_fields(boundary={"type": "Polygon", "coordinates": [bow_tie]})
    with pytest.raises(Invalid, match="not a valid shape") as refused:
        create_area(db_session, SYSTEM, fields)
    assert refused.value.field == "boundary"


def test_a_ring_that_does_not_end_where_it_starts_is_refused(db_session: Session) -> None:
    """Shapely would close the open square itself; GeoJSON needs it written closed, so it is
    refused naming the boundary. The closed square, and a MultiPolygon of it, are taken."""
    closed = [[-3.0, 52.4], [-2.8, 52.4], [-2.8, 52.6], [-3.0, 52.6], [-3.0, 52.4]]
    for boundary in (
        {"type": "Polygon", "coordinates": [closed[:-1]]},
        {"type": "MultiPolygon", "coordinates": [[closed[:-1]]]},
    ):
        with pytest.raises(Invalid, match="must end where it starts") as refused:
            create_area(db_session, SYSTEM, area_fields(boundary=boundary))
        assert refused.value.field == "boundary"
    an_area(db_session, boundary={"type": "Polygon", "coordinates": [closed]})
    east = [[lon + 0.2, lat] for lon, lat in closed]
    an_area(
        db_session,
        name="East",
        west=-2.8,
        boundary={"type": "MultiPolygon", "coordinates": [[east]]},
    )


def test_a_base_outside_the_boundary_is_refused(db_session: Session) -> None:
    """The crews' base must lie inside the area."""
    with pytest.raises(Invalid, match="inside") as refused:
        create_area(db_session, SYSTEM, area_fields(base_lon=-2.5))
    assert refused.value.field == "base_lat"


def test_an_unknown_timezone_is_refused(db_session: Session) -> None:
    """Timezones are IANA names."""
    with pytest.raises(Invalid) as refused:
        create_area(db_session, SYSTEM, area_fields(timezone="Shropshire/Hills"))
    assert refused.value.field == "timezone"


def test_two_areas_cannot_share_a_name(db_session: Session) -> None:
    """A second area called West is a conflict on the name."""
    an_area(db_session, name="West")
    with pytest.raises(Conflict) as refused:
        create_area(db_session, SYSTEM, area_fields(name="West", west=-2.8))
    assert refused.value.field == "name"


def test_a_coordinator_lists_and_reads_only_their_areas(db_session: Session) -> None:
    """Another area is missing for them (404), not forbidden, so it does not leak."""
    west = an_area(db_session, name="West")
    east = an_area(db_session, name="East", west=-2.8)
    actor = coordinator_of(west)
    page = list_areas(db_session, actor)
    assert [a.name for a in page.items] == ["West"] and page.total == 1
    assert get_area(db_session, actor, west.id) is west
    with pytest.raises(NotFound):
        get_area(db_session, actor, east.id)


def test_only_commissioners_create_or_change_areas(db_session: Session) -> None:
    """A coordinator may read their area but not change it."""
    west = an_area(db_session)
    actor = coordinator_of(west)
    with pytest.raises(Forbidden):
        create_area(db_session, actor, area_fields(name="North", west=-3.4))
    with pytest.raises(Forbidden):
        update_area(db_session, actor, west.id, {"crews_per_night": 3})


def test_changing_an_area_is_checked_whole_and_audited(db_session: Session) -> None:
    """A change is validated with the rest of the area and logged with before and after."""
    west = an_area(db_session)
    with pytest.raises(Invalid) as refused:
        update_area(db_session, SYSTEM, west.id, {"shift_end": "22:00"})
    assert refused.value.field == "shift_end"
    with pytest.raises(Invalid) as unknown:
        update_area(db_session, SYSTEM, west.id, {"colour": "red"})
    assert unknown.value.field == "colour"
    update_area(db_session, SYSTEM, west.id, {"crews_per_night": 3})
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "area", AuditEvent.action == "update")
    ).one()
    assert event.before is not None and event.after is not None
    assert (event.before["crews_per_night"], event.after["crews_per_night"]) == (2, 3)


def test_a_list_page_counts_all_rows(db_session: Session) -> None:
    """Pagination returns the asked slice and the total."""
    for i in range(3):
        an_area(db_session, name=f"Area {i}", west=-3.0 + 0.2 * i)
    page = list_areas(db_session, SYSTEM, offset=1, limit=1)
    assert [a.name for a in page.items] == ["Area 1"] and page.total == 3
    with pytest.raises(Invalid) as refused:
        list_areas(db_session, SYSTEM, limit=0)
    assert refused.value.field == "limit"


def test_area_fields_are_frozen() -> None:
    """Fields are values: changing one makes a new object."""
    fields = area_fields()
    assert replace(fields, name="X").name == "X" and fields.name == "West"


def test_a_shift_that_would_leave_a_stored_need_outside_is_refused(db_session: Session) -> None:
    """Moving the start to 23:30 would strand a 23:00 call: a conflict naming the call by
    whose it is, its window and label, with the need's id."""
    west = an_area(db_session)
    need = a_need(db_session, person=a_person(db_session))
    with pytest.raises(Conflict) as refused:
        update_area(db_session, SYSTEM, west.id, {"shift_start": "23:30"})
    assert refused.value.field == "shift_start"
    assert refused.value.detail == (
        f"Mr Evans's 23:00–23:30 reposition call (need {need.id}, 30 min) would not fit the "
        "shift 23:30–07:00; change it first"
    )
    update_area(db_session, SYSTEM, west.id, {"shift_start": "22:30"})


def test_a_boundary_that_would_leave_the_areas_people_outside_is_refused(
    db_session: Session,
) -> None:
    """Shrinking West to a box round its base would strand both its people: a conflict on the
    boundary naming the first and counting the rest; a smaller box that still holds both
    homes is taken, and the people stay in West."""
    west = an_area(db_session)
    evans = a_person(db_session, name="Mr Evans", lat=52.45, lon=-2.95)
    a_person(db_session, name="Mrs Hughes", lat=52.55, lon=-2.85)
    round_the_base = square(-2.92, 52.48, -2.88, 52.52)
    with pytest.raises(Conflict) as refused:
        update_area(db_session, SYSTEM, west.id, {"boundary": round_the_base})
    assert refused.value.field == "boundary"
    assert refused.value.detail == (
        f"Mr Evans (person {evans.id}) and 1 more would live outside the new boundary; "
        "move them to another area first"
    )
    assert get_area(db_session, SYSTEM, west.id).boundary == square(-3.0, 52.4, -2.8, 52.6)
    update_area(db_session, SYSTEM, west.id, {"boundary": square(-2.97, 52.42, -2.83, 52.58)})
    assert get_area(db_session, SYSTEM, west.id).boundary == square(-2.97, 52.42, -2.83, 52.58)


def test_publication_before_the_cut_off_is_refused(db_session: Session) -> None:
    """Publishing at 17:00 when needs close at 21:00 (or at the cut-off itself) would leave
    the evening's late needs out of the published plan: refused naming publish_time."""
    for cutoff in ("21:00", "17:00"):
        with pytest.raises(Invalid, match="later in the day than the cut-off") as refused:
            an_area(db_session, cutoff_time=cutoff, publish_time="17:00")
        assert refused.value.field == "publish_time"
    west = an_area(db_session)
    with pytest.raises(Invalid):
        update_area(db_session, SYSTEM, west.id, {"cutoff_time": "18:00"})
    update_area(db_session, SYSTEM, west.id, {"cutoff_time": "16:59"})
    assert get_area(db_session, SYSTEM, west.id).cutoff_time == "16:59"


def test_a_boundary_in_metres_rather_than_degrees_is_refused(db_session: Session) -> None:
    """Coordinates beyond ±180/±90 are not longitude and latitude."""
    ring = [[300000, 5800000], [310000, 5800000], [310000, 5810000], [300000, 5800000]]
    with pytest.raises(Invalid, match="degrees") as refused:
        create_area(
            db_session,
            SYSTEM,
            area_fields(boundary={"type": "Polygon", "coordinates": [ring]}),
        )
    assert refused.value.field == "boundary"


def test_a_base_address_is_kept_tidied_optional_and_bounded(db_session: Session) -> None:
    """Spaces around it go and an empty one is none; over 300 characters is refused naming
    the field; a change is audited like any other."""
    west = an_area(db_session, base_address="  Night base, Mill Lane, Wem ")
    assert west.base_address == "Night base, Mill Lane, Wem"
    assert an_area(db_session, name="East", west=-2.8, base_address=" ").base_address is None
    with pytest.raises(Invalid) as refused:
        update_area(db_session, SYSTEM, west.id, {"base_address": "x" * 301})
    assert refused.value.field == "base_address"
    update_area(db_session, SYSTEM, west.id, {"base_address": None})
    assert west.base_address is None
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "area", AuditEvent.action == "update")
    ).one()
    assert event.before is not None and event.after is not None
    assert (event.before["base_address"], event.after["base_address"]) == (
        "Night base, Mill Lane, Wem",
        None,
    )


def test_a_sliver_of_overlap_is_refused_in_square_metres(db_session: Session) -> None:
    """East's west edge pushed 0.000001° (7 cm) into West along its 22 km side: some
    1,500 m² in both, still refused on the boundary, measured in m²."""
    west = an_area(db_session)
    with pytest.raises(Conflict) as refused:
        an_area(db_session, name="East", west=-2.8, boundary=square(-2.800001, 52.4, -2.6, 52.6))
    assert refused.value.field == "boundary"
    assert refused.value.detail.startswith(
        f"this boundary overlaps West (area {west.id}) by about 15"
    )
    assert " m² around 52.5000, -2.8000 (lat, lon)" in refused.value.detail


@pytest.fixture(params=DATABASES)
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh database whose transactions really commit (no test-wide rollback)."""
    engine, _url = new_database(request.param, tmp_path)
    yield engine
    drop_database(engine)


def test_two_commissioners_drawing_overlapping_areas_at_once_get_one_area(
    fresh_engine: Engine,
) -> None:
    """West is drawn and not yet committed when East, overlapping it, is drawn in another
    transaction: East waits for West's commit, then sees it and is refused. (Under
    PostgreSQL's read committed both used to be stored, each blind to the other.)"""
    sessions = make_session_factory(fresh_engine)
    outcome: list[BaseException | Area] = []

    def draw_east() -> None:
        try:
            with sessions() as session, session.begin():
                outcome.append(create_area(session, SYSTEM, area_fields(name="East", west=-2.9)))
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            outcome.append(error)

    with sessions() as session, session.begin():
        create_area(session, SYSTEM, area_fields(name="West"))
        east = threading.Thread(target=draw_east)
        east.start()
        east.join(timeout=1.0)
        assert east.is_alive(), "East was checked before West was committed"
    east.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], Conflict), outcome
    assert outcome[0].field == "boundary"
    assert "overlaps West" in outcome[0].detail
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Area)) == 1
