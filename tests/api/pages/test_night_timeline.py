"""The timeline's geometry: blocks at their share of the shift, hour marks, clock changes."""

from __future__ import annotations

from datetime import date

from api.pages.night_timeline import build_timeline, night_span, night_title
from data.models import Area
from data.services.night_overview import CallOfNight, CrewOfNight


def an_area(**overrides: object) -> Area:
    """An unsaved area with a 22:00-07:00 shift in London."""
    values: dict[str, object] = {
        "name": "North",
        "shift_start": "22:00",
        "shift_end": "07:00",
        "timezone": "Europe/London",
    }
    values.update(overrides)
    return Area(**values)


CREW = CrewOfNight(number=1, crew_id="north-car-1", carer_names=("Anne", "Beth"))
CALL = CallOfNight("n7", 12, "Mrs Morgan", "reposition", "23:00", "23:30", 30, "critical")
# 1 December 2026 is winter time (UTC+0): the shift is 22:00 to 07:00, 540 minutes.
PLAN = {
    "routes": [
        {
            "crew": "north-car-1",
            "depart": "2026-12-01T22:40:00+00:00",
            "return": "2026-12-02T01:30:00+00:00",
            "visits": [
                {
                    "call": "n7",
                    "arrive": "2026-12-01T22:55:00+00:00",
                    "start": "2026-12-01T23:00:00+00:00",
                    "end": "2026-12-01T23:30:00+00:00",
                },
                {
                    "call": "o3",
                    "arrive": "2026-12-02T00:30:00+00:00",
                    "start": "2026-12-02T00:30:00+00:00",
                    "end": "2026-12-02T00:57:00+00:00",
                },
            ],
            "break": {"start": "2026-12-02T00:00:00+00:00", "end": "2026-12-02T00:30:00+00:00"},
        }
    ],
    "unassigned": [{"call": "n9", "reason": "every crew is busy 02:00-03:00"}],
}


def test_each_visit_and_the_break_sit_at_their_share_of_the_shift() -> None:
    """23:00 is 60 of 540 minutes in (11.11 %), 30 minutes wide (5.56 %); blocks in time order,
    the break between the visits; the crew's carers and times in local clock time."""
    timeline = build_timeline(an_area(), date(2026, 12, 1), PLAN, [CREW], {"n7": CALL})
    (line,) = timeline.crews
    assert (line.title, line.carers, line.depart, line.return_at) == (
        "Crew 1",
        "Anne and Beth",
        "22:40",
        "01:30",
    )
    assert [(b.kind, b.start, b.end, b.left, b.width) for b in line.blocks] == [
        ("visit", "23:00", "23:30", 11.11, 5.56),
        ("break", "00:00", "00:30", 22.22, 5.56),
        ("visit", "00:30", "00:57", 27.78, 5.0),
    ]
    assert line.blocks[0].call == CALL and line.blocks[0].arrive == "22:55"
    assert line.blocks[2].call is not None and line.blocks[2].call.person_name == "o3"
    assert line.visits == 2
    assert [(u.call.call_id, u.reason) for u in timeline.unassigned] == [
        ("n9", "every crew is busy 02:00-03:00")
    ]
    assert [h.label for h in timeline.hours] == [f"{h:02d}:00" for h in (22, 23, *range(8))]
    assert (timeline.hours[0].left, timeline.hours[-1].left) == (0.0, 100.0)


def test_a_crew_with_no_car_out_still_has_its_line() -> None:
    """Crew 2 is off tonight: a line saying so, with no round."""
    off = CrewOfNight(number=2, crew_id="north-car-2", carer_names=())
    timeline = build_timeline(an_area(), date(2026, 12, 1), PLAN, [CREW, off], {})
    assert [(c.title, c.carers, c.depart, c.blocks) for c in timeline.crews[1:]] == [
        ("Crew 2", "no car out tonight", None, ())
    ]


def test_the_night_the_clocks_go_back_is_ten_hours_with_one_oclock_twice() -> None:
    """24-25 October 2026: 22:00 BST to 07:00 GMT; the hour marks show 01:00 twice and 02:00
    sits at 5 of 10 hours."""
    start, end = night_span(an_area(), date(2026, 10, 24))
    assert (end - start).total_seconds() == 10 * 3600
    timeline = build_timeline(an_area(), date(2026, 10, 24), {"routes": []}, [], {})
    labels = [h.label for h in timeline.hours]
    assert labels == [
        "22:00",
        "23:00",
        "00:00",
        "01:00",
        "01:00",
        *(f"0{h}:00" for h in range(2, 8)),
    ]
    assert timeline.hours[labels.index("02:00")].left == 50.0


def test_a_day_shift_ends_the_same_day() -> None:
    """08:00-20:00 is 12 hours on the night's own date."""
    start, end = night_span(an_area(shift_start="08:00", shift_end="20:00"), date(2026, 12, 1))
    assert (start.day, end.day, (end - start).total_seconds()) == (1, 1, 12 * 3600)


def test_the_night_is_named_with_the_morning_after() -> None:
    """A coordinator reads the night by its evening and the morning it runs into."""
    assert night_title(date(2026, 12, 1)) == "Tuesday 1 December 2026 (night into Wednesday)"


def test_a_block_shows_only_the_words_that_fit_in_it() -> None:
    """A 30-minute visit (5.56 % of a 9-hour night) shows no text rather than a cut "23:"; an
    hour (11.11 %) shows its time; 90 minutes (16.66 %, as rounded) its time and the person."""
    visits = [
        {
            "call": call_id,
            "arrive": start,
            "start": start,
            "end": end,
        }
        for call_id, start, end in (
            ("n7", "2026-12-01T23:00:00+00:00", "2026-12-01T23:30:00+00:00"),
            ("o3", "2026-12-02T01:00:00+00:00", "2026-12-02T02:00:00+00:00"),
            ("o4", "2026-12-02T03:00:00+00:00", "2026-12-02T04:30:00+00:00"),
        )
    ]
    route = {
        "crew": "north-car-1",
        "depart": "2026-12-01T22:40:00+00:00",
        "return": "2026-12-02T05:00:00+00:00",
        "visits": visits,
    }
    timeline = build_timeline(an_area(), date(2026, 12, 1), {"routes": [route]}, [CREW], {})
    shown = [(b.start, b.width, b.shows_time, b.shows_name) for b in timeline.crews[0].blocks]
    assert shown == [
        ("23:00", 5.56, False, False),
        ("01:00", 11.11, True, False),
        ("03:00", 16.66, True, True),
    ]
