"""A compiled ruin-and-recreate search over the night's own rules, as a start for OR-Tools.

OR-Tools' guided local search makes about 75 accepted moves a second on a 50-call night with
breaks and after-links; on nights packed to the edge of what the crews can do it needs 17-38 s
to find the plan that serves every call (bench/results/tune-typical-night.md). PyVRP is fast
but plans without breaks and links, and its routes lose calls when they are cut back to them.
This search (routing/_ruin_and_recreate.c: SISR string removals and crews trading evenings,
cheapest feasible reinsertion, simulated annealing) checks every candidate plan against every
rule of the spec itself, at thousands of rounds a second, so the routes it hands over keep
every rule as they are.

The C code is called through ctypes, which releases the interpreter lock while it runs.
"""

from __future__ import annotations

import ctypes
import itertools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from routing.model import Night, Priority

_I32 = ctypes.POINTER(ctypes.c_int32)
_I64 = ctypes.POINTER(ctypes.c_int64)
_U8 = ctypes.POINTER(ctypes.c_uint8)

# Simulated annealing from this temperature down to the last, in seconds of travel: a round
# that drives up to about the first more is taken on early in the search, hardly any late.
_HOT_SECONDS = 180.0
_COLD_SECONDS = 2.0
# SISR's average number of calls taken out per round (c-bar) and longest string (L-max).
_MEAN_REMOVED = 10
_LONGEST_STRING = 10
# How often a round's ruin starts at a critical or standard call left out, not a random call.
_UNPLACED_SEED_SHARE = 0.5

# A ruin's strings start at the calls nearest its first: near by the drive both ways plus
# this many seconds per second between their windows.
_TIME_WEIGHT = 1.0
# How often a round takes out every call whose window meets one call's (widened by up to the
# margin either side) instead of SISR's strings.
_WINDOW_RUIN_SHARE = 0.1
_WINDOW_MARGIN_SECONDS = 1800.0

# Of a search's time, what the searches of the critical calls alone, then of the critical and
# standard calls, then of every call may take at most (each ends once it places all its calls,
# or on its stall). On a tight night the placing decides where a search ends: seed 11's travel
# phase keeps the plan it is given, or one a few minutes shorter, in 7 placed plans of 7 (20
# travel phases of 0.1 s from each); so most of the time goes to placing (see _RESTART_SECONDS).
_PRIORITY_FIRST_SHARE = 0.75
# Those searches judge by calls placed, then by how often the calls left out were left out
# before; travel only breaks ties, so they may wander further.
_PLACING_HOT_SECONDS = 1800.0
_PLACING_COLD_SECONDS = 20.0
# Their ruins cut shorter strings: SISR's c-bar 15 and L-max 4 (10 and 10 for travel), so a
# round takes a string of at most 4 calls from each of a few crews. A call that will not fit
# needs room made beside it on each crew, not a crew's evening taken apart. On seed 11
# (2026-11-27 16:50-17:25 UTC), its standard calls all placed 13.5-16.7 times a second against
# 8.6-9.0; search alone, 1.7 s, 128 seeds: within 1 % of 492.3 in 47 and 45 runs (two seed
# blocks) against 21; the solver at 2 s, 96 solve seeds: 47 against 30; seeds 1, 2, 3, 5 and
# the 60-call nights as before.
_PLACING_MEAN_REMOVED = 15
_PLACING_LONGEST_STRING = 4
# ... and each ends when its best plan has not improved for this long: calls that cannot all
# be placed (most nights leave an optional call or two) leave the time to shorten travel.
_PLACING_STALL_SECONDS = 0.25
# ... and the placings of the calls above the lowest priority end by this share of the
# placing time, so that the placing of every call gets a third of it even on a night whose
# standard calls never all fit (there the standard placing used to take all of it, and 235
# of 300 fresh searches of night 111 left out an optional call more than its 60 s plan;
# 205 with this). Solver at 2 s, nights 101-120, solve seeds 0-2, against their 60 s plans
# (bench/results/tune-typical-night.md, 2026-11-28 05:00 UTC): 48 and 48 of 60 against 41
# and 43; search alone, nights 107, 111, 117: 30 of 192 against 12; seed 11 and the 20
# nights alike (30 against 29 of 128; 174 against 176 of 320). Only on nights of up to
# `restart_calls` calls: on 150 and 300 calls (bench.rural_nights, seeds 11, 1, 2, 2 and
# 10 s) it left out more calls in 9 runs of 12 and fewer in 2, whose placings need their time.
_PLACING_BEFORE_LAST = 2 / 3

