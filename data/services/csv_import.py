"""Import people and their recurring night calls from a CSV spreadsheet, all or nothing.

One row per call; the person's details are on the first row that names them (`person` is the
file's own reference for a person, so several rows can be one person's calls). Every row goes
through the same services and checks as the API (`create_person`, `create_need`) inside a
savepoint; when any row is wrong the savepoint is rolled back, so nothing is stored, and the
report lists every wrong row with its column and the reason. Only a file with no error is
kept, with one `import` audit event on the area besides the usual per-record events.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first person row 2.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.errors import DomainError, NotFound
from data.models import Area, Person
from data.services import checks
from data.services.access import Actor, require_area
from data.services.audit import record_event
from data.services.needs import NeedFields, add_need
from data.services.people import Geocoder, PersonFields, create_person

PERSON_COLUMNS = (
    "name",
    "address",
    "lat",
    "lon",
    "gender_request",
    "start_date",
    "end_date",
    "access_notes",
    "key_safe_code",
    "phone",
    "contact_name",
    "risk_notes",
)
NEED_COLUMNS = (
    "need",
    "label",
    "weekdays",
    "earliest",
    "latest",
    "minutes",
    "priority",
    "skills",
    "need_start_date",
    "need_end_date",
    "after_need",
    "min_gap_minutes",
    "max_gap_minutes",
    "paused",
)
COLUMNS = ("person", *PERSON_COLUMNS, *NEED_COLUMNS)
REQUIRED_COLUMNS = ("person", "name", "address", "start_date")
MOST_ROWS = 2000
MOST_BYTES = 2 * 1024 * 1024  # what the API and the page read of an upload
HEADER_ROW = 1

# The API's request limits (api/schemas), so a file cannot store what a form could not.
_LONGEST = {
    "access_notes": 2000,
    "key_safe_code": 40,
    "phone": 40,
    "contact_name": 200,
    "risk_notes": 4000,
    "need": 60,
}
_LONGEST_SKILL = 60
_MOST_SKILLS = 30
_MINUTES_PER_DAY = 24 * 60

_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for name in names
}
_EVERY_NIGHT = {"all", "daily", "every night", "every day", "nightly"}
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}

# How the services name their fields, in this file's columns (a call's dates are its own).
_NEED_FIELD_COLUMNS = {
    "person_id": "person",
    "start_date": "need_start_date",
    "end_date": "need_end_date",
    "after_need_id": "after_need",
}


@dataclass(frozen=True)
class RowError:
    """What is wrong on one row: the spreadsheet row number, the column, and why."""

    row: int
    column: str
    reason: str


@dataclass(frozen=True)
class ImportReport:
    """The outcome of one import: how many rows were read, and either the errors (nothing was
    stored) or the ids of the people and needs stored."""

    area_id: int
    rows: int
    errors: tuple[RowError, ...] = ()
    people: tuple[int, ...] = ()
    needs: tuple[int, ...] = ()

    @property
    def imported(self) -> bool:
        """Whether the file was stored (it had no error)."""
        return not self.errors


_Value = TypeVar("_Value")


class _Row:
    """One data row's cells, read column by column, collecting every error on the row."""

    def __init__(self, number: int, cells: Mapping[str, str]) -> None:
        self.number = number
        self.cells = cells
        self.errors: list[RowError] = []

    def fail(self, column: str, reason: str) -> None:
        self.errors.append(RowError(self.number, column, reason))

    def text(self, column: str) -> str | None:
        value = self.cells.get(column, "").strip()
        if not value:
            return None
        longest = _LONGEST.get(column)
        if longest is not None and len(value) > longest:
            self.fail(column, f"must be at most {longest} characters")
        return value

    def required(self, column: str) -> str:
        value = self.text(column)
        if value is None:
            self.fail(column, "must not be empty")
            return ""
        return value

    def parsed(
        self, column: str, parse: Callable[[str], _Value | None], expected: str
    ) -> _Value | None:
        value = self.text(column)
        if value is None:
            return None
        result = parse(value)
        if result is None:
            self.fail(column, f"{value!r} is not {expected}")
        return result

    def any_of(self, columns: tuple[str, ...]) -> bool:
        return any(self.cells.get(c, "").strip() for c in columns)


