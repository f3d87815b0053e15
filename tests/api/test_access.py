"""Who may call each endpoint: one table of (method, path, body, role, expected status).

Roles: commissioner (every area), coordinator (north only), other_coordinator (south only),
carer (Anne, north), anonymous (no token). A coordinator asking for another area's record gets
404, so they cannot learn it exists; a carer asking for coordinators' records gets 403.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime, time
from typing import Any

import pytest
import time_machine
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from api.routes import ROUTERS
from data.models import Area, RotaCrew, StoredPlan
from data.services.publication import prepare_night, solve_prepared
from routing.plan_file import plan_to_json
from tests.api.conftest import KEY_SAFE_CODE, NIGHT, World, square

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


def north_pair(world: World) -> dict[str, Any]:
    """Two north carers not yet on Wednesday's rota."""
    return {"carer_a_id": world.north_carers[2].id, "carer_b_id": world.north_carers[3].id}


def stand_down(world: World) -> dict[str, Any]:
    """A night change that stands the crew down."""
    return {"carer_a_id": None, "carer_b_id": None, "note": "car in for repair"}


def north_home(world: World) -> dict[str, Any]:
    """A new person living in the north area."""
    return {
        "name": "Mrs Edith Morgan",
        "address": "3 Church Lane, Ellesmere",
        "lat": world.north.base_lat + 0.01,
        "lon": world.north.base_lon,
        "start_date": "2026-11-01",
        "key_safe_code": "1234",
    }


def north_need(world: World) -> dict[str, Any]:
    """A new recurring call for the north person."""
    return {
        "person_id": world.records["north_person"],
        "label": "medication",
        "weekdays": [1, 3],
        "start_date": "2026-11-01",
        "earliest": "02:00",
        "latest": "03:00",
        "minutes": 15,
    }


def north_one_off(world: World) -> dict[str, Any]:
    """A new one-off call for the north person."""
    return {
        "person_id": world.records["north_person"],
        "night": "2026-12-03",
        "label": "check on fall",
        "earliest": "23:00",
        "latest": "23:30",
        "minutes": 10,
    }


def north_cancellation(world: World) -> dict[str, Any]:
    """A new cancellation for the north person."""
    return {"person_id": world.records["north_person"], "night": "2026-12-05", "reason": "respite"}


def pause(world: World) -> dict[str, Any]:
    """Pause a need."""
    return {"paused": True}


def later(world: World) -> dict[str, Any]:
    """Move a one-off call's window later."""
    return {"earliest": "23:10", "latest": "23:40"}


def north_pin(world: World) -> dict[str, Any]:
    """Pin north's one-off call of the night to crew 1 at 01:15."""
    return {"call": f"o{world.records['north_one_off']}", "crew_number": 1, "start": "01:15"}


def quick_solve(world: World) -> dict[str, Any]:
    """A short search."""
    return {"seconds": 0.3}


def quick_publish(world: World) -> dict[str, Any]:
    """The shortest search a publication allows."""
    return {"seconds": 1}


def people_csv(area: Area) -> dict[str, tuple[str, bytes, str]]:
    """A CSV file of one person living in `area` with a nightly call, as a multipart form."""
    content = (
        "person,name,address,lat,lon,start_date,need,label,weekdays,earliest,latest,minutes\n"
        f"P1,Mrs Ada Lowe,1 Mere Road,{area.base_lat + 0.01},{area.base_lon},"
        "2026-11-01,a,reposition,daily,23:00,23:30,30\n"
    )
    return {"file": ("people.csv", content.encode("utf-8"), "text/csv")}


def north_csv(world: World) -> dict[str, tuple[str, bytes, str]]:
    """A file of a person in the north area."""
    return people_csv(world.north)


def south_csv(world: World) -> dict[str, tuple[str, bytes, str]]:
    """A file of a person in the south area."""
    return people_csv(world.south)


BODIES: dict[str, Body] = {
    "new_area": new_area,
    "north_carer": north_carer,
    "south_carer": south_carer,
    "rename": rename,
    "north_pair": north_pair,
    "stand_down": stand_down,
    "north_home": north_home,
    "north_need": north_need,
    "north_one_off": north_one_off,
    "north_cancellation": north_cancellation,
    "pause": pause,
    "later": later,
    "quick_solve": quick_solve,
    "quick_publish": quick_publish,
    "north_pin": north_pin,
}
# Bodies sent as a multipart form rather than JSON.
FILES: dict[str, Callable[[World], dict[str, tuple[str, bytes, str]]]] = {
    "north_csv": north_csv,
    "south_csv": south_csv,
}