# A night's good plans can lie far apart (none of the moves between them keeps every rule),
# and which one a search ends in is settled by its placing; so the time is spent on fresh
# searches of this long each, and the best is kept. On the 50-call nights
# (bench/results/tune-typical-night.md, 2026-11-27) 12 searches of 0.14 s beat one of 1.7 s:
# seed 5 served in full in 32 runs of 32 (18 of 32), seed 11 within 1 % of its best plan in
# 6 of 32 (0 of 32), the others as good or better. Then searches of 0.08 s, 75 % placing,
# against 0.15 s and 30 % (search alone, 1.7 s, 256 seeds): seed 11 within 1 % in 53 runs
# against 23; in the solver at 2 s, 30 of 96 solve seeds against 23 (mean 500.2 against
# 501.9 min); seeds 1, 2, 3, 5 and 60-call nights as good or better.
_RESTART_SECONDS = 0.08
# ... on a night of up to this many calls; a bigger night's searches take longer by the power
# below of the ratio (placing 300 calls takes far more rounds, each dearer, than placing 50):
# 0.42 s on 150 calls, 1.18 s on 300. Search alone, 1.7 s and 8.5 s, seeds 11, 1, 2, 4-8 runs
# each (2026-11-27 19:40 UTC): searches of 0.5-1.5 s left out the fewest standard calls on
# both sizes (150 calls, 1.7 s: 2.25 a run on seed 2 against 3.25 with 0.08 s searches and
# 3.62 with one search; 300 calls: one search and 0.5-1 s searches alike, 0.08 s worst).
_RESTART_CALLS = 50
_RESTART_GROWTH = 1.5
# Three of four fresh searches of seed 11 end their placing a standard call short, and the
# travel phase seldom finds it again; so a fresh search whose placing leaves out more than the
# best search so far ends there and leaves its time to the next. Search alone, 1.7 s, 128
# seeds (2026-11-27): every call placed as the 60 s plan in 128 runs (123 without), mean
# 506.4 min (510.6), within 1 % of 492.3 in 13 either way; seeds 1, 2, 3, 5 and the 60-call
# nights as before.
_GIVE_UP_BEHIND = True
# Which plan a search of seed 11 ends in is told as soon as its calls above optional are all
# placed: of 659 such fresh searches of 0.08 s (800 seeds, 2026-11-27 20:25 UTC) the 20 that
# ended within 1 % of 492.3 min all drove at most 502.4 min then, where 95 % drove more than
# 503.3; they are placed by 0.029 s (median), and the rest of the search only polishes. So a
# fresh search driving more than this share above the least drive any search had at that
# point ends there, and leaves its time to the next: about 1.4 times the searches a run.
# Search alone, 1.7 s, 128 seeds, within 1 % of 492.3 (blocks 20000 / 30000): 68 / 84
# against 60 / 60 without; 0.02: 69 / 82, 0.01: 77 / -, 0.05: 65 / -. The solver at 2 s, 96
# solve seeds: 82 against 62 on the same host; seeds 1, 2, 3, 5 and the 60-call nights as
# good or better. But on 20 nights it was not tuned on (generated seeds 101-120, each
# against its own 60 s plan, 2026-11-27 23:00 UTC) it cost more than it gave: search alone,
# 1.7 s, 8 seeds a night, two seed blocks, within 1 % in 99 and 96 of 160 runs at 3 %, 109
# and 105 without (8 %: 98 and 108; 5 %: 105); the solver at 2 s, solve seeds 0-2, 50 of 60
# runs without against 46 (15 of 20 nights met at all three seeds against 11). Seed 11
# reached 492.3 in 56 of 96 solve seeds without. So it is off (None) by default; on those
# nights the drive once placed tells less of where a search ends.
_GIVE_UP_DRIVING_MORE: float | None = None
# A bar that fits the night instead: a fresh search goes on past its placing only while it
# drives no further above the least than the searches that ended within 1 % of the best plan
# so far did then, plus 1 %, once 8 searches have run to their end (before that, none gives
# up). On seed 11 that comes to about 3 %; where good plans drove further apart once placed
# it is looser. The 20 nights above (search alone, two blocks of 160 runs): 101 and 107 met
# against 109 and 105 without a bar and 99 and 96 at 3 %; seed 11, 128 seeds: 81 against 51
# without. The solver at 2 s: the 20 nights 49 of 60 runs (50 without, 46 at 3 %); seed 11
# 75 of 96 solve seeds (56 without, 82 at 3 %).
# Where a standard call cannot be placed at all (nights 107, 111 and 117 of those 20), no
# search ever placed every call above optional, so until 2026-11-28 no bar applied there. The
# drive once placed is now compared among searches that left out as little as the least: on
# night 111 the 5 fresh searches of 400 that ended within 1 % of its 60 s plan all drove the
# least then, where 95 % drove 2.8 % or more above it; on 107 the good ones drove 0-2.2 %
# above, the median search 4.4 %. Measured neutral overall (search alone, two blocks of 160
# runs on the 20 nights: 91 and 88 against 90 and 87; the solver at 2 s 49 of 60 against
# 50; seed 11, 64 seeds, 29 against 27): on those nights a search's placing of the standard
# calls runs to its share of the time (it never places them all), whatever it drives after.
_LEARN_GIVE_UP_BAR = True
_LEARNED_BAR_AFTER = 8
_LEARNED_BAR_MARGIN = 0.01