def _date(text: str) -> date | None:
    """A date as YYYY-MM-DD, or DD/MM/YYYY as UK spreadsheets write it."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _clock(text: str) -> str | None:
    """ "HH:MM", also read from "H:MM" and "HH:MM:SS" (spreadsheets add seconds)."""
    found = re.fullmatch(r"(\d{1,2}):(\d{2})(?::00)?", text)
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:
        return None
    return f"{int(found[1]):02d}:{found[2]}"


def _degrees(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _whole(low: int, high: int) -> Callable[[str], int | None]:
    def parse(text: str) -> int | None:
        if not re.fullmatch(r"\d+", text) or not low <= int(text) <= high:
            return None
        return int(text)

    return parse


def _weekdays(text: str) -> list[int] | None:
    """Weekday names (Mon, tuesday...) or numbers 0 (Monday) to 6, ranges like Mon-Fri, or
    "daily"; separated by spaces, commas or semicolons."""
    if text.strip().lower() in _EVERY_NIGHT:
        return list(range(7))
    days: set[int] = set()
    for token in re.split(r"[\s,;]+", text.strip().lower()):
        ends = token.split("-")
        numbers = [
            _WEEKDAYS.get(e, int(e) if e in "0123456" and len(e) == 1 else None) for e in ends
        ]
        if not token or len(ends) > 2 or any(n is None for n in numbers):
            return None
        first, last = numbers[0], numbers[-1]
        assert first is not None and last is not None
        days.update(
            range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
        )
    return sorted(days)


def _yes_no(text: str) -> bool | None:
    lowered = text.lower()
    return True if lowered in _YES else False if lowered in _NO else None


def _skills(row: _Row) -> list[str]:
    value = row.text("skills")
    if value is None:
        return []
    skills = [s.strip() for s in re.split(r"[;,]", value) if s.strip()]
    if len(skills) > _MOST_SKILLS:
        row.fail("skills", f"give at most {_MOST_SKILLS} skills")
    for skill in skills:
        if len(skill) > _LONGEST_SKILL:
            row.fail("skills", f"each skill must be at most {_LONGEST_SKILL} characters")
            break
    return skills


def _person_fields(row: _Row) -> PersonFields | None:
    """The person described on `row` (their first row), or None when a cell cannot be read."""
    errors_before = len(row.errors)
    name = row.required("name")
    address = row.required("address")
    start = row.parsed("start_date", _date, "a date (YYYY-MM-DD or DD/MM/YYYY)")
    if row.text("start_date") is None:
        row.fail("start_date", "must not be empty")
    gender = row.text("gender_request")
    if gender is not None and gender.upper() not in ("F", "M"):
        row.fail("gender_request", 'must be "F", "M" or empty')
    fields = PersonFields(
        name=name,
        address=address,
        start_date=start or date.min,
        lat=row.parsed("lat", _degrees, "a latitude in decimal degrees"),
        lon=row.parsed("lon", _degrees, "a longitude in decimal degrees"),
        gender_request=gender.upper() if gender is not None else None,
        access_notes=row.text("access_notes"),
        key_safe_code=row.text("key_safe_code"),
        phone=row.text("phone"),
        contact_name=row.text("contact_name"),
        risk_notes=row.text("risk_notes"),
        end_date=row.parsed("end_date", _date, "a date (YYYY-MM-DD or DD/MM/YYYY)"),
    )
    return fields if len(row.errors) == errors_before else None


@dataclass
class _NeedCells:
    """A call read from a row, before the services check it against the person's area."""

    label: str
    weekdays: list[int]
    earliest: str
    latest: str
    minutes: int
    priority: str
    skills: list[str]
    start_date: date | None
    end_date: date | None
    after: str | None
    min_gap: int | None
    max_gap: int | None
    paused: bool


