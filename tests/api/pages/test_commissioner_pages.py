"""The commissioner's main path in a real browser: the areas on the map and in the table, an
area created from an uploaded GeoJSON file (and one drawn on the map), crews per night edited,
an area's 30 nights as charts; a coordinator is kept out.

The map has no tile layer (tiles cannot load here), so these tests also show that the
boundaries and bases draw without one.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from playwright.sync_api import Browser, FilePayload, expect
from sqlalchemy import select

from data.models import Area, StoredPlan
from data.services.people import current_night
from tests.api.pages.conftest import (
    COMMISSIONER,
    COORDINATOR,
    DESKTOP,
    PHONE,
    SignedInPage,
    Staff,
    check_page,
    sign_in,
)
from tests.data.factories import square

# East Anglia: far from the squares `staff.area()` makes west of -2.
FENS = square(0.2, 52.4, 0.4, 52.6)
# East of the Fens, sharing their edge: areas may share an edge, not ground.
MARSHLAND = square(0.4, 52.4, 0.6, 52.6)


def _area_named(staff: Staff, name: str) -> Area | None:
    with staff.session() as session:
        return session.scalars(select(Area).where(Area.name == name)).first()


def _geojson(document: Any, name: str = "fens.geojson") -> FilePayload:
    return {
        "name": name,
        "mimeType": "application/geo+json",
        "buffer": json.dumps(document).encode(),
    }


def test_a_commissioner_sees_the_areas_on_the_map_and_in_the_table(
    signed_in_page: SignedInPage, staff: Staff
) -> None:
    """Signing in lands on the areas page; each area is a table row and an outline with a
    base dot on the map, drawn with no map tiles."""
    first, second = staff.area(), staff.area()
    page = signed_in_page(COMMISSIONER)
    expect(page).to_have_url(re.compile(r"/commissioner$"))
    expect(page.get_by_role("heading", name="Areas", exact=True)).to_be_visible()
    for area in (first, second):
        row = page.locator(f"tr[data-area='{area.id}']")
        expect(row.get_by_role("link", name=area.name, exact=True)).to_be_visible()
        expect(row).to_contain_text("22:00–07:00")
    area_map = page.locator("[data-area-map='areas'][data-ready='true']")
    expect(area_map).to_be_visible()
    expect(area_map.locator(".leaflet-tile")).to_have_count(0)
    outlines = page.locator(".leaflet-overlay-pane path.leaflet-interactive")
    shown = page.locator("tbody tr").count()
    # One outline and one base dot per area.
    expect(outlines).to_have_count(2 * shown)
    check_page(page, "commissioner-areas")


def test_on_a_phone_each_area_is_a_card_that_does_not_scroll_sideways(
    signed_in_page: SignedInPage, staff: Staff
) -> None:
    """At 360 px the areas table's box does not scroll sideways: each area reads as a card,
    every value after its column's name; at desktop it is still a table with column headers."""
    area = staff.area()
    page = signed_in_page(COMMISSIONER)
    page.set_viewport_size(PHONE)
    page.goto("/commissioner")
    wrap = page.locator(".table-wrap")
    expect(wrap).to_be_visible()
    scroll, client = wrap.evaluate("w => [w.scrollWidth, w.clientWidth]")
    assert scroll <= client, (scroll, client)
    row = page.locator(f"tr[data-area='{area.id}']")
    shift = row.locator("td[data-label='Shift']")
    caption = shift.evaluate("td => getComputedStyle(td, '::before').content")
    assert caption == '"Shift"', caption
    expect(shift).to_contain_text("22:00–07:00")
    box = row.get_by_role("link", name=re.compile("^Edit")).bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"], box
    page.set_viewport_size(DESKTOP)
    expect(page.get_by_role("columnheader", name="Shift")).to_be_visible()
    expect(page.get_by_role("rowheader", name=area.name)).to_be_visible()
    assert shift.evaluate("td => getComputedStyle(td, '::before').content") == "none"


def test_a_commissioner_creates_an_area_by_uploading_a_geojson_file(
    signed_in_page: SignedInPage, staff: Staff
) -> None:
    """A file that is not a polygon is explained beside the file field; the right file makes
    the area, which then appears on the areas page."""
    page = signed_in_page(COMMISSIONER)
    page.get_by_role("link", name="Add an area").click()
    expect(page.get_by_role("heading", name="Add an area")).to_be_visible()
    name = staff.unique("Fens")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Care provider").fill("Fenland Nights Ltd")
    page.get_by_label("Base latitude").fill("52.5")
    page.get_by_label("Base longitude").fill("0.3")
    page.get_by_label("Crews per night").fill("3")
    page.get_by_label("Boundary file").set_input_files(
        _geojson({"type": "LineString", "coordinates": [[0.2, 52.4], [0.4, 52.6]]})
    )
    page.get_by_role("button", name="Add the area").click()

    error = page.locator("#boundary_file-error")
    expect(error).to_contain_text("Must be a GeoJSON Polygon or MultiPolygon")
    expect(page.get_by_label("Boundary file")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.get_by_label("Name", exact=True)).to_have_value(name)
    assert _area_named(staff, name) is None
    check_page(page, "commissioner-area-form-error")

    feature = {"type": "Feature", "properties": {"name": "Fens"}, "geometry": FENS}
    page.get_by_label("Boundary file").set_input_files(_geojson(feature))
    page.get_by_role("button", name="Add the area").click()
    expect(page.get_by_role("status")).to_have_text("The area has been added.")
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    stored = _area_named(staff, name)
    assert stored is not None
    assert (stored.boundary, stored.crews_per_night) == (FENS, 3)

    page.get_by_role("link", name="All areas").click()
    expect(page.locator(f"tr[data-area='{stored.id}']")).to_contain_text("Fenland Nights Ltd")