# Two crews trading evenings (2-opt*: the crew of a random call and the crew of a call near
# it swap their routes from beside those two calls on, a string either side of each seam
# recreated) instead of SISR's strings, in this share of the rounds that shorten travel.
# Search alone, 1.7 s, nights 101-120, 8 seeds a night, three seed blocks
# (bench/results/tune-typical-night.md, 2026-11-28 07:05-09:00 UTC): 99, 102 and 104 of 160
# runs within 1 % of their 60 s plans against 91, 98 and 87 without (the other crew drawn at
# random and cut at the first call due later: 100, 103, 92; 0.1: 96; 0.5: 95 against 103);
# with the random crew, seed 11 within 1 % of 492.3, 64 seeds: 24 against 21; nights 107,
# 111, 116, 117, 24 seeds: 13 against 15 of 96. Solomon, 10 s: mean gap 0.24 % against 0.28 %
# (random crew: 0.31 %, worse on R1 and RC1, whose many crews are mostly far apart).
# In the placing searches it gave nothing more (0.3 there too: 100 of 160 against 103). The
# solver at 2 s on those nights, solve seeds 0-2: 51 of 60 (without: 49 and 42).
# It was off for a while: with it, a two-crew test night's first plan came out with one crew's
# round the other way about (the same drive), and the republished plan then moved 3 of 6
# visits by an hour (tests/data/services/test_publication.py), because OR-Tools' finalizer
# sent a crew out as late as it could. Every visit now starts as early as its round allows
# (route_timing.earliest_care_starts), whichever way the search found the round; with that
# rule (then in OR-Tools' finalizer), the solver at 2 s met the target in 50 of 60
# (2026-11-28 10:21 UTC).
_TAIL_EXCHANGE_SHARE = 0.3
_PLACING_TAIL_EXCHANGE_SHARE = 0.0