ALL = ("commissioner", "coordinator", "other_coordinator", "carer", "anonymous")


def rows(
    method: str, path: str, body: str | None, pattern: str | None = None, **by_role: int
) -> list[Any]:
    """One table row per role.

    `pattern` OWN or READERS gives the usual statuses (`ok` replaces their 200); roles named
    in `by_role` override it; `rest` is the status of every role not otherwise given.
    Anonymous callers always get 401.
    """
    ok = by_role.pop("ok", 200)
    rest = by_role.pop("rest", None)
    expected: dict[str, int] = {}
    if pattern == OWN:
        expected = {"commissioner": ok, "coordinator": ok, "other_coordinator": 404, "carer": 403}
    elif pattern == READERS:
        expected = {"commissioner": ok, "coordinator": ok, "other_coordinator": ok, "carer": 403}
    expected.update(by_role)
    table = []
    for role in ALL:
        status = 401 if role == "anonymous" else expected.get(role, rest)
        assert status is not None, f"{method} {path}: no expected status for {role}"
        table.append(pytest.param(method, path, body, role, status, id=f"{method} {path} {role}"))
    return table


OWN = "own"  # commissioner and the area's coordinator: ok; other coordinator 404; carer 403
READERS = "readers"  # commissioner and both coordinators: ok (each sees their own); carer 403

