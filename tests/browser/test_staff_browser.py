"""The staff queue in a real browser (Debian's chromium through Playwright), on a phone-sized screen: log in, see
a crisis request arrive without a reload, claim it, call, close it; a second staff member cannot take it; an
anonymous visitor is sent to log in from every staff URL; a form without its CSRF token is refused."""

from __future__ import annotations

import os
import re
import shutil
import time

from helpline.queue import callbacks
from tests.browser.conftest import log_in
from tests.conftest import ROOT, Phone

CLIENT = "+15555550123"


def see(locator) -> bool:  # type: ignore[no-untyped-def]
    """Wait (up to the default timeout) until ``locator`` is on screen: pages navigate and update by themselves."""
    locator.first.wait_for(state="visible")
    return True


def text_in(server, number: str, *messages: str) -> str:  # type: ignore[no-untyped-def]
    phone = Phone(server.app.test_client(), server.settings, number)
    for message in messages:
        phone.text(message)
    return server.app.extensions["helpline"].conn.get(callbacks.open_key(number)).decode()


def test_a_crisis_request_arrives_without_a_reload_and_is_claimed_called_and_closed(live, phone_page) -> None:  # type: ignore[no-untyped-def]
    server = live()
    page = phone_page()
    log_in(page, server, "ana")
    assert see(page.get_by_text("Nobody is waiting"))
    page.evaluate("window.notReloaded = true")
    page.mouse.click(5, 300)  # a first tap lets the page play sound

    request_id = text_in(server, CLIENT, "i want to kill myself")

    card = page.locator(f"#{request_id}")
    card.wait_for(state="visible")
    assert page.evaluate("window.notReloaded") is True  # it came in by polling, not a reload
    alarm = page.get_by_role("alert").filter(has_text="New crisis request")
    assert alarm.is_visible() and "crisis: suicide" in alarm.inner_text()
    assert page.title().startswith("⚠ CRISIS")
    page.wait_for_function("Number(document.body.dataset.beeps || 0) >= 1")  # Web Audio played the alarm
    assert "CRISIS" in card.inner_text() and "+1******0123" in card.inner_text()
    assert "5555550123" not in page.content().replace("+1******0123", "")

    # keyboard only: "Show it" focuses the request's Claim button, Enter claims it
    page.get_by_role("link", name="Show it").click()
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused.startswith(f"Claim crisis request {request_id}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert see(page.get_by_text("You have claimed"))
    mine = page.locator("#mine")
    call_link = mine.get_by_role("link", name=re.compile(r"Call \(555\) 555-0123"))
    assert call_link.get_attribute("href") == f"tel:{CLIENT}"
    _assert_usable(page)

    mine.get_by_label("Outcome").select_option("reached")
    mine.get_by_label("Note").fill("Talked it through; safety plan agreed, intake tomorrow 9am")
    mine.get_by_role("button", name="Close request").click()
    assert see(page.get_by_text(f"({request_id}) is closed"))
    assert see(page.get_by_text("Nobody is waiting"))
    request = callbacks.load(server.app.extensions["helpline"].conn, request_id)
    assert request.status == "done" and request.outcome == "reached" and request.completed_by == "ana"
    assert request.last_note.startswith("Talked it through")


def _assert_usable(page) -> None:  # type: ignore[no-untyped-def]
    """Fits a phone without sideways scrolling; every control has a label or text; targets are finger-sized."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
        .filter(el => !el.labels || el.labels.length === 0).map(el => el.outerHTML)""")
    assert unlabelled == []
    nameless = page.evaluate("""() => [...document.querySelectorAll('button, a[href]')]
        .filter(el => el.offsetParent !== null && !(el.getAttribute('aria-label') || el.innerText.trim()))
        .map(el => el.outerHTML)""")
    assert nameless == []
    small = page.evaluate("""() => [...document.querySelectorAll('main button, main .button')]
        .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 44).map(el => el.outerHTML)""")
    assert small == []