@dataclass(frozen=True, slots=True)
class SearchTuning:
    """The search's settings (the bench tries others)."""

    hot: float = _HOT_SECONDS
    cold: float = _COLD_SECONDS
    mean_removed: int = _MEAN_REMOVED
    longest_string: int = _LONGEST_STRING
    unplaced_seed_share: float = _UNPLACED_SEED_SHARE
    window_ruin_share: float = _WINDOW_RUIN_SHARE
    window_margin: float = _WINDOW_MARGIN_SECONDS
    time_weight: float = _TIME_WEIGHT
    priority_first_share: float = _PRIORITY_FIRST_SHARE
    # The placing searches anneal and ruin by these instead of hot, cold and the two above.
    placing_hot: float = _PLACING_HOT_SECONDS
    placing_cold: float = _PLACING_COLD_SECONDS
    placing_mean_removed: int = _PLACING_MEAN_REMOVED
    placing_longest_string: int = _PLACING_LONGEST_STRING
    placing_stall: float = _PLACING_STALL_SECONDS
    # ... ends the placings but the last, on nights of up to restart_calls calls
    placing_before_last: float = _PLACING_BEFORE_LAST
    restart_seconds: float = _RESTART_SECONDS  # 0: one search for all the time
    restart_calls: int = _RESTART_CALLS  # restart_seconds is for nights up to this many calls
    restart_growth: float = _RESTART_GROWTH  # and grows by this power of the ratio above it
    give_up_behind: bool = _GIVE_UP_BEHIND  # a fresh search placing less than the best ends
    # ... and one driving more than this share above the least drive once its placing of the
    # calls above optional ends, among searches leaving out as few of them (None: never)
    give_up_driving_more: float | None = _GIVE_UP_DRIVING_MORE
    # ... and without it, one driving further above it than the searches that ended nearest
    # the best plan did (see _learned_bar), once this many searches ran to their end
    learn_give_up_bar: bool = _LEARN_GIVE_UP_BAR
    learned_bar_after: int = _LEARNED_BAR_AFTER
    learned_bar_margin: float = _LEARNED_BAR_MARGIN
    # How often a round's ruin is two crews trading evenings (2-opt*), not SISR's strings:
    # in the search of travel, and in the placing searches.
    tail_exchange_share: float = _TAIL_EXCHANGE_SHARE
    placing_tail_exchange_share: float = _PLACING_TAIL_EXCHANGE_SHARE


class _NightArrays(ctypes.Structure):
    _fields_ = [
        ("calls", ctypes.c_int32),
        ("crews", ctypes.c_int32),
        ("places", ctypes.c_int32),
        ("travel", _I64),
        ("call_place", _I32),
        ("earliest", _I64),
        ("latest", _I64),
        ("duration", _I64),
        ("penalty", _I64),
        ("demand", _I64),
        ("rank", _I32),
        ("before", _I32),
        ("min_gap", _I64),
        ("max_gap", _I64),
        ("allowed", _U8),
        ("shift_start", _I64),
        ("shift_end", _I64),
        ("start_place", _I32),
        ("end_place", _I32),
        ("capacity", _I64),
        ("rest_duration", _I64),
        ("rest_earliest", _I64),
        ("rest_latest", _I64),
    ]


_BestFound = ctypes.CFUNCTYPE(None, ctypes.c_int32, ctypes.c_int64)
BestFound = Callable[[int, int], None]
"""Told of each better plan the search finds: calls left out (of those planned), travel."""


class _SearchRun(ctypes.Structure):
    _fields_ = [
        ("seconds", ctypes.c_double),
        ("seed", ctypes.c_uint64),
        ("hot", ctypes.c_double),
        ("cold", ctypes.c_double),
        ("mean_removed", ctypes.c_int32),
        ("longest_string", ctypes.c_int32),
        ("unplaced_seed_share", ctypes.c_double),
        ("window_ruin_share", ctypes.c_double),
        ("window_margin", ctypes.c_double),
        ("stop_when_all_placed", ctypes.c_int32),
        ("stall_seconds", ctypes.c_double),
        ("time_weight", ctypes.c_double),
        ("tail_exchange_share", ctypes.c_double),
        ("start_routes", _I32),
        ("start_lengths", _I32),
        ("routes", _I32),
        ("lengths", _I32),
        ("starts", _I64),
        ("rest_starts", _I64),
        ("best_found", _BestFound),
        ("rounds", ctypes.c_int64),
        ("accepted", ctypes.c_int64),
        ("unsound", ctypes.c_int64),
    ]


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    """The best plan the search found: routes, care start times and breaks, in seconds."""

    routes: dict[str, list[str]]  # crew id -> call ids in visiting order (every crew)
    starts: dict[str, int]  # call id -> when care starts, for calls on a route
    rest_starts: dict[str, int]  # crew id -> when its break starts, for crews with one
    rounds: int
    accepted: int
    unsound: int = 0  # better plans the search found breaking a rule and refused: a bug if any
    searches: int = 1  # fresh searches made (see SearchTuning.restart_seconds)
    # How the plan was judged once the search's placing of the calls above the lowest priority
    # ended, if it got that far: drop penalties of those left out, travel seconds (see
    # SearchTuning.give_up_driving_more).
    placed: tuple[int, int] | None = None
    # What ended it before its time: "behind" (its placing left out more than the best search
    # so far) or "driving" (it drove too far once placed), or None.
    gave_up: Literal["behind", "driving"] | None = None


