"""Browser tests of the pages: a real server, a real database, Debian's chromium.

- `live_server`: the app under uvicorn (in a thread, on a free loopback port) over a fresh
  SQLite database built from the migrations; one per test run, shared by every page test, so
  each test makes its own records with unique names (`staff`) instead of rolling back.
- `staff`: makes areas, carers, crews, people, needs, plans and users of each role there.
- `browser` (one chromium per run) and `page` (a fresh browser context per test, 1280×900).
- `signed_in_page(role, ...)`: a page signed in through the sign-in form as a new user.
- `check_page(page, name)`: axe-core (WCAG 2.2 A/AA: no serious or critical violation) and a
  screenshot at desktop width, then the same at 360 px wide, checking nothing overflows
  sideways; screenshots go to tests/screenshots/ (`<name>-desktop.png`, `<name>-360.png`).

Chromium is Debian's (`/usr/bin/chromium`, installed by `.ci/run` with apt); nothing is
downloaded. Without it the browser tests are skipped, unless `NIGHTCARE_REQUIRE_BROWSER=1`
(as in CI), when they fail. axe-core comes from `web/node_modules` (`scripts/setup.sh`).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, sync_playwright
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from data.database import make_engine, make_session_factory, upgrade_to_head
from data.models import Area, Carer, Need, Person, StoredPlan
from data.services.access import CARER, COMMISSIONER, COORDINATOR, SYSTEM
from data.services.nights import solve_night_to_draft
from data.services.publication import REPUBLISHED, SCHEDULED, publish_night
from data.services.rota import set_rota_crew
from data.services.users import add_user
from data.settings import Settings
from tests.data.factories import a_carer, a_need, a_person, an_area, square
from tests.local_servers import served_app

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "tests" / "screenshots"
PASSWORD = "night rounds password"
DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=360, height=780)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _browser_missing(reason: str) -> None:
    if os.environ.get("NIGHTCARE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"the browser tests need {reason}")
    pytest.skip(f"browser tests skipped: {reason}")


@dataclass(frozen=True)
class LiveDatabase:
    """The live server's database: its URL and a session factory for making records."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]


@pytest.fixture(scope="session")
def live_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDatabase]:
    """A fresh SQLite database built from the migrations, for the live server."""
    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'pages.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    yield LiveDatabase(url, engine, make_session_factory(engine))
    engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_database: LiveDatabase) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 in a background thread; its base URL."""
    settings = Settings(database_url=live_database.url, environment="development")
    with served_app(create_app(settings), lifespan="on") as base:
        yield base


@dataclass(frozen=True)
class SignIn:
    """A user made for a test: what to type on the sign-in page, and their records."""

    username: str
    password: str
    role: str
    user_id: int
    area_ids: tuple[int, ...] = ()
    carer_id: int | None = None


class Staff:
    """Makes records in the live database, each committed at once, with unique names."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._numbers = itertools.count(1)
        self._areas = itertools.count(0)

    def unique(self, stem: str) -> str:
        """`stem` with a number no other record of this run has."""
        return f"{stem} {next(self._numbers)}-{os.getpid()}"

    def session(self) -> Session:
        """A session on the live database (the caller commits and closes it)."""
        return self._sessions()

    def area(self, *, name: str | None = None, **overrides: Any) -> Area:
        """A square area 0.2° wide of its own (areas of a run do not overlap)."""
        chosen = name or self.unique("Area")
        # Side by side along latitude 54.0-54.2, rows of 40 going north: none overlap one
        # another, nor the areas tests draw or upload further south (areas may not overlap).
        row, column = divmod(next(self._areas), 40)
        west = -6.0 + 0.25 * column
        south = 54.0 + 0.25 * row
        with self._sessions() as session:
            overrides.setdefault("boundary", square(west, south, west + 0.2, south + 0.2))
            overrides.setdefault("base_lat", south + 0.1)
            area = an_area(session, name=chosen, west=west, **overrides)
            session.commit()
        return area

    def carer(self, *, area: Area, name: str | None = None, **overrides: Any) -> Carer:
        """An active carer of `area` (pass `phone=` for a tap-to-call link)."""
        with self._sessions() as session:
            carer = a_carer(session, area=area, name=name or self.unique("Carer"), **overrides)
            session.commit()
        return carer

    def crew(self, *, area: Area, number: int, carers: tuple[Carer, Carer]) -> None:
        """Put two carers in crew `number` of `area` on every night of the week."""
        with self._sessions() as session:
            for weekday in range(7):
                set_rota_crew(
                    session,
                    SYSTEM,
                    area.id,
                    weekday=weekday,
                    crew_number=number,
                    carer_a_id=carers[0].id,
                    carer_b_id=carers[1].id,
                )
            session.commit()

    def person(self, *, area: Area, name: str | None = None, **overrides: Any) -> Person:
        """A person living inside `area` (near its base unless `lat`/`lon` say otherwise)."""
        overrides.setdefault("lat", area.base_lat)
        overrides.setdefault("lon", area.base_lon + 0.02)
        with self._sessions() as session:
            person = a_person(session, name=name or self.unique("Mrs Jones"), **overrides)
            session.commit()
        return person

    def need(self, *, person: Person, **overrides: Any) -> Need:
        """A recurring night call of `person` (30 minutes from 23:00-23:30 by default)."""
        with self._sessions() as session:
            need = a_need(session, person=person, **overrides)
            session.commit()
        return need

    def plan(self, *, area: Area, night: date, seconds: float = 0.5) -> StoredPlan:
        """Solve `night` in `area` into a stored draft plan."""
        with self._sessions() as session:
            plan = solve_night_to_draft(session, area.id, night, SYSTEM, seconds)
            session.commit()
        return plan

    def publish(self, *, area: Area, night: date, again: bool = False) -> None:
        """Publish `night` in `area` as the evening job does (`again`: as "publish again")."""
        with self._sessions() as session:
            publish_night(
                session,
                area.id,
                night,
                trigger=REPUBLISHED if again else SCHEDULED,
                actor_user_id=None,
                seconds=0.5,
            )
            session.commit()

    def user(self, role: str, *, area: Area | None = None, carer: Carer | None = None) -> SignIn:
        """A user of `role` with password `PASSWORD`: a coordinator of `area` (a new area when
        not given), a carer signing in as `carer` (a new carer of `area` when not given)."""
        if role in (COORDINATOR, CARER) and area is None and carer is None:
            area = self.area()
        if role == CARER and carer is None:
            assert area is not None
            carer = self.carer(area=area)
        area_ids = (area.id,) if role == COORDINATOR and area is not None else ()
        username = self.unique(role).replace(" ", "-")
        with self._sessions() as session:
            user = add_user(
                session,
                username=username,
                password=PASSWORD,
                role=role,
                area_ids=area_ids,
                carer_id=carer.id if role == CARER and carer is not None else None,
            )
            session.commit()
            user_id = user.id
        return SignIn(
            username,
            PASSWORD,
            role,
            user_id,
            area_ids,
            carer.id if role == CARER and carer is not None else None,
        )


