"""The supervisors' reports and roster pages in a real browser (Debian's chromium through Playwright), on a
phone-sized and a desktop-sized screen: charts drawn with no CSP violation, the range picker, the CSV download,
and adding and removing a shift."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil

import pytest

from helpline.queue import callbacks, stats
from helpline.staff import roster
from tests.browser.conftest import PHONE, log_in
from tests.browser.test_staff_browser import see, text_in
from tests.conftest import ROOT, Phone

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1}


@pytest.fixture
def open_page(browser):  # type: ignore[no-untyped-def]
    """``open_page(size)`` opens a window of that size; every CSP violation or script error is collected."""
    contexts = []

    def open_(size):  # type: ignore[no-untyped-def]
        context = browser.new_context(**size)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.problems = []
        page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" and "favicon" not in
                m.location.get("url", "") else None)
        page.on("pageerror", lambda e: page.problems.append(str(e)))
        return page

    yield open_
    for context in contexts:
        context.close()


def busy(server) -> None:  # type: ignore[no-untyped-def]
    conn = server.app.extensions["helpline"].conn
    hl = server.app.extensions["helpline"]
    text_in(server, "+15555550111", "call me", "Sam", "after 5pm", "yes")
    Phone(server.app.test_client(), server.settings, "+15555550122").text("hola necesito ayuda con la abstinencia")
    crisis = text_in(server, "+15555550133", "i want to kill myself")
    text_in(server, "+15555550144", "i took too many pills")
    callbacks.claim(conn, crisis, "ana", server.settings, hl.queues)
    callbacks.complete(conn, crisis, "ana", "reached", "safety plan", server.settings)


def seed_history(server) -> None:  # type: ignore[no-untyped-def]
    """Four weeks of made-up daily counts, so the README's picture shows what a month looks like."""
    import random
    import time

    conn, settings = server.app.extensions["helpline"].conn, server.settings
    rng = random.Random(15)
    for days_ago in range(1, 29):
        day = time.time() - days_ago * 86400
        for _ in range(rng.randint(6, 18)):
            channel, lang = rng.choice(["sms", "sms", "sms", "voice"]), rng.choice(["en", "en", "en", "es"])
            hour = rng.choice([8, 9, 10, 12, 13, 17, 18, 19, 20, 21, 22, 23, 1])
            stats.bump(conn, settings, [f"contact:{channel}:{lang}", f"hour:{hour}:{channel}:{lang}"], day)
        if rng.random() < 0.3:
            stats.bump(conn, settings, ["voicemail", rng.choice(["crisis:suicide", "crisis:overdose"])], day)


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_reports_draw_charts_and_change_range(live, open_page, size, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server = live()
    busy(server)
    page = open_page(size)
    log_in(page, server, "sam", "supervisor", start="/staff/reports")
    assert see(page.get_by_role("heading", name="Reports", exact=True))
    charts = page.get_by_role("img")
    assert charts.count() == 8
    for i in range(8):
        chart = charts.nth(i)
        assert chart.is_visible() and chart.bounding_box()["width"] > 200
        assert chart.get_attribute("aria-labelledby")
    assert "4 contacts" in page.locator("#range-summary").inner_text()
    crisis = page.get_by_role("region", name="Crisis detections by category")
    crisis.get_by_text("The numbers").click()  # each chart's table opens under it
    assert crisis.get_by_role("table", name="Crisis detections by category").get_by_text("suicide").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    assert page.evaluate("[...document.querySelectorAll('svg rect')].some(r => "
                         "getComputedStyle(r).fill !== 'rgb(0, 0, 0)')")  # colours came from staff.css

    page.get_by_label("Last 30 days").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert "range=30" in page.url and "30" in page.get_by_label("Last 30 days").evaluate("e => e.value")
    page.get_by_label("Custom").check()
    page.get_by_label("From", exact=True).fill("2026-01-01")
    page.get_by_label("To", exact=True).fill("2026-01-03")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert see(page.get_by_text("Thu 01 Jan 2026 to Sat 03 Jan 2026: 0 contacts"))
    assert page.problems == []  # no CSP violation, no script error

    if size is DESKTOP:
        seed_history(server)
        page.goto(server.url + "/staff/reports?range=30")
        shot = tmp_path / "staff-reports.png"
        page.screenshot(path=str(shot), full_page=False)
        assert shot.stat().st_size > 10_000
        if os.environ.get("UPDATE_SCREENSHOT"):
            shutil.copy(shot, ROOT / "docs" / "staff-reports.png")


def test_the_csv_download_with_numbers_is_a_ticked_box(live, open_page) -> None:  # type: ignore[no-untyped-def]
    server = live()
    busy(server)
    page = open_page(DESKTOP)
    log_in(page, server, "sam", "supervisor", start="/staff/reports")
    with page.expect_download() as plain:
        page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(open(plain.value.path()).read())))
    assert len(rows) == 1 and rows[0]["outcome"] == "reached" and "number" not in rows[0]
    page.get_by_label(re.compile("Include phone numbers")).check()
    with page.expect_download() as private:
        page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(open(private.value.path()).read())))
    assert rows[0]["number"] == "+15555550133" and rows[0]["note"] == "safety plan"
    page.goto(server.url + "/staff/audit")
    assert see(page.get_by_text("exported numbers and notes"))


def test_a_supervisor_adds_and_removes_a_shift_on_a_phone(live, open_page) -> None:  # type: ignore[no-untyped-def]
    server = live()
    conn = server.app.extensions["helpline"].conn
    page = open_page(PHONE)
    log_in(page, server, "bo", "staff", phone="+15555550162")
    page.context.clear_cookies()
    log_in(page, server, "sam", "supervisor", start="/staff/roster")
    assert see(page.get_by_role("heading", name="On-call roster"))
    page.get_by_label("Who").select_option("bo")
    for day in ("Saturday", "Sunday"):
        page.get_by_label(day).check()
    page.get_by_label("Starts").fill("22:00")
    page.get_by_label("Ends").fill("06:00")
    page.get_by_role("button", name="Add shift").click()
    assert see(page.get_by_text("Added bo: sat,sun 22:00-06:00"))
    [shift] = roster.shifts(conn)
    assert shift.who == "bo" and shift.days == (5, 6)
    assert page.locator(".week li", has_text="Saturday").get_by_text("bo").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("button", name=re.compile("Remove bo's shift")).click()
    assert see(page.get_by_text("Removed bo"))
    assert roster.shifts(conn) == [] and page.problems == []
