"""The JSON API under /api/: the same login as the pages, a CSRF header on every POST, the same actions and
rules as the queue page, and click-to-call through the real twilio client against helpline.sim.faketwilio."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from helpline.app import create_app
from helpline.queue import callbacks
from tests.conftest import STAFF_PASSWORD, Phone, StaffMember

CLIENT = "+15555550123"


class ApiUser:
    def __init__(self, app, name: str = "ana", role: str = "staff", phone: str = "+15555550142"):  # type: ignore[no-untyped-def]
        StaffMember(app, name, role, phone)
        self.client = app.test_client()
        response = self.client.post("/api/login", json={"name": name, "password": STAFF_PASSWORD})
        assert response.status_code == 200, response.json
        self.me = response.json
        self.headers = {"X-CSRFToken": response.json["csrf_token"]}

    def post(self, path: str, **body: object):  # type: ignore[no-untyped-def]
        return self.client.post(path, json=body, headers=self.headers)


def crisis(app, settings, number: str = CLIENT) -> str:  # type: ignore[no-untyped-def]
    Phone(app.test_client(), settings, number).text("i want to kill myself")
    return app.extensions["helpline"].conn.get(callbacks.open_key(number)).decode()


def test_anonymous_requests_get_401_json_not_a_redirect(app, client) -> None:  # type: ignore[no-untyped-def]
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/") and r.endpoint != "api.login"]
    assert len(rules) >= 8
    for rule in rules:
        url = rule.rule.replace("<request_id>", "cb_1_x").replace("<action>", "claim")
        method = "POST" if "POST" in rule.methods else "GET"
        response = client.open(url, method=method)
        assert response.status_code == 401, url
        assert response.json == {"error": "login required"}, url


def test_login_is_json_only_and_refuses_wrong_passwords(app, client) -> None:  # type: ignore[no-untyped-def]
    StaffMember(app)
    assert client.post("/api/login", data={"name": "ana", "password": STAFF_PASSWORD}).status_code == 415
    wrong = client.post("/api/login", json={"name": "ana", "password": "nope"})
    assert wrong.status_code == 401 and "Wrong name or password" in wrong.json["error"]
    ok = client.post("/api/login", json={"name": "ana", "password": STAFF_PASSWORD})
    assert ok.status_code == 200 and ok.json["name"] == "ana" and ok.json["role"] == "staff"
    assert client.get("/api/me").json["csrf_token"]
    assert client.post("/api/logout", headers={"X-CSRFToken": ok.json["csrf_token"]}).json == {"ok": True}
    assert client.get("/api/me").status_code == 401


def test_a_post_without_the_csrf_header_is_refused(app, settings) -> None:  # type: ignore[no-untyped-def]
    ana = ApiUser(app)
    request_id = crisis(app, settings)
    response = ana.client.post(f"/api/callbacks/{request_id}/claim")
    assert response.status_code == 400 and "CSRF" in response.json["error"]
    wrong = ana.client.post(f"/api/callbacks/{request_id}/claim", headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 400
    assert callbacks.load(app.extensions["helpline"].conn, request_id).status == "open"


def test_list_claim_and_complete_through_the_api(app, settings) -> None:  # type: ignore[no-untyped-def]
    ana, bo = ApiUser(app), ApiUser(app, "bo")
    request_id = crisis(app, settings)
    listed = ana.client.get("/api/callbacks").json
    [row] = listed["requests"]
    assert row["id"] == request_id and row["priority"] == "crisis" and row["number"] == "+1******0123"
    assert listed["poll_seconds"] == settings.staff_poll_seconds and listed["signature"]
    claimed = ana.post(f"/api/callbacks/{request_id}/claim")
    assert claimed.status_code == 200 and claimed.json["request"]["number"] == CLIENT
    assert claimed.json["request"]["mine"] is True
    assert ana.client.get("/api/callbacks").json["signature"] != listed["signature"]
    # bo sees it held by ana, masked, and cannot take it
    [theirs] = bo.client.get("/api/callbacks").json["requests"]
    assert theirs["claimed_by"] == "ana" and theirs["number"] == "+1******0123" and "gathered" not in theirs
    refused = bo.post(f"/api/callbacks/{request_id}/claim")
    assert refused.status_code == 409 and "already claimed by ana" in refused.json["error"]
    assert bo.post(f"/api/callbacks/{request_id}/complete", outcome="reached").status_code == 409
    assert ana.post(f"/api/callbacks/{request_id}/complete").status_code == 400
    bad = ana.post(f"/api/callbacks/{request_id}/complete", outcome="teleported")
    assert bad.status_code == 400 and "unknown outcome" in bad.json["error"]
    done = ana.post(f"/api/callbacks/{request_id}/complete", outcome="referred", note="to the county crisis team")
    assert done.status_code == 200 and done.json["request"]["status"] == "done"
    assert ana.client.get("/api/callbacks").json["requests"] == []
    assert ana.post("/api/callbacks/cb_nope/claim").status_code == 404
    assert ana.post(f"/api/callbacks/{request_id}/dance").status_code == 404


ROW_KEYS = {"id", "priority", "status", "reason", "topics", "channel", "lang", "created", "due", "overdue",
            "claimed_by", "claim_expires", "mine", "number", "call_only", "requests", "attempts", "last_outcome",
            "latest", "voicemail"}


def test_the_json_shape_of_a_request_is_unchanged(app, settings) -> None:  # type: ignore[no-untyped-def]
    ana = ApiUser(app)
    request_id = crisis(app, settings)
    [row] = ana.client.get("/api/callbacks").json["requests"]
    assert set(row) == ROW_KEYS
    assert row["status"] == "open" and row["claimed_by"] is None and row["last_outcome"] is None
    assert isinstance(row["created"], float) and isinstance(row["requests"], int) and row["call_only"] is False
    claimed = ana.post(f"/api/callbacks/{request_id}/claim").json["request"]
    assert set(claimed) == ROW_KEYS | {"gathered", "recording_length", "last_note"}
    assert claimed["gathered"] == {} and claimed["last_note"] == "" and claimed["claimed_by"] == "ana"
    ana.post(f"/api/callbacks/{request_id}/complete", outcome="reached", note="ok")
    detail = ana.client.get(f"/api/callbacks/{request_id}").json["request"]
    assert set(detail) == ROW_KEYS | {"outcome", "completed_by", "completed_at"}
    assert detail["outcome"] == "reached" and detail["last_outcome"] == "reached" and detail["status"] == "done"


def test_supervisor_endpoints(app, settings) -> None:  # type: ignore[no-untyped-def]
    ana, sam = ApiUser(app), ApiUser(app, "sam", "supervisor")
    request_id = crisis(app, settings)
    ana.post(f"/api/callbacks/{request_id}/claim")
    for path in ("/api/history", "/api/audit", "/api/load", "/api/overdue", "/api/outbox"):
        assert ana.client.get(path).status_code == 403, path
        assert sam.client.get(path).status_code == 200, path
    load = {p["name"]: p for p in sam.client.get("/api/load").json["staff"]}
    assert load["ana"]["holding"] == 1 and load["sam"]["holding"] == 0
    detail = sam.client.get(f"/api/callbacks/{request_id}").json
    assert [e["action"] for e in detail["audit"]] == ["created", "claimed"]
    assert "audit" not in ana.client.get(f"/api/callbacks/{request_id}").json
    assert sam.post(f"/api/callbacks/{request_id}/release").status_code == 200  # supervisors may release
    ana.post(f"/api/callbacks/{request_id}/claim")
    ana.post(f"/api/callbacks/{request_id}/complete", outcome="admitted", note="intake booked")
    [closed] = sam.client.get("/api/history").json["requests"]
    assert closed["outcome"] == "admitted" and closed["number"] == "+1******0123"


def test_click_to_call_needs_twilio_and_a_phone(app, settings) -> None:  # type: ignore[no-untyped-def]
    ana = ApiUser(app)
    request_id = crisis(app, settings)
    ana.post(f"/api/callbacks/{request_id}/claim")
    response = ana.post(f"/api/callbacks/{request_id}/call")
    assert response.status_code == 409 and "needs Twilio" in response.json["error"]
    assert ana.me["click_to_call"] is False


@pytest.fixture
def twilio_app(twilio_settings):  # type: ignore[no-untyped-def]
    return create_app(twilio_settings)


def test_click_to_call_rings_staff_and_bridges_the_client_with_the_helpline_number(
        twilio_app, twilio_settings, fake_twilio, run_worker) -> None:  # type: ignore[no-untyped-def]
    ana, bo = ApiUser(twilio_app), ApiUser(twilio_app, "bo", phone="")
    assert ana.me["click_to_call"] is True and bo.me["click_to_call"] is False
    request_id = crisis(twilio_app, twilio_settings)
    assert ana.post(f"/api/callbacks/{request_id}/call").status_code == 409  # claim it first
    ana.post(f"/api/callbacks/{request_id}/claim")
    response = ana.post(f"/api/callbacks/{request_id}/call")
    assert response.status_code == 202 and response.json["job"]
    again = ana.post(f"/api/callbacks/{request_id}/call")
    assert again.status_code == 400 and "already being placed" in again.json["error"]  # a double tap rings once
    assert fake_twilio.calls == []  # the web request only queued it
    run_worker(twilio_settings)
    [call] = fake_twilio.calls
    assert call["to"] == "+15555550142" and call["from"] == twilio_settings.helpline_number
    twiml = ET.fromstring(call["twiml"])
    dial = twiml.find("Dial")
    assert dial is not None and dial.get("callerId") == twilio_settings.helpline_number
    assert dial.find("Number").text == CLIENT
    trail = [e["action"] for e in callbacks.audit_trail(twilio_app.extensions["helpline"].conn, request_id)]
    assert trail[-2:] == ["call requested", "call placed"]


def test_a_call_job_does_nothing_if_the_claim_changed(twilio_app, twilio_settings, fake_twilio, run_worker) -> None:  # type: ignore[no-untyped-def]
    ana = ApiUser(twilio_app)
    request_id = crisis(twilio_app, twilio_settings)
    ana.post(f"/api/callbacks/{request_id}/claim")
    ana.post(f"/api/callbacks/{request_id}/call")
    ana.post(f"/api/callbacks/{request_id}/release")
    run_worker(twilio_settings)
    assert fake_twilio.calls == []


def test_the_queue_page_offers_click_to_call_when_twilio_is_set_up(twilio_app, twilio_settings) -> None:  # type: ignore[no-untyped-def]
    ana = StaffMember(twilio_app)
    ana.login()
    request_id = crisis(twilio_app, twilio_settings)
    ana.post(f"/staff/requests/{request_id}/claim")
    html = ana.page()
    assert "Ring my phone and connect" in html and 'href="tel:+15555550123"' in html
    ana.post(f"/staff/requests/{request_id}/call")
    assert "Calling your phone now" in ana.page()
    assert "/staff/outbox" not in html  # no outbox with real Twilio
