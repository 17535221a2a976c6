"""Staff alerts through RQ workers and the real twilio client, against a local server that answers like Twilio:
sent once, retried with backoff, re-alerted when overdue, and nothing lost when a worker or Redis dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from rq.job import Job

from helpline.app import create_app
from helpline.channels.outbound import OptedOut, Sender
from helpline.queue import callbacks, optouts
from helpline.redisdb import EmbeddedRedis
from tests.conftest import STAFF, Phone, enqueue_due, make_settings, settings_env, stop, work_burst

SUPERVISOR = "+15555550150"


def crisis_text(app, settings, number: str = "+15555550123") -> str:  # type: ignore[no-untyped-def]
    Phone(app.test_client(), settings, number).text("i want to kill myself")
    return callbacks.load_open(app.extensions["helpline"].conn)[0].id


def test_crisis_alert_reaches_twilio_once_from_the_helpline_number(twilio_settings, fake_twilio, conn,
                                                                    run_worker) -> None:  # type: ignore[no-untyped-def]
    app = create_app(twilio_settings)
    request_id = crisis_text(app, twilio_settings)
    crisis_text(app, twilio_settings)  # the same person again: same request, no second alert
    run_worker(twilio_settings)
    [message] = fake_twilio.messages
    assert message["to"] == STAFF and message["from"] == twilio_settings.helpline_number
    assert "CRISIS" in message["body"] and request_id in message["body"]
    assert "5555550123" not in message["body"] and "kill" not in message["body"]


def test_twilio_errors_are_retried_with_backoff(twilio_settings, fake_twilio, conn, run_worker) -> None:  # type: ignore[no-untyped-def]
    fake_twilio.fail_next = 1
    request_id = crisis_text(create_app(twilio_settings), twilio_settings)
    run_worker(twilio_settings)
    assert fake_twilio.messages == [] and fake_twilio.requests == 1
    job = Job.fetch(f"alert-{request_id}-1", connection=conn)
    assert job.get_status() == "scheduled" and job.retries_left == 4
    time.sleep(2.2)  # the first retry waits 2 seconds
    run_worker(twilio_settings)
    assert len(fake_twilio.messages) == 1
    assert Job.fetch(f"alert-{request_id}-1", connection=conn).get_status() == "finished"


def test_an_unclaimed_request_is_realerted_and_escalated_at_its_due_time(tmp_path, redis_url, conn, fake_twilio,
                                                                         run_worker) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, redis_url, TWILIO_ACCOUNT_SID=fake_twilio.account_sid,
                             TWILIO_AUTH_TOKEN=fake_twilio.auth_token, TWILIO_API_BASE=fake_twilio.url,
                             SUPERVISOR_ALERT_NUMBERS=SUPERVISOR, DUE_CRISIS_MINUTES=1)
    request_id = crisis_text(create_app(settings), settings)
    # a minute later nobody has claimed it: pretend the clock moved by moving the ladder's first step forward
    # (the ladder itself, step by step with a frozen clock, is in tests/test_escalation.py)
    conn.zadd(f"rq:scheduled:{callbacks.QUEUE_FOR_PRIORITY['crisis']}", {f"esc-{request_id}-first-1": 0})
    enqueue_due(conn, "crisis")
    run_worker(settings)
    bodies = [(m["to"], m["body"]) for m in fake_twilio.messages]
    assert (STAFF, bodies[0][1]) == bodies[0] and "CRISIS callback request" in bodies[0][1]
    assert [to for to, body in bodies if "UNCLAIMED" in body] == [STAFF]
    conn.zadd("rq:scheduled:crisis", {f"esc-{request_id}-first-2": 0})  # then the supervisors
    enqueue_due(conn, "crisis")
    run_worker(settings)
    again = [m["to"] for m in fake_twilio.messages if "UNCLAIMED" in m["body"]]
    assert sorted(again) == sorted([STAFF, STAFF, SUPERVISOR])
    assert callbacks.audit_trail(conn, request_id)[-1]["action"] == "escalated"


def test_a_claimed_request_is_not_realerted(twilio_settings, fake_twilio, conn, run_worker) -> None:  # type: ignore[no-untyped-def]
    app = create_app(twilio_settings)
    request_id = crisis_text(app, twilio_settings)
    run_worker(twilio_settings)
    callbacks.claim(conn, request_id, "ana", twilio_settings, app.extensions["helpline"].queues)
    conn.zadd("rq:scheduled:crisis", {f"esc-{request_id}-first-1": 0})
    run_worker(twilio_settings)
    assert [m for m in fake_twilio.messages if "UNCLAIMED" in m["body"]] == []


def test_twilio_opt_out_error_is_recorded_and_honoured(twilio_settings, fake_twilio, conn) -> None:  # type: ignore[no-untyped-def]
    fake_twilio.opted_out.add("+15555550123")
    sender = Sender(twilio_settings, conn, twilio_settings.twilio_api_base)
    try:
        sender.send_once("follow-up-1", "+15555550123", "We tried to call you.", kind="follow-up")
        raise AssertionError("expected OptedOut")
    except OptedOut:
        pass
    assert optouts.is_opted_out(conn, "+15555550123")
    requests_before = fake_twilio.requests
    try:
        sender.send_once("follow-up-2", "+15555550123", "We tried again.", kind="follow-up")
    except OptedOut:
        pass
    assert fake_twilio.requests == requests_before  # never even asked Twilio again


def test_worker_sigkilled_mid_alert_still_alerts_once_within_seconds(twilio_settings, fake_twilio, conn) -> None:  # type: ignore[no-untyped-def]
    request_id = crisis_text(create_app(twilio_settings), twilio_settings)
    env = {**{k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}, **settings_env(twilio_settings)}
    fake_twilio.delay = 5  # Twilio has the message, but the worker dies before hearing back
    first = subprocess.Popen([sys.executable, "-m", "helpline.cli", "worker"], env=env, start_new_session=True)
    try:
        assert fake_twilio.wait_for(1, timeout=30), "the first worker never called Twilio"
        os.killpg(first.pid, signal.SIGKILL)
        killed_at = time.monotonic()
    finally:
        first.wait()
    fake_twilio.delay = 0
    second = subprocess.Popen([sys.executable, "-m", "helpline.cli", "worker"], env=env, start_new_session=True)
    try:
        job = Job.fetch(f"alert-{request_id}-1", connection=conn)
        while job.get_status(refresh=True) != "finished":
            assert time.monotonic() - killed_at < 45, f"job still {job.get_status()} 45 s after the kill"
            time.sleep(0.3)
        recovered_in = time.monotonic() - killed_at
    finally:
        stop(second)
    assert len(fake_twilio.messages) == 1, "the alert was sent twice"
    assert recovered_in < 45  # not RQ's ten-minute maintenance


def test_the_queue_survives_a_redis_restart_from_its_aof(tmp_path, fake_twilio, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    server = EmbeddedRedis(tmp_path / "own-redis")
    server.start()
    try:
        settings = make_settings(tmp_path, server.url, TWILIO_ACCOUNT_SID=fake_twilio.account_sid,
                                 TWILIO_AUTH_TOKEN=fake_twilio.auth_token, TWILIO_API_BASE=fake_twilio.url)
        app = create_app(settings)
        for i in range(5):
            phone = Phone(app.test_client(), settings, f"+1555555011{i}")
            script = ["i want to die"] if i % 2 == 0 else ["call me", "skip", "now", "yes"]
            for body in script:
                phone.text(body)
        before = [(r.id, r.priority) for r in callbacks.load_open(server.client())]
        assert [p for _, p in before] == ["crisis"] * 3 + ["routine"] * 2
        server.stop()
        server.start()
        assert [(r.id, r.priority) for r in callbacks.load_open(server.client())] == before
        # the alert jobs survived too: a worker started now sends every one of them
        work_burst(server.client(), settings, monkeypatch)
        assert sorted(m["body"].split(" callback request ")[1].split()[0] for m in fake_twilio.messages) == \
            sorted(i for i, _ in before)
    finally:
        server.stop()
