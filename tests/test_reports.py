"""The supervisors' reports: daily counts made where things happen (no numbers, no text), charts as inline SVG
with a text alternative and a table each, the range picker, and the CSV export (parsed here) whose private
columns appear only when asked for, and are audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET

from helpline.queue import callbacks, stats
from helpline.staff import reports
from tests.conftest import Phone

SVG = "{http://www.w3.org/2000/svg}"


def busy_day(app, settings, run_claims: bool = True) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Three people text (one in Spanish, one in crisis), one asks for a call; staff claim and close two."""
    client = app.test_client()
    Phone(client, settings, "+15555550111").text("how long does withdrawal last")
    Phone(client, settings, "+15555550122").text("hola necesito ayuda con la abstinencia")
    Phone(client, settings, "+15555550133").text("i want to kill myself")
    asker = Phone(client, settings, "+15555550144")
    for message in ("call me", "Sam", "after 5pm", "yes"):
        asker.text(message)
    conn = app.extensions["helpline"].conn
    ids = {r.priority: r.id for r in callbacks.load_open(conn)}
    if run_claims:
        hl = app.extensions["helpline"]
        for priority, outcome in (("crisis", "reached"), ("routine", "voicemail")):
            callbacks.claim(conn, ids[priority], "ana", settings, hl.queues)
            callbacks.complete(conn, ids[priority], "ana", outcome, "left a note, no number", settings)
    return ids


def test_counts_are_made_as_messages_arrive_and_hold_no_number_or_text(app, settings, conn) -> None:  # type: ignore[no-untyped-def]
    busy_day(app, settings)
    today = stats.day_of(__import__("time").time(), settings.hours.zone)
    counts = stats.read_days(conn, today, today)[today]
    assert counts["contact:sms:en"] == 3 and counts["contact:sms:es"] == 1
    assert counts["crisis:suicide"] == 1 and counts["request:crisis"] == 1
    assert counts["claimed:crisis"] == 1 and counts["outcome:reached"] == 1 and counts["outcome:voicemail"] == 1
    hour = dt.datetime.now(settings.hours.zone).hour
    assert sum(v for k, v in counts.items() if k.startswith(f"hour:{hour}:")) == 4
    dump = " ".join(f"{k}={v}" for k, v in counts.items())
    assert "555" not in dump and "kill" not in dump and "withdrawal" not in dump
    ttl = conn.ttl(stats.day_key(today))
    assert settings.retention_days * 86400 < ttl <= (settings.retention_days + 1) * 86400


def test_the_reports_page_draws_each_chart_with_words_and_a_table(app, settings, supervisor) -> None:  # type: ignore[no-untyped-def]
    busy_day(app, settings)
    response = supervisor.client.get("/staff/reports?range=30")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    assert "<script" not in html and "style=" not in html  # the CSP forbids inline styles: none are needed
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 8
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.get("role") == "img" and root.get("aria-labelledby")
        assert root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text
    assert html.count("<table") >= 8
    assert "4</strong> contacts" in html and "1 crisis detections" in html
    assert "crisis: median" in html  # the claim chart's text alternative
    assert "5555550" not in html  # no client's number anywhere on the page


def test_time_to_claim_median_p90_and_missed_share(app, settings, conn) -> None:  # type: ignore[no-untyped-def]
    hl = app.extensions["helpline"]
    base = 1_790_000_000.0
    from helpline.engine import RequestCallback

    waits = [60, 120, 180, 240, 600]  # seconds to claim; crisis is due in 5 minutes: the last one missed
    for i, wait in enumerate(waits):
        pipe = conn.pipeline()
        pipe.multi()
        staged = callbacks.stage(pipe, hl.queues, settings, f"+1555555020{i}", "sms", "en",
                                 RequestCallback(reason="crisis: suicide", priority="crisis", node="crisis"),
                                 None, now=base)
        pipe.execute()
        callbacks.claim(conn, staged.request_id, "ana", settings, hl.queues, now=base + wait)
    day = stats.day_of(base, settings.hours.zone)
    report = reports.build(conn, settings, reports.Range(day, day, "custom"), now=base + 3600)
    crisis = next(c for c in report.claims if c["priority"] == "crisis")
    assert crisis["claimed"] == 5 and crisis["median_min"] == 3 and crisis["p90_min"] == 10
    assert crisis["missed"] == 1 and crisis["missed_share"] == 0.2 and crisis["target"] == "5 min"