@cache
def _library() -> Any:
    from routing import _ruin_and_recreate  # type: ignore[attr-defined]

    library = ctypes.CDLL(_ruin_and_recreate.__file__)
    library.night_search.argtypes = [ctypes.POINTER(_NightArrays), ctypes.POINTER(_SearchRun)]
    library.night_search.restype = ctypes.c_int
    for name, mirror in (("night_arrays_size", _NightArrays), ("search_run_size", _SearchRun)):
        getattr(library, name).restype = ctypes.c_int64
        if getattr(library, name)() != ctypes.sizeof(mirror):
            raise RuntimeError(f"routing/_ruin_and_recreate.c and {mirror.__name__} differ")
    return library


def _pointer(array: npt.NDArray[Any], kind: Any) -> Any:
    return array.ctypes.data_as(kind)


def ruin_and_recreate(
    night: Night,
    seconds: float,
    seed: int,
    penalties: Mapping[Priority, int],
    *,
    left_out: frozenset[str] | set[str] = frozenset(),
    pins: Mapping[str, str] | None = None,
    start: Mapping[str, Sequence[str]] | None = None,
    tuning: SearchTuning = SearchTuning(),
    stall_seconds: float | None = None,
    best_found: BestFound | None = None,
) -> SearchOutcome:
    """The best plan found in `seconds` of ruin and recreate, keeping every rule of the spec.

    `penalties` are the drop penalties by priority (the solver's); calls in `left_out` are not
    planned, and a pinned call (call id -> crew id) goes only to its crew. `start`, if given
    (crew id -> call ids), is where the search begins when it keeps every rule; else it begins
    from cheapest insertion. Judged like a plan: drop penalties, then travel. With
    `stall_seconds`, each search ends once its best plan has not improved for that long.
    `best_found` hears of better plans as they come (calls left out, travel seconds; the
    searches of the calls that matter most count only those), at most ten times a second.

    The calls that matter most are placed first: a search of the critical calls alone, then
    of the critical and standard ones, then of every call, each judged by calls placed and
    ending as soon as it places all of them (or after its share of
    `tuning.priority_first_share`, the searches before the last by `placing_before_last` of
    it on nights of up to `restart_calls` calls); the rest of the time shortens travel with
    every call. A plan that serves every standard call by driving an hour more beats any that
    leaves one out, and a search judged by travel rarely gives up the optional calls such a
    plan needs.

    Without `start`, the time goes to fresh searches of `tuning.restart_seconds` each (longer
    on nights of more than `tuning.restart_calls` calls), from
    seeds drawn from `seed`, and the best plan of them is kept (the last takes what is left;
    with `stall_seconds`, no search begins once the best has not improved for that long; with
    `tuning.give_up_behind`, one whose placing leaves out more than the best so far stops there,
    and with `tuning.give_up_driving_more`, one that drives too far above the least any search
    drove once its placing of the calls above the lowest priority ended leaving out as few of
    them; without it, with
    `tuning.learn_give_up_bar`, too far being learned from the searches that ended nearest the
    best plan).
    `best_found` hears the first search's plans, then each search's plan that is the best so
    far. From `start`, one search takes all the time.
    """
    restart = tuning.restart_seconds * max(1.0, len(night.calls) / tuning.restart_calls) ** (
        tuning.restart_growth
    )
    if start is not None or restart <= 0 or seconds < 2 * restart:
        return _one_start(
            night,
            seconds,
            seed,
            penalties,
            left_out=left_out,
            pins=pins,
            start=start,
            tuning=tuning,
            stall_seconds=stall_seconds,
            best_found=best_found,
        )
    began = time.perf_counter()
    best: SearchOutcome | None = None
    best_key = (0, 0)
    # The least drive once placed, among the searches whose placing left out least.
    least_placed: tuple[int, int] | None = None
    # Searches that went past placing the calls above the lowest priority without giving up on
    # their drive: how they were judged then, and how their plan was.
    completed: list[tuple[tuple[int, int], tuple[int, int]]] = []
    improved_at = began
    rounds = accepted = unsound = 0
    for attempt in itertools.count():
        now = time.perf_counter()
        left = seconds - (now - began)
        stalled = stall_seconds is not None and now - improved_at > stall_seconds
        if best is not None and (left <= 0 or stalled):
            break
        more = tuning.give_up_driving_more
        if more is None and tuning.learn_give_up_bar:
            more = _learned_bar(completed, best_key, least_placed, tuning)
        give_up_over = (
            (least_placed[0], int(least_placed[1] * (1 + more)))
            if more is not None and least_placed is not None
            else None
        )
        outcome = _one_start(
            night,
            left if left < 2 * restart else restart,
            seed * 1_000_003 + attempt,
            penalties,
            left_out=left_out,
            pins=pins,
            start=None,
            tuning=tuning,
            stall_seconds=stall_seconds,
            best_found=best_found if attempt == 0 else None,
            give_up_above=best_key[0] if best is not None and tuning.give_up_behind else None,
            give_up_over=give_up_over,
        )
        placed = outcome.placed
        if placed is not None and (least_placed is None or placed < least_placed):
            least_placed = placed
        rounds, accepted = rounds + outcome.rounds, accepted + outcome.accepted
        unsound += outcome.unsound
        key = outcome_key(night, penalties, left_out, outcome)
        if placed is not None and outcome.gave_up != "driving":
            completed.append((placed, key))
        if best is None or key < best_key:
            if best is not None and best_found is not None:
                best_found(_left_out_count(night, left_out, outcome), key[1])
            best, best_key, improved_at = outcome, key, time.perf_counter()
    assert best is not None
    return replace(best, rounds=rounds, accepted=accepted, unsound=unsound, searches=attempt)


