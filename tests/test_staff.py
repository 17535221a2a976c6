"""The staff pages through Flask's test client: logging in, the queue, claiming and closing, supervisors' pages,
and the security rules (login everywhere, CSRF on every form, cookie flags, masked numbers)."""

from __future__ import annotations

import logging
import re

import pytest

from helpline.app import create_app
from helpline.queue import callbacks
from helpline.staff import accounts
from tests.conftest import STAFF_PASSWORD, Phone, StaffMember, csrf_token_in, make_settings

CLIENT = "+15555550123"


def crisis(app, settings, number: str = CLIENT) -> str:  # type: ignore[no-untyped-def]
    Phone(app.test_client(), settings, number).text("i want to kill myself")
    conn = app.extensions["helpline"].conn
    return callbacks.load(conn, conn.get(callbacks.open_key(number)).decode()).id


def routine(app, settings, number: str) -> str:  # type: ignore[no-untyped-def]
    phone = Phone(app.test_client(), settings, number)
    for text in ("call me", "Sam", "after 5pm", "yes"):
        phone.text(text)
    conn = app.extensions["helpline"].conn
    return conn.get(callbacks.open_key(number)).decode()


def staff_urls(app, method: str) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/staff") and method in rule.methods and rule.endpoint != "staff.login":
            urls.append(re.sub(r"<(\w+:)?(\w+)>", lambda m: "cb_1_x" if m.group(2) == "request_id" else "claim",
                               rule.rule))
    return urls


# -- login required everywhere ---------------------------------------------------------------------------------------
def test_every_staff_page_sends_an_anonymous_visitor_to_the_login_page(app, client) -> None:  # type: ignore[no-untyped-def]
    urls = staff_urls(app, "GET")
    assert {"/staff", "/staff/board", "/staff/history", "/staff/audit", "/staff/overview", "/staff/outbox",
            "/staff/requests/cb_1_x"} <= set(urls)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.location.startswith("/staff/login?next="), url
    for url in staff_urls(app, "POST"):
        response = client.post(url)
        assert response.status_code == 302 and response.location.startswith("/staff/login"), url


def test_after_login_the_visitor_lands_where_they_were_going_and_never_on_another_site(app, client) -> None:  # type: ignore[no-untyped-def]
    StaffMember(app)
    page = client.get("/staff/login?next=/staff/requests/cb_1_x").get_data(as_text=True)
    response = client.post("/staff/login?next=/staff/requests/cb_1_x",
                           data={"csrf_token": csrf_token_in(page), "name": "ana", "password": STAFF_PASSWORD})
    assert response.location == "/staff/requests/cb_1_x"
    other = StaffMember(app)
    for target in ("https://evil.example/staff", "//evil.example/staff", "/staff\\@evil"):
        token = csrf_token_in(other.client.get("/staff/login").get_data(as_text=True))
        response = other.client.post(f"/staff/login?next={target}",
                                     data={"csrf_token": token, "name": "ana", "password": STAFF_PASSWORD})
        assert response.location == "/staff", target
        other.client.post("/staff/logout", data={"csrf_token": csrf_token_in(other.page())})


def test_a_wrong_password_is_refused_then_slowed_then_locked(app) -> None:  # type: ignore[no-untyped-def]
    ana = StaffMember(app)
    first = ana.login("wrong password")
    assert first.status_code == 401
    assert "Wrong name or password" in first.get_data(as_text=True)
    ana.login("wrong password")
    third = ana.login("wrong password")
    assert third.status_code == 429 and "Wait 2 seconds" in third.get_data(as_text=True)
    assert ana.login().status_code == 429  # not even looked at while waiting
    ana.conn.delete(accounts.login_keys("ana", "127.0.0.1")[1])
    ana.login("wrong password")
    ana.conn.delete(accounts.login_keys("ana", "127.0.0.1")[1])
    locked = ana.login("wrong password")
    assert "locked" in locked.get_data(as_text=True)
    assert ana.client.get("/staff").status_code == 302


