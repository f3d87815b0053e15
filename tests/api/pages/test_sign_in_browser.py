"""Signing in and out in a real browser, by mouse and by keyboard alone."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.api.pages.conftest import (
    CARER,
    COORDINATOR,
    PASSWORD,
    Staff,
    check_page,
    sign_in,
)


def test_the_sign_in_page_is_accessible_at_desktop_and_phone_width(page: Page) -> None:
    """The form has labelled fields and passes axe at both widths."""
    page.goto("/sign-in")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    expect(page.get_by_label("Username")).to_have_attribute("autocomplete", "username")
    expect(page.get_by_label("Password")).to_have_attribute("autocomplete", "current-password")
    check_page(page, "sign-in")


def test_a_carer_signs_in_and_lands_on_tonights_round(page: Page, staff: Staff) -> None:
    """After signing in the carer is on /carer, with the navigation and sign-out button."""
    user = staff.user(CARER)
    sign_in(page, user)
    expect(page).to_have_url(re.compile(r"/carer$"))
    expect(page.get_by_role("heading", name="Tonight's round", level=1)).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Tonight's round")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_text(f"Signed in as {user.username}")).to_be_visible()


def test_a_wrong_password_is_shown_beside_the_field_and_in_a_summary(
    page: Page, staff: Staff
) -> None:
    """The page says what is wrong next to the password, and nobody is signed in."""
    user = staff.user(CARER)
    page.goto("/sign-in")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title(re.compile("^Error: Sign in"))
    password = page.get_by_label("Password")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#password-error")).to_contain_text("Wrong username or password")
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")
    # The summary takes the focus, so a screen reader announces it first.
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.get_by_label("Username")).to_have_value(user.username)
    check_page(page, "sign-in-wrong-password")
    page.goto("/carer")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/carer$"))


def test_sign_in_works_with_the_keyboard_alone(page: Page, staff: Staff) -> None:
    """Tab from the top of the page reaches the skip link, the username, the password and the
    button in that order; each focused element shows a visible focus indicator."""
    user = staff.user(CARER)
    page.goto("/sign-in")
    order = []
    for _ in range(5):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                return {
                    name: el.id || el.textContent.trim(),
                    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
                    shadow: style.boxShadow !== "none",
                    background: style.backgroundColor,
                };
            }"""
        )
        assert focused["outline"] or focused["shadow"], f"no visible focus on {focused}"
        order.append(focused["name"])
        if focused["name"] == "username":
            page.keyboard.type(user.username)
        elif focused["name"] == "password":
            page.keyboard.type(PASSWORD)
        elif focused["name"] == "Sign in":
            page.keyboard.press("Enter")
            break
    assert order == ["Skip to main content", "nightcare", "username", "password", "Sign in"]
    expect(page).to_have_url(re.compile(r"/carer$"))


def test_the_skip_link_moves_the_focus_to_the_main_content(page: Page) -> None:
    """The first Tab shows the skip link; Enter on it focuses <main>."""
    page.goto("/sign-in")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_a_page_asked_for_before_signing_in_opens_after_signing_in(
    page: Page, staff: Staff
) -> None:
    """/carer sends the visitor to sign in, then back to /carer."""
    user = staff.user(CARER)
    page.goto("/carer")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/carer$"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/carer$"))


def test_signing_out_ends_the_session(page: Page, staff: Staff) -> None:
    """After "Sign out" the sign-in page says so and /carer asks to sign in again."""
    sign_in(page, staff.user(CARER))
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in\?signed_out=1$"))
    expect(page.get_by_role("status")).to_have_text("You have signed out.")
    page.goto("/carer")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/carer$"))
    cookies = {c["name"] for c in page.context.cookies()}
    assert "nightcare_session" not in cookies


def test_pages_load_htmx_from_this_server_and_nothing_from_elsewhere(
    page: Page, staff: Staff, live_server: str
) -> None:
    """Every request of the sign-in and carer pages goes to the live server (no CDN), and the
    vendored htmx is loaded and running."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/sign-in")
    sign_in(page, staff.user(CARER))
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof window.htmx === 'object' && typeof htmx.version === 'string'")
    assert any(url.endswith("/static/vendor/htmx/htmx.min.js") for url in requested)
    elsewhere = [url for url in requested if not url.startswith(live_server)]
    assert elsewhere == []


def test_signing_in_and_opening_the_round_asks_for_nothing_missing(
    page: Page, staff: Staff
) -> None:
    """No request of the sign-in and carer pages fails (the browser's favicon.ico included:
    the pages name their icon), so the console stays clean."""
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    # The icon request is the browser's own: it shows only as a console error.
    page.on("console", lambda m: failed.append(m.text) if m.type == "error" else None)
    page.goto("/sign-in")
    sign_in(page, staff.user(CARER))
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    assert failed == []


def test_error_pages_are_pages_with_a_way_home(page: Page, staff: Staff) -> None:
    """A missing page and another role's page answer with accessible error pages."""
    missing = page.goto("/no-such-page")
    assert missing is not None and missing.status == 404
    expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()
    check_page(page, "error-not-found")
    sign_in(page, staff.user(COORDINATOR))
    refused = page.goto("/carer")
    assert refused is not None and refused.status == 403
    expect(page.get_by_role("heading", name="You cannot do this", level=1)).to_be_visible()
    expect(page.get_by_text("a coordinator may not do this")).to_be_visible()
    expect(page.get_by_role("link", name="Go to your home page")).to_have_attribute(
        "href", "/coordinator"
    )


def test_an_expired_form_says_so_and_leads_back(page: Page, staff: Staff) -> None:
    """A sign-in form whose CSRF cookie is gone (the browser was restarted) is refused with a
    plain explanation, and signing in again from there works."""
    user = staff.user(CARER)
    page.goto("/sign-in")
    page.context.clear_cookies()
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="This form has expired", level=1)).to_be_visible()
    expect(page.get_by_text("csrf_token")).to_have_count(0)
    page.get_by_role("link", name="Go to the sign-in page").click()
    sign_in(page, user)
    expect(page).to_have_url(re.compile(r"/carer$"))
