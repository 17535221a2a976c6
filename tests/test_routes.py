"""No staff or API URL answers 500: every route walked with odd ids, odd ``limit`` and ``next`` values; and while
Redis is down staff get a 503 that says to wait (a page, or JSON for the API), never a bare server error."""

from __future__ import annotations

import re

import pytest

from helpline.app import create_app
from tests.conftest import StaffMember, free_port, make_settings

ODD_IDS = ["open:+15555550121", "queue", "claimed", "closed", "audit:x", "cb_1_x", "cb_99999999999_deadbeef",
           "%2B15555550121", "..", "a" * 5000, "cb_1_abc\r\nX: y", "*", "[", "\u00e9\u00e8", "0"]


def routes(app, prefix: str):  # type: ignore[no-untyped-def]
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix):
            yield rule


def fill(rule: str, odd: str) -> str:
    from urllib.parse import quote

    return re.sub(r"<(\w+:)?(\w+)>", lambda m: quote(odd, safe="") if m.group(2) == "request_id" else "claim", rule)


@pytest.fixture
def an_open_request(phone, conn) -> str:  # type: ignore[no-untyped-def]
    phone.text("i want to kill myself")  # makes hl:cb:open:+15555550123, a key of another kind than a request
    return conn.zrange("hl:cb:queue", 0, 0)[0].decode()


@pytest.mark.parametrize("prefix", ["/staff", "/api/"])
def test_every_route_with_odd_ids_answers_without_a_server_error(app, supervisor, an_open_request, prefix) -> None:  # type: ignore[no-untyped-def]
    csrf = supervisor.client.get("/api/me").get_json()["csrf_token"]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', supervisor.page()).group(1)  # type: ignore[union-attr]
    checked = 0
    for rule in routes(app, prefix):
        if rule.endpoint in ("staff.logout", "api.logout"):
            continue
        for odd in (ODD_IDS if "request_id" in rule.rule else [""]) + ["open:+15555550123"]:
            url = fill(rule.rule, odd)
            for method in sorted(rule.methods & {"GET", "POST"}):
                if method == "GET":
                    response = supervisor.client.get(url)
                elif prefix == "/api/":
                    response = supervisor.client.post(url, json={"outcome": "reached"}, headers={"X-CSRFToken": csrf})
                else:
                    response = supervisor.client.post(url, data={"csrf_token": token, "outcome": "reached"})
                assert response.status_code < 500, (method, url[:80], response.status_code)
                if "request_id" in rule.rule and odd in ("open:+15555550121", "open:+15555550123", "queue"):
                    assert response.status_code == 404, (method, url, response.status_code)
                checked += 1
    assert checked > 20


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "1e9", "99999999999999999999", "", "1.5"])
def test_a_bad_limit_is_a_400_not_a_500(supervisor, limit) -> None:  # type: ignore[no-untyped-def]
    for url in ("/api/history", "/api/audit"):
        response = supervisor.client.get(f"{url}?limit={limit}")
        assert response.status_code == 400, (url, limit, response.status_code)
        assert "limit" in response.get_json()["error"]
    assert supervisor.client.get("/api/audit?limit=5").status_code == 200


@pytest.mark.parametrize("target", ["/staff\r\nSet-Cookie: x=1", "/staff\n", "/staff\t",
                                    "/staff/" + "a" * 5000, "//evil.example", "/staff\x00"])
def test_an_odd_next_sends_the_visitor_to_the_queue(app, target) -> None:  # type: ignore[no-untyped-def]
    from urllib.parse import quote

    member = StaffMember(app)
    member.client.get("/staff/login")
    page = member.client.get("/staff/login?next=" + quote(target, safe="")).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = member.client.post("/staff/login?next=" + quote(target, safe=""),
                                  data={"csrf_token": token, "name": "ana", "password": "correct horse battery"})
    assert response.status_code == 302
    assert response.location == "/staff"
    assert member.client.get("/staff/login?next=" + quote(target, safe="")).status_code == 302


@pytest.fixture
def redis_down_client(tmp_path, redis_url, conn):  # type: ignore[no-untyped-def]
    app = create_app(make_settings(tmp_path, f"redis://127.0.0.1:{free_port()}/0"))
    client = app.test_client()
    with client.session_transaction() as session:
        session["t"] = "a-session-token"  # a logged-in browser: every page must look its session up in Redis
    return client


def test_staff_get_a_friendly_503_page_while_redis_is_down(redis_down_client) -> None:  # type: ignore[no-untyped-def]
    for url in ("/staff", "/staff/board", "/staff/history", "/staff/requests/cb_1_ab"):
        response = redis_down_client.get(url)
        assert response.status_code == 503, url
        assert response.mimetype == "text/html"
        assert "cannot reach its database" in response.get_data(as_text=True)
        assert response.headers["Retry-After"] == "30"


def test_the_api_gets_503_json_while_redis_is_down(redis_down_client) -> None:  # type: ignore[no-untyped-def]
    for url in ("/api/me", "/api/callbacks"):
        response = redis_down_client.get(url)
        assert response.status_code == 503, url
        assert response.get_json()["retry"] is True
    response = redis_down_client.post("/api/login", json={"name": "ana", "password": "x" * 12})
    assert response.status_code == 503


def test_the_webhooks_still_answer_while_redis_is_down(redis_down_client, settings) -> None:  # type: ignore[no-untyped-def]
    assert redis_down_client.get("/healthz").status_code == 200
    assert redis_down_client.get("/readyz").status_code == 503
