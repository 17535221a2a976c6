"""The escalation ladder for an unclaimed crisis request, on real RQ (scheduler and in-process worker) with a
frozen clock: on shift, then supervisors, then the backup list, each after its delay, until someone claims it
by replying CLAIM nnnn from a staff phone; every step in the audit trail and the daily counts."""

from __future__ import annotations

import json
import time

import pytest

from helpline.app import create_app
from helpline.queue import callbacks, stats
from helpline.queue.outbound import OUTBOX_KEY
from helpline.staff import accounts, roster
from helpline.staff.textclaim import claim_code
from tests.conftest import STAFF_PASSWORD, Phone, enqueue_due, make_settings
from workers import escalation

CLIENT = "+15555550123"
ANA, BO, SAM = "+15555550161", "+15555550162", "+15555550163"
SUPERVISOR_LIST, BACKUP = "+15555550170", "+15555550180"


class Clock:
    def __init__(self, t: float):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def ladder(tmp_path, redis_url, conn, monkeypatch):  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, redis_url, SUPERVISOR_ALERT_NUMBERS=SUPERVISOR_LIST,
                             BACKUP_ALERT_NUMBERS=BACKUP, ESCALATION_MINUTES="5,10", DUE_CRISIS_MINUTES=5)
    app = create_app(settings)
    accounts.add(conn, "ana", STAFF_PASSWORD, "staff", ANA)
    accounts.add(conn, "bo", STAFF_PASSWORD, "staff", BO)
    accounts.add(conn, "sam", STAFF_PASSWORD, "supervisor", SAM)
    roster.add(conn, "ana", "mon-sun 00:00-24:00")  # ana is always on shift; bo is not
    clock = Clock(time.time())
    monkeypatch.setattr(escalation, "now", clock)
    return app, settings, clock


def outbox(conn) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return [json.loads(m) for m in reversed(conn.lrange(OUTBOX_KEY, 0, -1))]


def scheduled_at(conn, job_id: str) -> float | None:  # type: ignore[no-untyped-def]
    return conn.zscore("rq:scheduled:crisis", job_id)


def step(conn, clock, request_id: str, n: int, run_worker, settings, run: str = "first") -> None:  # type: ignore[no-untyped-def]
    """Freeze the clock at step ``n``'s time and let RQ's scheduler and a worker run it."""
    job_id = f"esc-{request_id}-{run}-{n}"
    when = scheduled_at(conn, job_id)
    assert when is not None, f"{job_id} is not scheduled"
    clock.t = when
    conn.zadd("rq:scheduled:crisis", {job_id: 0})  # RQ's scheduler reads the real clock: make it due now
    enqueue_due(conn, "crisis")
    run_worker(settings)


