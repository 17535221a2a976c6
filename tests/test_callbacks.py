"""The callback queue's domain on a real Redis: order, deadlines, claims, outcomes, the audit trail."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from rq import Queue
from rq.registry import ScheduledJobRegistry

from helpline.context import QUEUE_NAMES
from helpline.engine import RequestCallback
from helpline.queue import callbacks
from tests.conftest import make_settings


@pytest.fixture
def queues(conn):  # type: ignore[no-untyped-def]
    return {name: Queue(name, connection=conn) for name in QUEUE_NAMES}


def make(conn, queues, settings, number: str, priority: str, now: float, reason: str = "asked") -> str:  # type: ignore[no-untyped-def]
    action = RequestCallback(reason=reason, priority=priority, node="n", gathered={"name": "Sam"})
    result: list[str] = []

    def attempt(pipe) -> None:  # type: ignore[no-untyped-def]
        existing = callbacks.read_open(pipe, pipe.get(callbacks.open_key(number)))
        pipe.multi()
        result[:] = [callbacks.stage(pipe, queues, settings, number, "sms", "en", action, existing, now=now).request_id]

    conn.transaction(attempt, callbacks.open_key(number))
    return result[0]


def test_crisis_before_urgent_before_routine_oldest_first(conn, queues, settings) -> None:  # type: ignore[no-untyped-def]
    make(conn, queues, settings, "+15555550101", "routine", 1000)
    make(conn, queues, settings, "+15555550102", "urgent", 2000)
    make(conn, queues, settings, "+15555550103", "crisis", 3000)
    make(conn, queues, settings, "+15555550104", "routine", 500)
    make(conn, queues, settings, "+15555550105", "crisis", 2500)
    order = [r.number[-3:] for r in callbacks.load_open(conn)]
    assert order == ["105", "103", "102", "104", "101"]


def test_a_second_request_updates_the_first_and_can_raise_it(conn, queues, settings) -> None:  # type: ignore[no-untyped-def]
    first = make(conn, queues, settings, "+15555550101", "routine", 1000)
    make(conn, queues, settings, "+15555550102", "urgent", 1500)
    again = make(conn, queues, settings, "+15555550101", "crisis", 2000, reason="crisis: overdose")
    assert again == first
    [top, _] = callbacks.load_open(conn)
    assert top.id == first and top.priority == "crisis" and top.requests == 2
    assert top.reason == "crisis: overdose" and top.due == 2000 + 5 * 60
    lowered = make(conn, queues, settings, "+15555550101", "routine", 3000)
    assert lowered == first and callbacks.load(conn, first).priority == "crisis"  # never lowered


def test_due_times_follow_priority_and_business_hours(tmp_path, redis_url, conn, queues) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, redis_url, TIMEZONE="America/New_York",
                             BUSINESS_HOURS="mon-fri 09:00-17:00", DUE_ROUTINE_HOURS=2)
    friday_night = dt.datetime(2026, 11, 27, 22, 0, tzinfo=settings.hours.zone).timestamp()
    crisis = callbacks.load(conn, make(conn, queues, settings, "+15555550101", "crisis", friday_night))
    routine = callbacks.load(conn, make(conn, queues, settings, "+15555550102", "routine", friday_night))
    assert crisis.due == friday_night + 300
    monday_11 = dt.datetime(2026, 11, 30, 11, 0, tzinfo=settings.hours.zone).timestamp()
    assert routine.due == monday_11
    # the deadline check is scheduled in RQ for exactly that time
    scheduled = ScheduledJobRegistry(queue=queues["default"])
    assert any(job_id.startswith(f"due-{routine.id}") for job_id in scheduled.get_job_ids())


def test_two_staff_claiming_at_once_one_wins(conn, queues, settings) -> None:  # type: ignore[no-untyped-def]
    request_id = make(conn, queues, settings, "+15555550101", "crisis", 1000)
    results: list[str] = []
    barrier = threading.Barrier(8)

    def grab(name: str) -> None:
        barrier.wait()
        try:
            callbacks.claim(conn, request_id, name, settings, queues)
            results.append(name)
        except callbacks.AlreadyClaimed:
            pass

    threads = [threading.Thread(target=grab, args=(f"staff{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 1
    request = callbacks.load(conn, request_id)
    assert request.status == "claimed" and request.claimed_by == results[0]
    assert callbacks.load_open(conn) == []


def test_release_complete_and_no_answer(conn, queues, settings) -> None:  # type: ignore[no-untyped-def]
    request_id = make(conn, queues, settings, "+15555550101", "routine", 1000)
    callbacks.claim(conn, request_id, "ana", settings, queues)
    with pytest.raises(callbacks.AlreadyClaimed):
        callbacks.complete(conn, request_id, "ben", "reached", "", settings)
    callbacks.release(conn, request_id, "ana")
    assert [r.id for r in callbacks.load_open(conn)] == [request_id]
    callbacks.claim(conn, request_id, "ben", settings, queues)
    again = callbacks.complete(conn, request_id, "ben", "no_answer", "rang 10 times", settings)
    assert again.status == "open" and again.attempts == 1 and again.claimed_by is None  # back in the queue to try again
    callbacks.claim(conn, request_id, "ben", settings, queues)
    with pytest.raises(callbacks.CallbackError, match="unknown outcome"):
        callbacks.complete(conn, request_id, "ben", "gave up", "", settings)
    done = callbacks.complete(conn, request_id, "ben", "admitted", "starts Monday", settings)
    assert done.status == "done" and done.outcome == "admitted" and done.attempts == 2
    assert callbacks.load(conn, request_id) == done  # what the action returned is what Redis now holds
    assert conn.get(callbacks.open_key("+15555550101")) is None  # a new request may now be made
    with pytest.raises(callbacks.NotClaimable):
        callbacks.claim(conn, request_id, "ana", settings, queues)
    assert 0 < conn.ttl(callbacks.request_key(request_id)) <= settings.retention_days * 86400
    trail = [(e["who"], e["action"]) for e in callbacks.audit_trail(conn, request_id)]
    assert trail == [("helpline", "created"), ("ana", "claimed"), ("ana", "released"), ("ben", "claimed"),
                     ("ben", "completed: no_answer"), ("ben", "claimed"), ("ben", "completed: admitted")]
    assert "5555550101" not in str(callbacks.audit_trail(conn, request_id))


def test_a_lapsed_claim_returns_to_the_queue(conn, queues, settings, run_worker) -> None:  # type: ignore[no-untyped-def]
    request_id = make(conn, queues, settings, "+15555550101", "routine", 1000)
    callbacks.claim(conn, request_id, "ana", settings, queues, now=1000)  # its lapse is long past
    run_worker()
    request = callbacks.load(conn, request_id)
    assert request.status == "open" and request.claimed_by is None and request.claim_token is None
    assert b"claimed_by" not in conn.hgetall(callbacks.request_key(request_id))  # the claim's fields are gone
    actions = [e["action"] for e in callbacks.audit_trail(conn, request_id)]
    assert "claim lapsed" in actions and actions.index("claim lapsed") > actions.index("claimed")


def test_a_claim_renewed_since_is_not_released_by_the_old_lapse(conn, queues, settings) -> None:  # type: ignore[no-untyped-def]
    request_id = make(conn, queues, settings, "+15555550101", "routine", 1000)
    old = callbacks.claim(conn, request_id, "ana", settings, queues)
    callbacks.release(conn, request_id, "ana")
    callbacks.claim(conn, request_id, "ben", settings, queues)
    with pytest.raises(callbacks.NotClaimable):
        callbacks.release(conn, request_id, "helpline", token=old.claim_token)
    assert callbacks.load(conn, request_id).claimed_by == "ben"
