"""Tests for reading and writing night problem files."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from routing.model import Priority
from routing.problem_file import ProblemFileError, problem_to_json, read_problem
from routing.travel import TravelSettings

EXAMPLES = Path("/work/shared/formats/examples")


def small_problem() -> dict[str, Any]:
    """A valid two-crew, three-call night (the spec's own example, plus a second crew)."""
    return {
        "format": "nightcare-problem/1",
        "name": "north-2026-12-01",
        "night": "2026-12-01",
        "timezone": "Europe/London",
        "shift": {"start": "22:00", "end": "07:00"},
        "base": {"lat": 52.8587, "lon": -3.0538},
        "travel": {"speed_kmh": 48, "circuity": 1.3, "stop_minutes": 3},
        "crews": [
            {
                "id": "car-1",
                "carers": [
                    {"id": "k-anne", "gender": "F", "skills": ["medication", "catheter"]},
                    {"id": "k-beth", "gender": "F", "skills": []},
                ],
                "break": {"minutes": 30, "earliest": "01:00", "latest": "04:00"},
            },
            {
                "id": "car-2",
                "carers": [
                    {"id": "k-carl", "gender": "M", "skills": ["hoist"]},
                    {"id": "k-dina", "gender": "F"},
                ],
                "shift": {"start": "23:00", "end": "05:00"},
                "start": {"lat": 52.9, "lon": -3.1},
                "end": {"lat": 52.8587, "lon": -3.0538},
                "capacity": 8,
            },
        ],
        "calls": [
            {
                "id": "v-17a",
                "client": "p-17",
                "lat": 52.861,
                "lon": -3.041,
                "earliest": "23:00",
                "latest": "23:30",
                "minutes": 30,
                "priority": "critical",
                "skills": ["medication"],
                "gender": "F",
            },
            {
                "id": "v-17b",
                "client": "p-17",
                "lat": 52.861,
                "lon": -3.041,
                "earliest": "02:00",
                "latest": "03:00",
                "minutes": 20,
                "after": {"call": "v-17a", "min_minutes": 150, "max_minutes": 240},
            },
            {
                "id": "v-18a",
                "client": "p-18",
                "lat": 52.87,
                "lon": -3.02,
                "earliest": "05:30",
                "latest": "06:00",
                "minutes": 15,
                "priority": "optional",
                "demand": 2,
            },
        ],
    }


def read_error(change: Callable[[dict[str, Any]], object]) -> ProblemFileError:
    """The error from reading the small problem after `change` edits it in place."""
    document = small_problem()
    change(document)
    with pytest.raises(ProblemFileError) as caught:
        read_problem(document)
    return caught.value


def test_the_small_problem_reads_into_seconds_from_the_shift_start() -> None:
    """Clock times become seconds after 22:00, next-day times included."""
    night = read_problem(small_problem())
    first, second, third = night.calls
    assert (first.earliest, first.latest, first.duration) == (3600, 5400, 1800)
    assert (second.earliest, second.latest) == (4 * 3600, 5 * 3600)
    assert first.priority is Priority.CRITICAL and third.priority is Priority.OPTIONAL
    assert second.priority is Priority.STANDARD
    assert second.after is not None and (second.after.min_gap, second.after.max_gap) == (
        150 * 60,
        240 * 60,
    )
    assert third.demand == 2 and first.demand is None
    car1, car2 = night.crews
    assert (car1.shift_start, car1.shift_end) == (0, 9 * 3600)
    assert (car2.shift_start, car2.shift_end) == (3600, 7 * 3600)
    assert car1.rest_break is not None and car1.rest_break.earliest == 3 * 3600
    assert car2.capacity == 8 and car2.carers[1].skills == frozenset()
    assert first.skills == frozenset({"medication"}) and first.gender == "F"


def test_points_are_deduplicated_in_first_seen_order() -> None:
    """Base, crew points, call points: each distinct point once, same point same place."""
    night = read_problem(small_problem())
    assert len(night.places) == night.travel.size == 4
    assert night.places[0].lat == 52.8587
    car1, car2 = night.crews
    assert (car1.start_place, car1.end_place) == (0, 0)
    assert (car2.start_place, car2.end_place) == (1, 0)
    assert [c.place for c in night.calls] == [2, 2, 3]
    assert night.travel(2, 2) == 0
    assert night.travel(0, 2) > 3 * 60


def test_the_travel_matrix_follows_the_spec_rule() -> None:
    """Drive time is round(km × circuity / speed × 3600) + stop minutes, 0 for the same point."""
    from geopy.distance import geodesic

    night = read_problem(small_problem())
    base, call = night.places[0], night.places[2]
    km = geodesic((base.lat, base.lon), (call.lat, call.lon)).km
    assert night.travel(0, 2) == round(km * 1.3 / 48 * 3600) + 180


def test_a_file_path_reads_like_the_parsed_object(tmp_path: Path) -> None:
    """read_problem takes a path (str or Path) as well as a parsed object."""
    path = tmp_path / "night.json"
    path.write_text(json.dumps(small_problem()), encoding="utf-8")
    assert read_problem(path) == read_problem(str(path)) == read_problem(small_problem())


def test_a_written_problem_reads_back_as_an_equal_night() -> None:
    """problem_to_json then read_problem gives the same Night."""
    night = read_problem(small_problem())
    settings = TravelSettings(speed_kmh=48, circuity=1.3, stop_minutes=3)
    document = problem_to_json(night, settings)
    assert read_problem(json.loads(json.dumps(document))) == night


def test_the_writer_omits_defaults_and_keeps_what_differs() -> None:
    """A crew on the night's shift and base has no shift/start/end keys; car-2 keeps its own."""
    night = read_problem(small_problem())
    document = problem_to_json(night, TravelSettings(48, 1.3, 3))
    car1, car2 = document["crews"]
    assert set(car1) == {"id", "carers", "break"}
    assert car2["shift"] == {"start": "23:00", "end": "05:00"}
    assert car2["start"] == {"lat": 52.9, "lon": -3.1} and "end" not in car2
    assert document["shift"] == {"start": "22:00", "end": "07:00"}
    assert "priority" not in document["calls"][1]


def test_the_writer_refuses_a_time_that_is_not_a_whole_minute() -> None:
    """A call window at 23:00:30 cannot be written as HH:MM."""
    from dataclasses import replace

    night = read_problem(small_problem())
    odd = replace(night.calls[0], earliest=3630)
    night = replace(night, calls=(odd, *night.calls[1:]))
    with pytest.raises(ValueError, match=r"calls\[0\]\.earliest"):
        problem_to_json(night, TravelSettings(48, 1.3, 3))


@pytest.mark.parametrize(
    "name", ["small-north.json", "typical-central.json", "dst-october-small.json"]
)
def test_the_shared_example_files_read_and_round_trip(name: str) -> None:
    """Every example night reads without error and survives a write and read."""
    path = EXAMPLES / name
    if not path.exists():
        pytest.skip(f"{path} is not present")
    night = read_problem(path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert [c.id for c in night.calls] == [c["id"] for c in document["calls"]]
    assert [c.id for c in night.crews] == [c["id"] for c in document["crews"]]
    settings = TravelSettings(**document["travel"])
    assert read_problem(problem_to_json(night, settings)) == night


def test_a_night_across_the_october_clock_change_is_ten_hours() -> None:
    """2027-10-30 Europe/London 22:00-07:00 ends 36000 s after it starts."""
    document = small_problem()
    document["night"] = "2027-10-30"
    night = read_problem(document)
    assert night.crews[0].shift_end == 36000


def test_a_night_across_the_march_clock_change_is_eight_hours() -> None:
    """2027-03-27 Europe/London 22:00-07:00 ends 28800 s after it starts."""
    document = small_problem()
    document["night"] = "2027-03-27"
    night = read_problem(document)
    assert night.crews[0].shift_end == 28800


def test_a_time_in_the_skipped_march_hour_reads_as_the_hour_after() -> None:
    """01:30 on the 2027-03-27 night does not exist and reads as 02:30 BST."""
    document = small_problem()
    document["night"] = "2027-03-27"
    document["calls"][1]["earliest"] = "01:30"
    night = read_problem(document)
    assert night.clock is not None
    seconds = night.calls[1].earliest
    assert seconds == int(3.5 * 3600)
    assert night.clock.iso(seconds) == "2027-03-28T02:30:00+01:00"


def test_a_time_in_the_skipped_march_hour_is_noted_naming_the_key() -> None:
    """The reader accepts 01:30 on the 2027-03-27 night, as the spec says, and notes what it
    read it as (so too the crew's break from 01:00, also skipped); times that exist, and the
    repeated October hour, are not noted."""
    document = small_problem()
    document["night"] = "2027-03-27"
    document["calls"][1]["earliest"] = "01:30"
    notes: list[str] = []
    read_problem(document, notes=notes)
    call_id = document["calls"][1]["id"]
    assert document["crews"][0]["break"]["earliest"] == "01:00"
    assert notes == [
        "crews[0] (car-1).break.earliest: 01:00 does not exist on 2027-03-28 in Europe/London "
        "(the clocks go forward), so it is read as 02:00 BST",
        f"calls[1] ({call_id}).earliest: 01:30 does not exist on 2027-03-28 in Europe/London "
        "(the clocks go forward), so it is read as 02:30 BST",
    ]
    document["night"] = "2027-10-30"
    notes.clear()
    read_problem(document, notes=notes)
    assert notes == []


def test_a_time_in_the_repeated_october_hour_is_its_first_occurrence() -> None:
    """01:30 on the 2027-10-30 night is 01:30 BST, 3.5 h after 22:00 BST."""
    document = small_problem()
    document["night"] = "2027-10-30"
    document["calls"][1]["earliest"] = "01:30"
    night = read_problem(document)
    assert night.clock is not None
    assert night.clock.iso(night.calls[1].earliest) == "2027-10-31T01:30:00+01:00"


def test_empty_crews_and_calls_are_a_valid_night() -> None:
    """A night with nothing to do, or no car out, still reads."""
    document = small_problem()
    document["crews"] = []
    assert len(read_problem(document).calls) == 3
    document["calls"] = []
    night = read_problem(document)
    assert night.crews == () and night.calls == () and night.travel.size == 1


def test_a_call_no_crew_shift_holds_is_read_for_the_plan_to_list_unassigned() -> None:
    """Every call of the problem must appear in the plan, so such a call is not refused."""
    document = small_problem()
    shorten_car_1(document)
    night = read_problem(document)
    assert night.calls[2].earliest == 7 * 3600 + 1800
    assert max(crew.shift_end for crew in night.crews) == 7 * 3600


def test_care_may_run_past_the_night_when_it_can_start_early_enough() -> None:
    """latest bounds the start: 05:30-06:50 plus 15 min reads (05:30 ends by 05:45)."""
    document = small_problem()
    document["calls"][2]["latest"] = "06:50"
    assert read_problem(document).calls[2].latest == 8 * 3600 + 50 * 60


def test_a_break_window_past_the_shift_is_cut_to_the_starts_that_end_inside_it() -> None:
    """A 30-min break may start 01:00-06:45 in a shift to 07:00: read as 01:00-06:30; a
    15-min break 22:30-01:00 in a shift from 23:00: read as 23:00-01:00."""
    document = small_problem()
    document["crews"][0]["break"]["latest"] = "06:45"
    document["crews"][1]["break"] = {"minutes": 15, "earliest": "22:30", "latest": "01:00"}
    first, second = read_problem(document).crews
    assert first.rest_break is not None and second.rest_break is not None
    assert (first.rest_break.earliest, first.rest_break.latest) == (3 * 3600, 8 * 3600 + 1800)
    assert (second.rest_break.earliest, second.rest_break.latest) == (3600, 3 * 3600)
    assert second.rest_break.duration == 15 * 60


def test_crew_shifts_and_breaks_follow_the_same_date_rule_as_calls() -> None:
    """A break 23:30-00:30 spans midnight (5400-9000 s); a crew shift 00:15-06:00 is all on
    the next day (8100-28800 s); a call window 23:50-00:10 is 6600-7800 s."""
    document = small_problem()
    document["crews"][0]["break"] = {"minutes": 20, "earliest": "23:30", "latest": "00:30"}
    document["crews"][1]["shift"] = {"start": "00:15", "end": "06:00"}
    document["calls"][0].update(earliest="23:50", latest="00:10")
    night = read_problem(document)
    rest = night.crews[0].rest_break
    assert rest is not None and (rest.earliest, rest.latest) == (5400, 9000)
    assert (night.crews[1].shift_start, night.crews[1].shift_end) == (8100, 28800)
    assert (night.calls[0].earliest, night.calls[0].latest) == (6600, 7800)


def test_a_crew_shift_may_end_after_the_problem_shift() -> None:
    """Its end is placed by the date rule like any other time: 08:00 the next morning."""
    document = small_problem()
    document["crews"][1]["shift"]["end"] = "08:00"
    assert read_problem(document).crews[1].shift_end == 10 * 3600


def test_whole_numbers_may_be_written_with_a_decimal_point() -> None:
    """capacity 8.0 and demand 2.0 are the whole numbers 8 and 2."""
    document = small_problem()
    document["crews"][1]["capacity"] = 8.0
    document["calls"][2]["demand"] = 2.0
    night = read_problem(document)
    assert night.crews[1].capacity == 8 and night.calls[2].demand == 2
    assert isinstance(night.crews[1].capacity, int)


def test_invalid_json_reports_line_and_column(tmp_path: Path) -> None:
    """A syntax error names where it is."""
    path = tmp_path / "bad.json"
    path.write_text('{\n  "format": "nightcare-problem/1",\n  "name": }\n', encoding="utf-8")
    with pytest.raises(ProblemFileError, match="invalid JSON at line 3 column 11"):
        read_problem(path)


def test_a_duplicate_key_in_the_json_is_an_error(tmp_path: Path) -> None:
    """Two "name" keys in one object would silently drop one: refused."""
    path = tmp_path / "twice.json"
    path.write_text('{"name": "a", "name": "b"}', encoding="utf-8")
    with pytest.raises(ProblemFileError, match="'name' appears twice"):
        read_problem(path)


def test_a_byte_order_mark_is_named_in_words_a_user_can_act_on(tmp_path: Path) -> None:
    """A BOM (Notepad's UTF-8) is refused with what to do, not json's 'decode using utf-8-sig'."""
    path = tmp_path / "night.json"
    path.write_text(json.dumps(small_problem()), encoding="utf-8-sig")
    with pytest.raises(ProblemFileError) as caught:
        read_problem(path)
    assert str(caught.value) == (
        "the file begins with a byte-order mark (BOM): save it as UTF-8 without one"
    )


def test_a_missing_file_is_a_problem_file_error(tmp_path: Path) -> None:
    """An unreadable file raises the reader's own error, not OSError."""
    with pytest.raises(ProblemFileError, match="cannot read the file"):
        read_problem(tmp_path / "absent.json")


def test_a_plan_file_given_as_a_problem_is_refused_by_its_format() -> None:
    """The format is checked before the keys, so the message says what the file is."""
    plan = {"format": "nightcare-plan/1", "problem": "x", "routes": [], "unassigned": []}
    with pytest.raises(ProblemFileError) as caught:
        read_problem(plan)
    assert str(caught.value) == ("format: must be 'nightcare-problem/1', not \"nightcare-plan/1\"")


def test_the_document_must_be_an_object() -> None:
    """A JSON list at the top is refused."""
    with pytest.raises(ProblemFileError, match="must be an object, not a list"):
        read_problem([])  # type: ignore[arg-type]


def put(path: list[str | int], value: object) -> Callable[[dict[str, Any]], None]:
    """An edit that sets the value at a key path."""

    def change(document: dict[str, Any]) -> None:
        target: Any = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def drop(path: list[str | int]) -> Callable[[dict[str, Any]], None]:
    """An edit that removes the key at a key path."""

    def change(document: dict[str, Any]) -> None:
        target: Any = document
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def shorten_car_1(document: dict[str, Any]) -> None:
    """Car 1 goes home at 05:00 (its break moved to fit), so no crew is out at 05:30."""
    document["crews"][0]["shift"] = {"start": "22:00", "end": "05:00"}
    document["crews"][0]["break"]["latest"] = "03:00"


BAD_FILES: list[tuple[str, Callable[[dict[str, Any]], object], str, str]] = [
    ("wrong format", put(["format"], "nightcare-problem/2"), "format", "must be"),
    ("missing format", drop(["format"]), "format", "is missing"),
    ("missing name", drop(["name"]), "name", "is missing"),
    ("missing call key", drop(["calls", 1, "minutes"]), "calls[1] (v-17b).minutes", "is missing"),
    (
        "missing carer gender",
        drop(["crews", 0, "carers", 1, "gender"]),
        "crews[0] (car-1).carers[1].gender",
        "is missing",
    ),
    ("unknown top key", put(["shifts"], {}), "shifts", "unknown key"),
    (
        "unknown call key",
        put(["calls", 2, "prority"], "critical"),
        "calls[2] (v-18a).prority",
        "unknown key",
    ),
    (
        "unknown break key",
        put(["crews", 0, "break", "length"], 5),
        "crews[0] (car-1).break.length",
        "unknown key",
    ),
    (
        "unknown after key",
        put(["calls", 1, "after", "gap"], 5),
        "calls[1] (v-17b).after.gap",
        "unknown key",
    ),
    (
        "bool is not a number",
        put(["calls", 0, "minutes"], True),
        "calls[0] (v-17a).minutes",
        "must be a number, not true",
    ),
    (
        "string is not a number",
        put(["calls", 0, "lat"], "52.8"),
        "calls[0] (v-17a).lat",
        "must be a number",
    ),
    (
        "bool capacity",
        put(["crews", 1, "capacity"], False),
        "crews[1] (car-2).capacity",
        "must be a whole number",
    ),
    (
        "float demand",
        put(["calls", 2, "demand"], 1.5),
        "calls[2] (v-18a).demand",
        "must be a whole number",
    ),
    (
        "skills not a list",
        put(["calls", 0, "skills"], "medication"),
        "calls[0] (v-17a).skills",
        "must be a list",
    ),
    ("crews not a list", put(["crews"], {}), "crews", "must be a list"),
    (
        "bad clock time",
        put(["calls", 0, "earliest"], "25:00"),
        "calls[0] (v-17a).earliest",
        "'25:00' is not a clock time HH:MM",
    ),
    (
        "clock time as number",
        put(["calls", 0, "latest"], 2330),
        "calls[0] (v-17a).latest",
        "must be a clock time HH:MM",
    ),
    (
        "short clock time",
        put(["shift", "start"], "9:00"),
        "shift.start",
        "is not a clock time HH:MM",
    ),
    ("bad date", put(["night"], "2026-02-30"), "night", "is not a date YYYY-MM-DD"),
    ("date in another form", put(["night"], "20261201"), "night", "is not a date YYYY-MM-DD"),
    (
        "unknown timezone",
        put(["timezone"], "Europe/Atlantis"),
        "timezone",
        "is not a known timezone",
    ),
    ("duplicate crew id", put(["crews", 1, "id"], "car-1"), "crews[1].id", "duplicate id 'car-1'"),
    ("duplicate call id", put(["calls", 2, "id"], "v-17a"), "calls[2].id", "duplicate id 'v-17a'"),
    (
        "unknown after call",
        put(["calls", 1, "after", "call"], "v-99"),
        "calls[1] (v-17b).after.call",
        "no call has id 'v-99'",
    ),
    (
        "after cycle",
        put(["calls", 0, "after"], {"call": "v-17b", "min_minutes": 0, "max_minutes": 10}),
        "calls[0] (v-17a).after",
        "after-links form a cycle: v-17a -> v-17b -> v-17a",
    ),
    (
        "call after itself",
        put(["calls", 0, "after"], {"call": "v-17a", "min_minutes": 0, "max_minutes": 10}),
        "calls[0] (v-17a).after.call",
        "cannot follow itself",
    ),
    (
        "window in the afternoon",
        put(["calls", 2, "earliest"], "14:00"),
        "calls[2] (v-18a).latest",
        "is before earliest 14:00",
    ),
    (
        "latest before earliest",
        put(["calls", 0, "latest"], "22:30"),
        "calls[0] (v-17a).latest",
        "22:30 is before earliest 23:00",
    ),
    (
        "break only after shift",
        put(["crews", 0, "break"], {"minutes": 30, "earliest": "06:45", "latest": "06:50"}),
        "crews[0] (car-1).break.latest",
        "a 30-minute break starting 06:45-06:50 cannot be taken within the crew's shift "
        "22:00-07:00",
    ),
    (
        "break before the crew's shift",
        put(["crews", 1, "break"], {"minutes": 15, "earliest": "22:00", "latest": "22:30"}),
        "crews[1] (car-2).break.latest",
        "starting 22:00-22:30 cannot be taken within the crew's shift 23:00-05:00",
    ),
    (
        "break latest before earliest",
        put(["crews", 0, "break", "latest"], "00:30"),
        "crews[0] (car-1).break.latest",
        "before its earliest",
    ),
    (
        "crew shift from the evening before the night",
        put(["crews", 1, "shift", "start"], "21:30"),
        "crews[1] (car-2).shift.end",
        "must end after it starts (21:30 is before the night's start 22:00, so it is read on "
        "the next day)",
    ),
    (
        "crew shift backwards",
        put(["crews", 1, "shift", "end"], "22:30"),
        "crews[1] (car-2).shift.end",
        "must end after it starts",
    ),
    (
        "night shift of no length",
        put(["shift", "end"], "22:00"),
        "shift.end",
        "must end after it starts",
    ),
    (
        "three carers",
        lambda d: d["crews"][0]["carers"].append({"id": "k-x", "gender": "F"}),
        "crews[0] (car-1).carers",
        "exactly two carers, not 3",
    ),
    (
        "one carer",
        drop(["crews", 0, "carers", 1]),
        "crews[0] (car-1).carers",
        "exactly two carers, not 1",
    ),
    (
        "same carer twice",
        put(["crews", 0, "carers", 1, "id"], "k-anne"),
        "crews[0] (car-1).carers",
        "the same carer twice",
    ),
    (
        "carer gender",
        put(["crews", 0, "carers", 0, "gender"], "X"),
        "crews[0] (car-1).carers[0].gender",
        '"X" is not one of F, M',
    ),
    (
        "call gender",
        put(["calls", 0, "gender"], "f"),
        "calls[0] (v-17a).gender",
        '"f" is not one of F, M',
    ),
    (
        "bad priority",
        put(["calls", 0, "priority"], "urgent"),
        "calls[0] (v-17a).priority",
        '"urgent" is not one of critical, standard, optional',
    ),
    (
        "negative minutes",
        put(["calls", 0, "minutes"], -5),
        "calls[0] (v-17a).minutes",
        "must be 0 or more",
    ),
    (
        "zero minutes",
        put(["calls", 0, "minutes"], 0),
        "calls[0] (v-17a).minutes",
        "more than 0 minutes",
    ),
    (
        "negative break",
        put(["crews", 0, "break", "minutes"], -30),
        "crews[0] (car-1).break.minutes",
        "must be 0 or more",
    ),
    (
        "negative gap",
        put(["calls", 1, "after", "min_minutes"], -1),
        "calls[1] (v-17b).after.min_minutes",
        "must be 0 or more",
    ),
    (
        "gap backwards",
        put(["calls", 1, "after", "max_minutes"], 100),
        "calls[1] (v-17b).after.max_minutes",
        "smaller than after.min_minutes",
    ),
    (
        "negative demand",
        put(["calls", 2, "demand"], -1),
        "calls[2] (v-18a).demand",
        "must be 0 or more",
    ),
    (
        "negative capacity",
        put(["crews", 1, "capacity"], -2),
        "crews[1] (car-2).capacity",
        "must be 0 or more",
    ),
    ("zero speed", put(["travel", "speed_kmh"], 0), "travel.speed_kmh", "more than 0"),
    ("negative speed", put(["travel", "speed_kmh"], -40), "travel.speed_kmh", "more than 0"),
    ("circuity below one", put(["travel", "circuity"], 0.9), "travel.circuity", "1 or more"),
    (
        "latitude out of range",
        put(["calls", 0, "lat"], 95.0),
        "calls[0] (v-17a).lat",
        "is not a latitude",
    ),
    ("longitude out of range", put(["base", "lon"], 181), "base.lon", "is not a longitude"),
    (
        "crew start out of range",
        put(["crews", 1, "start", "lat"], -91),
        "crews[1] (car-2).start.lat",
        "is not a latitude",
    ),
    (
        "one carer in two crews",
        put(["crews", 1, "carers", 0, "id"], "k-anne"),
        "crews[1] (car-2).carers[0].id",
        "carer 'k-anne' is also in crews[0] (car-1)",
    ),
    (
        "full-width digits are not a clock time",
        put(["calls", 0, "earliest"], "\uff12\uff13:\uff10\uff10"),
        "calls[0] (v-17a).earliest",
        "is not a clock time HH:MM",
    ),
    (
        "a whole number of 400 digits",
        put(["calls", 0, "minutes"], 10**400),
        "calls[0] (v-17a).minutes",
        "is too large a number",
    ),
    (
        "minutes too many to count in seconds",
        put(["calls", 0, "minutes"], 1e308),
        "calls[0] (v-17a).minutes",
        "is too large a number",
    ),
    (
        "a 400-digit latitude",
        put(["base", "lat"], -(10**400)),
        "base.lat",
        "is too large a number",
    ),
    (
        "capacity beyond counting",
        put(["crews", 1, "capacity"], 1e30),
        "crews[1] (car-2).capacity",
        "must be at most 1000000000000",
    ),
    (
        "demand beyond counting",
        put(["calls", 2, "demand"], 10**20),
        "calls[2] (v-18a).demand",
        "must be at most 1000000000000",
    ),
    (
        "a stop longer than any night",
        put(["travel", "stop_minutes"], 1e18),
        "travel.stop_minutes",
        "must be at most",
    ),
    ("a speed of almost nothing", put(["travel", "speed_kmh"], 1e-300), "travel", "a drive of"),
    ("a circuity beyond counting", put(["travel", "circuity"], 1e18), "travel", "a drive of"),
    ("empty id", put(["calls", 0, "id"], " "), "calls[0].id", "must be a non-empty string"),
    (
        "empty client",
        put(["calls", 0, "client"], ""),
        "calls[0] (v-17a).client",
        "must be a non-empty string",
    ),
]


@pytest.mark.parametrize(
    ("change", "path", "reason"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_a_bad_problem_names_the_key_path_and_the_reason(
    change: Callable[[dict[str, Any]], object], path: str, reason: str
) -> None:
    """Each refused value is reported against the key that holds it, with why."""
    error = read_error(change)
    assert error.path == path, str(error)
    assert reason in error.reason, str(error)
    assert str(error) == f"{path}: {error.reason}"


def test_the_reader_does_not_change_its_input() -> None:
    """Reading a parsed object leaves it as it was."""
    document = small_problem()
    before = copy.deepcopy(document)
    read_problem(document)
    assert document == before


def test_fractional_minutes_round_so_whole_second_plans_keep_the_spec() -> None:
    """Care and a break are never shorter than asked and a least gap never shorter (rounded
    up), a greatest gap never longer (rounded down): 12.34 min of care is 741 s (740.4), a
    17.505-minute break 1051 s (1050.3), a gap of 150.01 to 200.01 min 9001 to 9000 + 600 s
    (9000.6 to 12000.6); 12.5 min is 750 s exactly."""
    document = small_problem()
    document["calls"][0]["minutes"] = 12.34
    document["calls"][2]["minutes"] = 12.5
    document["crews"][0]["break"]["minutes"] = 17.505
    document["calls"][1]["after"].update(min_minutes=150.01, max_minutes=200.01)
    night = read_problem(document)
    rest = night.crews[0].rest_break
    link = night.calls[1].after
    assert (night.calls[0].duration, night.calls[2].duration) == (741, 750)
    assert rest is not None and rest.duration == 1051
    assert link is not None and (link.min_gap, link.max_gap) == (9001, 12000)


def test_a_gap_fixed_within_one_second_is_held_at_the_nearest_second() -> None:
    """min = max = 10.33 min (619.8 s) has no whole second between its bounds: read as
    620 s both ways, not refused for a least gap over the greatest."""
    document = small_problem()
    document["calls"][1]["after"].update(min_minutes=10.33, max_minutes=10.33)
    link = read_problem(document).calls[1].after
    assert link is not None and (link.min_gap, link.max_gap) == (620, 620)


SKIPPED_START = (
    "shift.start 01:30 does not exist on 2027-03-28 in Europe/London (clocks go forward at "
    "01:00 to 02:00), so the night is read as starting at 02:30; give shift.start as 02:00 or "
    "before 01:00, or this time as 02:30 or later"
)


def spring_forward_start(document: dict[str, Any]) -> None:
    """The night of 2027-03-28 starting 01:30, a time clocks skip that morning (01:30 GMT,
    read as 02:30 BST), until 09:30 BST: seven real hours; one crew, one call 03:00-04:00."""
    document["night"] = "2027-03-28"
    document["shift"] = {"start": "01:30", "end": "09:30"}
    document["crews"] = document["crews"][:1]
    del document["crews"][0]["break"]
    document["calls"] = document["calls"][:1]
    document["calls"][0].update(earliest="03:00", latest="04:00")


@pytest.mark.parametrize(
    ("change", "key_path", "given"),
    [
        (put(["calls", 0, "earliest"], "02:00"), "calls[0] (v-17a).earliest", "02:00"),
        (put(["calls", 0, "latest"], "02:10"), "calls[0] (v-17a).latest", "02:10"),
        (
            put(["crews", 0, "shift"], {"start": "02:00", "end": "09:00"}),
            "crews[0] (car-1).shift.start",
            "02:00",
        ),
        (put(["shift", "end"], "02:15"), "shift.end", "02:15"),
    ],
    ids=["call earliest", "call latest", "crew shift start", "night's shift end"],
)
def test_a_time_before_a_skipped_shift_start_says_the_start_does_not_exist(
    change: Callable[[dict[str, Any]], None], key_path: str, given: str
) -> None:
    """02:00 BST exists but comes before 02:30 BST, where a 01:30 start is read: the reason
    is the start, so the message names it, the clock change, and what to give instead."""

    def spring_and(document: dict[str, Any]) -> None:
        spring_forward_start(document)
        change(document)

    error = read_error(spring_and)
    assert error.path == key_path
    assert error.reason == f"{given} is before the night starts: {SKIPPED_START}"
