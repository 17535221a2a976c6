"""Real-browser fixtures: Debian's chromium driven by Playwright, against the app under a real WSGI server.

The tests skip, saying why, only when chromium (or the playwright package) is missing AND ``REQUIRE_BROWSER``
is unset; CI sets ``REQUIRE_BROWSER=1`` (``.ci/run``), so there they fail instead of silently skipping.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from helpline.app import create_app
from tests.conftest import STAFF_PASSWORD, StaffMember, make_settings

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    missing = _missing()
    if missing:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"REQUIRE_BROWSER is set but {missing}")
        pytest.skip(f"browser tests skipped: {missing}; set REQUIRE_BROWSER=1 to make this a failure")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Playwright gives every launch a fresh temporary user-data-dir.
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


class LiveServer:
    """The helpline app under werkzeug's threaded WSGI server on a free port, in this process."""

    def __init__(self, app):  # type: ignore[no-untyped-def]
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def live(tmp_path, redis_url, conn) -> Iterator[Callable[..., LiveServer]]:  # type: ignore[no-untyped-def]
    """``live(**settings)`` starts a server; the queue page polls every second unless told otherwise."""
    servers: list[LiveServer] = []

    def start(**overrides: object) -> LiveServer:
        values: dict[str, object] = {"STAFF_POLL_SECONDS": 1, **overrides}
        settings = make_settings(tmp_path, redis_url, **values)
        server = LiveServer(create_app(settings))
        server.settings = settings  # type: ignore[attr-defined]
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def phone_page(browser):  # type: ignore[no-untyped-def]
    """``phone_page()`` opens a new phone-sized browser window (its own cookies)."""
    contexts = []

    def open_page():  # type: ignore[no-untyped-def]
        context = browser.new_context(**PHONE)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def log_in(page, server: LiveServer, name: str, role: str = "staff", phone: str = "+15555550142",  # type: ignore[no-untyped-def]
           start: str = "/staff") -> None:
    """Make the account if needed, then log in through the login form as a person would."""
    StaffMember(server.app, name, role, phone)
    page.goto(server.url + start)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/staff/login" not in url)