def test_the_session_cookie_is_httponly_samesite_and_secure_over_https(app, tmp_path, redis_url, conn) -> None:  # type: ignore[no-untyped-def]
    cookie = StaffMember(app).login().headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # plain http in dev
    https = StaffMember(app, "bo")
    https.client = app.test_client()
    page = https.client.get("/staff/login", base_url="https://localhost").get_data(as_text=True)
    response = https.client.post("/staff/login", base_url="https://localhost",
                                 headers={"Referer": "https://localhost/staff/login"},
                                 data={"csrf_token": csrf_token_in(page), "name": "bo", "password": STAFF_PASSWORD})
    assert "; Secure" in response.headers["Set-Cookie"]
    behind_proxy = create_app(make_settings(tmp_path, redis_url, PUBLIC_URL="https://helpline.example.org"))
    assert "; Secure" in StaffMember(behind_proxy, "cy").login().headers["Set-Cookie"]


def test_logout_ends_the_session_even_for_a_copied_cookie(app) -> None:  # type: ignore[no-untyped-def]
    ana = StaffMember(app)
    ana.login()
    stolen = ana.client.get_cookie("helpline_session").value
    response = ana.post("/staff/logout")
    assert response.location == "/staff/login"
    thief = app.test_client()
    thief.set_cookie("helpline_session", stolen)
    assert thief.get("/staff").status_code == 302


# -- CSRF ----------------------------------------------------------------------------------------------------------
def test_a_form_without_its_csrf_token_is_refused(app, settings, staff_member) -> None:  # type: ignore[no-untyped-def]
    request_id = crisis(app, settings)
    response = staff_member.client.post(f"/staff/requests/{request_id}/claim", data={})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    forged = staff_member.client.post(f"/staff/requests/{request_id}/claim", data={"csrf_token": "forged"})
    assert forged.status_code == 400
    assert callbacks.load(staff_member.conn, request_id).status == "open"
    login = app.test_client().post("/staff/login", data={"name": "ana", "password": STAFF_PASSWORD})
    assert login.status_code == 400
    assert staff_member.client.post("/staff/logout").status_code == 400


def test_every_staff_form_carries_a_csrf_token(app, settings, staff_member) -> None:  # type: ignore[no-untyped-def]
    crisis(app, settings)
    request_id = routine(app, settings, "+15555550111")
    staff_member.post(f"/staff/requests/{request_id}/claim")
    html = staff_member.page()
    forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", html, re.S)
    assert len(forms) >= 4  # logout, claim, complete, release
    assert all('name="csrf_token"' in form for form in forms)


# -- the queue --------------------------------------------------------------------------------------------------------
def test_the_queue_shows_crisis_first_then_by_due_time_numbers_masked(app, settings, staff_member) -> None:  # type: ignore[no-untyped-def]
    first = routine(app, settings, "+15555550111")
    urgent_like = crisis(app, settings, "+15555550122")
    html = staff_member.page()
    assert html.index(urgent_like) < html.index(first)
    assert "+1******0122" in html and "5555550122" not in html.replace("+1******0122", "")
    assert "CRISIS" in html and "crisis: suicide" in html
    assert "Sam" not in html  # what they told the helpline is for whoever calls them
    for fact in ("Waiting", "due in", "Text", "English", "Claim"):
        assert fact in html


def test_claim_call_and_close_a_request(app, settings, staff_member, supervisor) -> None:  # type: ignore[no-untyped-def]
    request_id = routine(app, settings, "+15555550111")
    response = staff_member.post(f"/staff/requests/{request_id}/claim")
    assert response.status_code == 302
    html = staff_member.page()
    assert "You have claimed" in html
    assert 'href="tel:+15555550111"' in html and "(555) 555-0111" in html
    assert "Ask for <strong>Sam</strong>" in html and "after 5pm" in html
    assert "Ring my phone" not in html  # no Twilio: only the tel: link
    # the others see who holds it, not the number
    theirs = supervisor.page()
    assert "Being called by <strong>ana</strong>" in theirs and "5555550111" not in theirs
    done = staff_member.post(f"/staff/requests/{request_id}/complete", outcome="reached",
                             note="Booked an assessment for Tuesday")
    assert done.status_code == 302
    assert "is closed" in staff_member.page()
    request = callbacks.load(staff_member.conn, request_id)
    assert request.status == "done" and request.outcome == "reached"
    assert request.completed_by == "ana"
    history = supervisor.page("/staff/history")
    assert request_id in history and "reached" in history and "Booked an assessment" in history
    assert "+1******0111" in history
    detail = supervisor.page(f"/staff/requests/{request_id}")
    assert "Audit trail" in detail and "claimed" in detail and "completed: reached" in detail


