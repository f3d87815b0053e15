"""The carer's main path in a real browser: sign in, read tonight's round, call (the crew-mate,
a household, the on-call line), map, print."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Page, expect

from data.models import Area, Carer, Person
from data.services.people import current_night
from tests.api.pages.conftest import CARER, SignIn, Staff, check_page, sign_in

ON_CALL = "01632 960999"
HOME = "+44 (0)1632 960123"


@dataclass(frozen=True)
class Round:
    """An area whose crew 1 (Anne and Beth) visits two people tonight; Anne signs in. The
    area has an on-call line; the first person has a phone answered by their daughter."""

    area: Area
    anne: Carer
    beth: Carer
    people: list[Person]
    user: SignIn


def a_planned_round(staff: Staff) -> Round:
    """Crew 1 every night, two people with key-safe codes, tonight solved into a plan."""
    area = staff.area(crews_per_night=1, on_call_phone=ON_CALL)
    anne = staff.carer(area=area, name=staff.unique("Anne"), phone="07700 900111")
    beth = staff.carer(area=area, name=staff.unique("Beth"), phone="07700 900222")
    staff.crew(area=area, number=1, carers=(anne, beth))
    people = []
    for i, (earliest, latest) in enumerate((("23:00", "23:30"), ("01:00", "01:30"))):
        person = staff.person(
            area=area,
            name=staff.unique(f"Mrs Owen {i}"),
            address=f"{i + 1} Church Lane, Wem",
            lat=area.base_lat + 0.01 * (i + 1),
            lon=area.base_lon - 0.01 * (i + 1),
            key_safe_code=f"47{i}1",
            access_notes=f"Gate {i} sticks: lift it",
            phone=HOME if i == 0 else None,
            contact_name="daughter, Sue" if i == 0 else None,
        )
        staff.need(person=person, earliest=earliest, latest=latest, minutes=20)
        people.append(person)
    staff.plan(area=area, night=current_night(area))
    return Round(area, anne, beth, people, staff.user(CARER, carer=anne))


def test_a_carer_reads_tonights_round_with_codes_calls_and_maps(page: Page, staff: Staff) -> None:
    """Both visits in time order with address, code and access notes; tap-to-call the
    crew-mate, the on-call line and the household that has a phone (only that one); geo: and
    web map links to each address; accessible at both widths. The codes come from the
    published plan (a draft gives none)."""
    tonight = a_planned_round(staff)
    staff.publish(area=tonight.area, night=current_night(tonight.area))
    sign_in(page, tonight.user)
    expect(page).to_have_url(re.compile(r"/carer$"))
    expect(page.get_by_text(f"{tonight.area.name}, crew 1")).to_be_visible()
    visits = page.locator("li.visit")
    expect(visits).to_have_count(2)
    first, second = visits.nth(0), visits.nth(1)
    expect(first).to_contain_text(tonight.people[0].name)
    expect(first).to_contain_text("1 Church Lane, Wem")
    expect(first.locator(".code")).to_have_text("4701")
    expect(first).to_contain_text("Gate 0 sticks: lift it")
    expect(second).to_contain_text(tonight.people[1].name)
    expect(second.locator(".code")).to_have_text("4711")
    # Care starts inside each window (the crew may arrive early and wait).
    care = [re.search(r"Care (\d\d:\d\d)", v.inner_text()) for v in (first, second)]
    starts = [m.group(1) if m else "" for m in care]
    assert "23:00" <= starts[0] <= "23:30" and "01:00" <= starts[1] <= "01:30", starts

    call = page.get_by_role("link", name=re.compile(f"^Call {tonight.beth.name}"))
    expect(call).to_have_attribute("href", "tel:07700900222")
    expect(page.get_by_role("link", name=re.compile(f"^Call {tonight.anne.name}"))).to_have_count(0)
    on_call = page.get_by_role("link", name=f"Call the on-call line on {ON_CALL}")
    expect(on_call).to_have_attribute("href", "tel:01632960999")
    household = first.get_by_role(
        "link", name=f"Call daughter, Sue: {HOME} for {tonight.people[0].name}"
    )
    expect(household).to_have_attribute("href", "tel:+441632960123")
    expect(second.get_by_role("link", name=re.compile("^Call"))).to_have_count(0)
    person = tonight.people[0]
    maps = first.get_by_role("link", name=f"Open in maps for {person.name}")
    expect(maps).to_have_attribute(
        "href", f"geo:{person.lat},{person.lon}?q={person.lat},{person.lon}"
    )
    web = first.get_by_role("link", name=f"Directions on the web for {person.name}")
    expect(web).to_have_attribute(
        "href",
        f"https://www.google.com/maps/dir/?api=1&destination={person.lat},{person.lon}",
    )
    check_page(page, "carer-tonight")


def test_the_round_says_which_call_is_critical_what_it_needs_and_the_risks(
    page: Page, staff: Staff
) -> None:
    """A critical call needing medication at a home with oxygen: the visit says so in words
    the crew reads before the door."""
    area = staff.area(crews_per_night=1)
    anne = staff.carer(area=area, name=staff.unique("Anne"), skills=["medication"])
    beth = staff.carer(area=area, name=staff.unique("Beth"), skills=["medication"])
    staff.crew(area=area, number=1, carers=(anne, beth))
    person = staff.person(
        area=area, name=staff.unique("Mrs Oxygen"), risk_notes="oxygen in use; no naked flames"
    )
    staff.need(person=person, priority="critical", skills=["medication"])
    staff.plan(area=area, night=current_night(area))
    sign_in(page, staff.user(CARER, carer=anne))
    visit = page.locator("li.visit")
    expect(visit.locator(".visit__critical")).to_have_text("Critical")
    expect(visit.locator(".visit__skills")).to_have_text("Needs: medication")
    expect(visit.locator(".visit__risk")).to_have_text("Risk: oxygen in use; no naked flames")
    check_page(page, "carer-tonight-risks")


def test_the_round_prints_without_header_buttons_or_links(page: Page, staff: Staff) -> None:
    """In print the visits stay and the navigation, buttons and map links go."""
    tonight = a_planned_round(staff)
    sign_in(page, tonight.user)
    page.emulate_media(media="print")
    expect(page.locator("li.visit").first).to_be_visible()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Print this round")).to_be_hidden()
    expect(page.locator(".visit__actions").first).to_be_hidden()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    page.emulate_media(media="screen")
    expect(page.get_by_role("button", name="Print this round")).to_be_visible()


def test_a_carer_off_tonight_is_told_so(page: Page, staff: Staff) -> None:
    """A carer on no crew tonight gets a plain message, not an error."""
    area = staff.area()
    sign_in(page, staff.user(CARER, carer=staff.carer(area=area)))
    expect(page.get_by_role("status")).to_have_text("You are not on a crew tonight.")
    check_page(page, "carer-off-tonight")


def test_a_carer_before_the_plan_is_made_is_told_so(page: Page, staff: Staff) -> None:
    """On a crew, but tonight is not planned yet: the page says it is coming."""
    area = staff.area(crews_per_night=1)
    anne = staff.carer(area=area)
    staff.crew(area=area, number=1, carers=(anne, staff.carer(area=area)))
    sign_in(page, staff.user(CARER, carer=anne))
    expect(page.get_by_role("status")).to_contain_text("Tonight's round is not planned yet")


def test_the_round_downloads_as_a_pdf(page: Page, staff: Staff) -> None:
    """ "Download PDF" gives tonight's sheet as an A4 PDF named after the night and crew."""
    tonight = a_planned_round(staff)
    sign_in(page, tonight.user)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    night = current_night(tonight.area).isoformat()
    assert download.value.suggested_filename == f"round-{night}-crew-1.pdf"
    path = download.value.path()
    assert path.read_bytes().startswith(b"%PDF")


