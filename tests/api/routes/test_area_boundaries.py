"""Contract areas may share an edge but not ground: a boundary overlapping another area's is
refused 409 on `boundary`, naming that area, the overlap's size and its centre.

The world's South Shropshire spans longitudes -2.9 to -2.7 and latitudes 52.3 to 52.5; North
Shropshire -3.0 to -2.8 and 52.8 to 53.0.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from data.models import Area
from tests.api.conftest import World


def box(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    """A GeoJSON Polygon of the box between these longitudes and latitudes."""
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def clun(west: float) -> dict[str, Any]:
    """A new area 0.2° wide from longitude `west`, level with South Shropshire."""
    return {
        "name": "Clun Forest",
        "provider": "Border Night Care",
        "boundary": box(west, 52.3, west + 0.2, 52.5),
        "base_lat": 52.4,
        "base_lon": west + 0.15,
        "crews_per_night": 1,
        "shift_start": "22:00",
        "shift_end": "07:00",
        "cutoff_time": "16:00",
        "publish_time": "18:00",
        "timezone": "Europe/London",
        "start_date": "2027-04-01",
    }


def test_a_new_area_overlapping_another_is_a_conflict_naming_it_and_where(
    client: TestClient, world: World
) -> None:
    """A box over South Shropshire's east quarter (0.05° by 0.2°, about 75.6 km² at this
    latitude) answers 409 on `boundary` with the overlap's centre, and is not added; moved
    to share only an edge, it is."""
    headers = world.headers["commissioner"]
    answer = client.post("/areas", json=clun(-2.75), headers=headers)
    assert answer.status_code == 409, answer.text
    assert answer.json()["field"] == "boundary"
    assert re.fullmatch(
        rf"this boundary overlaps South Shropshire \(area {world.south.id}\) by about 75\.6\d "
        r"km² around 52\.4000, -2\.7250 \(lat, lon\); areas may share an edge but not ground, "
        r"or a home there would be in both",
        answer.json()["detail"],
    ), answer.json()["detail"]
    names = [a["name"] for a in client.get("/areas", headers=headers).json()["items"]]
    assert "Clun Forest" not in names
    # Moved east until its west edge is South Shropshire's east edge, it holds no common
    # ground and is added.
    added = client.post("/areas", json=clun(-2.7), headers=headers)
    assert added.status_code == 201, added.text


def test_a_boundary_moved_onto_another_area_is_a_conflict_and_is_not_stored(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """North stretched south to 52.45 would take South's north-west corner: 409 on
    `boundary` naming South; North keeps its boundary."""
    answer = client.patch(
        f"/areas/{world.north.id}",
        json={"boundary": box(-3.0, 52.45, -2.8, 53.0)},
        headers=world.headers["commissioner"],
    )
    assert answer.status_code == 409, answer.text
    assert answer.json()["field"] == "boundary"
    assert f"overlaps South Shropshire (area {world.south.id})" in answer.json()["detail"]
    with api_sessions() as session:
        north = session.get(Area, world.north.id)
        assert north is not None and north.boundary == world.north.boundary
