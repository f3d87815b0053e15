"""The plan validator on small nights that can be checked by hand.

The base night: a base (place 0) and three clients (places 1-3); times in seconds from the
night's start, no clock unless a test says so. car-1 is two women, one with medication;
car-2 is a man with catheter and a woman. The good plan sends car-1 to v-a then v-b and
leaves the optional v-c unassigned:

    car-1  depart 2400 -> v-a arrive 3000, care 3600-5400 -> v-b arrive 5700, care 7200-8400
           -> back 9300   (drives 600 + 300 + 900 = 1800 s)
"""

from __future__ import annotations

from datetime import date, time

from routing.clock import NightClock
from routing.model import AfterLink, BreakRule, Call, Carer, Crew, Night, Priority, TravelMatrix
from routing.plan import BreakSlot, Plan, PlanStats, Route, Unassigned, Visit
from routing.validate import PlanScore, Violation, check_plan, is_feasible, score_plan

TRAVEL = TravelMatrix(
    [
        [0, 600, 900, 1200],
        [600, 0, 300, 700],
        [900, 300, 0, 400],
        [1200, 700, 400, 0],
    ]
)
SHIFT_END = 32400


def make_crew(
    *,
    crew_id: str = "car-1",
    shift_start: int = 0,
    rest_break: BreakRule | None = None,
    capacity: int | None = None,
) -> Crew:
    """car-1 (F with medication, F) or car-2 (M with catheter, F) with the given extras."""
    if crew_id == "car-1":
        carers = (Carer("k-anne", "F", frozenset({"medication"})), Carer("k-beth", "F"))
    else:
        carers = (Carer("k-carl", "M", frozenset({"catheter"})), Carer("k-dora", "F"))
    return Crew(
        id=crew_id,
        carers=carers,
        shift_start=shift_start,
        shift_end=SHIFT_END,
        rest_break=rest_break,
        capacity=capacity,
    )


def make_night(
    *,
    crews: tuple[Crew, ...] | None = None,
    v_b_gender: str | None = None,
    v_b_after: AfterLink | None = None,
    v_c_after: AfterLink | None = None,
    v_a_demand: int | None = None,
) -> Night:
    """The base night, with optional changes to its calls and crews."""
    calls = (
        Call(
            "v-a",
            "p-1",
            place=1,
            earliest=3600,
            latest=5400,
            duration=1800,
            priority=Priority.CRITICAL,
            skills=frozenset({"medication"}),
            demand=v_a_demand,
        ),
        Call(
            "v-b",
            "p-2",
            place=2,
            earliest=7200,
            latest=9000,
            duration=1200,
            gender=v_b_gender,
            after=v_b_after,
        ),
        Call(
            "v-c",
            "p-3",
            place=3,
            earliest=3600,
            latest=30000,
            duration=900,
            priority=Priority.OPTIONAL,
            after=v_c_after,
        ),
    )
    if crews is None:
        crews = (make_crew(), make_crew(crew_id="car-2"))
    return Night("base-night", crews, calls, TRAVEL)


V_A = Visit("v-a", arrive=3000, start=3600, end=5400)
V_B = Visit("v-b", arrive=5700, start=7200, end=8400)
LEAVE_V_C = (Unassigned("v-c", "no crew is free 01:00-08:00"),)


def make_plan(
    *routes: Route,
    unassigned: tuple[Unassigned, ...] = LEAVE_V_C,
    problem: str = "base-night",
) -> Plan:
    """A plan of these routes; stats claim zero travel so nothing can lean on them."""
    return Plan(problem, routes, unassigned, PlanStats(travel_seconds=0, solve_seconds=0.0))


def good_route(
    *,
    crew_id: str = "car-1",
    depart: int = 2400,
    return_at: int = 9300,
    visits: tuple[Visit, ...] = (V_A, V_B),
    rest_break: BreakSlot | None = None,
) -> Route:
    """car-1's route of the module docstring, with some fields changed."""
    return Route(crew_id, depart, return_at, visits, rest_break)


def rules(violations: list[Violation]) -> list[str]:
    """The rule codes of the violations, in order."""
    return [v.rule for v in violations]


def test_the_hand_checked_plan_is_feasible() -> None:
    """The plan of the module docstring breaks no rule."""
    night = make_night()
    plan = make_plan(good_route())
    assert check_plan(night, plan) == []
    assert is_feasible(night, plan)


def test_a_plan_for_another_problem_is_refused() -> None:
    """A plan naming a different problem is a 'problem' violation."""
    violations = check_plan(make_night(), make_plan(good_route(), problem="other-night"))
    assert rules(violations) == ["problem"]
    assert not is_feasible(make_night(), make_plan(good_route(), problem="other-night"))


