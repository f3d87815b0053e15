"""Times along one crew's ordered calls, on a road of places 0, 10, 20, 30 minutes out.

Every figure below is worked out by hand from the drives; each route is also checked as a
one-crew plan by the independent validator.
"""

from __future__ import annotations

from routing.model import Call, Crew, Night, Priority
from routing.plan import BreakSlot, Plan, PlanStats, Route
from routing.route_timing import (
    Window,
    earliest_care_starts,
    earliest_schedule,
    most_valuable_round,
    route_from_starts,
)
from routing.validate import check_plan
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

ROAD = line_travel([0, 10, 20, 30])
V_A = make_call(id="v-a", place=1, earliest=60 * MIN, latest=90 * MIN, minutes=20)
V_B = make_call(id="v-b", place=2, earliest=30 * MIN, latest=200 * MIN, minutes=20)


def road_night(calls: list[Call], crew: Crew) -> Night:
    """A one-crew night on the road."""
    return make_night(calls=calls, crews=[crew], travel=ROAD)


def assert_route_valid(night: Night, route: Route) -> None:
    """The route, as the night's whole plan, breaks no rule (so it holds every call)."""
    plan = Plan(night.name, (route,), (), PlanStats(travel_seconds=0, solve_seconds=0.0))
    assert check_plan(night, plan) == []


