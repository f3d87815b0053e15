"""Drive times between a night's places, by the spec's rule.

travel = round(geodesic_km × circuity / speed_kmh × 3600) + stop_minutes × 60, or 0 when both
points are the same. Geodesic is the WGS-84 ellipsoid distance as `geopy.distance.geodesic`
computes it. One geopy call per pair is far too slow for a few hundred places (about 40 µs
each), so the whole matrix is computed at once with Vincenty's inverse formula in numpy, which
agrees with geopy's Karney algorithm to well under a millimetre at county scale. Only pairs
whose drive time lands within a hair of a rounding boundary, and pairs where Vincenty does not
converge, are recomputed with geopy itself, so every entry is exactly what geopy would give.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from geopy.distance import geodesic

from routing.model import Point, ProblemError, TravelMatrix, whole_seconds

_A = 6378137.0
_F = 1 / 298.257223563
_B = (1 - _F) * _A
# Vincenty and Karney agree to about 1e-10 km between points of one county (measured); any
# drive time within a millimetre's worth of a .5 boundary is recomputed with geopy so that it
# rounds exactly as geopy's distance would.
_DOUBT_KM = 1e-6
# The longest drive a night may hold, in seconds (about 31,700 years): any real setting gives
# hours at most, and a route's sum of such drives stays far inside the 64-bit integers the
# matrix and OR-Tools count in. Beyond it lies a typo (a speed of 1e-20 km/h), refused.
LONGEST_DRIVE_SECONDS = 10**12


@dataclass(frozen=True, slots=True)
class TravelSettings:
    """How a night turns distance into drive time."""

    speed_kmh: float
    circuity: float = 1.0
    stop_minutes: float = 0.0

    def __post_init__(self) -> None:
        if not self.speed_kmh > 0:
            raise ProblemError("travel.speed_kmh", "must be more than 0")
        if not self.circuity >= 1.0:
            raise ProblemError("travel.circuity", "must be 1 or more (roads are never shorter)")
        if not self.stop_minutes >= 0:
            raise ProblemError("travel.stop_minutes", "must be 0 or more")
        if not self.stop_minutes * 60 <= LONGEST_DRIVE_SECONDS:
            raise ProblemError(
                "travel.stop_minutes",
                f"must be at most {LONGEST_DRIVE_SECONDS // 60} (a stop longer than any night)",
            )

    @property
    def stop_seconds(self) -> int:
        """The stop allowance in whole seconds, never less than `stop_minutes` × 60.

        The spec rounds only the drive; rounding the allowance up keeps every leg we plan at
        least as long as the spec's travel however a checker reads a fraction of a second
        (2.32 minutes is 140 s, not 139).
        """
        return whole_seconds(self.stop_minutes)

    def seconds_for_km(self, km: float) -> int:
        """Drive seconds for a geodesic distance between two different points."""
        return round(km * self.circuity / self.speed_kmh * 3600) + self.stop_seconds


def geodesic_km_matrix(points: Sequence[Point]) -> npt.NDArray[np.float64]:
    """Pairwise WGS-84 geodesic distances in km (Vincenty, vectorised; NaN where it fails)."""
    count = len(points)
    if count == 0:
        return np.zeros((0, 0))
    lat = np.radians(np.array([p.lat for p in points], dtype=np.float64))
    lon = np.radians(np.array([p.lon for p in points], dtype=np.float64))
    reduced = np.arctan((1 - _F) * np.tan(lat))
    sin_u, cos_u = np.sin(reduced), np.cos(reduced)
    sin_u1, sin_u2 = sin_u[:, None], sin_u[None, :]
    cos_u1, cos_u2 = cos_u[:, None], cos_u[None, :]
    lon_gap = lon[None, :] - lon[:, None]

    lam = lon_gap.copy()
    converged = np.zeros((count, count), dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        for _ in range(200):
            sin_lam, cos_lam = np.sin(lam), np.cos(lam)
            sin_sigma = np.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
            cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
            sigma = np.arctan2(sin_sigma, cos_sigma)
            sin_alpha = np.where(sin_sigma == 0, 0.0, cos_u1 * cos_u2 * sin_lam / sin_sigma)
            cos2_alpha = 1 - sin_alpha**2
            cos_2sigma_m = np.where(
                cos2_alpha == 0, 0.0, cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha
            )
            c = _F / 16 * cos2_alpha * (4 + _F * (4 - 3 * cos2_alpha))
            previous = lam
            lam = lon_gap + (1 - c) * _F * sin_alpha * (
                sigma + c * sin_sigma * (cos_2sigma_m + c * cos_sigma * (2 * cos_2sigma_m**2 - 1))
            )
            converged = np.abs(lam - previous) < 1e-12
            if bool(converged.all()):
                break
        u2 = cos2_alpha * (_A**2 - _B**2) / _B**2
        big_a = 1 + u2 / 16384 * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)))
        big_b = u2 / 1024 * (256 + u2 * (-128 + u2 * (74 - 47 * u2)))
        delta_sigma = (
            big_b
            * sin_sigma
            * (
                cos_2sigma_m
                + big_b
                / 4
                * (
                    cos_sigma * (2 * cos_2sigma_m**2 - 1)
                    - big_b / 6 * cos_2sigma_m * (4 * sin_sigma**2 - 3) * (4 * cos_2sigma_m**2 - 3)
                )
            )
        )
        metres = _B * big_a * (sigma - delta_sigma)
    metres = np.where(converged & np.isfinite(metres), metres, np.nan)
    np.fill_diagonal(metres, 0.0)
    return metres / 1000.0


def travel_matrix(points: Sequence[Point], settings: TravelSettings) -> TravelMatrix:
    """Drive seconds between every pair of `points`, exactly as the spec's rule with geopy."""
    km = geodesic_km_matrix(points)
    raw = km * settings.circuity / settings.speed_kmh * 3600
    with np.errstate(invalid="ignore"):
        longest = float(np.nanmax(raw, initial=0.0)) + settings.stop_seconds
    if not longest <= LONGEST_DRIVE_SECONDS:
        raise ProblemError(
            "travel",
            f"speed_kmh and circuity make a drive of {longest:.3g} s between two places, more "
            f"than the {LONGEST_DRIVE_SECONDS} s a night can count",
        )
    fraction = raw - np.floor(raw)
    margin = _DOUBT_KM * settings.circuity / settings.speed_kmh * 3600
    doubtful = np.isnan(raw) | (np.abs(fraction - 0.5) < margin)
    seconds = np.rint(np.nan_to_num(raw)).astype(np.int64) + settings.stop_seconds
    for i, j in zip(*np.nonzero(doubtful), strict=True):
        exact_km = geodesic((points[i].lat, points[i].lon), (points[j].lat, points[j].lon)).km
        seconds[i, j] = settings.seconds_for_km(exact_km)
    same = _same_point_mask(points)
    seconds[same] = 0
    return TravelMatrix(seconds)


def _same_point_mask(points: Sequence[Point]) -> npt.NDArray[np.bool_]:
    lat = np.array([p.lat for p in points], dtype=np.float64)
    lon = np.array([p.lon for p in points], dtype=np.float64)
    return (lat[:, None] == lat[None, :]) & (lon[:, None] == lon[None, :])


def distinct_places(points: Sequence[Point]) -> tuple[list[Point], list[int]]:
    """The distinct points in first-seen order, and for each input point its place index."""
    places: list[Point] = []
    index_of: dict[tuple[float, float], int] = {}
    place_of: list[int] = []
    for point in points:
        key = (point.lat, point.lon)
        if key not in index_of:
            index_of[key] = len(places)
            places.append(point)
        place_of.append(index_of[key])
    return places, place_of