def test_a_call_missing_from_the_plan_breaks_coverage() -> None:
    """Dropping v-c from both routes and unassigned is a 'coverage' violation for v-c."""
    violations = check_plan(make_night(), make_plan(good_route(), unassigned=()))
    assert rules(violations) == ["coverage"]
    assert violations[0].call_id == "v-c"


def test_a_call_both_visited_and_unassigned_is_a_duplicate() -> None:
    """v-a on car-1's route and also unassigned is one 'duplicate' violation naming v-a."""
    unassigned = (*LEAVE_V_C, Unassigned("v-a", "no medication carer"))
    violations = check_plan(make_night(), make_plan(good_route(), unassigned=unassigned))
    assert rules(violations) == ["duplicate"]
    assert violations[0].call_id == "v-a"
    assert "2 times" in violations[0].message


def test_a_crew_with_two_routes_is_a_duplicate() -> None:
    """A second, empty route for car-1 is a 'duplicate' violation naming car-1."""
    second = Route("car-1", depart=10000, return_at=10000)
    violations = check_plan(make_night(), make_plan(good_route(), second))
    assert rules(violations) == ["duplicate"]
    assert violations[0].crew_id == "car-1"


def test_a_call_the_night_does_not_have_is_unknown() -> None:
    """An unassigned v-zz and a visit to v-yy are each an 'unknown-call' violation."""
    stray = Visit("v-yy", arrive=5400, start=5400, end=5500)
    route = good_route(visits=(V_A, stray, V_B))
    unassigned = (*LEAVE_V_C, Unassigned("v-zz", "typo"))
    violations = check_plan(make_night(), make_plan(route, unassigned=unassigned))
    assert sorted(rules(violations)) == ["unknown-call", "unknown-call"]
    assert {v.call_id for v in violations} == {"v-yy", "v-zz"}


def test_a_route_for_a_crew_the_night_does_not_have_is_unknown() -> None:
    """A route for car-9 is an 'unknown-crew' violation naming car-9."""
    stray = Route("car-9", depart=0, return_at=0)
    violations = check_plan(make_night(), make_plan(good_route(), stray))
    assert rules(violations) == ["unknown-crew"]
    assert violations[0].crew_id == "car-9"


def test_an_unassigned_call_needs_a_reason() -> None:
    """Leaving v-c unassigned with a blank reason is a 'reason' violation."""
    violations = check_plan(
        make_night(), make_plan(good_route(), unassigned=(Unassigned("v-c", "  "),))
    )
    assert rules(violations) == ["reason"]


def test_care_starting_before_the_window_breaks_the_window() -> None:
    """Care for v-a at 3000 s, before its 3600-5400 window, is a 'window' violation."""
    early = Visit("v-a", arrive=3000, start=3000, end=4800)
    violations = check_plan(make_night(), make_plan(good_route(visits=(early, V_B))))
    assert rules(violations) == ["window"]
    assert violations[0].call_id == "v-a"
    assert "3000 s" in violations[0].message
    assert "3600 s-5400 s" in violations[0].message


def test_arriving_after_care_starts_is_out_of_order() -> None:
    """Arriving at v-a at 3700 s when care starts at 3600 s is an 'order' violation."""
    late = Visit("v-a", arrive=3700, start=3600, end=5400)
    violations = check_plan(make_night(), make_plan(good_route(visits=(late, V_B))))
    assert rules(violations) == ["order"]


def test_reaching_the_next_call_before_leaving_the_last_is_out_of_order() -> None:
    """Arriving at v-b at 5300 s, before v-a ends at 5400 s, is an 'order' violation."""
    overlapping = Visit("v-b", arrive=5300, start=7200, end=8400)
    violations = check_plan(make_night(), make_plan(good_route(visits=(V_A, overlapping))))
    assert rules(violations) == ["order"]


def test_care_shorter_than_the_call_breaks_duration() -> None:
    """Ending v-b at 8300 s when its 1200 s care started at 7200 s is a 'duration' violation."""
    short = Visit("v-b", arrive=5700, start=7200, end=8300)
    violations = check_plan(make_night(), make_plan(good_route(visits=(V_A, short))))
    assert rules(violations) == ["duration"]
    assert violations[0].call_id == "v-b"


def test_a_leg_shorter_than_its_drive_breaks_travel() -> None:
    """Leaving base at 2500 s for v-a (a 600 s drive) to arrive at 3000 s is a 'travel' one."""
    violations = check_plan(make_night(), make_plan(good_route(depart=2500)))
    assert rules(violations) == ["travel"]
    assert "10 min of driving" in violations[0].message


