"""The typed records at the Redis boundary, on a real Redis: they round-trip, and what older versions of the helpline
wrote (the same field names, fewer fields) still reads."""

from __future__ import annotations

import json

import pytest
from rq import Queue

from helpline.app import QUEUE_NAMES
from helpline.engine import State
from helpline.queue import callbacks, conversations
from helpline.queue.records import CallbackRequest, ConversationRecord, Outcome, Status

FULL = CallbackRequest(
    id="cb_1000_abcd1234", number="+15555550101", status=Status.DONE, priority="crisis", reason="crisis: overdose",
    channel="voice", lang="es", gathered={"name": "Sam", "recording_url": "https://example.org/r"},
    topics=("detox", "insurance"), latest=("overdose", "none"), call_only=True, created=1000.5, updated=1900.25,
    due=1300.0, requests=3, attempts=2, alerts=1, claimed_by="ana", claimed_at=1200.0, claim_token="tok",
    claim_expires=3000.0, first_claimed_at=1100.0, escalation="run1", last_outcome=Outcome.ADMITTED,
    last_note="starts Monday", outcome=Outcome.ADMITTED, completed_at=1900.25, completed_by="ana")


@pytest.fixture
def queues(conn):  # type: ignore[no-untyped-def]
    return {name: Queue(name, connection=conn) for name in QUEUE_NAMES}


def test_a_request_round_trips_through_redis(conn) -> None:  # type: ignore[no-untyped-def]
    conn.hset(callbacks.request_key(FULL.id), mapping=FULL.to_redis())
    assert callbacks.load(conn, FULL.id) == FULL
    assert callbacks.load(conn, "cb_nope") is None
    bare = CallbackRequest(id="cb_2", number="+15555550102", created=5.0, updated=5.0, due=6.0)
    conn.hset(callbacks.request_key(bare.id), mapping=bare.to_redis())
    assert callbacks.load(conn, bare.id) == bare
    assert b"claimed_by" not in conn.hgetall(callbacks.request_key(bare.id))  # absent fields are not written


def test_a_request_in_the_old_field_layout_reads_back_and_can_be_worked(conn, queues, settings) -> None:  # type: ignore[no-untyped-def]
    # As an earlier helpline wrote it: ints for times, no lang/channel/latest/call_only/alerts fields.
    conn.hset("hl:cb:cb_900_feedbeef", mapping={
        "id": "cb_900_feedbeef", "number": "+15555550103", "reason": "asked for a person", "priority": "urgent",
        "status": "open", "gathered": '{"name": "Lee"}', "topics": '["detox"]', "created": "900", "updated": "950",
        "due": "2700", "requests": "2", "attempts": "0"})
    conn.zadd(callbacks.QUEUE_KEY, {"cb_900_feedbeef": callbacks.queue_score("urgent", 900)})
    conn.set(callbacks.open_key("+15555550103"), "cb_900_feedbeef")
    [request] = callbacks.load_open(conn)
    assert request == CallbackRequest(
        id="cb_900_feedbeef", number="+15555550103", status=Status.OPEN, priority="urgent", reason="asked for a person",
        channel="sms", lang="en", gathered={"name": "Lee"}, topics=("detox",), created=900.0, updated=950.0, due=2700.0,
        requests=2, attempts=0)
    claimed = callbacks.claim(conn, request.id, "ana", settings, queues, now=1000)
    assert claimed.claimed_by == "ana" and claimed.first_claimed_at == 1000
    assert callbacks.load(conn, request.id) == claimed
    stored = {k.decode(): v.decode() for k, v in conn.hgetall(callbacks.request_key(request.id)).items()}
    assert stored["created"] == "900" and stored["gathered"] == '{"name": "Lee"}'  # untouched fields stay as written
    assert stored["status"] == "claimed" and stored["claimed_by"] == "ana"


def test_the_dict_form_keeps_the_shape_callers_had(conn) -> None:  # type: ignore[no-untyped-def]
    conn.hset(callbacks.request_key(FULL.id), mapping=FULL.to_redis())
    found = callbacks.load(conn, FULL.id).as_dict()
    assert found == {
        "id": FULL.id, "number": "+15555550101", "status": "done", "priority": "crisis", "reason": "crisis: overdose",
        "channel": "voice", "lang": "es", "gathered": {"name": "Sam", "recording_url": "https://example.org/r"},
        "topics": ["detox", "insurance"], "latest": ["overdose", "none"], "call_only": True, "created": 1000.5,
        "updated": 1900.25, "due": 1300.0, "requests": 3, "attempts": 2, "alerts": 1, "claimed_by": "ana",
        "claimed_at": 1200.0, "claim_token": "tok", "claim_expires": 3000.0, "first_claimed_at": 1100.0,
        "escalation": "run1", "last_outcome": "admitted", "last_note": "starts Monday", "outcome": "admitted",
        "completed_at": 1900.25, "completed_by": "ana"}
    assert json.loads(json.dumps(found)) == found


def test_a_conversation_round_trips_and_the_old_layout_still_dedupes(conn, settings, queues) -> None:  # type: ignore[no-untyped-def]
    record = ConversationRecord(State(node="menu", lang="es", topics=["detox"]), "abc", ("hola",))
    conn.set(conversations.state_key("sms", "+15555550104"), record.to_redis())
    assert ConversationRecord.from_redis(conn.get(conversations.state_key("sms", "+15555550104"))) == record
    assert ConversationRecord.from_redis(None) is None
    # The older layout: the tags of recent messages in "_sids", no "_last".
    number = "+15555550105"
    sid = "SM" + "c" * 32
    old = {"node": "menu", "lang": "en", "_sids": ["x1", conversations.sid_tag(sid)], "_reply": ["the menu"]}
    conn.set(conversations.state_key("sms", number), json.dumps(old))
    store = conversations.Conversations(conn, queues, settings)
    assert store.load("sms", number).node == "menu"

    def decide(state, inbound):  # type: ignore[no-untyped-def]
        raise AssertionError("a message already seen must not be decided again")

    handled = store.handle("sms", number, sid, None, decide)  # type: ignore[arg-type]
    assert handled.replayed and handled.texts == ["the menu"]
