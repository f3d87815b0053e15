"""The demo county: four tiling areas, about 120 people inside them, a rota, tonight's drafts."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from shapely import Point
from shapely.ops import unary_union
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data.database import make_engine, make_session_factory, upgrade_to_head
from data.demo_county import (
    COMMISSIONER_USERNAME,
    DEMO_AREAS,
    DEMO_HISTORY_NIGHTS,
    DemoCounty,
    demo_county_size,
    load_demo_county,
    loaded_demo_area_ids,
    weekday_pairs,
)
from data.errors import Conflict, Invalid
from data.models import (
    ApiToken,
    Area,
    Cancellation,
    Need,
    Person,
    RotaChange,
    StoredPlan,
    User,
)
from data.services.access import SYSTEM
from data.services.areas import AreaFields, boundary_shape, create_area
from data.services.nights import build_night, solve_night_to_draft
from data.services.plans import current_plan
from data.services.rota import resolve_crews
from data.services.users import add_token, user_by_username

NIGHT = date(2026, 11, 26)  # a Thursday
PASSWORD = "demo-password-1"


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated SQLite file with the demo county loaded and tonight planned in every area."""
    path: Path = tmp_path_factory.mktemp("demo") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    cheap = functools.partial(PasswordHasher, time_cost=1, memory_cost=1024, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        # argon2 is slow on purpose; the demo's users need not be.
        patch.setattr("data.services.users.PasswordHasher", cheap)
        with make_session_factory(engine).begin() as session:
            county = load_demo_county(session, night=NIGHT, password=PASSWORD)
    for area_id in county.area_ids:
        with make_session_factory(engine).begin() as session:
            solve_night_to_draft(session, area_id, NIGHT, SYSTEM, 0.5, trigger="demo")
    yield engine
    engine.dispose()


@pytest.fixture
def demo(demo_engine: Engine) -> Iterator[Session]:
    """A session on the demo database, rolled back afterwards."""
    with make_session_factory(demo_engine)() as session:
        yield session
        session.rollback()


def test_the_demo_county_has_four_areas_120_people_carers_and_night_needs(demo: Session) -> None:
    """Four areas, 120 people, two carers per crew plus two spares, more needs than people."""
    area_ids = demo.scalars(select(Area.id).order_by(Area.id)).all()
    size = demo_county_size(demo, area_ids)
    assert len(area_ids) == 4
    assert size.people == sum(a.people for a in DEMO_AREAS) == 120
    assert size.carers == sum(2 * a.crews + 2 for a in DEMO_AREAS)
    assert size.people < size.needs < 2 * size.people
    assert size.one_off_calls == 2 * len(DEMO_AREAS)
    assert all(2 <= a.crews <= 4 for a in DEMO_AREAS)


def test_repositioning_calls_follow_the_same_persons_earlier_call(demo: Session) -> None:
    """Some needs are linked with after-links, always to a need of the same person."""
    needs = {n.id: n for n in demo.scalars(select(Need))}
    linked = [n for n in needs.values() if n.after_need_id is not None]
    assert linked
    for need in linked:
        assert needs[need.after_need_id].person_id == need.person_id  # type: ignore[index]
        assert need.label == "reposition"


def test_the_four_boundaries_tile_the_county_without_overlapping(demo: Session) -> None:
    """No two areas share ground, together they make one county, each holds its base."""
    areas = demo.scalars(select(Area)).all()
    shapes = [boundary_shape(a.boundary) for a in areas]
    for first, second in itertools.combinations(shapes, 2):
        assert first.intersection(second).area == pytest.approx(0, abs=1e-12)
    county = unary_union(shapes)
    assert county.geom_type == "Polygon"
    assert county.area == pytest.approx(sum(s.area for s in shapes))
    for area, shape in zip(areas, shapes, strict=True):
        assert shape.contains(Point(area.base_lon, area.base_lat))


def test_every_person_lives_inside_their_own_areas_boundary_and_no_other(demo: Session) -> None:
    """Each home lies strictly inside the boundary of the area it is stored in."""
    shapes = {a.id: boundary_shape(a.boundary) for a in demo.scalars(select(Area))}
    people = demo.scalars(select(Person)).all()
    for person in people:
        home = Point(person.lon, person.lat)
        assert shapes[person.area_id].contains(home), person.name
        assert [i for i, s in shapes.items() if s.covers(home)] == [person.area_id]
    per_area = {a.name: a.people for a in DEMO_AREAS}
    query = select(Area.name, func.count(Person.id)).join(Person).group_by(Area.name)
    counted = {name: count for name, count in demo.execute(query)}
    assert counted == per_area


def test_the_rota_gives_each_area_its_crews_tonight_with_nobody_twice(demo: Session) -> None:
    """Every crew of every area is on tonight with two carers, none in two crews."""
    for area in demo.scalars(select(Area)):
        crews = resolve_crews(demo, area, NIGHT)
        assert len(crews) == area.crews_per_night
        assert all(c.on for c in crews)
        carers = [i for c in crews for i in (c.carer_a_id, c.carer_b_id)]
        assert len(set(carers)) == len(carers)
    change = demo.scalars(select(RotaChange)).one()
    assert change.night == NIGHT and "off sick" in (change.note or "")


def test_each_of_the_earlier_nights_the_demo_can_publish_has_its_crews_and_calls(
    demo: Session,
) -> None:
    """The contracts start at least DEMO_HISTORY_NIGHTS before tonight, so `--history` can
    plan each of those nights: the weekly rota's crews, the recurring calls of people whose
    care had started, and none of tonight's one-off calls or cancellation."""
    oldest = NIGHT - timedelta(days=DEMO_HISTORY_NIGHTS)
    for area in demo.scalars(select(Area)):
        assert area.start_date <= oldest
        for night in (oldest, NIGHT - timedelta(days=1)):
            build = build_night(demo, area.id, night)
            assert len(build.routing_night.crews) == area.crews_per_night
            assert not build.crews_off
            assert build.problem["calls"]
            assert all(c["id"].startswith("n") for c in build.problem["calls"])
            assert not [o for o in build.left_out if o.reason.startswith("cancelled")]


def test_the_weekly_pattern_gives_everyone_nights_off_and_never_double_books() -> None:
    """Each weekday's pairs use distinct carers, and over a week every carer works and rests."""
    pool = list(range(10, 20))
    worked = {c: 0 for c in pool}
    for weekday in range(7):
        pairs = weekday_pairs(pool, 4, weekday)
        on = [c for pair in pairs for c in pair]
        assert len(set(on)) == 8
        for carer in on:
            worked[carer] += 1
    assert all(0 < nights < 7 for nights in worked.values())


def test_tonight_has_a_cancellation_that_leaves_the_persons_calls_out(demo: Session) -> None:
    """The "in hospital" cancellation tonight is why that person's calls are left out."""
    cancelled = demo.scalars(select(Cancellation).where(Cancellation.reason == "in hospital"))
    person_ids = {c.person_id for c in cancelled}
    assert person_ids
    for area_id in demo.scalars(select(Area.id)):
        build = build_night(demo, area_id, NIGHT)
        clients = {c["client"] for c in build.problem["calls"]}
        assert not {f"p{p}" for p in person_ids} & clients
    reasons = {
        o.reason
        for a in demo.scalars(select(Area.id))
        for o in build_night(demo, a, NIGHT).left_out
    }
    assert "cancelled: in hospital" in reasons


def test_tonights_drafts_hold_every_call_planned_or_explained(demo: Session) -> None:
    """Each area has a draft tonight; every call is on a route or unassigned with a reason."""
    for area in demo.scalars(select(Area)):
        stored = current_plan(demo, area.id, NIGHT)
        assert stored is not None and stored.status == "draft"
        calls = {c["id"] for c in stored.problem["calls"]}
        visited = [v["call"] for r in stored.plan["routes"] for v in r["visits"]]
        unassigned = {u["call"]: u["reason"] for u in stored.plan["unassigned"]}
        assert len(visited) == len(set(visited))
        assert set(visited) | set(unassigned) == calls
        assert not set(visited) & set(unassigned)
        assert all(reason.strip() for reason in unassigned.values())
        assert len(stored.plan["routes"]) == area.crews_per_night


def test_every_demo_crew_takes_a_half_hour_break_between_01_00_and_04_00(demo: Session) -> None:
    """The demo areas' break is on every crew of tonight's problem, and each route takes it
    inside its window."""
    for area in demo.scalars(select(Area)):
        assert (area.break_minutes, area.break_earliest, area.break_latest) == (
            30,
            "01:00",
            "04:00",
        )
        stored = current_plan(demo, area.id, NIGHT)
        assert stored is not None
        for crew in stored.problem["crews"]:
            assert crew["break"] == {"minutes": 30, "earliest": "01:00", "latest": "04:00"}
        for route in stored.plan["routes"]:
            rest = route["break"]
            assert "01:00" <= rest["start"][11:16] <= "04:00", route["crew"]


def test_every_demo_area_names_its_base_in_its_base_town(demo: Session) -> None:
    """Each area's base has a name and address in the town the base is placed in, so its
    route sheets name the base rather than give its coordinates."""
    stored = {a.name: a.base_address for a in demo.scalars(select(Area))}
    assert set(stored) == {spec.name for spec in DEMO_AREAS}
    for spec in DEMO_AREAS:
        address = stored[spec.name]
        assert address is not None and address.endswith(f", {spec.base}"), address


def test_loading_twice_adds_nothing_and_shows_no_passwords(demo: Session) -> None:
    """A second load finds the county, returns the same areas and creates no record."""
    area_ids = tuple(demo.scalars(select(Area.id).order_by(Area.id)))
    before = demo_county_size(demo, area_ids)
    users = demo.scalar(select(func.count()).select_from(User))
    again = load_demo_county(demo, night=NIGHT)
    assert again == DemoCounty(area_ids=area_ids, newly_loaded=False)
    assert demo_county_size(demo, area_ids) == before
    assert demo.scalar(select(func.count()).select_from(User)) == users
    assert demo.scalar(select(func.count()).select_from(StoredPlan)) == len(area_ids)


def test_loading_again_with_a_password_gives_it_to_the_demo_users_and_adds_nothing(
    demo: Session,
) -> None:
    """A lost demo password is replaced: all nine demo users get the new one (their sessions
    end, a lock-out is lifted) and are listed; the county itself is untouched."""
    area_ids = tuple(demo.scalars(select(Area.id).order_by(Area.id)))
    before = demo_county_size(demo, area_ids)
    users = demo.scalar(select(func.count()).select_from(User))
    coordinator = user_by_username(demo, DEMO_AREAS[0].coordinator)
    assert coordinator is not None
    coordinator.failed_sign_ins = 5
    add_token(demo, coordinator, "digest-of-an-old-session", datetime(2030, 1, 1, tzinfo=UTC))
    again = load_demo_county(demo, night=NIGHT, password="a new demo password")
    assert (again.area_ids, again.newly_loaded) == (area_ids, False)
    assert [s.username for s in again.sign_ins] == [
        COMMISSIONER_USERNAME,
        *(a.coordinator for a in DEMO_AREAS),
        *(f"carer-{a.key}" for a in DEMO_AREAS),
    ]
    for sign_in in again.sign_ins:
        assert sign_in.password == "a new demo password"
        user = user_by_username(demo, sign_in.username)
        assert user is not None
        assert PasswordHasher().verify(user.password_hash, "a new demo password")
    assert coordinator.failed_sign_ins == 0
    tokens = select(func.count()).where(ApiToken.user_id == coordinator.id)
    assert demo.scalar(tokens) == 0
    assert demo_county_size(demo, area_ids) == before
    assert demo.scalar(select(func.count()).select_from(User)) == users


def test_the_commissioner_and_one_coordinator_per_area_can_sign_in(demo: Session) -> None:
    """The users exist with their roles and areas, and their hash checks the password."""
    commissioner = user_by_username(demo, COMMISSIONER_USERNAME)
    assert commissioner is not None and commissioner.role == "commissioner"
    assert PasswordHasher().verify(commissioner.password_hash, PASSWORD)
    for spec in DEMO_AREAS:
        coordinator = user_by_username(demo, spec.coordinator)
        assert coordinator is not None and coordinator.role == "coordinator"


def test_each_area_has_a_carer_sign_in_on_tonights_crew_one_and_coordinators_have_email(
    demo: Session,
) -> None:
    """`carer-<area>` is tonight's crew 1 lead of that area; coordinators can be emailed."""
    area_ids = loaded_demo_area_ids(demo)
    assert area_ids is not None
    for spec, area_id in zip(DEMO_AREAS, area_ids, strict=True):
        carer = user_by_username(demo, f"carer-{spec.key}")
        assert carer is not None and carer.role == "carer"
        assert PasswordHasher().verify(carer.password_hash, PASSWORD)
        area = demo.get_one(Area, area_id)
        crew_one = next(c for c in resolve_crews(demo, area, NIGHT) if c.crew_number == 1)
        assert carer.carer_id in (crew_one.carer_a_id, crew_one.carer_b_id)
        coordinator = user_by_username(demo, spec.coordinator)
        assert coordinator is not None
        assert coordinator.email == f"{spec.coordinator}@example.org"


def test_a_database_holding_some_of_the_demo_area_names_is_refused(db_session: Session) -> None:
    """An unrelated area called like a demo area: the demo refuses to mix in (Conflict)."""
    spec = DEMO_AREAS[3]
    create_area(
        db_session,
        SYSTEM,
        AreaFields(
            name=spec.name,
            provider="someone else",
            boundary=spec.geojson(),
            base_lat=52.5132,
            base_lon=-3.3141,
            crews_per_night=1,
            shift_start="22:00",
            shift_end="07:00",
            cutoff_time="18:00",
            publish_time="20:00",
            timezone="Europe/London",
            start_date=date(2026, 1, 1),
        ),
    )
    with pytest.raises(Conflict) as refused:
        load_demo_county(db_session, night=NIGHT, password=PASSWORD)
    assert "North Shropshire" in refused.value.detail


def test_a_short_demo_password_is_refused_before_anything_is_loaded(db_session: Session) -> None:
    """A password shorter than the users' rule is refused, naming the password field."""
    with pytest.raises(Invalid) as refused:
        load_demo_county(db_session, night=NIGHT, password="short")
    assert refused.value.field == "password"
    assert db_session.scalar(select(func.count()).select_from(Area)) == 0


def test_a_county_loaded_for_an_early_night_still_has_a_month_of_contract_before_it(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loaded for a night soon after the usual 1 April 2024 start, the contracts start
    DEMO_HISTORY_NIGHTS earlier instead, so the earliest night `--history` asks for builds."""
    cheap = functools.partial(PasswordHasher, time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr("data.services.users.PasswordHasher", cheap)
    night = date(2024, 4, 10)
    county = load_demo_county(db_session, night=night, password=PASSWORD)
    oldest = night - timedelta(days=DEMO_HISTORY_NIGHTS)
    for area_id in county.area_ids:
        assert db_session.get_one(Area, area_id).start_date == oldest
        assert build_night(db_session, area_id, oldest).routing_night.crews