def _need_cells(row: _Row) -> _NeedCells | None:
    """The call described on `row`, or None when a cell cannot be read."""
    errors_before = len(row.errors)
    label = row.required("label")
    weekdays_text = row.required("weekdays")
    weekdays = _weekdays(weekdays_text) if weekdays_text else []
    if weekdays is None:
        row.fail(
            "weekdays",
            f"{weekdays_text!r} is not a list of weekdays (like Mon Wed Fri, Mon-Fri or daily)",
        )
    clocks: dict[str, str] = {}
    for column in ("earliest", "latest"):
        text = row.required(column)
        clocks[column] = (_clock(text) or "") if text else ""
        if text and not clocks[column]:
            row.fail(column, f"{text!r} is not a clock time HH:MM")
    row.required("minutes")
    minutes = row.parsed("minutes", _whole(1, _MINUTES_PER_DAY), "a whole number of minutes")
    priority = (row.text("priority") or "standard").lower()
    skills = _skills(row)
    gaps = {
        column: row.parsed(column, _whole(0, _MINUTES_PER_DAY), "a whole number of minutes")
        for column in ("min_gap_minutes", "max_gap_minutes")
    }
    after = row.text("after_need")
    if after is None:
        for column in ("min_gap_minutes", "max_gap_minutes"):
            if row.text(column) is not None:
                row.fail(column, "only for a call that follows another: fill after_need too")
    paused = row.parsed("paused", _yes_no, "yes or no")
    cells = _NeedCells(
        label=label,
        weekdays=weekdays or [],
        earliest=clocks["earliest"],
        latest=clocks["latest"],
        minutes=minutes or 0,
        priority=priority,
        skills=skills,
        start_date=row.parsed("need_start_date", _date, "a date (YYYY-MM-DD or DD/MM/YYYY)"),
        end_date=row.parsed("need_end_date", _date, "a date (YYYY-MM-DD or DD/MM/YYYY)"),
        after=after,
        min_gap=gaps["min_gap_minutes"],
        max_gap=gaps["max_gap_minutes"],
        paused=bool(paused),
    )
    return cells if len(row.errors) == errors_before else None


def decode_csv(content: bytes) -> str:
    """The text of an uploaded file: UTF-8 (with or without the BOM spreadsheets write), else
    Windows-1252, which older spreadsheet programs use for "CSV"."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _read_rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """The data rows (spreadsheet number, cells by column) and the file's own errors."""
    if "\x00" in text:
        return [], [RowError(HEADER_ROW, "", "the file holds NUL characters: is it a CSV file?")]
    # Column names hold no separator, so the header line says which one the file uses
    # (spreadsheets set to some locales write semicolons).
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as error:
        return [], [RowError(reader.line_num, "", f"the file is not readable as CSV: {error}")]
    if not records or not any(cell.strip() for cell in records[0]):
        return [], [RowError(HEADER_ROW, "", "the file is empty: the first row must name columns")]
    header = [cell.strip().lower() for cell in records[0]]
    errors = [
        RowError(HEADER_ROW, name, f"is not a column of this import ({', '.join(COLUMNS)})")
        for name in header
        if name and name not in COLUMNS
    ]
    errors += [
        RowError(HEADER_ROW, name, "is a column the file must have")
        for name in REQUIRED_COLUMNS
        if name not in header
    ]
    errors += [
        RowError(HEADER_ROW, name, "appears twice in the header")
        for name in sorted({n for n in header if n and header.count(n) > 1})
    ]
    if len(records) - 1 > MOST_ROWS:
        errors.append(
            RowError(MOST_ROWS + 2, "", f"the file has more than {MOST_ROWS} rows; split it")
        )
    if errors:
        return [], errors
    rows = []
    for index, record in enumerate(records[1:], start=HEADER_ROW + 1):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header):
            errors.append(RowError(index, "", f"has {len(record)} cells, the header {len(header)}"))
            continue
        rows.append(
            (index, {name: cell for name, cell in zip(header, record, strict=False) if name})
        )
    return rows, errors


@dataclass
class _PersonSeen:
    """A person of the file: the row that describes them, and their calls so far by reference."""

    row: int
    cells: dict[str, str]
    person_id: int | None
    start_date: date | None
    needs: dict[str, tuple[int, int | None]] = field(default_factory=dict)


def _service_error(row: int, error: DomainError, names: Mapping[str, str]) -> RowError:
    field_name = error.field or "person"
    return RowError(row, names.get(field_name, field_name), error.detail)


def _stand_in(session: Session, area: Area, row: int, start: date | None) -> int:
    """A placeholder for a person whose row is wrong, so their calls can still be checked
    against the area's shift and rules in this same pass (the import is rolled back anyway,
    since the file has an error)."""
    person = Person(
        area_id=area.id,
        name=f"(row {row})",
        address="(row with errors)",
        lat=area.base_lat,
        lon=area.base_lon,
        start_date=start or area.start_date,
    )
    session.add(person)
    session.flush()
    return person.id


@dataclass(frozen=True)
class _StoredHome:
    """A person already stored in the area, as the report names them to the importer."""

    person_id: int
    name: str
    address: str

    def described(self) -> str:
        """Their name and address as stored, with the id for support staff."""
        return f"{self.name}, {self.address} (person {self.person_id})"


