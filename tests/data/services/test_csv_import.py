"""CSV import of people and their calls: the API's checks on every row, all or nothing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from data.demo_county import DEMO_AREAS
from data.errors import Forbidden, NotFound
from data.models import AuditEvent, Need, Person
from data.services.access import CARER, SYSTEM, Actor
from data.services.csv_import import (
    COLUMNS,
    ImportReport,
    RowError,
    example_file,
    import_people_and_needs,
)
from data.services.people import get_person
from tests.data.factories import a_person, an_area, coordinator_of

EXAMPLE = Path(__file__).parents[3] / "data" / "demo" / "people-and-needs.csv"
HEADER = ",".join(COLUMNS)


def csv_of(*rows: dict[str, str]) -> bytes:
    """A CSV file with every column, one line per row (cells not given are empty)."""
    lines = [HEADER]
    for row in rows:
        lines.append(",".join(_quoted(row.get(column, "")) for column in COLUMNS))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _quoted(cell: str) -> str:
    return f'"{cell}"' if "," in cell else cell


def person_row(person: str = "P1", **cells: str) -> dict[str, str]:
    """A person in West (lon -3.0..-2.8, lat 52.4..52.6) with a nightly 23:00 call."""
    values = {
        "person": person,
        "name": f"Person {person}",
        "address": f"{person} Mill Lane",
        "lat": "52.5",
        "lon": "-2.9",
        "start_date": "2026-12-01",
        "label": "reposition",
        "weekdays": "daily",
        "earliest": "23:00",
        "latest": "23:30",
        "minutes": "30",
    }
    values.update(cells)
    return values


def call_row(person: str = "P1", **cells: str) -> dict[str, str]:
    """A further call of a person described on an earlier row."""
    values = {
        "person": person,
        "label": "check",
        "weekdays": "Mon-Fri",
        "earliest": "02:00",
        "latest": "03:00",
        "minutes": "20",
    }
    values.update(cells)
    return values


def counts(session: Session) -> tuple[int, int, int]:
    """How many people, needs and audit events are stored."""
    return (
        session.scalar(select(func.count()).select_from(Person)) or 0,
        session.scalar(select(func.count()).select_from(Need)) or 0,
        session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
    )


def errors_of(report: ImportReport) -> set[tuple[int, str]]:
    """(row, column) of every error in the report."""
    return {(e.row, e.column) for e in report.errors}


def test_a_right_file_stores_every_person_and_call_with_their_links(db_session: Session) -> None:
    """Two people, three calls; the second call of P1 follows its first by 150-240 minutes."""
    west = an_area(db_session)
    content = csv_of(
        person_row("P1", need="turn-1", key_safe_code="4711", gender_request="f"),
        call_row("P1", after_need="turn-1", min_gap_minutes="150", max_gap_minutes="240"),
        person_row("P2", lat="52.45", weekdays="Mon Wed Fri", skills="medication; hoist"),
    )
    report = import_people_and_needs(
        db_session, coordinator_of(west), west.id, content, file_name="night.csv"
    )
    assert report.errors == ()
    assert report.imported and report.rows == 3
    assert len(report.people) == 2 and len(report.needs) == 3
    first = get_person(db_session, SYSTEM, report.people[0])
    assert (first.area_id, first.gender_request, first.key_safe_code) == (west.id, "F", "4711")
    needs = db_session.scalars(select(Need).where(Need.id.in_(report.needs))).all()
    by_id = {n.id: n for n in needs}
    follower = by_id[report.needs[1]]
    assert (follower.after_need_id, follower.min_gap_minutes, follower.max_gap_minutes) == (
        report.needs[0],
        150,
        240,
    )
    assert follower.weekdays == [0, 1, 2, 3, 4]
    assert by_id[report.needs[2]].skills == ["hoist", "medication"]
    assert by_id[report.needs[2]].weekdays == [0, 2, 4]
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "import", AuditEvent.entity == "area")
    ).one()
    assert event.entity_id == west.id
    assert event.after == {
        "file": "night.csv",
        "rows": 3,
        "people": list(report.people),
        "needs": list(report.needs),
    }


def test_one_wrong_row_stores_nothing_and_every_wrong_row_is_reported(
    db_session: Session,
) -> None:
    """Home outside every area, window outside the shift, a call running past the end of the
    shift, a link to a call no earlier row has, an unknown weekday: five rows, five errors,
    and not one person, need or audit event stored (not even from the right row)."""
    west = an_area(db_session)
    before = counts(db_session)
    content = csv_of(
        person_row("OK"),
        person_row("P2", lat="53.5"),
        person_row("P3", earliest="21:00"),
        person_row("P4", earliest="06:00", latest="06:45", minutes="30"),
        person_row("P5", after_need="nothing", min_gap_minutes="60", max_gap_minutes="90"),
        person_row("P6", weekdays="Mon Funday"),
    )
    report = import_people_and_needs(db_session, coordinator_of(west), west.id, content)
    assert not report.imported
    assert report.people == () and report.needs == ()
    assert errors_of(report) == {
        (3, "lat"),
        (4, "earliest"),
        (5, "minutes"),
        (6, "after_need"),
        (7, "weekdays"),
    }
    reasons = {e.row: e.reason for e in report.errors}
    assert "outside every contract area" in reasons[3]
    assert "22:00-07:00" in reasons[4]
    assert "past the end of the shift" in reasons[5]
    assert "'Mon Funday' is not a list of weekdays" in reasons[7]
    assert counts(db_session) == before


def test_the_calls_of_a_wrong_person_are_still_checked_against_the_area(
    db_session: Session,
) -> None:
    """A person row with no name and a window outside the shift reports both, so one round of
    corrections is enough; nothing is stored (not the stand-in used for checking either)."""
    west = an_area(db_session)
    before = counts(db_session)
    content = csv_of(person_row("P1", name="", latest="07:30"), call_row("P1", minutes="0"))
    report = import_people_and_needs(db_session, coordinator_of(west), west.id, content)
    assert errors_of(report) == {(2, "name"), (2, "latest"), (3, "minutes")}
    assert counts(db_session) == before


def test_a_home_in_another_area_is_refused_for_this_one(db_session: Session) -> None:
    """A commissioner importing into West a home that lies in East is told where it lies."""
    west = an_area(db_session)
    an_area(db_session, name="East", west=-2.8)
    report = import_people_and_needs(db_session, SYSTEM, west.id, csv_of(person_row(lon="-2.7")))
    assert report.errors == (
        RowError(2, "lat", "this home lies in East, not in West; import it there"),
    )


def test_the_areas_are_read_once_an_import_however_many_people_it_adds(
    db_session: Session,
) -> None:
    """Finding each home's area looks through the areas read at the start, not a query per
    person: a file of five people reads the areas table as often as a file of one."""
    west = an_area(db_session)
    an_area(db_session, name="East", west=-2.8)

    def area_reads(content: bytes) -> int:
        statements: list[str] = []

        def seen(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
            statements.append(statement)

        connection = db_session.connection()
        event.listen(connection, "before_cursor_execute", seen)
        try:
            report = import_people_and_needs(db_session, SYSTEM, west.id, content)
        finally:
            event.remove(connection, "before_cursor_execute", seen)
        assert report.imported
        return sum(1 for s in statements if re.search(r"\bFROM areas\b", s))

    one = area_reads(csv_of(person_row("P1")))
    five = area_reads(csv_of(*(person_row(f"Q{n}", lat=f"52.4{n}") for n in range(1, 6))))
    assert five == one


def test_a_coordinator_cannot_import_into_another_area(db_session: Session) -> None:
    """Another area is not found; a carer may not import at all."""
    west = an_area(db_session)
    east = an_area(db_session, name="East", west=-2.8)
    with pytest.raises(NotFound):
        import_people_and_needs(db_session, coordinator_of(east), west.id, csv_of(person_row()))
    with pytest.raises(Forbidden):
        import_people_and_needs(
            db_session, Actor(user_id=None, role=CARER, carer_id=1), west.id, csv_of(person_row())
        )


def test_the_header_must_name_known_columns_and_the_required_ones(db_session: Session) -> None:
    """A misspelt column and a missing one are reported on row 1, before any row is read."""
    west = an_area(db_session)
    content = b"person,name,adress,start_date\nP1,Mrs A,1 Lane,2026-12-01\n"
    report = import_people_and_needs(db_session, SYSTEM, west.id, content)
    assert errors_of(report) == {(1, "adress"), (1, "address")}
    assert report.rows == 0


def test_an_empty_file_is_refused(db_session: Session) -> None:
    """No header, no import."""
    west = an_area(db_session)
    report = import_people_and_needs(db_session, SYSTEM, west.id, b"")
    assert errors_of(report) == {(1, "")}


def test_someone_already_stored_at_the_same_address_is_not_added_twice(
    db_session: Session,
) -> None:
    """Importing the same file twice would double everyone's calls: the second time is
    refused, naming the stored person as stored (name and address, spelt as the area's
    coordinator entered them) for the coordinator importing into their area; another
    area's coordinator cannot import there, so never sees that name."""
    west = an_area(db_session)
    east = an_area(db_session, name="East", west=-2.8)
    stored = a_person(db_session, name="Person P1", address="P1 Mill Lane")
    content = csv_of(person_row("P1", name="PERSON p1", address="p1 mill lane"))
    report = import_people_and_needs(db_session, coordinator_of(west), west.id, content)
    assert report.errors == (
        RowError(
            2,
            "name",
            f"is already stored at this address: Person P1, P1 Mill Lane (person {stored.id})",
        ),
    )
    with pytest.raises(NotFound):
        import_people_and_needs(db_session, coordinator_of(east), west.id, content)


