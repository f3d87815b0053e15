"""Tests for drive times between a night's places (routing.travel)."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from geopy.distance import geodesic

from routing.model import Point, ProblemError
from routing.travel import TravelSettings, distinct_places, geodesic_km_matrix, travel_matrix

COUNTY = TravelSettings(speed_kmh=48, circuity=1.35, stop_minutes=3)


def county_points(count: int, seed: int) -> list[Point]:
    """Homes scattered over Shropshire and the Powys border, at 5 decimals like a problem file."""
    rng = random.Random(seed)
    return [
        Point(round(rng.uniform(52.2, 53.0), 5), round(rng.uniform(-3.6, -2.3), 5))
        for _ in range(count)
    ]


def spec_seconds(p: Point, q: Point, settings: TravelSettings) -> float:
    """The spec's rule, written out with geopy exactly as the format document states it."""
    if (p.lat, p.lon) == (q.lat, q.lon):
        return 0
    km = geodesic((p.lat, p.lon), (q.lat, q.lon)).km
    return round(km * settings.circuity / settings.speed_kmh * 3600) + settings.stop_minutes * 60


def test_every_drive_time_agrees_with_geopy_over_random_county_pairs() -> None:
    """Four hundred random pairs among 120 county homes get exactly the spec's seconds."""
    points = county_points(120, seed=11)
    matrix = travel_matrix(points, COUNTY)
    rng = random.Random(5)
    pairs = [(rng.randrange(120), rng.randrange(120)) for _ in range(400)]
    wrong = [
        (i, j, matrix(i, j), spec_seconds(points[i], points[j], COUNTY))
        for i, j in pairs
        if matrix(i, j) != spec_seconds(points[i], points[j], COUNTY)
    ]
    assert wrong == []


def test_drive_times_agree_with_geopy_for_other_speeds_and_circuities() -> None:
    """The agreement holds for every pair under settings unlike the county default."""
    points = county_points(18, seed=3)
    for settings in (
        TravelSettings(speed_kmh=45, circuity=1.3),
        TravelSettings(speed_kmh=55.5, circuity=1.41, stop_minutes=2.5),
        TravelSettings(speed_kmh=7, circuity=1.0, stop_minutes=0),
    ):
        matrix = travel_matrix(points, settings)
        expected = [[spec_seconds(p, q, settings) for q in points] for p in points]
        assert matrix.seconds.tolist() == expected


def test_identical_points_are_zero_apart_even_at_different_indices() -> None:
    """Two calls at one house need no drive and no stop allowance, wherever they sit."""
    home = Point(52.7077, -2.754)
    other = Point(52.86, -3.054)
    matrix = travel_matrix([home, other, Point(home.lat, home.lon)], COUNTY)
    assert matrix(0, 0) == matrix(1, 1) == 0
    assert matrix(0, 2) == matrix(2, 0) == 0
    assert matrix(0, 1) == matrix(2, 1) > 0


def test_the_stop_allowance_is_added_once_to_every_drive_between_different_points() -> None:
    """Raising stop_minutes from 0 to 3 adds exactly 180 s to every real drive and none to 0."""
    points = [*county_points(15, seed=8), Point(52.5, -2.8), Point(52.5, -2.8)]
    plain = travel_matrix(points, TravelSettings(speed_kmh=50, circuity=1.3)).seconds
    with_stop = travel_matrix(
        points, TravelSettings(speed_kmh=50, circuity=1.3, stop_minutes=3)
    ).seconds
    same = np.array([[p == q for q in points] for p in points])
    assert np.all(with_stop[same] == 0)
    assert np.all(with_stop[~same] - plain[~same] == 180)


def test_a_drive_time_within_a_hair_of_half_a_second_rounds_as_geopy_does() -> None:
    """Speed chosen so .5 s falls between geopy's and the fast path's distance: geopy wins."""
    p, q = Point(52.7077, -2.754), Point(52.3676, -2.7183)
    exact_km = geodesic((p.lat, p.lon), (q.lat, q.lon)).km
    fast_km = float(geodesic_km_matrix([p, q])[0, 1])
    assert fast_km != exact_km, "the two algorithms must differ in the last bits for this test"
    circuity = 1.3
    whole = 2000
    # The midpoint of the two distances maps to exactly whole + 0.5 seconds.
    speed = (exact_km + fast_km) / 2 * circuity * 3600 / (whole + 0.5)
    settings = TravelSettings(speed_kmh=speed, circuity=circuity)
    exact_raw = exact_km * circuity / speed * 3600
    fast_raw = fast_km * circuity / speed * 3600
    assert round(exact_raw) != round(fast_raw), "the case must straddle the rounding boundary"
    assert travel_matrix([p, q], settings)(0, 1) == round(exact_raw) == spec_seconds(p, q, settings)