def _stored_homes(session: Session, area_id: int) -> dict[tuple[str, str], _StoredHome]:
    """(name, address) in lower case of the area's stored people, to those people.

    Only for an import the actor may make into `area_id` (`require_area`): whoever reaches
    the area reaches its people, so the report may name them.
    """
    return {
        (name.strip().lower(), address.strip().lower()): _StoredHome(person_id, name, address)
        for person_id, name, address in session.execute(
            select(Person.id, Person.name, Person.address).where(Person.area_id == area_id)
        )
    }


def import_people_and_needs(
    session: Session,
    actor: Actor,
    area_id: int,
    content: bytes,
    *,
    file_name: str = "",
    geocoder: Geocoder | None = None,
) -> ImportReport:
    """Check every row of a CSV file of people and their calls for `area_id` and, when every
    row is right, store them all (flushed; the caller commits). With any error nothing is
    stored and the report lists each wrong row, column and reason.

    Raises NotFound for an area the actor does not reach (Forbidden for a carer).
    """
    require_area(actor, area_id, f"area {area_id}")
    area = session.get(Area, area_id)
    if area is None:
        raise NotFound(f"area {area_id} not found")
    rows, errors = _read_rows(decode_csv(content))
    if errors:
        return ImportReport(area_id, rows=0, errors=tuple(errors))
    stored_homes = _stored_homes(session, area_id)
    # Every row's home is looked for among the areas; they are read once, not once a person.
    areas = session.scalars(select(Area).order_by(Area.id)).all()
    seen: dict[str, _PersonSeen] = {}
    people: list[int] = []
    needs: list[int] = []
    savepoint = session.begin_nested()
    for number, cells in rows:
        row = _Row(number, cells)
        _import_row(session, actor, area, row, seen, stored_homes, areas, geocoder, people, needs)
        errors.extend(row.errors)
    if errors:
        savepoint.rollback()
        return ImportReport(area_id, rows=len(rows), errors=tuple(errors))
    savepoint.commit()
    record_event(
        session,
        actor,
        action="import",
        entity="area",
        entity_id=area_id,
        after={"file": file_name[:200], "rows": len(rows), "people": people, "needs": needs},
    )
    session.flush()
    return ImportReport(area_id, rows=len(rows), people=tuple(people), needs=tuple(needs))


def _import_row(
    session: Session,
    actor: Actor,
    area: Area,
    row: _Row,
    seen: dict[str, _PersonSeen],
    stored_homes: Mapping[tuple[str, str], _StoredHome],
    areas: Sequence[Area],
    geocoder: Geocoder | None,
    people: list[int],
    needs: list[int],
) -> None:
    """Check and store one row: its person (on their first row) and its call, if any."""
    reference = row.required("person")
    if not reference:
        return
    person = seen.get(reference)
    if person is None:
        person = _first_row_of_person(
            session, actor, area, row, stored_homes, areas, geocoder, people
        )
        seen[reference] = person
    else:
        for column in PERSON_COLUMNS:
            value = row.cells.get(column, "").strip()
            if value and value != person.cells.get(column, "").strip():
                row.fail(
                    column,
                    f"differs from row {person.row}, where person {reference!r} is described; "
                    "leave it empty or repeat it",
                )
    if not row.any_of(NEED_COLUMNS):
        if person.row != row.number:
            row.fail("label", "describes no call: fill label, weekdays, earliest, latest, minutes")
        return
    _import_need(session, actor, area, row, person, needs)


def _first_row_of_person(
    session: Session,
    actor: Actor,
    area: Area,
    row: _Row,
    stored_homes: Mapping[tuple[str, str], _StoredHome],
    areas: Sequence[Area],
    geocoder: Geocoder | None,
    people: list[int],
) -> _PersonSeen:
    fields = _person_fields(row)
    cells = {c: row.cells.get(c, "") for c in PERSON_COLUMNS}
    start = fields.start_date if fields is not None else None
    if fields is None:
        return _PersonSeen(row.number, cells, None, start)
    stored = stored_homes.get((fields.name.strip().lower(), fields.address.strip().lower()))
    if stored is not None:
        row.fail("name", f"is already stored at this address: {stored.described()}")
        return _PersonSeen(row.number, cells, None, start)
    try:
        created = create_person(session, actor, fields, geocoder=geocoder, areas=areas)
    except DomainError as error:
        row.errors.append(_service_error(row.number, error, {}))
        return _PersonSeen(row.number, cells, None, start)
    if created.area_id != area.id:
        home_area = session.get(Area, created.area_id)
        row.fail(
            "lat" if fields.lat is not None else "address",
            f"this home lies in {home_area.name if home_area else 'another area'}, "
            f"not in {area.name}; import it there",
        )
    people.append(created.id)
    return _PersonSeen(row.number, cells, created.id, start)