# fmt: off
TABLE = [
    # sign-in
    *rows("GET", "/auth/me", None, rest=200),
    *rows("DELETE", "/auth/token", None, rest=204),
    # areas
    *rows("GET", "/areas", None, READERS),
    *rows("POST", "/areas", "new_area", commissioner=201, rest=403),
    *rows("GET", "/areas/{north}", None, OWN),
    *rows("GET", "/areas/{missing}", None, carer=403, rest=404),
    *rows("PATCH", "/areas/{north}", "rename", OWN, coordinator=403),
    *rows("DELETE", "/areas/{north}", None, OWN, commissioner=409, coordinator=403),
    # carers
    *rows("GET", "/carers", None, READERS),
    *rows("GET", "/carers?area_id={north}", None, OWN),
    *rows("POST", "/carers", "north_carer", OWN, ok=201),
    *rows("POST", "/carers", "south_carer", commissioner=201, coordinator=404,
          other_coordinator=201, carer=403),
    *rows("GET", "/carers/{north_carer}", None, OWN),
    *rows("GET", "/carers/{missing}", None, rest=404),
    *rows("PATCH", "/carers/{south_carer}", "rename", commissioner=200, coordinator=404,
          other_coordinator=200, carer=403),
    *rows("DELETE", "/carers/{north_carer}", None, OWN, ok=204),
    # rota
    *rows("GET", "/areas/{north}/rota", None, OWN),
    *rows("PUT", "/areas/{north}/rota/2/1", "north_pair", OWN),
    *rows("DELETE", "/areas/{north}/rota/1/1", None, OWN, ok=204),
    *rows("GET", "/areas/{north}/rota-changes?start=2026-12-01&end=2026-12-31", None, OWN),
    *rows("PUT", "/areas/{north}/rota-changes/2026-12-01/2", "stand_down", OWN),
    *rows("DELETE", "/areas/{north}/rota-changes/2026-12-02/2", None, OWN, ok=204),
    *rows("GET", "/areas/{north}/nights/2026-12-01/crews", None, OWN),
    # people
    *rows("GET", "/people", None, READERS),
    *rows("GET", "/people?area_id={north}", None, OWN),
    *rows("POST", "/people", "north_home", OWN, ok=201, other_coordinator=422),
    *rows("GET", "/people/{north_person}", None, OWN),
    *rows("GET", "/people/{missing}", None, rest=404),
    # (asked on the evening of 2026-12-01, when its plan is published: see BEFORE_PUBLICATION)
    *rows("GET", "/people/{north_person}/secrets?night=2026-12-01", None, commissioner=403,
          coordinator=200, other_coordinator=404, carer=200),
    *rows("GET", "/people/{south_person}/secrets?night=2026-12-01", None, commissioner=403,
          coordinator=404, other_coordinator=200, carer=404),
    *rows("GET", "/people/{north_person}/secrets?night=2026-12-02", None, commissioner=403,
          coordinator=200, other_coordinator=404, carer=404),
    *rows("PATCH", "/people/{north_person}", "rename", OWN),
    *rows("DELETE", "/people/{north_person}", None, OWN, ok=204),
    # needs
    *rows("GET", "/needs", None, READERS),
    # Filtering by someone else's person shows nothing; naming them in a body is a bad value.
    *rows("GET", "/needs?person_id={north_person}", None, READERS),
    *rows("POST", "/needs", "north_need", OWN, ok=201, other_coordinator=422),
    *rows("GET", "/needs/{north_need}", None, OWN),
    *rows("GET", "/needs/{missing}", None, rest=404),
    *rows("PATCH", "/needs/{north_need}", "pause", OWN),
    *rows("DELETE", "/needs/{north_need}", None, OWN, ok=204),
    # one-off calls
    *rows("GET", "/one-off-calls?night=2026-12-01", None, READERS),
    *rows("GET", "/one-off-calls?area_id={north}", None, OWN),
    *rows("POST", "/one-off-calls", "north_one_off", OWN, ok=201, other_coordinator=422),
    *rows("GET", "/one-off-calls/{north_one_off}", None, OWN),
    *rows("PATCH", "/one-off-calls/{north_one_off}", "later", OWN),
    *rows("DELETE", "/one-off-calls/{north_one_off}", None, OWN, ok=204),
    # cancellations
    *rows("GET", "/cancellations", None, READERS),
    *rows("GET", "/cancellations?person_id={north_person}", None, READERS),
    *rows("POST", "/cancellations", "north_cancellation", OWN, ok=201, other_coordinator=422),
    *rows("GET", "/cancellations/{north_cancellation}", None, OWN),
    *rows("DELETE", "/cancellations/{north_cancellation}", None, OWN, ok=204),
    # nights and plans
    *rows("GET", "/areas/{north}/nights/2026-12-01/problem", None, OWN),
    *rows("GET", "/areas/{north}/nights/2026-12-01/left-out", None, OWN),
    *rows("POST", "/areas/{north}/nights/2026-12-01/plans", "quick_solve", OWN, ok=201),
    *rows("GET", "/areas/{north}/nights/2026-12-01/plans", None, OWN),
    *rows("GET", "/plans/{north_plan}", None, OWN),
    *rows("GET", "/plans/{south_plan}", None, commissioner=200, coordinator=404,
          other_coordinator=200, carer=403),
    # crew sheets: a carer gets their own crew's round; coordinators name the crew
    *rows("GET", "/areas/{north}/nights/2026-12-01/sheet", None, OWN, carer=200,
          commissioner=422, coordinator=422),
    *rows("GET", "/areas/{north}/nights/2026-12-01/sheet?crew_number=1", None, OWN, carer=200),
    *rows("GET", "/areas/{south}/nights/2026-12-01/sheet", None, commissioner=422,
          coordinator=404, other_coordinator=422, carer=404),
    *rows("GET", "/areas/{north}/nights/2026-12-02/sheet?crew_number=1", None, OWN, carer=404,
          commissioner=404, coordinator=404),
    *rows("GET", "/plans/{missing}", None, carer=403, rest=404),
    # route sheets (of a published plan with north's crews 1 and 2 out): a carer only their
    # own crew's (Anne is on crew 1), coordinators their area's crews, the commissioner
    # every area's
    *[
        row
        for ext in ("html", "pdf", "json", "svg")
        for row in (
            *rows("GET", f"/areas/{{north}}/nights/2026-12-01/crews/1/sheet.{ext}", None, OWN,
                  carer=200),
            *rows("GET", f"/areas/{{north}}/nights/2026-12-01/crews/2/sheet.{ext}", None, OWN,
                  carer=404),
            *rows("GET", f"/areas/{{south}}/nights/2026-12-01/crews/1/sheet.{ext}", None,
                  commissioner=200, coordinator=404, other_coordinator=200, carer=404),
        )
    ],
    *[
        row
        for ext in ("html", "pdf", "json")
        for row in (
            *rows("GET", f"/plans/{{north_published}}/crews/1/sheet.{ext}", None, OWN, carer=200),
            *rows("GET", f"/plans/{{north_published}}/crews/2/sheet.{ext}", None, OWN, carer=404),
            *rows("GET", f"/plans/{{south_published}}/crews/1/sheet.{ext}", None, commissioner=200,
                  coordinator=404, other_coordinator=200, carer=404),
            *rows("GET", f"/plans/{{missing}}/crews/1/sheet.{ext}", None, rest=404),
        )
    ],
    # history
    *rows("GET", "/history/person/{north_person}", None, OWN),
    *rows("GET", "/history/need/{south_need}", None, commissioner=200, coordinator=404,
          other_coordinator=200, carer=403),
    *rows("GET", "/history/rota/1", None, commissioner=200, rest=403),
    *rows("GET", "/history/pin/{north_pin}", None, OWN),
    *rows("GET", "/history/pin/{south_pin}", None, commissioner=200, coordinator=404,
          other_coordinator=200, carer=403),
    *rows("GET", "/history/pin/{missing}", None, commissioner=200, carer=403, rest=404),
    # publications
    *rows("POST", "/areas/{north}/nights/2026-12-01/publish", "quick_publish", OWN, ok=201),
    *rows("GET", "/areas/{north}/nights/2026-12-01/publications", None, OWN),
    *rows("GET", "/areas/{north}/nights/2026-12-01/runs", None, OWN),
    *rows("GET", "/areas/{south}/nights/2026-12-01/runs", None, commissioner=200,
          coordinator=404, other_coordinator=200, carer=403),
    # imports
    *rows("POST", "/areas/{north}/imports", "north_csv", OWN, ok=201),
    *rows("POST", "/areas/{south}/imports", "south_csv", commissioner=201, coordinator=404,
          other_coordinator=201, carer=403),
    # pins
    *rows("GET", "/areas/{north}/nights/2026-12-01/pins", None, OWN),
    *rows("POST", "/areas/{north}/nights/2026-12-01/pins", "north_pin", OWN, ok=201),
    *rows("DELETE", "/areas/{north}/nights/2026-12-01/pins/{north_pin}", None, OWN, ok=204),
    *rows("DELETE", "/areas/{north}/nights/2026-12-02/pins/{north_pin}", None, OWN, ok=404),
    *rows("DELETE", "/areas/{south}/nights/2026-12-01/pins/{north_pin}", None, carer=403,
          rest=404),
]

