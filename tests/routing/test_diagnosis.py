"""Why calls cannot be planned: the structural reasons before solving, and the reasons read
from final routes after it. Nights are small roads of places minutes apart (22:00 origin)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

from routing.clock import NightClock
from routing.diagnosis import explain_unassigned, pin_conflicts, structurally_impossible
from routing.model import AfterLink, Night
from routing.plan import BreakSlot, Route, Visit
from tests.routing.night_factories import (
    HOUR,
    MIN,
    line_travel,
    make_after,
    make_break,
    make_call,
    make_crew,
    make_night,
)

CLOCK = NightClock(date(2027, 1, 14), time(22, 0), "Europe/London")
ROAD = line_travel([0, 10, 20])


def test_a_night_with_no_crew_out_says_so_for_every_call() -> None:
    """Snow: no crew, so each call's reason says no crew is on."""
    night = make_night(
        calls=[make_call(id="v-a", place=1, earliest=HOUR, latest=2 * HOUR)],
        crews=[],
        travel=ROAD,
    )
    assert structurally_impossible(night) == {"v-a": "no crew is on tonight"}


def test_missing_skills_are_named_together_in_plural() -> None:
    """Nobody has hoist or peg."""
    night = make_night(
        calls=[
            make_call(id="v-a", place=1, earliest=HOUR, latest=2 * HOUR, skills=["peg", "hoist"])
        ],
        crews=[make_crew(skills=["medication"])],
        travel=ROAD,
    )
    assert structurally_impossible(night) == {"v-a": "no crew has skills 'hoist', 'peg'"}


def test_skills_held_only_by_different_crews_say_no_crew_holds_them_together() -> None:
    """car-1 has peg, car-2 hoist; the call needs both."""
    night = make_night(
        calls=[
            make_call(id="v-a", place=1, earliest=HOUR, latest=2 * HOUR, skills=["peg", "hoist"])
        ],
        crews=[make_crew(id="car-1", skills=["peg"]), make_crew(id="car-2", skills=["hoist"])],
        travel=ROAD,
    )
    assert structurally_impossible(night) == {"v-a": "no crew holds all of 'hoist', 'peg' together"}


def test_a_request_for_men_with_only_female_crews_says_so() -> None:
    """Both crews are two women."""
    night = make_night(
        calls=[make_call(id="v-m", place=1, earliest=HOUR, latest=2 * HOUR, gender="M")],
        crews=[make_crew(genders=("F", "F"))],
        travel=ROAD,
    )
    assert structurally_impossible(night) == {"v-m": "no crew of two male carers"}


def test_a_call_covering_the_whole_break_window_says_there_is_no_room_for_the_break() -> None:
    """Care 22:00–00:00 fills the shift in which the break must start (22:00–23:30)."""
    crew = make_crew(
        shift_end=2 * HOUR, rest_break=make_break(minutes=30, earliest=0, latest=90 * MIN)
    )
    night = make_night(
        calls=[make_call(id="v-long", place=0, earliest=0, latest=0, minutes=120)],
        crews=[crew],
        travel=ROAD,
        clock=CLOCK,
    )
    assert structurally_impossible(night) == {
        "v-long": "window at 22:00 leaves no room for the crews' breaks"
    }


def test_a_dependant_listed_before_its_impossible_predecessor_still_says_why() -> None:
    """v-b follows v-a but comes first in the file; v-a needs peg which nobody has."""
    night = make_night(
        calls=[
            make_call(
                id="v-b",
                place=1,
                earliest=2 * HOUR,
                latest=4 * HOUR,
                after=make_after(call="v-a", min_minutes=60, max_minutes=180),
            ),
            make_call(id="v-a", place=1, earliest=HOUR, latest=2 * HOUR, skills=["peg"]),
        ],
        crews=[make_crew()],
        travel=ROAD,
    )
    assert structurally_impossible(night) == {
        "v-a": "no crew has skill 'peg'",
        "v-b": "linked call v-a cannot be planned",
    }


def test_a_feasible_night_has_no_structural_reasons() -> None:
    """Two ordinary calls and a link whose gap both windows allow."""
    night = make_night(
        calls=[
            make_call(id="v-a", place=1, earliest=HOUR, latest=2 * HOUR),
            make_call(
                id="v-b",
                place=2,
                earliest=2 * HOUR,
                latest=4 * HOUR,
                after=make_after(call="v-a", min_minutes=60, max_minutes=180),
            ),
        ],
        crews=[make_crew(rest_break=make_break())],
        travel=ROAD,
    )
    assert structurally_impossible(night) == {}