def test_a_later_row_may_not_describe_the_person_differently(db_session: Session) -> None:
    """Person columns on a later row are either empty or the same as on the first row."""
    west = an_area(db_session)
    content = csv_of(
        person_row("P1"), call_row("P1", name="Person P1"), call_row("P1", lat="52.41")
    )
    report = import_people_and_needs(db_session, SYSTEM, west.id, content)
    assert errors_of(report) == {(4, "lat")}
    assert "differs from row 2" in report.errors[0].reason


def test_a_call_cannot_follow_a_call_of_a_later_row_or_a_wrong_one(db_session: Session) -> None:
    """The call followed must be on an earlier row, and right; gaps need an after_need."""
    west = an_area(db_session)
    content = csv_of(
        person_row("P1", need="a", minutes="x"),
        call_row("P1", need="b", after_need="a", min_gap_minutes="60", max_gap_minutes="90"),
        call_row("P1", after_need="c", min_gap_minutes="60", max_gap_minutes="90"),
        call_row("P1", need="c", min_gap_minutes="10"),
        call_row("P1", need="b"),
    )
    report = import_people_and_needs(db_session, SYSTEM, west.id, content)
    assert errors_of(report) == {
        (2, "minutes"),
        (3, "after_need"),
        (4, "after_need"),
        (5, "min_gap_minutes"),
        (6, "need"),
    }
    reasons = {(e.row, e.column): e.reason for e in report.errors}
    assert reasons[(3, "after_need")] == "the call it follows, on row 2, has errors"