# The same reads on the evening of a night whose plan is still a draft (the world's own plans),
# which its coordinator may yet change: the crew the draft gives the visit to is refused (403
# naming the night); coordinators read as on a published night.
BEFORE_PUBLICATION = [
    *rows("GET", "/people/{north_person}/secrets?night=2026-12-01", None, commissioner=403,
          coordinator=200, other_coordinator=404, carer=403),
    *rows("GET", "/people/{south_person}/secrets?night=2026-12-01", None, commissioner=403,
          coordinator=404, other_coordinator=200, carer=404),
]
# fmt: on


def north_crew_2(world: World) -> RotaCrew:
    """Cara and Dee out as north's crew 2 on the world's night (Anne is on crew 1)."""
    return RotaCrew(
        area_id=world.north.id,
        weekday=NIGHT.weekday(),
        crew_number=2,
        carer_a_id=world.north_carers[2].id,
        carer_b_id=world.north_carers[3].id,
    )


@pytest.fixture(scope="module")
def solved_nights(api_connection: Connection, world: World) -> dict[str, tuple[Any, Any]]:
    """North's (with `north_crew_2` out) and south's night of `NIGHT` solved once per module:
    (problem, plan) documents that read as route sheets (the world's own plans are
    hand-written drafts). Nothing is stored."""
    solved = {}
    with sessionmaker(bind=api_connection, join_transaction_mode="create_savepoint")() as session:
        session.add(north_crew_2(world))
        session.flush()
        for name, area in (("north", world.north), ("south", world.south)):
            prepared = prepare_night(session, area.id, NIGHT)
            plan = solve_prepared(prepared, 0.3)
            build = prepared.build
            solved[name] = (build.problem, plan_to_json(plan, build.routing_night))
        session.rollback()
    return solved


@pytest.fixture
def published(
    api_sessions: sessionmaker[Session], world: World, solved_nights: dict[str, tuple[Any, Any]]
) -> dict[str, int]:
    """The solved nights stored as each area's published version 2, with north's crew 2 out
    (rolled back with the test): "north_published" and "south_published" -> plan id."""
    ids = {}
    with api_sessions() as session:
        session.add(north_crew_2(world))
        for name, area in (("north", world.north), ("south", world.south)):
            problem, plan = solved_nights[name]
            stored = StoredPlan(
                area_id=area.id,
                night=NIGHT,
                version=2,
                status="published",
                trigger="scheduled",
                problem=problem,
                plan=plan,
                travel_minutes=1.0,
                unassigned_count=len(plan["unassigned"]),
                solve_seconds=0.3,
            )
            session.add(stored)
            session.flush()
            ids[f"{name}_published"] = stored.id
        session.commit()
    return ids


@pytest.fixture
def world_plans_published(api_sessions: sessionmaker[Session], world: World) -> None:
    """The world's plans of `NIGHT` (hand-written drafts) published, as a night's plan is by
    its evening (rolled back with the test)."""
    with api_sessions() as session:
        for name in ("north_plan", "south_plan"):
            session.get_one(StoredPlan, world.records[name]).status = "published"
        session.commit()


