"""Dedupe for the whole replay window: every MessageSid (and CallSid + step) is remembered for 48 hours, not just
a conversation's last few, so a captured signed webhook replayed later changes nothing and makes no request."""

from __future__ import annotations

from helpline.queue import callbacks, dedupe
from helpline.queue.conversations import state_key
from tests.conftest import Phone
from tests.test_voice import caller_for, dial_in_english

HOUR = 3600.0


def test_a_sid_is_remembered_for_48_hours_and_then_dropped() -> None:
    t0 = 1_800_000_000.0
    tag = dedupe.tag("SM" + "1" * 32)
    raw = dedupe.add(None, tag, t0)
    for i in range(200):  # a long, busy conversation: the first sid is still there
        raw = dedupe.add(raw, dedupe.tag(f"SM{i:032d}"), t0 + i * 60)
    assert dedupe.seen(raw, tag, t0 + 47 * HOUR)
    assert dedupe.seen(raw, tag, t0 + 48 * HOUR)
    later = dedupe.add(raw, dedupe.tag("SM" + "2" * 32), t0 + 56 * HOUR)
    assert not dedupe.seen(later, tag, t0 + 56 * HOUR)  # pruned when written after the window
    assert len(later) == dedupe.ENTRY_BYTES  # ...with everything else that old
    assert dedupe.ttl() >= 48 * HOUR
    # A journal replay writes with the event's own, earlier time: it keeps what came after it.
    replayed = dedupe.add(raw, dedupe.tag("SM" + "3" * 32), t0 - 2 * HOUR)
    assert dedupe.seen(replayed, tag, t0 + HOUR) and dedupe.seen(replayed, dedupe.tag("SM" + "3" * 32), t0)


def test_a_captured_webhook_replayed_after_many_messages_and_a_closed_request_makes_nothing(
        app, settings, conn) -> None:  # type: ignore[no-untyped-def]
    phone = Phone(app.test_client(), settings)
    captured = "SM" + "c" * 32
    assert "What name" in phone.text("call me", sid=captured)[0]
    for word in ["Sam", "after 5", "yes", "menu"] + ["1", "back"] * 10:  # far more than the old last 8
        phone.text(word)
    [request] = callbacks.load_open(conn)
    callbacks.claim(conn, request.id, "ana", settings, app.extensions["helpline"].queues)
    callbacks.complete(conn, request.id, "ana", "reached", "", settings)
    before = conn.get(state_key("sms", phone.texter.number))
    assert phone.text("call me", sid=captured) == []  # the same signed webhook again
    assert callbacks.load_open(conn) == []
    assert conn.get(state_key("sms", phone.texter.number)) == before


def test_a_call_step_replayed_after_the_call_ended_changes_nothing(app, settings, conn, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from helpline.channels.voice import routes as voice
    from tests.test_voice import OPEN

    monkeypatch.setattr(voice, "clock", lambda: OPEN)
    call = caller_for(app, settings)
    dial_in_english(call)
    first_step = call.documents[-1].find("Gather").get("action")
    call.press("5")  # asks for a call back: a request
    call.hang_up()
    [request] = callbacks.load_open(conn)
    callbacks.claim(conn, request.id, "ana", settings, app.extensions["helpline"].queues)
    callbacks.complete(conn, request.id, "ana", "reached", "", settings)
    replayed = call._post(first_step, {"Digits": "5"})  # the captured step, replayed after the call
    assert "Hangup" in replayed
    assert callbacks.load_open(conn) == []