def test_a_second_staff_member_cannot_claim_the_same_request(app, settings, staff_member, supervisor) -> None:  # type: ignore[no-untyped-def]
    request_id = crisis(app, settings)
    token = csrf_token_in(supervisor.page())  # the supervisor's page was loaded before ana claimed it
    staff_member.post(f"/staff/requests/{request_id}/claim")
    response = supervisor.client.post(f"/staff/requests/{request_id}/claim", data={"csrf_token": token})
    assert response.status_code == 302
    assert "Someone else got there first" in supervisor.page()
    assert callbacks.load(supervisor.conn, request_id).claimed_by == "ana"
    # a supervisor can hand it back to the queue; staff cannot release someone else's claim
    bo = StaffMember(app, "bo")
    bo.login()
    bo.post(f"/staff/requests/{request_id}/release")
    assert callbacks.load(supervisor.conn, request_id).claimed_by == "ana"
    supervisor.post(f"/staff/requests/{request_id}/release")
    assert callbacks.load(supervisor.conn, request_id).status == "open"


def test_no_answer_puts_it_back_and_an_outcome_is_required(app, settings, staff_member) -> None:  # type: ignore[no-untyped-def]
    request_id = crisis(app, settings)
    staff_member.post(f"/staff/requests/{request_id}/claim")
    staff_member.post(f"/staff/requests/{request_id}/complete", outcome="", note="x")
    assert "Choose an outcome" in staff_member.page()
    staff_member.post(f"/staff/requests/{request_id}/complete", outcome="no_answer", note="rang 10 times")
    assert "back in the queue" in staff_member.page()
    assert callbacks.load(staff_member.conn, request_id).status == "open"


def test_the_board_fragment_is_what_the_page_swaps_in(app, settings, staff_member) -> None:  # type: ignore[no-untyped-def]
    request_id = crisis(app, settings)
    fragment = staff_member.page("/staff/board")
    assert fragment.lstrip().startswith("<div id=\"live\"") and request_id in fragment and "<html" not in fragment


def test_pages_send_security_headers_and_no_caching(app, staff_member) -> None:  # type: ignore[no-untyped-def]
    response = staff_member.client.get("/staff")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = response.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html  # no CDN: every asset comes from the app
    assert app.test_client().get("/static/staff.js").status_code == 200


# -- supervisors -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("page", ["/staff/overview", "/staff/history", "/staff/audit", "/staff/outbox"])
def test_supervisor_pages_are_for_supervisors(staff_member, supervisor, page) -> None:  # type: ignore[no-untyped-def]
    assert staff_member.client.get(page).status_code == 403
    assert supervisor.client.get(page).status_code == 200


def test_overview_shows_overdue_requests_and_per_staff_load(app, settings, staff_member, supervisor) -> None:  # type: ignore[no-untyped-def]
    late = crisis(app, settings, "+15555550122")
    supervisor.conn.hset(callbacks.request_key(late), "due", 1000)
    held = routine(app, settings, "+15555550111")
    staff_member.post(f"/staff/requests/{held}/claim")
    html = supervisor.page("/staff/overview")
    assert late in html and "unclaimed" in html
    assert re.search(r"ana <span class=\"role\">staff</span></th><td>1</td>", html)
    assert "OVERDUE" in supervisor.page()


def test_outbox_and_audit_in_development(app, settings, supervisor, run_worker) -> None:  # type: ignore[no-untyped-def]
    request_id = crisis(app, settings)
    run_worker()
    outbox_page = supervisor.page("/staff/outbox")
    assert "CRISIS callback request" in outbox_page and "+1******0142" in outbox_page
    audit = supervisor.page("/staff/audit")
    assert request_id in audit and "created" in audit


def test_staff_actions_never_log_a_full_number(app, settings, staff_member, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    request_id = crisis(app, settings)
    staff_member.post(f"/staff/requests/{request_id}/claim")
    staff_member.page()
    staff_member.post(f"/staff/requests/{request_id}/complete", outcome="reached", note="ok")
    assert "5555550123" not in caplog.text.replace("+1******0123", "")