def test_a_link_without_its_gaps_gets_the_services_message(db_session: Session) -> None:
    """The need service's own check names min_gap_minutes; the column is the same."""
    west = an_area(db_session)
    content = csv_of(person_row("P1", need="a"), call_row("P1", after_need="a"))
    report = import_people_and_needs(db_session, SYSTEM, west.id, content)
    assert errors_of(report) == {(3, "min_gap_minutes")}


def test_a_call_ending_before_the_person_starts_names_the_calls_own_column(
    db_session: Session,
) -> None:
    """The service says end_date; for a call that is need_end_date in the file."""
    west = an_area(db_session)
    content = csv_of(person_row("P1", need_end_date="2026-11-01"))
    report = import_people_and_needs(db_session, SYSTEM, west.id, content)
    assert errors_of(report) == {(2, "need_end_date")}


def test_semicolons_windows_1252_and_uk_dates_are_read(db_session: Session) -> None:
    """A file as an older spreadsheet program writes it: semicolons, cp1252, DD/MM/YYYY,
    clock times with seconds, a person with no calls."""
    west = an_area(db_session)
    content = (
        "person;name;address;lat;lon;start_date;label;weekdays;earliest;latest;minutes\r\n"
        "P1;Mrs Zoë Bryn;1 Café Row;52,5;-2.9;01/12/2026;;;;;\r\n"
        "P2;Mr Wyn;2 Mill Lane;52.5;-2.9;01/12/2026;settle;Tue;23:00:00;0:30;15\r\n"
    ).encode("cp1252")
    report = import_people_and_needs(db_session, SYSTEM, west.id, content)
    assert errors_of(report) == {(2, "lat")}  # "52,5" is not a decimal number here
    fixed = content.replace(b"52,5", b"52.5")
    report = import_people_and_needs(db_session, SYSTEM, west.id, fixed)
    assert report.imported and len(report.people) == 2 and len(report.needs) == 1
    zoe = get_person(db_session, SYSTEM, report.people[0])
    assert (zoe.name, zoe.address, zoe.start_date.isoformat()) == (
        "Mrs Zoë Bryn",
        "1 Café Row",
        "2026-12-01",
    )
    need = db_session.get(Need, report.needs[0])
    assert need is not None and (need.earliest, need.latest, need.weekdays) == (
        "23:00",
        "00:30",
        [1],
    )