def _import_need(
    session: Session,
    actor: Actor,
    area: Area,
    row: _Row,
    person: _PersonSeen,
    needs: list[int],
) -> None:
    """Check and store the call on `row` for `person` (a stand-in when their row is wrong)."""
    reference = row.text("need")
    if reference is not None and reference in person.needs:
        row.fail(
            "need",
            f"is already the reference of this person's call on row {person.needs[reference][0]}",
        )
    cells = _need_cells(row)
    after_id: int | None = None
    if cells is not None and cells.after is not None:
        earlier = person.needs.get(cells.after)
        if earlier is None:
            row.fail(
                "after_need",
                f"no earlier row gives this person a call with need {cells.after!r} "
                "(the call followed must be on an earlier row)",
            )
        elif earlier[1] is None:
            row.fail("after_need", f"the call it follows, on row {earlier[0]}, has errors")
        after_id = earlier[1] if earlier is not None else None
    need_id: int | None = None
    if cells is not None and (cells.after is None or after_id is not None):
        if person.person_id is None:
            person.person_id = _stand_in(session, area, person.row, person.start_date)
        start = cells.start_date or person.start_date or area.start_date
        fields = NeedFields(
            person_id=person.person_id,
            label=cells.label,
            weekdays=cells.weekdays,
            start_date=start,
            earliest=cells.earliest,
            latest=cells.latest,
            minutes=cells.minutes,
            priority=cells.priority,
            skills=cells.skills,
            end_date=cells.end_date,
            after_need_id=after_id,
            min_gap_minutes=cells.min_gap,
            max_gap_minutes=cells.max_gap,
            paused=cells.paused,
        )
        try:
            need_id = add_need(session, actor, fields)["id"]  # the id is all it needs
            needs.append(need_id)
        except DomainError as error:
            row.errors.append(_service_error(row.number, error, _NEED_FIELD_COLUMNS))
    if reference is not None and reference not in person.needs:
        person.needs[reference] = (row.number, need_id)


def example_file(area: Area) -> str:
    """A CSV file with every column and three rows that import cleanly into `area`: a person
    with two linked calls at the area's base, and a second person with a weekday call."""
    shift = checks.ShiftWindow(area.shift_start, area.shift_end)
    ninth = shift.length // 9  # an hour of a 22:00-07:00 night; windows scale with the shift

    def clock(ninths: float) -> str:
        at = (shift.start + round(ninths * ninth)) % checks.MINUTES_PER_DAY
        return f"{at // 60:02d}:{at % 60:02d}"

    start = max(area.start_date, date.today()).isoformat()
    rows = [
        {
            "person": "P1",
            "name": "Mrs Example One",
            "address": "1 Example Street",
            "lat": f"{area.base_lat:.5f}",
            "lon": f"{area.base_lon:.5f}",
            "gender_request": "F",
            "start_date": start,
            "phone": "01632 960001",
            "contact_name": "daughter, Sue",
            "need": "turn-1",
            "label": "reposition",
            "weekdays": "daily",
            "earliest": clock(1),
            "latest": clock(1.5),
            "minutes": "30",
            "priority": "critical",
        },
        {
            "person": "P1",
            "label": "reposition",
            "weekdays": "daily",
            "earliest": clock(4),
            "latest": clock(5),
            "minutes": "30",
            "after_need": "turn-1",
            "min_gap_minutes": str(round(2.5 * ninth)),
            "max_gap_minutes": str(4 * ninth),
        },
        {
            "person": "P2",
            "name": "Mr Example Two",
            "address": "2 Example Street",
            "lat": f"{area.base_lat:.5f}",
            "lon": f"{area.base_lon:.5f}",
            "start_date": start,
            "label": "evening medication",
            "weekdays": "Mon-Fri",
            "earliest": clock(0.5),
            "latest": clock(1),
            "minutes": "15",
            "skills": "medication",
        },
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
