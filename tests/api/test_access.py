"""Who may call each endpoint: one table of (method, path, body, role, expected status).

Roles: commissioner (every area), coordinator (north only), other_coordinator (south only),
carer (Anne, north), anonymous (no token). A coordinator asking for another area's record gets
404, so they cannot learn it exists; a carer asking for coordinators' records gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import World, square

Body = Callable[[World], dict[str, Any]]


def new_area(world: World) -> dict[str, Any]:
    """A valid new area far from the others."""
    return {
        "name": "Telford",
        "provider": "Wrekin Nights",
        "boundary": square(52.68, -2.45),
        "base_lat": 52.68,
        "base_lon": -2.45,
        "crews_per_night": 2,
        "shift_start": "22:00",
        "shift_end": "07:00",
        "cutoff_time": "16:00",
        "publish_time": "18:00",
        "timezone": "Europe/London",
        "start_date": "2026-04-01",
    }


def north_carer(world: World) -> dict[str, Any]:
    """A new carer for the north area."""
    return {"area_id": world.north.id, "name": "Gwen", "gender": "F", "skills": ["medication"]}


def south_carer(world: World) -> dict[str, Any]:
    """A new carer for the south area."""
    return {**north_carer(world), "area_id": world.south.id}


def rename(world: World) -> dict[str, Any]:
    """A change of name."""
    return {"name": "Renamed"}


BODIES: dict[str, Body] = {
    "new_area": new_area,
    "north_carer": north_carer,
    "south_carer": south_carer,
    "rename": rename,
}


def ids(world: World) -> dict[str, int]:
    """The record ids path templates may name."""
    return {
        "north": world.north.id,
        "south": world.south.id,
        "north_carer": world.north_carers[3].id,
        "south_carer": world.south_carers[1].id,
        "missing": 999_999,
    }


ALL = ("commissioner", "coordinator", "other_coordinator", "carer", "anonymous")


def rows(method: str, path: str, body: str | None, **expected: int) -> list[Any]:
    """One row per role: `expected` by role name, `rest` for every role not named."""
    rest = expected.pop("rest", None)
    table = []
    for role in ALL:
        status = expected.get(role, 401 if role == "anonymous" else rest)
        assert status is not None, f"{method} {path}: no expected status for {role}"
        table.append(pytest.param(method, path, body, role, status, id=f"{method} {path} {role}"))
    return table


TABLE = [
    # sign-in
    *rows("GET", "/auth/me", None, rest=200),
    # areas
    *rows(
        "GET", "/areas", None, commissioner=200, coordinator=200, other_coordinator=200, carer=403
    ),
    *rows("POST", "/areas", "new_area", commissioner=201, rest=403),
    *rows(
        "GET",
        "/areas/{north}",
        None,
        commissioner=200,
        coordinator=200,
        other_coordinator=404,
        carer=403,
    ),
    *rows(
        "GET",
        "/areas/{missing}",
        None,
        commissioner=404,
        coordinator=404,
        other_coordinator=404,
        carer=403,
    ),
    *rows(
        "PATCH",
        "/areas/{north}",
        "rename",
        commissioner=200,
        coordinator=403,
        other_coordinator=404,
        carer=403,
    ),
    *rows(
        "DELETE",
        "/areas/{north}",
        None,
        commissioner=409,
        coordinator=403,
        other_coordinator=404,
        carer=403,
    ),
    # carers
    *rows(
        "GET", "/carers", None, commissioner=200, coordinator=200, other_coordinator=200, carer=403
    ),
    *rows(
        "GET",
        "/carers?area_id={north}",
        None,
        commissioner=200,
        coordinator=200,
        other_coordinator=404,
        carer=403,
    ),
    *rows(
        "POST",
        "/carers",
        "north_carer",
        commissioner=201,
        coordinator=201,
        other_coordinator=404,
        carer=403,
    ),
    *rows(
        "POST",
        "/carers",
        "south_carer",
        commissioner=201,
        coordinator=404,
        other_coordinator=201,
        carer=403,
    ),
    *rows(
        "GET",
        "/carers/{north_carer}",
        None,
        commissioner=200,
        coordinator=200,
        other_coordinator=404,
        carer=403,
    ),
    *rows("GET", "/carers/{missing}", None, rest=404),
    *rows(
        "PATCH",
        "/carers/{south_carer}",
        "rename",
        commissioner=200,
        coordinator=404,
        other_coordinator=200,
        carer=403,
    ),
    *rows(
        "DELETE",
        "/carers/{north_carer}",
        None,
        commissioner=204,
        coordinator=204,
        other_coordinator=404,
        carer=403,
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "role", "expected"), TABLE)
def test_each_role_gets_the_expected_status(
    client: TestClient,
    world: World,
    method: str,
    path: str,
    body: str | None,
    role: str,
    expected: int,
) -> None:
    """The endpoint answers `expected` to `role`; errors come as {"error", "detail", "field"}."""
    payload = BODIES[body](world) if body is not None else None
    response = client.request(
        method, path.format(**ids(world)), json=payload, headers=world.headers[role]
    )
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert set(response.json()) == {"error", "detail", "field"}