def _learned_bar(
    completed: Sequence[tuple[tuple[int, int], tuple[int, int]]],
    best_key: tuple[int, int],
    least_placed: tuple[int, int] | None,
    tuning: SearchTuning,
) -> float | None:
    """How far above the least drive once placed a fresh search may be and go on: as far as
    the searches that ended within 1 % of the best plan were then, plus a margin. Only
    searches whose placing left out as little as the least count; None until
    `tuning.learned_bar_after` of them have run to their end."""
    if least_placed is None or not least_placed[1]:
        return None
    level, least = least_placed
    at_level = [(travel, key) for (dropped, travel), key in completed if dropped == level]
    if len(at_level) < tuning.learned_bar_after:
        return None
    near_best = [
        placed
        for placed, (dropped, travel) in at_level
        if dropped == best_key[0] and travel <= best_key[1] * 1.01
    ]
    if not near_best:
        return None
    return max(near_best) / least - 1 + tuning.learned_bar_margin


def _left_out_count(
    night: Night, left_out: frozenset[str] | set[str], outcome: SearchOutcome
) -> int:
    on_routes = {c for calls in outcome.routes.values() for c in calls}
    return sum(1 for c in night.calls if c.id not in on_routes and c.id not in left_out)


def outcome_key(
    night: Night,
    penalties: Mapping[Priority, int],
    left_out: frozenset[str] | set[str],
    outcome: SearchOutcome,
) -> tuple[int, int]:
    """How a search's plan is judged: drop penalties of the planned calls it leaves out, then
    travel in seconds (a plan without times, which never comes back, counts as all left out)."""
    on_routes = {c for calls in outcome.routes.values() for c in calls}
    if on_routes and not outcome.starts:
        on_routes = set()
    dropped = sum(
        penalties[c.priority] for c in night.calls if c.id not in on_routes and c.id not in left_out
    )
    travel = night.travel.seconds
    driven = 0
    for crew in night.crews:
        places = [night.calls[night.call_index[c]].place for c in outcome.routes.get(crew.id, [])]
        stops = [crew.start_place, *places, crew.end_place] if places else []
        driven += sum(int(travel[a][b]) for a, b in zip(stops, stops[1:], strict=False))
    return dropped, driven