@pytest.fixture(scope="session")
def staff(live_database: LiveDatabase) -> Staff:
    """Makes records and users in the live server's database."""
    return Staff(live_database.sessions)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    """Playwright's driver (no browser of its own: see `browser`)."""
    if not CHROMIUM.exists():
        _browser_missing(f"{CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """Debian's chromium, headless, one per test run."""
    launched = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield launched
    launched.close()


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A page in a fresh browser context (no cookies) at desktop size, on the live server."""
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


def sign_in(page: Page, user: SignIn) -> None:
    """Sign in through the sign-in form as `user`, and wait for their home page."""
    page.goto("/sign-in")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


SignedInPage = Callable[..., Page]


@pytest.fixture
def signed_in_page(page: Page, staff: Staff) -> SignedInPage:
    """`signed_in_page(role, area=..., carer=...)`: `page` signed in through the form as a new
    user of `role` (see `Staff.user`). When the test needs the user's records, make the user
    with `staff.user(...)` and call `sign_in(page, user)` instead."""

    def signed_in(role: str, *, area: Area | None = None, carer: Carer | None = None) -> Page:
        sign_in(page, staff.user(role, area=area, carer=carer))
        return page

    return signed_in


def _axe_violations(page: Page) -> list[dict[str, Any]]:
    if not AXE.exists():
        _browser_missing(f"{AXE} (run scripts/setup.sh)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (tags) => {
            const found = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return found.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5),
            }));
        }""",
        AXE_TAGS,
    )
    violations: list[dict[str, Any]] = result
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def check_accessible(page: Page) -> None:
    """Fail on any serious or critical WCAG 2.2 A/AA violation axe-core finds on the page."""
    violations = _axe_violations(page)
    assert not violations, (
        "accessibility violations on "
        + page.url
        + ":\n"
        + "\n".join(f"- {v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in violations)
    )


def check_page(page: Page, name: str) -> None:
    """Accessibility and screenshots of the page as it is now, at desktop and 360 px wide.

    At 360 px nothing may stick out sideways (tables scroll inside their own box).
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size or DESKTOP
    check_accessible(page)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    try:
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= PHONE["width"], f"{page.url} is {overflow} px wide at 360 px"
        check_accessible(page)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-360.png"), full_page=True)
    finally:
        page.set_viewport_size(original)


__all__ = [
    "COMMISSIONER",
    "COORDINATOR",
    "CARER",
    "PASSWORD",
    "SignIn",
    "Staff",
    "check_accessible",
    "check_page",
    "sign_in",
]