def test_changes_since_the_last_publication_are_marked(page: Page, staff: Staff) -> None:
    """Published, then a new call added and published again: the new visit says so."""
    tonight = a_planned_round(staff)
    night = current_night(tonight.area)
    staff.publish(area=tonight.area, night=night)
    late = staff.person(
        area=tonight.area,
        name=staff.unique("Mr Price"),
        address="9 Mill Street, Wem",
        lat=tonight.area.base_lat - 0.01,
        lon=tonight.area.base_lon + 0.01,
    )
    staff.need(person=late, earliest="03:00", latest="03:30", minutes=20)
    staff.publish(area=tonight.area, night=night, again=True)
    sign_in(page, tonight.user)
    expect(page.get_by_text(re.compile(r"1 change since version \d+"))).to_be_visible()
    added = page.locator("li.visit", has_text=late.name)
    expect(added.locator(".change-mark")).to_have_text("Changed: new")
    check_page(page, "carer-tonight-changed")


def test_the_page_tells_the_carer_when_the_round_is_published_again(
    page: Page, staff: Staff
) -> None:
    """The open page checks for a newer version (every two minutes; here at once) and offers
    the new round; before that the check finds nothing to say."""
    tonight = a_planned_round(staff)
    sign_in(page, tonight.user)
    updates = page.locator("#round-updates")
    with page.expect_response(re.compile(r"/carer/updates\?shown=\d+$")):
        page.evaluate("htmx.trigger('#round-updates', 'check')")
    expect(updates).to_be_empty()
    staff.publish(area=tonight.area, night=current_night(tonight.area))
    with page.expect_response(re.compile(r"/carer/updates\?shown=\d+$")):
        page.evaluate("htmx.trigger('#round-updates', 'check')")
    expect(updates).to_contain_text("Tonight's round has changed since this page was opened.")
    updates.get_by_role("link", name="Show the new round").click()
    expect(page.get_by_text(re.compile(r"Published plan, version \d+"))).to_be_visible()