def on_the_night() -> time_machine.travel:
    """A clock on the evening of `NIGHT`, when a carer whose crew visits may read a key-safe
    code (from the day of their night until its shift ends); the world's tokens are valid
    for years either side."""
    return time_machine.travel(datetime.combine(NIGHT, time(20, 0), tzinfo=UTC), tick=True)


@pytest.mark.parametrize(("method", "path", "body", "role", "expected"), TABLE)
def test_each_role_gets_the_expected_status(
    request: pytest.FixtureRequest,
    client: TestClient,
    world: World,
    method: str,
    path: str,
    body: str | None,
    role: str,
    expected: int,
) -> None:
    """The endpoint answers `expected` to `role`; errors come as {"error", "detail", "field"}.

    Route sheets are asked of a night with a published, solved plan; secrets of a night whose
    (hand-written) plan is published."""
    records = dict(world.records)
    if "/sheet." in path:
        records.update(request.getfixturevalue("published"))
    if "/secrets" in path:
        request.getfixturevalue("world_plans_published")
    url, headers = path.format(**records), world.headers[role]
    clock = on_the_night() if "/secrets" in path else nullcontext()
    with clock:
        if body in FILES:
            response = client.request(method, url, files=FILES[body](world), headers=headers)
        else:
            payload = BODIES[body](world) if body is not None else None
            response = client.request(method, url, json=payload, headers=headers)
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert set(response.json()) == {"error", "detail", "field"}


@pytest.mark.parametrize(("method", "path", "body", "role", "expected"), BEFORE_PUBLICATION)
def test_before_publication_each_role_gets_the_expected_status(
    client: TestClient,
    world: World,
    method: str,
    path: str,
    body: str | None,
    role: str,
    expected: int,
) -> None:
    """On the evening of a night with only a draft, the carer whose crew it gives the visit
    to is refused the secrets, saying the plan is not published yet; the others as above."""
    with on_the_night():
        response = client.request(method, path.format(**world.records), headers=world.headers[role])
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert set(response.json()) == {"error", "detail", "field"}
    if role == "carer" and expected == 403:
        assert response.json()["field"] == "night"
        assert "2026-12-01 is not published yet" in response.json()["detail"]
        assert KEY_SAFE_CODE not in response.text


# Signing in is for callers without a token (every role's row would be the same 200/401 mix
# the table's pattern cannot express); tests/api/routes/test_auth.py covers it.
NOT_IN_TABLE = {("POST", "/auth/token")}


def route_pattern(template: str) -> re.Pattern[str]:
    """A route's path template as a pattern: each {parameter} is one path segment."""
    parts = re.split(r"\{[^}]+\}", template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))


def api_operations() -> list[tuple[str, str]]:
    """(method, path template) of every route of the API's routers (not the HTML pages)."""
    return sorted(
        (method, route.path)
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    )


def asked_in_table() -> set[tuple[str, str]]:
    """(method, path without its query) of every row of the table."""
    return {(str(p.values[0]), str(p.values[1]).split("?")[0]) for p in TABLE}


def test_every_api_route_has_rows_in_the_table() -> None:
    """Each method and path of the API is asked in the table (so a new endpoint cannot skip
    it), and each row asks a route the API has."""
    asked = asked_in_table()
    operations = api_operations()
    missing = [
        (method, template)
        for method, template in operations
        if (method, template) not in NOT_IN_TABLE
        and not any(m == method and route_pattern(template).fullmatch(path) for m, path in asked)
    ]
    assert missing == []
    unknown = [
        (method, path)
        for method, path in asked
        if not any(m == method and route_pattern(t).fullmatch(path) for m, t in operations)
    ]
    assert unknown == []


def test_the_route_check_sees_a_route_missing_from_the_table() -> None:
    """The check above is not vacuous: the API has routes, and a route no row asks (the sheet
    PDF of a plan, were its rows taken out) is found missing."""
    operations = api_operations()
    assert ("GET", "/plans/{plan_id}/crews/{crew_number}/sheet.pdf") in operations
    pattern = route_pattern("/plans/{plan_id}/crews/{crew_number}/sheet.pdf")
    assert pattern.fullmatch("/plans/{north_published}/crews/1/sheet.pdf")
    assert not pattern.fullmatch("/plans/{north_published}/crews/1/sheet.json")
    assert not pattern.fullmatch("/plans/{north_published}/crews/1/sheet.pdf/more")