def _one_start(
    night: Night,
    seconds: float,
    seed: int,
    penalties: Mapping[Priority, int],
    *,
    left_out: frozenset[str] | set[str] = frozenset(),
    pins: Mapping[str, str] | None = None,
    start: Mapping[str, Sequence[str]] | None = None,
    tuning: SearchTuning = SearchTuning(),
    stall_seconds: float | None = None,
    best_found: BestFound | None = None,
    give_up_above: int | None = None,
    give_up_over: tuple[int, int] | None = None,
) -> SearchOutcome:
    """One search from nothing (or from `start`): placing by priority, then travel.

    With `give_up_above`, a search whose placing leaves out calls worth more than that (the
    drop penalties of the best search so far) ends there, without shortening travel. With
    `give_up_over` (drop penalties, travel seconds), one whose placing of the calls above the
    lowest priority leaves out calls worth just that and drives further ends there too (its
    outcome's `placed` says how it stood then, and `gave_up` that it ended early).
    """
    began = time.perf_counter()
    ranks = sorted({c.priority.rank for c in night.calls if c.id not in left_out})
    # Placing the calls of each priority and above, then travel with every call.
    phases = [(rank, True) for rank in ranks] + [(ranks[-1] if ranks else 0, False)]
    if start is not None:
        # From a given plan, every call at once: a search of fewer calls would lose its order.
        phases = phases[-2:]
    outcome: SearchOutcome | None = None
    rounds = unsound = 0
    placed: tuple[int, int] | None = None
    gave_up: Literal["behind", "driving"] | None = None
    for depth, (rank, placing) in enumerate(phases):
        elapsed = time.perf_counter() - began
        # The placing of every call comes last but one, before the search of travel.
        last_placing = placing and depth == len(phases) - 2
        if placing:
            # One share for every placing search: what the first leaves, the next may use.
            budget = seconds * tuning.priority_first_share
            if not last_placing and len(night.calls) <= tuning.restart_calls:
                # Not the placing of every call: that one keeps the rest of the share.
                budget *= tuning.placing_before_last
        else:
            budget = seconds
        kept_out = set(left_out) | {c.id for c in night.calls if c.priority.rank > rank}
        outcome = _search(
            night,
            max(budget - elapsed, 0.0),
            seed + depth,
            penalties,
            left_out=kept_out,
            pins=pins or {},
            start=outcome.routes if outcome is not None else start,
            tuning=tuning,
            stop_when_all_placed=placing,
            stall_seconds=min(stall_seconds or math.inf, tuning.placing_stall)
            if placing
            else stall_seconds,
            best_found=best_found,
        )
        rounds, unsound = rounds + outcome.rounds, unsound + outcome.unsound
        if last_placing and give_up_above is not None:
            if outcome_key(night, penalties, left_out, outcome)[0] > give_up_above:
                gave_up = "behind"
                break
        if placing and depth == len(phases) - 3:
            # Every call above the lowest priority was to be placed: how many were, and how
            # far does the plan drive?
            placed = outcome_key(night, penalties, kept_out, outcome)
            over = give_up_over
            if over is not None and placed[0] == over[0] and placed[1] > over[1]:
                gave_up = "driving"
                break
    assert outcome is not None
    return replace(outcome, rounds=rounds, unsound=unsound, placed=placed, gave_up=gave_up)