def test_nearly_antipodal_points_fall_back_to_geopy() -> None:
    """Where the fast formula does not converge the entry is still geopy's drive time."""
    p, q = Point(0.0, 0.0), Point(0.5, 179.7)
    assert math.isnan(geodesic_km_matrix([p, q])[0, 1])
    settings = TravelSettings(speed_kmh=900, circuity=1.0, stop_minutes=1)
    matrix = travel_matrix([p, q], settings)
    assert matrix(0, 1) == matrix(1, 0) == spec_seconds(p, q, settings)


def test_geodesic_distances_of_no_points_are_an_empty_matrix() -> None:
    """An empty night has an empty 0 × 0 distance matrix and travel matrix."""
    assert geodesic_km_matrix([]).shape == (0, 0)
    assert travel_matrix([], COUNTY).size == 0


@pytest.mark.parametrize(
    ("field", "settings"),
    [
        ("travel.speed_kmh", {"speed_kmh": 0}),
        ("travel.speed_kmh", {"speed_kmh": -48}),
        ("travel.speed_kmh", {"speed_kmh": math.nan}),
        ("travel.circuity", {"speed_kmh": 48, "circuity": 0.9}),
        ("travel.circuity", {"speed_kmh": 48, "circuity": math.nan}),
        ("travel.stop_minutes", {"speed_kmh": 48, "stop_minutes": -1}),
        ("travel.stop_minutes", {"speed_kmh": 48, "stop_minutes": math.nan}),
    ],
)
def test_bad_travel_settings_are_refused_naming_the_field(
    field: str, settings: dict[str, float]
) -> None:
    """Each impossible setting raises a ProblemError whose path is the offending key."""
    with pytest.raises(ProblemError) as refused:
        TravelSettings(**settings)
    assert refused.value.path == field


def test_distinct_places_keeps_first_seen_order_and_maps_every_point() -> None:
    """Repeated homes share one place index; places appear in the order first met."""
    a, b, c = Point(52.1, -2.1), Point(52.2, -2.2), Point(52.3, -2.3)
    places, place_of = distinct_places([b, a, Point(52.2, -2.2), c, a])
    assert places == [b, a, c]
    assert place_of == [0, 1, 0, 2, 1]


def test_one_degree_along_the_equator_by_hand() -> None:
    """On the equator one degree of longitude is a x pi / 180 = 111.319491 km (a = 6378137 m).
    At 60 km/h with circuity 1.5 that is 111.319491 x 1.5 / 60 x 3600 = 10018.754 s, rounded
    to 10019, plus a 2.25-minute stop (135 s): 10154 s, the same both ways."""
    settings = TravelSettings(speed_kmh=60, circuity=1.5, stop_minutes=2.25)
    matrix = travel_matrix([Point(0.0, 0.0), Point(0.0, 1.0)], settings)
    assert 6378137 * math.pi / 180 == pytest.approx(111319.491, abs=1e-3)
    assert matrix(0, 1) == matrix(1, 0) == 10019 + 135


def test_a_fractional_stop_allowance_rounds_up_to_whole_seconds() -> None:
    """The allowance is never under the spec's stop_minutes × 60, so a leg planned as tight
    as its travel still holds the spec's travel to the fraction: 0.25 min adds 15 s, 0.3333
    adds 20 s (19.998), 2.32 adds 140 s (139.2, which rounding made 139), 2.2 adds 132 s
    (2.2 × 60 is 132.00000000000003 in floating point)."""
    points = [Point(52.5, -2.8), Point(52.6, -2.8)]
    plain = travel_matrix(points, TravelSettings(speed_kmh=50))(0, 1)
    added = [
        travel_matrix(points, TravelSettings(speed_kmh=50, stop_minutes=stop))(0, 1) - plain
        for stop in (0.25, 0.3333, 2.32, 2.2)
    ]
    assert added == [15, 20, 140, 132]
    assert TravelSettings(speed_kmh=50, stop_minutes=2.32).seconds_for_km(10.0) == 720 + 140