def test_the_range_picker(settings) -> None:  # type: ignore[no-untyped-def]
    now = dt.datetime(2026, 3, 31, 12, tzinfo=settings.hours.zone).timestamp()
    assert reports.parse_range({"range": "30"}, settings, now).first == dt.date(2026, 3, 2)
    custom = reports.parse_range({"range": "custom", "from": "2026-01-01", "to": "2026-01-31"}, settings, now)
    assert (custom.first, custom.last, len(custom.days)) == (dt.date(2026, 1, 1), dt.date(2026, 1, 31), 31)
    for bad in ({"range": "custom", "from": "soon"}, {"range": "custom", "from": "2026-02-01", "to": "2026-01-01"},
                {"range": "365"}):
        try:
            reports.parse_range(bad, settings, now)
        except reports.RangeError:
            continue
        raise AssertionError(f"{bad} was accepted")


def test_a_bad_range_says_why(supervisor) -> None:  # type: ignore[no-untyped-def]
    response = supervisor.client.get("/staff/reports?range=custom&from=yesterday")
    assert response.status_code == 400 and "YYYY-MM-DD" in response.get_data(as_text=True)


def test_reports_are_for_supervisors_only(staff_member) -> None:  # type: ignore[no-untyped-def]
    assert staff_member.client.get("/staff/reports").status_code == 403
    assert staff_member.client.get("/staff/reports/export.csv").status_code == 403


def parse(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body)))


def test_the_csv_export_has_no_numbers_or_notes_unless_ticked_and_that_is_audited(app, settings, conn,
                                                                                  supervisor) -> None:  # type: ignore[no-untyped-def]
    ids = busy_day(app, settings)
    plain = supervisor.client.get("/staff/reports/export.csv?range=7")
    assert plain.status_code == 200 and plain.mimetype == "text/csv"
    assert "attachment" in plain.headers["Content-Disposition"]
    rows = parse(plain.get_data(as_text=True))
    assert {r["id"] for r in rows} == {ids["crisis"], ids["routine"]}
    assert list(rows[0]) == reports.CSV_COLUMNS
    crisis = next(r for r in rows if r["priority"] == "crisis")
    assert crisis["outcome"] == "reached" and crisis["staff"] == "ana" and crisis["channel"] == "sms"
    assert dt.datetime.fromisoformat(crisis["claimed_at"]) <= dt.datetime.fromisoformat(crisis["closed_at"])
    assert "555" not in plain.get_data(as_text=True) and "note" not in plain.get_data(as_text=True)
    assert not [e for e in callbacks_audit(conn) if e["action"].startswith("exported")]

    page = supervisor.page("/staff/reports?range=7")
    private = supervisor.client.post("/staff/reports/export.csv", data={
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1), "range": "7",
        "include_private": "1"})
    rows = parse(private.get_data(as_text=True))
    assert {r["number"] for r in rows} == {"+15555550133", "+15555550144"}
    assert {r["note"] for r in rows} == {"left a note, no number"}
    [entry] = [e for e in callbacks_audit(conn) if e["action"] == "exported numbers and notes"]
    assert entry["who"] == "sam" and "2 closed request(s)" in entry["detail"]
    # without its CSRF token, a private export is refused
    refused = supervisor.client.post("/staff/reports/export.csv", data={"range": "7", "include_private": "1"})
    assert refused.status_code == 400


def callbacks_audit(conn) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    from helpline.staff import board

    return board.recent_audit(conn)


def test_formula_like_free_text_is_defused_in_the_csv() -> None:
    assert reports._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and reports._cell("fine") == "fine"


def test_a_call_is_one_contact_and_its_voicemail_is_counted(app, settings, conn, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from helpline.channels.voice import routes as voice
    from tests.test_voice import CLOSED, caller_for, dial_in_english

    monkeypatch.setattr(voice, "clock", lambda: CLOSED)
    call = caller_for(app, settings)
    dial_in_english(call)
    call.say("can I talk to someone")
    call.leave_message("please call me back about detox")
    today = stats.day_of(__import__("time").time(), settings.hours.zone)
    counts = stats.read_days(conn, today, today)[today]
    assert counts["contact:voice:en"] == 1 and counts["voicemail"] == 1 and counts["request:routine"] == 1
    assert counts["message:voice"] >= 2