def test_an_unclaimed_crisis_climbs_the_ladder_until_claimed_by_a_text_reply(ladder, conn, run_worker) -> None:  # type: ignore[no-untyped-def]
    app, settings, clock = ladder
    Phone(app.test_client(), settings, CLIENT).text("i want to kill myself")
    [request] = callbacks.load_open(conn)
    rid, created, code = request.id, request.created, claim_code(request.id)
    run_worker(settings)
    [first] = outbox(conn)
    assert first["to"] == ANA and f"Reply CLAIM {code}" in first["body"]  # only the staff on shift
    assert "5555550123" not in first["body"] and "kill" not in first["body"]

    # step 1 at the due time: the staff on shift again
    assert abs(scheduled_at(conn, f"esc-{rid}-first-1") - (created + 5 * 60)) <= 1
    step(conn, clock, rid, 1, run_worker, settings)
    sent = outbox(conn)[1:]
    assert [m["to"] for m in sent] == [ANA] and "UNCLAIMED CRISIS" in sent[0]["body"]
    assert "waiting 5 min" in sent[0]["body"] and f"CLAIM {code}" in sent[0]["body"]

    # step 2, five minutes later: the supervisors too (accounts' phones and SUPERVISOR_ALERT_NUMBERS)
    assert scheduled_at(conn, f"esc-{rid}-first-2") == pytest.approx(clock.t + 5 * 60, abs=1)
    step(conn, clock, rid, 2, run_worker, settings)
    assert sorted(m["to"] for m in outbox(conn)[2:]) == sorted([ANA, SAM, SUPERVISOR_LIST])

    # step 3, ten minutes later: the backup list too
    assert scheduled_at(conn, f"esc-{rid}-first-3") == pytest.approx(clock.t + 10 * 60, abs=1)
    step(conn, clock, rid, 3, run_worker, settings)
    assert sorted(m["to"] for m in outbox(conn)[5:]) == sorted([ANA, SAM, SUPERVISOR_LIST, BACKUP])
    assert scheduled_at(conn, f"esc-{rid}-first-4") == pytest.approx(clock.t + 10 * 60, abs=1)  # and again

    # ana replies from her phone and gets the number; bo, a staff account too, is told it is taken
    reply = Phone(app.test_client(), settings, ANA).text(f"claim {code}")
    assert len(reply) == 1 and "(555) 555-0123" in reply[0] and "You have claimed" in reply[0]
    claimed = callbacks.load(conn, rid)
    assert claimed.status == "claimed" and claimed.claimed_by == "ana"
    again = Phone(app.test_client(), settings, BO).text(f"CLAIM {code}")
    assert again == ["Request " + code + " is already claimed by ana."]

    # the next step finds it claimed: nobody is texted, and the ladder ends
    before = len(outbox(conn))
    step(conn, clock, rid, 4, run_worker, settings)
    assert len(outbox(conn)) == before and scheduled_at(conn, f"esc-{rid}-first-5") is None

    trail = [(e["action"], e["detail"]) for e in callbacks.audit_trail(conn, rid)]
    steps = [d for a, d in trail if a == "escalated"]
    assert [d.split(":")[0] for d in steps] == ["step 1 (on shift)", "step 2 (supervisors)", "step 3 (backup list)"]
    assert "texted 4 phone(s)" in steps[2]
    assert ("claimed by text reply", f"code {code}") in trail and ("claimed", "") in trail
    today = stats.day_of(clock.t, settings.hours.zone)
    counts = stats.read_days(conn, today, today)[today]
    assert (counts["escalation:1"], counts["escalation:2"], counts["escalation:3"]) == (1, 1, 1)


def test_a_released_crisis_starts_a_new_ladder_and_the_old_one_stops(ladder, conn, run_worker) -> None:  # type: ignore[no-untyped-def]
    app, settings, clock = ladder
    hl = app.extensions["helpline"]
    Phone(app.test_client(), settings, CLIENT).text("i want to kill myself")
    [request] = callbacks.load_open(conn)
    rid = request.id
    run_worker(settings)
    callbacks.claim(conn, rid, "ana", settings, hl.queues)
    callbacks.release(conn, rid, "ana", settings=settings, queues=hl.queues)
    run = callbacks.load(conn, rid).escalation
    assert scheduled_at(conn, f"esc-{rid}-{run}-1") is not None
    before = len(outbox(conn))
    step(conn, clock, rid, 1, run_worker, settings)  # the old ladder's step: a newer ladder runs, so it does nothing
    assert len(outbox(conn)) == before and scheduled_at(conn, f"esc-{rid}-first-2") is None
    step(conn, clock, rid, 1, run_worker, settings, run=run)
    assert [m["to"] for m in outbox(conn)[before:]] == [ANA]
    assert scheduled_at(conn, f"esc-{rid}-{run}-2") is not None


def test_claim_texts_from_other_numbers_or_with_other_words_are_ordinary_messages(ladder, conn) -> None:  # type: ignore[no-untyped-def]
    app, settings, _ = ladder
    Phone(app.test_client(), settings, CLIENT).text("i want to kill myself")
    [request] = callbacks.load_open(conn)
    code = claim_code(request.id)
    stranger = Phone(app.test_client(), settings, "+15555550199").text(f"CLAIM {code}")
    assert not any("You have claimed" in r for r in stranger)
    assert callbacks.load(conn, request.id).status == "open"
    # a staff phone writing anything else is screened like everyone: a crisis is a crisis
    reply = Phone(app.test_client(), settings, BO).text(f"claim {code} i want to kill myself")
    assert not any("You have claimed" in r for r in reply) and any("988" in r for r in reply)
    unknown = Phone(app.test_client(), settings, ANA).text("CLAIM 0000")
    assert unknown == ["No open request has code 0000: it may be closed. Open the staff queue to see what is "
                       "waiting."]
    call = Phone(app.test_client(), settings, ANA).text(f"CALL {code}")
    assert call == [f"Claim {code} first (reply CLAIM {code})."]


def test_claim_codes_are_four_digits_and_stable() -> None:
    codes = {claim_code(f"cb_{i}") for i in range(2000)}
    assert all(len(c) == 4 and c.isdigit() for c in codes) and claim_code("cb_1") == claim_code("cb_1")