def test_a_commissioner_draws_the_boundary_and_places_the_base_on_the_map(
    signed_in_page: SignedInPage, staff: Staff
) -> None:
    """Four clicks with the polygon tool (closing on the first) draw the boundary into its
    field; a click outside the tools puts the base there; the area saves with both."""
    page = signed_in_page(COMMISSIONER)
    page.goto("/commissioner/areas/new")
    # A base typed first, in ground no other area holds, is where the map opens once the form
    # comes back asking for the rest, so the drawing lands clear of the run's other areas.
    page.get_by_label("Base latitude").fill("51.0")
    page.get_by_label("Base longitude").fill("-1.0")
    page.get_by_role("button", name="Add the area").click()
    expect(page.locator("#error-summary")).to_be_visible()
    name = staff.unique("Drawn")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Care provider").fill("Drawn Care Ltd")
    editor = page.locator("[data-area-map='editor'][data-ready='true']")
    expect(editor).to_be_visible()
    page.locator(".leaflet-pm-icon-polygon").click()
    box = editor.bounding_box()
    assert box is not None
    corners = [(150, 100), (450, 100), (450, 350), (150, 350), (150, 100)]
    for x, y in corners:
        editor.click(position={"x": x, "y": y})
    boundary = page.get_by_label("Boundary as GeoJSON")
    expect(boundary).to_have_value(re.compile(r'^\{"type":"Polygon"'))
    editor.click(position={"x": 300, "y": 220})
    expect(page.get_by_label("Base latitude")).not_to_have_value("")
    check_page(page, "commissioner-area-drawn")
    page.get_by_role("button", name="Add the area").click()
    expect(page.get_by_role("status")).to_have_text("The area has been added.")
    stored = _area_named(staff, name)
    assert stored is not None
    assert stored.boundary["type"] == "Polygon"
    assert len(stored.boundary["coordinates"][0]) == 5


def test_a_commissioner_edits_the_crews_per_night(
    signed_in_page: SignedInPage, staff: Staff
) -> None:
    """The edit form comes filled in; a new number of crews is saved and shown."""
    area = staff.area(crews_per_night=2)
    page = signed_in_page(COMMISSIONER)
    page.get_by_role("link", name=area.name, exact=True).click()
    page.get_by_role("link", name=f"Edit {area.name}").click()
    crews = page.get_by_label("Crews per night")
    expect(crews).to_have_value("2")
    expect(page.get_by_label("Shift starts")).to_have_value("22:00")
    check_page(page, "commissioner-area-edit")
    crews.fill("4")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("Your changes have been saved.")
    expect(page.locator("dd[data-field='crews_per_night']")).to_have_text("4")
    stored = _area_named(staff, area.name)
    assert stored is not None and stored.crews_per_night == 4


def _published_night(staff: Staff, area: Area, night: date, visits: int, missed: int) -> None:
    """A hand-made published plan: crew 1 leaves at 22:50 and makes `visits` 30-minute visits
    back to back from 23:00, coming back 10 minutes after the last; `missed` calls are
    unassigned. Busy: 30 × visits + 20 minutes of a 540-minute shift."""
    start = night.isoformat()
    first = datetime.combine(night, time(23, 0), tzinfo=UTC)
    plan_visits = [
        {
            "call": f"c{i}",
            "arrive": (first + timedelta(minutes=30 * i)).isoformat(),
            "start": (first + timedelta(minutes=30 * i)).isoformat(),
            "end": (first + timedelta(minutes=30 * i + 30)).isoformat(),
        }
        for i in range(visits)
    ]
    back = first + timedelta(minutes=30 * visits + 10)
    with staff.session() as session:
        session.add(
            StoredPlan(
                area_id=area.id,
                night=night,
                version=1,
                status="published",
                trigger="scheduled",
                problem={
                    "night": start,
                    "timezone": "Europe/London",
                    "shift": {"start": "22:00", "end": "07:00"},
                    "crews": [{"id": "car-1"}],
                    "calls": [{"id": f"c{i}"} for i in range(visits + missed)],
                },
                plan={
                    "routes": [
                        {
                            "crew": "car-1",
                            "depart": (first - timedelta(minutes=10)).isoformat(),
                            "return": back.isoformat(),
                            "visits": plan_visits,
                        }
                    ],
                    "unassigned": [
                        {"call": f"c{visits + i}", "reason": "busy"} for i in range(missed)
                    ],
                },
                travel_minutes=10.0 * visits,
                unassigned_count=missed,
                solve_seconds=1.0,
            )
        )
        session.commit()