def test_the_example_file_imports_into_the_demo_north_shropshire(db_session: Session) -> None:
    """data/demo/people-and-needs.csv is right as it stands."""
    spec = DEMO_AREAS[0]
    north = an_area(
        db_session, name=spec.name, boundary=spec.geojson(), base_lat=52.8553, base_lon=-2.7254
    )
    report = import_people_and_needs(
        db_session, coordinator_of(north), north.id, EXAMPLE.read_bytes()
    )
    assert report.errors == ()
    assert (len(report.people), len(report.needs)) == (3, 5)


@pytest.mark.parametrize(
    ("start", "end"), [("22:00", "07:00"), ("20:00", "08:00"), ("23:00", "03:00")]
)
def test_the_example_file_of_an_area_imports_into_it(
    db_session: Session, start: str, end: str
) -> None:
    """The downloadable example has every column and imports cleanly, whatever the shift."""
    west = an_area(db_session, shift_start=start, shift_end=end)
    content = example_file(west)
    assert content.splitlines()[0] == HEADER
    report = import_people_and_needs(db_session, coordinator_of(west), west.id, content.encode())
    assert report.errors == ()
    assert (len(report.people), len(report.needs)) == (2, 3)


def test_a_phone_and_who_answers_it_are_imported_and_a_bad_phone_reported_on_its_row(
    db_session: Session,
) -> None:
    """Optional columns: P1's phone and contact are stored; P2's phone with too few digits is
    the phone check's message on row 3, column phone, and then nothing is stored."""
    west = an_area(db_session)
    before = counts(db_session)
    refused = import_people_and_needs(
        db_session,
        coordinator_of(west),
        west.id,
        csv_of(
            person_row("P1", phone="01632 960001", contact_name="daughter, Sue"),
            person_row("P2", phone="960 01"),
        ),
    )
    assert [(e.row, e.column) for e in refused.errors] == [(3, "phone")]
    assert refused.errors[0].reason == "a phone number has 7 to 20 digits; this one has 5"
    assert counts(db_session) == before
    report = import_people_and_needs(
        db_session,
        coordinator_of(west),
        west.id,
        csv_of(person_row("P1", phone=" 01632  960001", contact_name="daughter, Sue")),
    )
    assert report.imported and report.errors == ()
    person = get_person(db_session, SYSTEM, report.people[0])
    assert (person.phone, person.contact_name) == ("01632 960001", "daughter, Sue")


def test_a_file_without_the_phone_columns_still_imports(db_session: Session) -> None:
    """The phone columns are optional in the header too: an older file reads as before."""
    west = an_area(db_session)
    columns = [c for c in COLUMNS if c not in ("phone", "contact_name")]
    row = person_row("P1")
    content = ",".join(columns) + "\n" + ",".join(row.get(c, "") for c in columns) + "\n"
    report = import_people_and_needs(
        db_session, coordinator_of(west), west.id, content.encode("utf-8")
    )
    assert report.imported and report.errors == ()
    assert get_person(db_session, SYSTEM, report.people[0]).phone is None