def one_route_night(*, capacity: int | None = None) -> Night:
    """car-1 (with `capacity`) and two calls 00:00–00:30 at places 10 min apart."""
    return make_night(
        calls=[
            make_call(id="v-a", place=1, earliest=2 * HOUR, latest=2 * HOUR + 30 * MIN),
            make_call(id="v-b", place=2, earliest=2 * HOUR, latest=2 * HOUR + 30 * MIN),
        ],
        crews=[make_crew(capacity=capacity)],
        travel=ROAD,
        clock=CLOCK,
    )


def test_a_call_that_would_fit_a_final_route_says_the_search_missed_it() -> None:
    """car-1 visits v-a at 00:00; v-b at 00:30 would still fit after it."""
    night = one_route_night()
    route = Route(
        "car-1",
        110 * MIN,
        140 * MIN,
        (Visit("v-a", 2 * HOUR, 2 * HOUR, 2 * HOUR + 20 * MIN),),
    )
    reasons = explain_unassigned(night, [route], [night.call("v-b")], {})
    assert "not placed by the search although car-1 may have room" in reasons["v-b"]


def reason_for_v_b_beside_v_a(*, b_latest: int) -> str:
    """car-1 cares at v-a 00:05-00:40; v-b, 10 min away, may start from 00:00 to `b_latest`:
    the reason given for v-b, left out."""
    night = make_night(
        calls=[
            make_call(
                id="v-a",
                place=1,
                earliest=2 * HOUR + 5 * MIN,
                latest=2 * HOUR + 5 * MIN,
                minutes=35,
            ),
            make_call(id="v-b", place=2, earliest=2 * HOUR, latest=b_latest),
        ],
        crews=[make_crew()],
        travel=ROAD,
        clock=CLOCK,
    )
    route = Route(
        "car-1",
        115 * MIN,
        170 * MIN,
        (Visit("v-a", 2 * HOUR + 5 * MIN, 2 * HOUR + 5 * MIN, 2 * HOUR + 40 * MIN),),
    )
    return explain_unassigned(night, [route], [night.call("v-b")], {})["v-b"]


def test_a_call_no_final_route_can_take_says_every_crew_is_busy() -> None:
    """car-1 cares at v-a 00:05–00:40: v-b (00:00–00:30, 10 min away) fits neither side."""
    reasons = {"v-b": reason_for_v_b_beside_v_a(b_latest=2 * HOUR + 30 * MIN)}
    assert reasons["v-b"] == "every crew is busy 00:00–00:30"


def break_in_the_way_night(*, break_latest: int) -> tuple[Night, Route]:
    """car-1 with v-a at 00:00 (20 min) and v-c at 01:15 (30 min, 10 min on), its 30-min break
    starting 00:30..`break_latest` between them; v-b, at v-a's door 00:30-00:40 for 15 min, is
    left out."""
    night = make_night(
        calls=[
            make_call(id="v-a", place=1, earliest=2 * HOUR, latest=2 * HOUR),
            make_call(id="v-b", place=1, earliest=150 * MIN, latest=160 * MIN, minutes=15),
            make_call(id="v-c", place=2, earliest=195 * MIN, latest=195 * MIN, minutes=30),
        ],
        crews=[make_crew(rest_break=make_break(earliest=150 * MIN, latest=break_latest))],
        travel=ROAD,
        clock=CLOCK,
    )
    route = Route(
        "car-1",
        110 * MIN,
        235 * MIN,
        (
            Visit("v-a", 2 * HOUR, 2 * HOUR, 140 * MIN),
            Visit("v-c", 3 * HOUR, 195 * MIN, 225 * MIN),
        ),
        BreakSlot(150 * MIN, 3 * HOUR),
    )
    return night, route


def test_a_call_kept_out_only_by_the_break_says_so() -> None:
    """car-1: v-a 00:00-00:20 and v-c 01:15 (10 min on), its 30-min break starting 00:30-01:00
    between them. v-b at v-a's door, 00:30-00:40 for 15 min, would fit but for the break."""
    night, route = break_in_the_way_night(break_latest=3 * HOUR)
    assert structurally_impossible(night) == {}
    reasons = explain_unassigned(night, [route], [night.call("v-b")], {})
    assert reasons["v-b"] == (
        "every crew is busy 00:30–00:40; car-1 would have room but for its break "
        "(30 min starting 00:30–01:00)"
    )