def test_a_second_staff_member_cannot_claim_the_same_request(live, phone_page) -> None:  # type: ignore[no-untyped-def]
    server = live(STAFF_POLL_SECONDS=600)  # bo's page stays as it was loaded, as on a slow phone
    request_id = text_in(server, CLIENT, "i want to kill myself")
    ana, bo = phone_page(), phone_page()
    log_in(ana, server, "ana")
    log_in(bo, server, "bo")
    bo_claim = bo.locator(f"#{request_id}").get_by_role("button", name=re.compile("^Claim"))
    assert bo_claim.is_visible()
    ana.locator(f"#{request_id}").get_by_role("button", name=re.compile("^Claim")).click()
    assert see(ana.get_by_text("You have claimed"))
    bo_claim.click()
    assert see(bo.get_by_role("alert").filter(has_text="Someone else got there first"))
    other = bo.locator(f"#{request_id}")
    assert "Being called by ana" in other.inner_text() and "+1******0123" in other.inner_text()
    assert other.get_by_role("button", name=re.compile("^Claim")).count() == 0
    assert callbacks.load(server.app.extensions["helpline"].conn, request_id).claimed_by == "ana"


def test_an_anonymous_visitor_is_sent_to_the_login_page_from_every_staff_url(live, phone_page) -> None:  # type: ignore[no-untyped-def]
    server = live()
    request_id = text_in(server, CLIENT, "i want to kill myself")
    urls = sorted({re.sub(r"<(\w+:)?request_id>", request_id, rule.rule)
                   for rule in server.app.url_map.iter_rules()
                   if rule.rule.startswith("/staff") and "GET" in rule.methods and rule.endpoint != "staff.login"})
    assert len(urls) >= 7
    page = phone_page()
    for url in urls:
        page.goto(server.url + url)
        assert "/staff/login?next=" in page.url, url
        assert see(page.get_by_role("heading", name="Log in to the callback queue")), url
    # and after logging in, they are where they were going
    detail = f"/staff/requests/{request_id}"
    log_in(page, server, "sam", "supervisor", start=detail)
    assert page.url.endswith(detail)
    assert see(page.get_by_role("heading", name="Audit trail"))


def test_a_form_without_its_csrf_token_is_refused(live, phone_page) -> None:  # type: ignore[no-untyped-def]
    server = live()
    request_id = text_in(server, CLIENT, "i want to kill myself")
    page = phone_page()
    log_in(page, server, "ana")
    card = page.locator(f"#{request_id}")
    card.locator("input[name=csrf_token]").evaluate("el => el.remove()")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        card.get_by_role("button", name=re.compile("^Claim")).click()
    assert posted.value.status == 400
    assert see(page.get_by_role("heading", name="Please try again"))
    assert callbacks.load(server.app.extensions["helpline"].conn, request_id).status == "open"


def test_queue_screenshot_for_the_readme(live, phone_page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A phone-sized picture of a busy queue. ``UPDATE_SCREENSHOT=1`` writes it to docs/staff-queue.png."""
    server = live()
    conn = server.app.extensions["helpline"].conn
    routine = text_in(server, "+15555550111", "call me", "Sam", "after 5pm", "yes")
    text_in(server, "+15555550133", "do you take my insurance", "1", "Lee", "mornings", "yes")
    held = text_in(server, "+15555550144", "call me", "Jo", "now", "no")
    late = text_in(server, "+15555550155", "is kratom safe to get off heroin", "call me", "skip", "any time", "yes")
    conn.hset(callbacks.request_key(late), mapping={"created": time.time() - 5 * 3600, "due": time.time() - 700})
    bo = phone_page()
    log_in(bo, server, "bo")
    bo.locator(f"#{held}").get_by_role("button", name=re.compile("^Claim")).click()
    page = phone_page()
    log_in(page, server, "ana")
    assert see(page.locator(f"#{routine}"))
    text_in(server, CLIENT, "i want to kill myself")
    page.get_by_role("alert").filter(has_text="New crisis request").wait_for(state="visible")
    page.wait_for_timeout(1300)  # let the arrival highlight settle
    shot = tmp_path / "staff-queue.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    if os.environ.get("UPDATE_SCREENSHOT"):
        shutil.copy(shot, ROOT / "docs" / "staff-queue.png")