def _search(
    night: Night,
    seconds: float,
    seed: int,
    penalties: Mapping[Priority, int],
    *,
    left_out: set[str] | frozenset[str],
    pins: Mapping[str, str],
    start: Mapping[str, Sequence[str]] | None,
    tuning: SearchTuning,
    stop_when_all_placed: bool,
    stall_seconds: float | None = None,
    best_found: BestFound | None = None,
) -> SearchOutcome:
    calls, crews = night.calls, night.crews
    count, crew_count = len(calls), len(crews)
    index = night.call_index
    uses_capacity = night.uses_capacity

    def int64(values: Sequence[int]) -> npt.NDArray[np.int64]:
        return np.ascontiguousarray(values, dtype=np.int64)

    def int32(values: Sequence[int]) -> npt.NDArray[np.int32]:
        return np.ascontiguousarray(values, dtype=np.int32)

    links = [c.after for c in calls]
    arrays: dict[str, npt.NDArray[Any]] = {
        "travel": np.ascontiguousarray(night.travel.seconds, dtype=np.int64),
        "call_place": int32([c.place for c in calls]),
        "earliest": int64([c.earliest for c in calls]),
        "latest": int64([c.latest for c in calls]),
        "duration": int64([c.duration for c in calls]),
        "penalty": int64([-1 if c.id in left_out else penalties[c.priority] for c in calls]),
        "demand": int64([night.demand_of(c) if uses_capacity else 0 for c in calls]),
        "rank": int32([c.priority.rank for c in calls]),
        "before": int32([index[a.call_id] if a is not None else -1 for a in links]),
        "min_gap": int64([a.min_gap if a is not None else 0 for a in links]),
        "max_gap": int64([a.max_gap if a is not None else 0 for a in links]),
        "allowed": np.ascontiguousarray(
            [
                [c.crew_can_take(crew) and pins.get(c.id, crew.id) == crew.id for crew in crews]
                for c in calls
            ]
            or np.zeros((0, crew_count)),
            dtype=np.uint8,
        ),
        "shift_start": int64([w.shift_start for w in crews]),
        "shift_end": int64([w.shift_end for w in crews]),
        "start_place": int32([w.start_place for w in crews]),
        "end_place": int32([w.end_place for w in crews]),
        "capacity": int64(
            [w.capacity if uses_capacity and w.capacity is not None else -1 for w in crews]
        ),
        "rest_duration": int64([w.rest_break.duration if w.rest_break else 0 for w in crews]),
        "rest_earliest": int64([w.rest_break.earliest if w.rest_break else 0 for w in crews]),
        "rest_latest": int64([w.rest_break.latest if w.rest_break else 0 for w in crews]),
    }
    kinds: dict[str, Any] = {field[0]: field[1] for field in _NightArrays._fields_}
    night_arrays = _NightArrays(
        calls=count,
        crews=crew_count,
        places=night.travel.size,
        **{name: _pointer(array, kinds[name]) for name, array in arrays.items()},
    )

    routes = np.zeros((max(crew_count, 1), max(count, 1)), dtype=np.int32)
    lengths = np.zeros(max(crew_count, 1), dtype=np.int32)
    starts = np.full(max(count, 1), -1, dtype=np.int64)
    rest_starts = np.full(max(crew_count, 1), -1, dtype=np.int64)
    t = tuning
    hot, cold, mean_removed, longest_string = (
        (t.placing_hot, t.placing_cold, t.placing_mean_removed, t.placing_longest_string)
        if stop_when_all_placed
        else (t.hot, t.cold, t.mean_removed, t.longest_string)
    )
    run = _SearchRun(
        seconds=max(seconds, 0.0),
        seed=seed & (2**64 - 1),
        hot=hot,
        cold=cold,
        mean_removed=mean_removed,
        longest_string=longest_string,
        unplaced_seed_share=tuning.unplaced_seed_share,
        window_ruin_share=tuning.window_ruin_share,
        window_margin=tuning.window_margin,
        stop_when_all_placed=stop_when_all_placed,
        stall_seconds=stall_seconds or 0.0,
        time_weight=tuning.time_weight,
        tail_exchange_share=t.placing_tail_exchange_share
        if stop_when_all_placed
        else t.tail_exchange_share,
        # Called from C, so an exception in it could not stop the search: it is printed.
        best_found=_BestFound(best_found) if best_found is not None else _BestFound(),
        routes=_pointer(routes, _I32),
        lengths=_pointer(lengths, _I32),
        starts=_pointer(starts, _I64),
        rest_starts=_pointer(rest_starts, _I64),
    )
    if start is not None:
        given = np.zeros_like(routes)
        given_lengths = np.zeros_like(lengths)
        for crew_id, call_ids in start.items():
            v = night.crew_index.get(crew_id)
            if v is None:
                continue
            known = [index[c] for c in call_ids if c in index][:count]
            given[v, : len(known)] = known
            given_lengths[v] = len(known)
        run.start_routes = _pointer(given, _I32)
        run.start_lengths = _pointer(given_lengths, _I32)
    _library().night_search(ctypes.byref(night_arrays), ctypes.byref(run))
    # The arrays must outlive the call: ctypes holds raw addresses, not the arrays.
    del arrays

    planned = {
        crew.id: [calls[int(c)].id for c in routes[v, : lengths[v]]] for v, crew in enumerate(crews)
    }
    return SearchOutcome(
        routes=planned,
        starts={calls[c].id: int(starts[c]) for c in range(count) if starts[c] >= 0},
        rest_starts={
            crew.id: int(rest_starts[v]) for v, crew in enumerate(crews) if rest_starts[v] >= 0
        },
        rounds=int(run.rounds),
        accepted=int(run.accepted),
        unsound=int(run.unsound),
    )