def test_a_call_for_a_full_crew_says_the_crew_is_full() -> None:
    """car-1 holds one call and has one."""
    night = one_route_night(capacity=1)
    route = Route(
        "car-1", 110 * MIN, 140 * MIN, (Visit("v-a", 2 * HOUR, 2 * HOUR, 2 * HOUR + 20 * MIN),)
    )
    reasons = explain_unassigned(night, [route], [night.call("v-b")], {})
    assert reasons["v-b"] == "every crew able to take it is full (car-1)"


def reason_for_v_b_after_v_a_at_00_45(*, a_earliest: int, b_latest: int, max_minutes: int) -> str:
    """v-b (from 01:00 to `b_latest`) must start 120..`max_minutes` min after v-a, which car-1
    plans at 00:45: the reason given for v-b, left out (the night itself is not impossible)."""
    night = make_night(
        calls=[
            make_call(id="v-a", place=1, earliest=a_earliest, latest=3 * HOUR),
            make_call(
                id="v-b",
                place=1,
                earliest=3 * HOUR,
                latest=b_latest,
                after=make_after(call="v-a", min_minutes=120, max_minutes=max_minutes),
            ),
        ],
        crews=[make_crew()],
        travel=ROAD,
        clock=CLOCK,
    )
    assert structurally_impossible(night) == {}
    route = Route("car-1", 155 * MIN, 195 * MIN, (Visit("v-a", 165 * MIN, 165 * MIN, 185 * MIN),))
    return explain_unassigned(night, [route], [night.call("v-b")], {})["v-b"]


def test_a_linked_call_whose_predecessor_is_planned_out_of_reach_says_when() -> None:
    """v-a is planned at 00:45, so v-b must start 02:45 or later, after its window closes."""
    reason = reason_for_v_b_after_v_a_at_00_45(
        a_earliest=2 * HOUR, b_latest=4 * HOUR + 30 * MIN, max_minutes=180
    )
    assert reason == (
        "must start 120–180 min after v-a (planned 00:45), outside its window 01:00–02:30"
    )


def test_structural_reasons_and_dropped_links_carry_through_after_solving() -> None:
    """A call found impossible keeps its reason; one whose predecessor is left says so."""
    night = make_night(
        calls=[
            make_call(id="v-a", place=1, earliest=HOUR, latest=2 * HOUR),
            make_call(
                id="v-b",
                place=1,
                earliest=2 * HOUR,
                latest=4 * HOUR,
                after=make_after(call="v-a", min_minutes=60, max_minutes=180),
            ),
        ],
        crews=[make_crew()],
        travel=ROAD,
    )
    reasons = explain_unassigned(
        night, [], [night.call("v-a"), night.call("v-b")], {"v-a": "no crew has skill 'peg'"}
    )
    assert reasons == {"v-a": "no crew has skill 'peg'", "v-b": "linked call v-a is unassigned"}


def test_a_window_unreachable_for_the_drive_to_a_far_end_point_names_the_end_point() -> None:
    """car-1 starts at base but ends 60 min up the road: a 06:30 call 10 min from base fits
    the drive from base and back (07:00), not the drive on to the end point (07:40)."""
    night = make_night(
        calls=[
            make_call(id="v-a", place=1, earliest=8 * HOUR + 30 * MIN, latest=8 * HOUR + 30 * MIN)
        ],
        crews=[make_crew(end_place=2)],
        travel=line_travel([0, 10, 60]),
        clock=CLOCK,
    )
    assert structurally_impossible(night) == {
        "v-a": "window at 06:30 cannot be reached from base and on to the crews' end points "
        "within the shift"
    }


def test_fractional_minutes_in_a_reason_are_shown_as_the_file_gives_them() -> None:
    """A gap of 10.5-20.75 min (630-1245 s) the windows cannot hold reads "10.5–20.75", and
    12.5 min of care outside every shift "12.5", not "10–20" and "12"."""
    link = AfterLink(call_id="v-a", min_gap=630, max_gap=1245)
    night = make_night(
        calls=[
            make_call(id="v-a", place=1, earliest=HOUR, latest=HOUR),
            make_call(id="v-b", place=1, earliest=2 * HOUR, latest=2 * HOUR, after=link),
            replace(
                make_call(id="v-c", place=1, earliest=10 * HOUR, latest=10 * HOUR), duration=750
            ),
        ],
        crews=[make_crew()],
        travel=ROAD,
        clock=CLOCK,
    )
    reasons = structurally_impossible(night)
    assert (
        reasons["v-b"] == "must start 10.5–20.75 min after v-a, which the two windows do not allow"
    )
    assert reasons["v-c"].startswith("window at 08:00 and 12.5 min of care fall outside")