def timeline(route: Route) -> list[tuple[str, int, int, int]]:
    """(call, arrive, start, end) in minutes."""
    return [(v.call_id, v.arrive // MIN, v.start // MIN, v.end // MIN) for v in route.visits]


def test_the_earliest_schedule_starts_each_call_as_soon_as_it_may() -> None:
    """v-a's window opens at 60: the crew waits at base, reaching the door at 55 to settle in;
    v-b starts on arrival at 90; back at base at 130."""
    crew = make_crew()
    night = road_night([V_A, V_B], crew)
    route = earliest_schedule(night, crew, [V_A, V_B])
    assert route is not None
    assert timeline(route) == [("v-a", 55, 60, 80), ("v-b", 90, 90, 110)]
    # The crew leaves as late as still reaches v-a five minutes before 60.
    assert route.depart == 45 * MIN
    assert route.return_at == 130 * MIN
    assert_route_valid(night, route)


def test_the_earliest_schedule_follows_the_order_given() -> None:
    """v-b first: leave at 5 to be at the door at 25 for care at 30, then v-a at 60; home 90."""
    crew = make_crew()
    night = road_night([V_A, V_B], crew)
    route = earliest_schedule(night, crew, [V_B, V_A])
    assert route is not None
    assert timeline(route) == [("v-b", 25, 30, 50), ("v-a", 60, 60, 80)]
    assert (route.depart, route.return_at) == (5 * MIN, 90 * MIN)


def test_a_window_that_closes_before_the_crew_can_arrive_gives_no_schedule() -> None:
    """v-a must start by 5 min, 10 min from base."""
    crew = make_crew()
    early = make_call(id="v-a", place=1, earliest=0, latest=5 * MIN)
    assert earliest_schedule(road_night([early], crew), crew, [early]) is None


def test_an_order_the_windows_forbid_gives_no_schedule() -> None:
    """v-a (by 01:30) cannot come after a call that only starts at 02:00."""
    crew = make_crew()
    late = make_call(id="v-late", place=2, earliest=120 * MIN, latest=130 * MIN)
    night = road_night([V_A, late], crew)
    assert earliest_schedule(night, crew, [late, V_A]) is None
    assert earliest_schedule(night, crew, [V_A, late]) is not None


def test_a_schedule_that_returns_after_the_shift_is_refused() -> None:
    """A call 30 min out, care 60–80, is home at 110 min: too late for a 100-min shift."""
    far = make_call(id="v-far", place=3, earliest=60 * MIN, latest=70 * MIN)
    short = make_crew(shift_end=100 * MIN)
    long = make_crew(shift_end=110 * MIN)
    assert earliest_schedule(road_night([far], short), short, [far]) is None
    route = earliest_schedule(road_night([far], long), long, [far])
    assert route is not None
    assert route.return_at == 110 * MIN


def test_narrowed_windows_delay_the_start() -> None:
    """A window narrowed to 70–80 (say by an after-link) moves v-a from 60 to 70."""
    crew = make_crew()
    night = road_night([V_A], crew)
    route = earliest_schedule(night, crew, [V_A], {"v-a": Window(70 * MIN, 80 * MIN)})
    assert route is not None
    assert route.visits[0].start == 70 * MIN
    assert earliest_schedule(night, crew, [V_A], {"v-a": Window(95 * MIN, 99 * MIN)}) is None


def test_the_break_goes_in_the_leg_that_brings_the_crew_home_first() -> None:
    """Break 60–120 start: between v-a (ends 40) and v-b (starts 100) it costs nothing; after
    the break the crew drives on to reach v-b at 95, not straight after its rest at 90."""
    crew = make_crew(rest_break=make_break(minutes=30, earliest=60 * MIN, latest=120 * MIN))
    first = make_call(id="v-a", place=1, earliest=20 * MIN, latest=20 * MIN)
    second = make_call(id="v-b", place=2, earliest=100 * MIN, latest=100 * MIN)
    night = road_night([first, second], crew)
    route = earliest_schedule(night, crew, [first, second])
    assert route is not None
    assert route.rest_break == BreakSlot(60 * MIN, 90 * MIN)
    assert timeline(route) == [("v-a", 15, 20, 40), ("v-b", 95, 100, 120)]
    assert route.return_at == 140 * MIN
    assert_route_valid(night, route)


def test_a_break_that_fits_no_leg_gives_no_schedule() -> None:
    """Care from 00:00 to 02:00 covers every moment the break may start (0–90 min)."""
    crew = make_crew(
        shift_end=2 * HOUR, rest_break=make_break(minutes=30, earliest=0, latest=90 * MIN)
    )
    long_call = make_call(id="v-long", place=0, earliest=0, latest=0, minutes=120)
    assert earliest_schedule(road_night([long_call], crew), crew, [long_call]) is None


def test_a_crew_with_no_calls_drives_from_start_to_end_at_shift_start() -> None:
    """No visits, no break: leave at the shift start, arrive at the end point a drive later."""
    crew = make_crew(shift_start=HOUR, start_place=1, end_place=3)
    route = route_from_starts(road_night([], crew), crew, [], [], None, HOUR, 9 * HOUR)
    assert (route.depart, route.return_at) == (HOUR, HOUR + 20 * MIN)
    assert route.visits == ()


def test_a_crew_with_no_calls_still_takes_its_break_on_the_road() -> None:
    """Break 60–90: leave at 60, rest, drive 20 min, back at 110."""
    crew = make_crew(start_place=1, end_place=3, rest_break=make_break(earliest=HOUR))
    night = road_night([], crew)
    route = route_from_starts(night, crew, [], [], BreakSlot(HOUR, 90 * MIN), 0, 9 * HOUR)
    assert (route.depart, route.return_at) == (HOUR, 110 * MIN)
    assert route.rest_break == BreakSlot(HOUR, 90 * MIN)
    assert_route_valid(night, route)


def test_a_break_before_the_first_call_moves_the_departure_earlier() -> None:
    """Break 10–40, v-a 10 min out at 60: leave at 10, rest, reach the door at 55 for 60."""
    crew = make_crew(rest_break=make_break(minutes=30, earliest=10 * MIN, latest=60 * MIN))
    night = road_night([V_A], crew)
    route = route_from_starts(night, crew, [V_A], [60 * MIN], BreakSlot(10 * MIN, 40 * MIN), 0, 0)
    assert route.depart == 10 * MIN
    assert timeline(route) == [("v-a", 55, 60, 80)]
    assert route.return_at == 90 * MIN
    assert_route_valid(night, route)


def test_a_break_after_the_last_call_delays_the_return() -> None:
    """v-a ends at 80, break 85–115 on the 10-min drive home: back at 120."""
    crew = make_crew(rest_break=make_break(minutes=30, earliest=60 * MIN, latest=100 * MIN))
    night = road_night([V_A], crew)
    route = route_from_starts(night, crew, [V_A], [60 * MIN], BreakSlot(85 * MIN, 115 * MIN), 0, 0)
    assert route.return_at == 120 * MIN
    assert_route_valid(night, route)


def test_a_leg_with_little_slack_arrives_as_soon_as_the_drive_allows() -> None:
    """v-a ends 80, v-b 20 min on at 102: two minutes' slack, so the crew is there at 100."""
    crew = make_crew()
    second = make_call(id="v-b", place=3, earliest=100 * MIN, latest=200 * MIN)
    night = road_night([V_A, second], crew)
    route = route_from_starts(night, crew, [V_A, second], [60 * MIN, 102 * MIN], None, 0, 0)
    assert timeline(route) == [("v-a", 55, 60, 80), ("v-b", 100, 102, 122)]
    assert_route_valid(night, route)


def test_a_crew_whose_first_call_is_at_the_shift_start_leaves_then() -> None:
    """v-a 10 min out must start at 10, one shift start later: no time to settle in."""
    crew = make_crew()
    prompt = make_call(id="v-a", place=1, earliest=10 * MIN, latest=10 * MIN)
    night = road_night([prompt], crew)
    route = route_from_starts(night, crew, [prompt], [10 * MIN], None, 0, 0)
    assert route.depart == 0
    assert timeline(route) == [("v-a", 10, 10, 30)]
    assert_route_valid(night, route)


def test_the_most_valuable_round_leaves_out_the_standard_call_not_the_critical_one() -> None:
    """Break 40–70 start, 30 min. v-opt 20–40 at 10 min out, v-std 40–60 there too, v-crit
    at 80 a further 10 min on. All three leave no leg for the break; keeping the first two
    (as cutting call by call does) costs v-crit, while resting 40–70 after v-opt and
    driving on to reach v-crit at 80 costs only v-std."""
    crew = make_crew(rest_break=make_break(minutes=30, earliest=40 * MIN, latest=70 * MIN))
    optional = make_call(
        id="v-opt", place=1, earliest=20 * MIN, latest=20 * MIN, priority=Priority.OPTIONAL
    )
    standard = make_call(id="v-std", place=1, earliest=40 * MIN, latest=45 * MIN)
    critical = make_call(
        id="v-crit", place=2, earliest=80 * MIN, latest=80 * MIN, priority=Priority.CRITICAL
    )
    night = road_night([optional, standard, critical], crew)
    value = {Priority.CRITICAL: 100, Priority.STANDARD: 10, Priority.OPTIONAL: 1}
    kept = most_valuable_round(
        night, crew, [optional, standard, critical], lambda c: value[c.priority]
    )
    assert [c.id for c in kept] == ["v-opt", "v-crit"]
    route = earliest_schedule(night, crew, kept)
    assert route is not None
    assert route.rest_break == BreakSlot(40 * MIN, 70 * MIN)
    assert_route_valid(road_night(kept, crew), route)
    assert earliest_schedule(night, crew, [optional, standard]) is not None  # the greedy cut's


def test_the_most_valuable_round_of_a_round_that_fits_is_the_whole_round() -> None:
    """v-a then v-b leave the break a leg of its own (see the earliest schedule tests)."""
    crew = make_crew(rest_break=make_break(minutes=30, earliest=60 * MIN, latest=120 * MIN))
    first = make_call(id="v-a", place=1, earliest=20 * MIN, latest=20 * MIN)
    second = make_call(id="v-b", place=2, earliest=100 * MIN, latest=100 * MIN)
    night = road_night([first, second], crew)
    assert most_valuable_round(night, crew, [first, second], lambda c: 1) == [first, second]


def test_the_most_valuable_round_is_empty_when_no_call_leaves_room_for_the_break() -> None:
    """Care from 00:00 to 02:00 covers every moment the break may start (0–90 min)."""
    crew = make_crew(
        shift_end=3 * HOUR, rest_break=make_break(minutes=30, earliest=0, latest=90 * MIN)
    )
    long_call = make_call(id="v-long", place=0, earliest=0, latest=0, minutes=120)
    assert most_valuable_round(road_night([long_call], crew), crew, [long_call], lambda c: 1) == []


def test_care_moves_as_early_as_the_round_allows_with_the_break_kept_in_its_leg() -> None:
    """v-b (20 min out, opens 30) then v-a (opens 60), the break (rule 40–100) between them,
    all given late: v-b at 30, the break as soon as v-b ends (50) and its rule allows (40), so
    50–80, then the 10-min drive back to v-a: at 90."""
    crew = make_crew(rest_break=make_break(minutes=30, earliest=40 * MIN, latest=100 * MIN))
    v_a = make_call(id="v-a", place=1, earliest=60 * MIN, latest=200 * MIN, minutes=20)
    night = road_night([v_a, V_B], crew)
    late = route_from_starts(
        night, crew, [V_B, v_a], [70 * MIN, 170 * MIN], BreakSlot(90 * MIN, 120 * MIN), 0, 0
    )
    assert_route_valid(night, late)
    (early,) = earliest_care_starts(night, [late])
    assert [(v.call_id, v.start // MIN) for v in early.visits] == [("v-b", 30), ("v-a", 90)]
    assert early.rest_break == BreakSlot(50 * MIN, 80 * MIN)
    assert_route_valid(night, early)


def test_a_dependent_call_on_another_crew_holds_its_predecessor_within_the_gap() -> None:
    """v-b must start 0–30 min after v-a; v-a's crew could start it at 10, but v-b's crew cannot
    reach v-b before 45 (its shift starts at 35): v-a starts at 15, v-b at 45."""
    first = make_call(id="v-a", place=1, earliest=0, latest=200 * MIN, minutes=10)
    second = make_call(
        id="v-b",
        place=2,
        earliest=0,
        latest=200 * MIN,
        minutes=10,
        after=make_after(call="v-a", min_minutes=0, max_minutes=30),
    )
    early_crew, late_crew = make_crew(id="car-1"), make_crew(id="car-2", shift_start=25 * MIN)
    night = make_night(calls=[first, second], crews=[early_crew, late_crew], travel=ROAD)
    given = (
        route_from_starts(night, early_crew, [first], [100 * MIN], None, 0, 0),
        route_from_starts(night, late_crew, [second], [120 * MIN], None, 0, 0),
    )
    timed = earliest_care_starts(night, given)
    assert [(v.call_id, v.start // MIN) for r in timed for v in r.visits] == [
        ("v-a", 15),
        ("v-b", 45),
    ]
    plan = Plan(night.name, timed, (), PlanStats(travel_seconds=0, solve_seconds=0.0))
    assert check_plan(night, plan) == []