def test_the_last_leg_home_must_leave_time_to_drive() -> None:
    """Returning at 9000 s, 600 s after v-b ends but 900 s from base, is a 'travel' violation."""
    violations = check_plan(make_night(), make_plan(good_route(return_at=9000)))
    assert rules(violations) == ["travel"]


def test_leaving_before_or_returning_after_the_shift_breaks_it() -> None:
    """Leaving at 2300 s on a shift from 2400 s, or returning after 32400 s, is a 'shift' one."""
    night = make_night(crews=(make_crew(shift_start=2400),))
    assert check_plan(night, make_plan(good_route())) == []
    assert rules(check_plan(night, make_plan(good_route(depart=2300)))) == ["shift"]
    assert rules(check_plan(night, make_plan(good_route(return_at=33000)))) == ["shift"]


BREAK_AFTER_V_B = BreakRule(duration=1800, earliest=9000, latest=12000)


def test_a_break_taken_on_the_way_home_is_feasible() -> None:
    """A 1800 s break 9000-10800 in the 2700 s leg home (900 s drive) breaks nothing."""
    night = make_night(crews=(make_crew(rest_break=BREAK_AFTER_V_B),))
    route = good_route(return_at=11100, rest_break=BreakSlot(9000, 10800))
    assert check_plan(night, make_plan(route)) == []


def test_a_crew_with_a_break_rule_that_goes_out_must_take_it() -> None:
    """car-1 has a break rule and a route but no break: one 'break' violation."""
    night = make_night(crews=(make_crew(rest_break=BREAK_AFTER_V_B),))
    violations = check_plan(night, make_plan(good_route(return_at=11100)))
    assert rules(violations) == ["break"]
    assert "takes no break" in violations[0].message


def test_a_crew_with_a_break_rule_and_no_route_takes_no_break() -> None:
    """car-2 has a break rule but no route: every crew that has a break takes it, so one
    'break' violation naming car-2; car-3, with no break rule and no route, is fine."""
    crews = (
        make_crew(),
        make_crew(crew_id="car-2", rest_break=BREAK_AFTER_V_B),
        make_crew(crew_id="car-3"),
    )
    violations = check_plan(make_night(crews=crews), make_plan(good_route()))
    assert rules(violations) == ["break"]
    assert violations[0].crew_id == "car-2"
    assert "car-2 has no route, so takes no break" in violations[0].message


def test_a_crew_that_cannot_go_out_at_all_is_not_asked_for_its_break() -> None:
    """car-2 starts at base and ends at place 3 (1200 s away) with a 1800-s break from 0: in a
    shift of 2999 s no plan could send it out, so its missing route is no violation; in a
    shift of 3000 s it could, so its missing route is one."""
    carers = (Carer("k-carl", "M"), Carer("k-dora", "F"))
    for shift_end, expected in ((2999, []), (3000, ["break"])):
        car2 = Crew(
            id="car-2",
            carers=carers,
            shift_start=0,
            shift_end=shift_end,
            start_place=0,
            end_place=3,
            rest_break=BreakRule(duration=1800, earliest=0, latest=0),
        )
        night = make_night(crews=(make_crew(), car2))
        assert rules(check_plan(night, make_plan(good_route()))) == expected


def test_an_empty_route_still_counts_as_going_out() -> None:
    """car-2 with a break rule and a route of no visits must take its break."""
    crews = (make_crew(), make_crew(crew_id="car-2", rest_break=BREAK_AFTER_V_B))
    idle = Route("car-2", depart=0, return_at=0)
    violations = check_plan(make_night(crews=crews), make_plan(good_route(), idle))
    assert rules(violations) == ["break"]
    assert violations[0].crew_id == "car-2"


def test_a_break_for_a_crew_without_a_break_rule_is_refused() -> None:
    """car-1 has no break rule, so a break on its route is a 'break' violation."""
    route = good_route(return_at=11100, rest_break=BreakSlot(9000, 10800))
    assert rules(check_plan(make_night(), make_plan(route))) == ["break"]


def test_a_break_of_the_wrong_length_is_refused() -> None:
    """A 1200 s break when the rule says 1800 s is a 'break' violation."""
    night = make_night(crews=(make_crew(rest_break=BREAK_AFTER_V_B),))
    route = good_route(return_at=11100, rest_break=BreakSlot(9000, 10200))
    violations = check_plan(night, make_plan(route))
    assert rules(violations) == ["break"]
    assert "must last 30 min" in violations[0].message