def test_on_the_october_night_a_reason_names_the_zone_of_each_time() -> None:
    """01:30-01:45 happens twice on 25 October 2026: the reason says which (BST, the first),
    as the route sheet does; an ordinary night's reasons stay bare."""
    october = NightClock(date(2026, 10, 24), time(22, 0), "Europe/London")
    far = make_call(id="v-a", place=2, earliest=3 * HOUR + 30 * MIN, latest=3 * HOUR + 45 * MIN)
    crew = make_crew(shift_start=3 * HOUR + 30 * MIN)
    night = make_night(calls=[far], crews=[crew], travel=ROAD, clock=october)
    assert structurally_impossible(night) == {
        "v-a": "window 01:30 BST–01:45 BST cannot be reached from base and back within the shift"
    }
    winter = make_night(calls=[far], crews=[crew], travel=ROAD, clock=CLOCK)
    assert structurally_impossible(winter) == {
        "v-a": "window 01:30–01:45 cannot be reached from base and back within the shift"
    }


def test_a_one_moment_window_reads_as_one_time_when_every_crew_is_busy() -> None:
    """car-1 cares at v-a 00:05–00:40; v-b must start exactly 00:00, 10 min away: busy at
    00:00, not "00:00–00:00"."""
    reasons = {"v-b": reason_for_v_b_beside_v_a(b_latest=2 * HOUR)}
    assert reasons["v-b"] == "every crew is busy at 00:00"


def test_a_break_that_must_start_at_one_moment_reads_as_one_time() -> None:
    """As the break test above, but car-1's break must start at 00:30 exactly: v-b (00:30–00:40
    at v-a's door) would fit but for it, and the break reads "starting at 00:30"."""
    night, route = break_in_the_way_night(break_latest=150 * MIN)
    reasons = explain_unassigned(night, [route], [night.call("v-b")], {})
    assert reasons["v-b"] == (
        "every crew is busy 00:30–00:40; car-1 would have room but for its break "
        "(30 min starting at 00:30)"
    )


def test_a_link_narrowed_to_one_moment_reads_as_one_time() -> None:
    """v-a is planned at 00:00 and v-b must start exactly 60 min after it, so its window
    narrows to 01:00; car-1 is caring at v-c 00:50–01:20 elsewhere. Both the exact gap and
    the window read as one value."""
    night = make_night(
        calls=[
            make_call(id="v-a", place=1, earliest=2 * HOUR, latest=2 * HOUR),
            make_call(
                id="v-b",
                place=1,
                earliest=2 * HOUR,
                latest=4 * HOUR,
                after=make_after(call="v-a", min_minutes=60, max_minutes=60),
            ),
            make_call(id="v-c", place=2, earliest=170 * MIN, latest=170 * MIN, minutes=30),
        ],
        crews=[make_crew()],
        travel=ROAD,
        clock=CLOCK,
    )
    route = Route(
        "car-1",
        110 * MIN,
        220 * MIN,
        (
            Visit("v-a", 2 * HOUR, 2 * HOUR, 140 * MIN),
            Visit("v-c", 150 * MIN, 170 * MIN, 200 * MIN),
        ),
    )
    reasons = explain_unassigned(night, [route], [night.call("v-b")], {})
    assert reasons["v-b"] == "every crew is busy at 01:00"


def test_an_exact_gap_missing_a_one_moment_window_reads_as_one_value_each() -> None:
    """v-b must start exactly 120 min after v-a and exactly at 01:00; v-a is planned at 00:45,
    so v-b would start 02:45."""
    reason = reason_for_v_b_after_v_a_at_00_45(a_earliest=HOUR, b_latest=3 * HOUR, max_minutes=120)
    assert reason == "must start 120 min after v-a (planned 00:45), outside its window at 01:00"


def test_a_pin_to_a_crew_that_cannot_reach_a_one_moment_window_reads_as_one_time() -> None:
    """v-a must start at 06:30, 60 min up the road; car-1's shift ends 07:00."""
    night = make_night(
        calls=[
            make_call(id="v-a", place=1, earliest=8 * HOUR + 30 * MIN, latest=8 * HOUR + 30 * MIN)
        ],
        crews=[make_crew()],
        travel=line_travel([0, 60]),
        clock=CLOCK,
    )
    assert pin_conflicts(night, {"v-a": "car-1"}) == {
        "v-a": "pinned to car-1, which cannot reach window at 06:30 and be back within its shift"
    }
