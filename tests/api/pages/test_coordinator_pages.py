"""The coordinator's main paths in a real browser: people and their calls with the API's
messages beside each field, a night cancelled, tonight's plan as a timeline, publish again,
a pin refused, a CSV import refused then accepted, and another area's person not found."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from playwright.sync_api import Browser, FilePayload, Page, expect

from data.models import Area, Person
from data.services.people import current_night
from tests.api.pages.conftest import COORDINATOR, DESKTOP, SignIn, Staff, check_page, sign_in


@dataclass(frozen=True)
class Office:
    """An area with one crew out every night, and its coordinator."""

    area: Area
    user: SignIn


def an_office(staff: Staff) -> Office:
    """A one-crew area (crew 1 is Anne and Beth, no skills) and its coordinator."""
    area = staff.area(crews_per_night=1)
    anne = staff.carer(area=area, name=staff.unique("Anne"))
    beth = staff.carer(area=area, name=staff.unique("Beth"))
    staff.crew(area=area, number=1, carers=(anne, beth))
    return Office(area, staff.user(COORDINATOR, area=area))


def test_a_coordinator_adds_a_person_and_a_call_then_cancels_a_night(
    page: Page, staff: Staff
) -> None:
    """A window before the shift is refused beside its field, with the need service's words;
    corrected, the call is added; then paused, and the person's calls cancelled for a night."""
    office = an_office(staff)
    area = office.area
    sign_in(page, office.user)
    expect(page).to_have_url(re.compile(r"/coordinator$"))
    expect(page.get_by_role("heading", name=area.name)).to_be_visible()
    check_page(page, "coordinator-home")

    page.get_by_role("link", name=f"Add a person in {area.name}").click()
    name = staff.unique("Mrs Edith Morgan")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Address").fill("3 Church Lane, Ellesmere")
    page.get_by_label("Latitude").fill(str(area.base_lat))
    page.get_by_label("Longitude").fill(str(area.base_lon + 0.02))
    page.get_by_label("Care starts").fill("2026-01-01")
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(f"{name} is added.")

    page.get_by_role("link", name="Add a recurring call").click()
    page.get_by_label("What the call is for").fill("reposition")
    page.get_by_label("Start no earlier than").fill("21:00")
    page.get_by_label("Start no later than").fill("21:30")
    page.get_by_label("Minutes of care").fill("30")
    page.get_by_role("button", name="Add call").click()
    earliest = page.get_by_label("Start no earlier than")
    expect(earliest).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#earliest-error")).to_contain_text(
        "21:00 is outside the area's night shift 22:00-07:00"
    )
    expect(earliest).to_have_attribute("aria-describedby", re.compile("earliest-error"))
    expect(page.locator("#error-summary")).to_be_focused()
    check_page(page, "coordinator-need-refused")

    earliest.fill("23:00")
    page.get_by_label("Start no later than").fill("23:30")
    page.get_by_role("button", name="Add call").click()
    expect(page.get_by_role("status")).to_have_text("Call saved.")
    row = page.locator("#needs tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("reposition")
    expect(row).to_contain_text("23:00–23:30")
    expect(row).to_contain_text("Active")

    row.get_by_role("button", name=re.compile("^Pause")).click()
    expect(page.get_by_role("status")).to_contain_text("Call paused")
    expect(page.locator("#needs tbody tr")).to_contain_text("Paused")

    night = current_night(area) + timedelta(days=1)
    page.get_by_label("Night", exact=True).fill(night.isoformat())
    page.get_by_label("Why").fill("in hospital")
    page.get_by_role("button", name="Cancel calls for this night").click()
    expect(page.get_by_role("status")).to_have_text("Calls cancelled for that night.")
    expect(page.get_by_text(f"{night:%a %-d %b %Y}: in hospital")).to_be_visible()
    check_page(page, "coordinator-person")


def a_planned_night(staff: Staff) -> tuple[Office, list[Person], Person]:
    """Three people with calls tonight (one needing a 'peg' skill no carer has), planned."""
    office = an_office(staff)
    area = office.area
    people = []
    for i, (earliest, latest) in enumerate((("23:00", "23:30"), ("01:00", "02:00"))):
        person = staff.person(
            area=area,
            name=staff.unique(f"Mr Hughes {i}"),
            lat=area.base_lat + 0.01 * (i + 1),
            lon=area.base_lon - 0.01 * (i + 1),
        )
        staff.need(person=person, earliest=earliest, latest=latest, minutes=20)
        people.append(person)
    peg = staff.person(area=area, name=staff.unique("Mrs Peg"))
    staff.need(person=peg, label="peg feed", earliest="03:00", latest="04:00", skills=["peg"])
    staff.plan(area=area, night=current_night(area))
    return office, people, peg


def test_tonights_plan_is_a_timeline_per_crew_and_is_published_again(
    page: Page, staff: Staff
) -> None:
    """Crew 1's two visits are blocks in time order; the call needing 'peg' is unassigned
    with its reason; pinning it to crew 1 is refused beside the crew; publish again makes
    version 2 (through htmx, which follows the redirect)."""
    office, people, peg = a_planned_night(staff)
    sign_in(page, office.user)
    page.get_by_role("link", name=f"Tonight's plan for {office.area.name}").click()
    expect(page.get_by_role("heading", name=re.compile(office.area.name), level=1)).to_be_visible()
    crew = page.locator(".timeline__crew").first
    expect(crew.get_by_role("heading")).to_contain_text("Crew 1: Anne")
    blocks = crew.locator(".timeline__block--visit")
    expect(blocks).to_have_count(2)
    # 20-minute visits are too short to hold their words: they are in each block's title.
    expect(blocks.nth(0)).to_have_attribute("title", re.compile(re.escape(people[0].name)))
    expect(blocks.nth(1)).to_have_attribute("title", re.compile(re.escape(people[1].name)))
    left = [
        float(re.findall(r"--left: ([\d.]+)%", b.get_attribute("style") or "")[0])
        for b in (blocks.nth(0), blocks.nth(1))
    ]
    assert 0 < left[0] < left[1] < 100, left
    unassigned = page.locator("table.unassigned tbody tr")
    expect(unassigned).to_have_count(1)
    expect(unassigned).to_contain_text(peg.name)
    expect(unassigned).to_contain_text("no crew has skill 'peg'")
    check_page(page, "coordinator-night")

    unassigned.get_by_role("link", name=re.compile("^Pin it")).click()
    expect(page.get_by_label("Call to pin")).to_have_value(re.compile(r"^n\d+$"))
    page.get_by_label("To the crew").select_option("1")
    page.get_by_role("button", name="Pin the call").click()
    crew_field = page.get_by_label("To the crew")
    expect(crew_field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#crew_number-error")).to_contain_text("peg")

    page.get_by_label("Time to search for a better plan").select_option("2")
    page.get_by_role("button", name="Publish again").click()
    expect(page.get_by_role("status").filter(has_text="Published again")).to_have_text(
        re.compile("Published again: version 2 is now the night's plan")
    )
    expect(page.locator(".plan-summary")).to_contain_text("2, published")


def test_no_blocks_text_is_cut_off_from_the_narrowest_timeline_up(page: Page, staff: Staff) -> None:
    """From the narrowest window that draws the track (48rem) to a desktop, every block's text
    fits inside it: a short visit shows nothing rather than "22:"; a long one shows its time."""
    office, _people, _peg = a_planned_night(staff)
    staff.need(
        person=staff.person(area=office.area, name=staff.unique("Mrs Longvisit")),
        label="sit with",
        earliest="04:30",
        latest="05:00",
        minutes=90,
    )
    staff.plan(area=office.area, night=current_night(office.area))
    sign_in(page, office.user)
    for width in (769, DESKTOP["width"]):  # the track is drawn above 48rem (768 px)
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/coordinator/areas/{office.area.id}/tonight")
        blocks = page.locator(".timeline__block")
        expect(blocks.first).to_be_visible()
        sizes = blocks.evaluate_all(
            "bs => bs.map(b => [b.textContent.trim(), b.scrollWidth, b.clientWidth])"
        )
        assert len(sizes) >= 3, sizes
        assert all(scroll <= client for _text, scroll, client in sizes), (width, sizes)
        texts = [text for text, _scroll, _client in sizes]
        assert any(re.fullmatch(r"\d\d:\d\d.*", text) for text in texts), (width, texts)
        assert "" in texts, (width, texts)


def test_on_a_phone_the_timeline_is_a_list_in_time_order(page: Page, staff: Staff) -> None:
    """At 360 px the picture of the night goes and the visits are a list, in time order,
    each with its person, call, arrival and window; on a desktop both are shown."""
    office, people, _peg = a_planned_night(staff)
    sign_in(page, office.user)
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"/coordinator/areas/{office.area.id}/tonight")
    items = page.locator(".timeline__item--visit")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text(people[0].name)
    expect(items.nth(0)).to_contain_text("window 23:00–23:30")
    expect(items.nth(1)).to_contain_text(people[1].name)
    expect(page.locator(".timeline__track")).to_be_hidden()
    page.set_viewport_size(DESKTOP)
    expect(page.locator(".timeline__track")).to_be_visible()
    page.get_by_role("link", name="Show as a list").click()
    expect(page.locator(".timeline__track")).to_be_hidden()
    expect(items.nth(0)).to_be_visible()


def test_on_a_phone_each_unassigned_call_reads_whole_with_its_pin_link_on_screen(
    page: Page, staff: Staff
) -> None:
    """At 360 px the unassigned call's window, reason and "Pin it" all lie inside the screen
    (not off to the right of a scrolling table), and the page still passes axe."""
    office, _people, peg = a_planned_night(staff)
    sign_in(page, office.user)
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"/coordinator/areas/{office.area.id}/tonight")
    row = page.locator("table.unassigned tbody tr")
    expect(row).to_contain_text(peg.name)
    expect(row).to_contain_text("no crew has skill 'peg'")
    for part in (row.get_by_role("link", name=re.compile("^Pin it")), row.locator("td").nth(3)):
        box = part.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    check_page(page, "coordinator-night-unassigned")