def test_a_break_starting_outside_its_window_is_refused() -> None:
    """A break starting at 8500 s when it may start 9000-12000 s is a 'break' violation."""
    night = make_night(crews=(make_crew(rest_break=BREAK_AFTER_V_B),))
    route = good_route(return_at=11100, rest_break=BreakSlot(8500, 10300))
    assert rules(check_plan(night, make_plan(route))) == ["break"]


def test_a_break_during_a_visit_is_refused() -> None:
    """A break 7000-8800 s across v-b's care 7200-8400 s is a 'break' violation naming v-b."""
    rule = BreakRule(duration=1800, earliest=3600, latest=12000)
    night = make_night(crews=(make_crew(rest_break=rule),))
    route = good_route(rest_break=BreakSlot(7000, 8800))
    violations = check_plan(night, make_plan(route))
    assert rules(violations) == ["break"]
    assert "overlaps call v-b" in violations[0].message


def test_a_break_while_waiting_at_a_door_is_not_in_a_leg() -> None:
    """Resting 5800-7000 s while waiting at v-b is refused; resting on the road before is not."""
    rule = BreakRule(duration=1200, earliest=5400, latest=6000)
    night = make_night(crews=(make_crew(rest_break=rule),))
    at_the_door = good_route(rest_break=BreakSlot(5800, 7000))
    assert rules(check_plan(night, make_plan(at_the_door))) == ["break"]
    later_arrival = Visit("v-b", arrive=7000, start=7200, end=8400)
    on_the_road = good_route(visits=(V_A, later_arrival), rest_break=BreakSlot(5500, 6700))
    assert check_plan(night, make_plan(on_the_road)) == []


def test_a_leg_must_hold_its_drive_and_its_break() -> None:
    """A 2600 s leg home holding a 1800 s break and a 900 s drive is a 'travel' violation."""
    night = make_night(crews=(make_crew(rest_break=BREAK_AFTER_V_B),))
    route = good_route(return_at=11000, rest_break=BreakSlot(9000, 10800))
    violations = check_plan(night, make_plan(route))
    assert rules(violations) == ["travel"]
    assert "30 min break" in violations[0].message


def test_a_crew_without_the_skill_cannot_take_the_call() -> None:
    """car-2 has nobody with medication, so taking v-a is a 'skill' violation."""
    violations = check_plan(make_night(), make_plan(good_route(crew_id="car-2")))
    assert rules(violations) == ["skill"]
    assert (violations[0].call_id, violations[0].crew_id) == ("v-a", "car-2")
    assert "medication" in violations[0].message


def test_a_mixed_crew_cannot_take_a_call_for_two_women() -> None:
    """v-b asks for F carers: car-1 (F, F) may take it, car-2 (M, F) may not."""
    night = make_night(v_b_gender="F")
    assert check_plan(night, make_plan(good_route())) == []
    only_v_a = good_route(visits=(V_A,), return_at=6000)
    straight_to_v_b = Visit("v-b", arrive=7200, start=7200, end=8400)
    v_b_by_car_2 = Route("car-2", depart=6300, return_at=9300, visits=(straight_to_v_b,))
    violations = check_plan(night, make_plan(only_v_a, v_b_by_car_2))
    assert rules(violations) == ["gender"]
    assert (violations[0].call_id, violations[0].crew_id) == ("v-b", "car-2")


def test_a_follow_up_call_must_keep_its_gap() -> None:
    """v-b starts 3600 s after v-a: fine for a 3000-4000 s gap, an 'after' one for 3700-4000 s."""
    fits = make_night(v_b_after=AfterLink("v-a", min_gap=3000, max_gap=4000))
    assert check_plan(fits, make_plan(good_route())) == []
    too_soon = make_night(v_b_after=AfterLink("v-a", min_gap=3700, max_gap=4000))
    violations = check_plan(too_soon, make_plan(good_route()))
    assert rules(violations) == ["after"]
    assert violations[0].call_id == "v-b"


def test_a_follow_up_call_needs_its_first_call_planned() -> None:
    """v-c follows v-a; planning v-c with v-a unassigned is an 'after' violation."""
    night = make_night(v_c_after=AfterLink("v-a", min_gap=0, max_gap=30000))
    v_c = Visit("v-c", arrive=3900, start=3900, end=4800)
    route = Route("car-1", depart=2700, return_at=6000, visits=(v_c,))
    unassigned = (Unassigned("v-a", "kept free"), Unassigned("v-b", "kept free"))
    violations = check_plan(night, make_plan(route, unassigned=unassigned))
    assert rules(violations) == ["after"]
    assert violations[0].call_id == "v-c"