def test_a_commissioner_opens_an_areas_last_thirty_nights(
    signed_in_page: SignedInPage, staff: Staff
) -> None:
    """Three published nights: three charts (image, title, description) with a column on each
    of those nights, and the table of the 30 nights with their numbers."""
    area = staff.area(crews_per_night=1)
    tonight = current_night(area)
    nights = [tonight - timedelta(days=d) for d in (1, 2, 5)]
    for night, (visits, missed) in zip(nights, ((4, 0), (3, 1), (2, 2)), strict=True):
        _published_night(staff, area, night, visits, missed)
    page = signed_in_page(COMMISSIONER)
    page.get_by_role("link", name=area.name, exact=True).click()
    expect(page.get_by_role("heading", name="The last 30 nights")).to_be_visible()
    charts = page.get_by_role("img")
    expect(page.locator("svg.chart__svg")).to_have_count(3)
    expect(charts.filter(has_text="Calls each night")).to_have_count(1)
    calls = page.locator(f"svg[data-chart='calls-{area.id}']")
    expect(calls.locator("desc")).to_contain_text("In all 12 calls, 9 planned and 3 unassigned.")
    expect(calls.locator("rect.chart-unassigned")).to_have_count(2)
    expect(calls.locator("rect.chart-planned")).to_have_count(3)
    row = page.locator(f"tr[data-night='{nights[1].isoformat()}']")
    expect(row.locator("td")).to_have_text(["4", "3", "1", "1 h 30 min", "30 min", "20%"])
    expect(page.locator("tbody tr", has_text="No published plan")).to_have_count(27)
    check_page(page, "commissioner-area-nights")


def test_an_area_with_one_published_night_says_night_not_nights(
    signed_in_page: SignedInPage, staff: Staff
) -> None:
    """As on the demo county's first evening: one night with a plan, in the singular."""
    area = staff.area(crews_per_night=1)
    _published_night(staff, area, current_night(area) - timedelta(days=1), 2, 0)
    page = signed_in_page(COMMISSIONER)
    page.goto(f"/commissioner/areas/{area.id}")
    expect(page.get_by_text("1 night with a published plan.")).to_be_visible()
    expect(page.locator("tfoot th")).to_have_text("The night")


def test_a_coordinator_cannot_reach_the_commissioners_pages(
    signed_in_page: SignedInPage, staff: Staff
) -> None:
    """The coordinator lands on their own page; the commissioner's pages answer 403."""
    area = staff.area()
    page = signed_in_page(COORDINATOR, area=area)
    expect(page).not_to_have_url(re.compile(r"/commissioner"))
    for path in ("/commissioner", f"/commissioner/areas/{area.id}", "/commissioner/areas/new"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 403, path
        expect(page.get_by_role("heading", name="You cannot do this")).to_be_visible()


def test_without_javascript_the_table_and_the_geojson_field_do_the_maps_work(
    browser: Browser, live_server: str, staff: Staff
) -> None:
    """No script runs: the map boxes say why they are empty, the table still lists the areas,
    and an area is added by pasting its GeoJSON and typing the base."""
    area = staff.area()
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, staff.user(COMMISSIONER))
        expect(page.locator(".area-map__fallback")).to_contain_text("the table below lists")
        expect(page.locator(f"tr[data-area='{area.id}']")).to_be_visible()
        page.goto("/commissioner/areas/new")
        name = staff.unique("Plain")
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label("Care provider").fill("Plain Care Ltd")
        page.get_by_label("Boundary as GeoJSON").fill(json.dumps(MARSHLAND))
        page.get_by_label("Base latitude").fill("52.5")
        page.get_by_label("Base longitude").fill("0.5")
        page.get_by_role("button", name="Add the area").click()
        expect(page.get_by_role("status")).to_have_text("The area has been added.")
        stored = _area_named(staff, name)
        assert stored is not None and stored.boundary == MARSHLAND
    finally:
        context.close()


def test_the_area_form_stays_accessible_with_many_neighbouring_areas(
    signed_in_page: SignedInPage, staff: Staff
) -> None:
    """Forty areas on the map: the neighbours are landmarks, not tap targets packed closer
    than WCAG 2.5.8 allows, and each still shows its name; the home map passes too."""
    areas = [staff.area() for _ in range(40)]
    page = signed_in_page(COMMISSIONER)
    check_page(page, "commissioner-home-many-areas")
    page.goto(page.url.split("/commissioner")[0] + f"/commissioner/areas/{areas[0].id}/edit")
    expect(page.get_by_label("Crews per night")).to_be_visible()
    expect(page.locator(".neighbour-name", has_text=areas[1].name)).to_have_count(1)
    check_page(page, "commissioner-area-edit-many-areas")