HEADER = (
    "person,name,address,lat,lon,start_date,need,label,weekdays,earliest,latest,minutes,"
    "after_need,min_gap_minutes,max_gap_minutes\n"
)


def csv_file(content: str) -> FilePayload:
    """An upload named people.csv."""
    return {"name": "people.csv", "mimeType": "text/csv", "buffer": content.encode()}


def test_a_csv_with_an_error_imports_nothing_and_the_fixed_file_imports_everyone(
    page: Page, staff: Staff
) -> None:
    """Row 4's window is before the shift: the report names row 4 and `earliest`, and no one
    is added (not even row 2's person). Fixed, both people and their three calls are in."""
    office = an_office(staff)
    area = office.area
    first, second = staff.unique("Mrs Ada Lowe"), staff.unique("Mr Ben Hale")
    lat, lon = area.base_lat, area.base_lon
    rows = (
        f"P1,{first},1 Mere Road,{lat},{lon + 0.01},2026-01-01,a,reposition,daily,"
        "23:00,23:30,30,,,\n"
        "P1,,,,,,,reposition,daily,02:00,03:00,30,a,150,240\n"
        f"P2,{second},2 Mere Road,{lat + 0.01},{lon},2026-01-01,,settle,Mon-Fri,"
        "21:00,21:30,15,,,\n"
    )
    sign_in(page, office.user)
    page.get_by_role("link", name=f"Import people from a spreadsheet into {area.name}").click()
    page.get_by_label("CSV file").set_input_files(files=csv_file(HEADER + rows))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_role("heading", name="Nothing was imported")).to_be_visible()
    report = page.locator("table.import-report tbody tr")
    expect(report).to_have_count(1)
    expect(report).to_contain_text("4")
    expect(report).to_contain_text("earliest")
    expect(report).to_contain_text("21:00 is outside the area's night shift 22:00-07:00")
    check_page(page, "coordinator-import-refused")
    page.goto(f"/coordinator/areas/{area.id}/people")
    expect(page.get_by_text(first)).to_have_count(0)

    page.goto(f"/coordinator/areas/{area.id}/import")
    fixed = rows.replace("21:00,21:30", "23:00,23:30")
    page.get_by_label("CSV file").set_input_files(files=csv_file(HEADER + fixed))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_role("status")).to_have_text("Imported 2 people with their calls.")
    page.get_by_role("link", name=first).click()
    expect(page.locator("#needs tbody tr")).to_have_count(2)
    expect(page.locator("#needs tbody tr").nth(1)).to_contain_text("150–240 min after reposition")


def test_another_areas_person_is_not_found(page: Page, staff: Staff) -> None:
    """A coordinator opening a person of an area they do not coordinate gets 404."""
    office = an_office(staff)
    elsewhere = staff.area()
    stranger = staff.person(area=elsewhere, name=staff.unique("Mrs Elsewhere"))
    sign_in(page, office.user)
    response = page.goto(f"/coordinator/people/{stranger.id}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_text(stranger.name)).to_have_count(0)


def test_the_forms_work_without_javascript(
    browser: Browser, live_server: str, staff: Staff
) -> None:
    """With scripts off, a person's night is cancelled and a call paused by plain form posts."""
    office = an_office(staff)
    person = staff.person(area=office.area, name=staff.unique("Mr Plain"))
    staff.need(person=person)
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, office.user)
        page.goto(f"/coordinator/people/{person.id}")
        page.get_by_role("button", name=re.compile("^Pause")).click()
        expect(page.get_by_role("status")).to_contain_text("Call paused")
        page.get_by_label("Why").fill("respite")
        page.get_by_role("button", name="Cancel calls for this night").click()
        expect(page.get_by_role("status")).to_have_text("Calls cancelled for that night.")
    finally:
        context.close()
