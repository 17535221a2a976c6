"""A request from the first ask, on a real Redis through the webhook: it exists (and staff are alerted) the moment
someone asks; the follow-up questions only enrich it; a sentence is never stored as a name; going quiet keeps it."""

from __future__ import annotations

from rq import Queue

from helpline.queue import callbacks
from helpline.queue.outbound import outbox
from tests.conftest import STAFF, Phone


def test_can_someone_call_me_makes_the_request_and_alerts_staff_at_once(phone: Phone, conn, run_worker) -> None:  # type: ignore[no-untyped-def]
    assert "What name should they ask for?" in phone.text("can someone call me back please")[0]
    [request] = callbacks.load_open(conn)
    assert request.priority == "routine" and request.reason == "asked for a person"
    assert Queue("default", connection=conn).count == 1  # the alert, queued in the same transaction
    run_worker()
    assert [m["to"] for m in outbox(conn)] == [STAFF]
    # They go quiet here: the request stays, and nothing more is needed for staff to call.
    assert callbacks.load(conn, request.id).status == "open"


def test_the_answers_only_enrich_the_request_and_a_sentence_is_not_a_name(phone: Phone, conn) -> None:  # type: ignore[no-untyped-def]
    phone.text("call me")
    retry = phone.text("please call me, I want to talk to someone about detox")
    assert "only need a name" in retry[0]
    [request] = callbacks.load_open(conn)
    assert request.gathered == {}  # the sentence was not stored as a name
    phone.text("it's Maria")
    assert callbacks.load_open(conn)[0].gathered == {"name": "Maria"}
    phone.text("after 5pm")
    phone.text("no")
    [request] = callbacks.load_open(conn)
    assert request.gathered == {"name": "Maria", "best_time": "after 5pm", "voicemail_ok": "no"}
    assert request.requests == 1  # one ask, however many questions followed
    trail = [e["action"] for e in callbacks.audit_trail(conn, request.id)]
    assert trail[0] == "created" and "details added" in trail


def test_skip_leaves_the_name_out(phone: Phone, conn) -> None:  # type: ignore[no-untyped-def]
    phone.text("talk to someone")
    phone.text("SKIP")
    phone.text("anytime")
    [request] = callbacks.load_open(conn)
    assert request.gathered == {"best_time": "anytime"}