def test_a_follow_up_gap_is_checked_across_crews() -> None:
    """v-c on car-2 follows v-a on car-1 by 1800-3600 s: 2400 s passes, 3900 s does not."""
    night = make_night(v_c_after=AfterLink("v-a", min_gap=1800, max_gap=3600))
    in_gap = Route(
        "car-2",
        depart=4600,
        return_at=8100,
        visits=(Visit("v-c", arrive=5800, start=6000, end=6900),),
    )
    assert check_plan(night, make_plan(good_route(), in_gap, unassigned=())) == []
    too_late = Route(
        "car-2",
        depart=4600,
        return_at=9600,
        visits=(Visit("v-c", arrive=5800, start=7500, end=8400),),
    )
    violations = check_plan(night, make_plan(good_route(), too_late, unassigned=()))
    assert rules(violations) == ["after"]
    assert (violations[0].call_id, violations[0].crew_id) == ("v-c", "car-2")


def test_a_crew_cannot_take_more_demand_than_its_capacity() -> None:
    """v-a demands 3 and v-b the default 1: capacity 4 holds them, capacity 3 does not."""
    roomy = make_night(crews=(make_crew(capacity=4),), v_a_demand=3)
    assert check_plan(roomy, make_plan(good_route())) == []
    tight = make_night(crews=(make_crew(capacity=3),), v_a_demand=3)
    violations = check_plan(tight, make_plan(good_route()))
    assert rules(violations) == ["capacity"]
    assert "demand 4" in violations[0].message


def test_the_score_is_recomputed_from_the_routes() -> None:
    """The good plan scores (0, 0, 1, 1800) although its stats claim zero travel."""
    assert score_plan(make_night(), make_plan(good_route())) == PlanScore(0, 0, 1, 1800)


def test_the_score_counts_unplanned_calls_even_when_not_listed() -> None:
    """A plan that forgets to list v-c as unassigned still scores it as unassigned."""
    assert score_plan(make_night(), make_plan(good_route(), unassigned=())).optional_unassigned == 1


def test_an_unassigned_critical_call_outweighs_any_travel() -> None:
    """Leaving critical v-a out is worse than planning it, however far the crew drives."""
    night = make_night()
    v_c = Visit("v-c", arrive=8800, start=8800, end=9700)
    everything = good_route(visits=(V_A, V_B, v_c), return_at=10900)
    assert check_plan(night, make_plan(everything, unassigned=())) == []
    with_v_a = score_plan(night, make_plan(everything, unassigned=()))
    only_v_b = good_route(visits=(V_B,), depart=4800)
    unassigned = (*LEAVE_V_C, Unassigned("v-a", "no carer"))
    without_v_a = score_plan(night, make_plan(only_v_b, unassigned=unassigned))
    assert with_v_a == PlanScore(0, 0, 0, 2500)
    assert without_v_a == PlanScore(1, 0, 1, 1800)
    assert with_v_a < without_v_a


def test_messages_show_local_times_across_the_october_clock_change() -> None:
    """On 2027-10-30 local 06:30 is 34200 s after 22:00 BST, and messages say 06:30, not 07:30."""
    clock = NightClock(date(2027, 10, 30), time(22, 0), "Europe/London")
    assert clock.seconds(time(6, 30)) == 34200
    shift_end = clock.seconds(time(7, 0))
    crew = Crew(
        "car-1",
        (Carer("k-anne", "F"), Carer("k-beth", "F")),
        shift_start=0,
        shift_end=shift_end,
    )
    call = Call(
        "v-dawn",
        "p-1",
        place=1,
        earliest=clock.seconds(time(6, 0)),
        latest=clock.seconds(time(6, 30)),
        duration=900,
    )
    night = Night("dst-night", (crew,), (call,), TravelMatrix([[0, 300], [300, 0]]), clock)

    def dawn_route(start: int) -> Route:
        visit = Visit("v-dawn", arrive=start - 300, start=start, end=start + 900)
        return Route("car-1", depart=start - 600, return_at=start + 1200, visits=(visit,))

    def dawn_plan(start: int) -> Plan:
        return Plan("dst-night", (dawn_route(start),), (), PlanStats(0, 0.0))

    assert check_plan(night, dawn_plan(34200)) == []
    violations = check_plan(night, dawn_plan(34800))
    assert rules(violations) == ["window"]
    assert "06:40" in violations[0].message
    assert "06:00-06:30" in violations[0].message
    assert "07:40" not in violations[0].message
    late_home = check_plan(night, dawn_plan(36000))
    assert rules(late_home) == ["window", "shift"]
    assert "returns at 07:20, after its shift ends at 07:00" in late_home[1].message
