"""Callback requests: somebody asked for a person (or the crisis screen fired) and staff must call them back.

One open request per phone number: a second request updates the first (and can raise its priority), never
duplicates it. Requests live only in Redis (AOF on). They are created in the same transaction as the conversation
step that asked for them, together with the RQ jobs that alert staff now and check the deadline later, so a
request is never lost or doubled. Staff claim a request atomically, release it, or complete it with an outcome;
every action goes to the audit trail.

Keys:
- ``hl:cb:{id}``             hash: the request
- ``hl:cb:open:{number}``    the id of the number's open (or claimed) request
- ``hl:cb:queue``            sorted set of open ids, in the order staff should work them
- ``hl:cb:claimed``          sorted set of claimed ids, scored by when the claim lapses
- ``hl:cb:closed``           sorted set of completed ids, scored by completion time
- ``hl:cb:audit:{id}``       list of JSON audit entries for one request; ``hl:audit`` a stream of all of them
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import redis
from redis.client import Pipeline
from rq import Queue, Retry

from helpline.config import Settings
from helpline.engine import RequestCallback
from helpline.errors import HelplineError
from helpline.queue import stats

PRIORITY_RANK = {"crisis": 0, "urgent": 1, "routine": 2}
QUEUE_FOR_PRIORITY = {"crisis": "crisis", "urgent": "default", "routine": "default"}
ALERT_RETRY = Retry(max=5, interval=[2, 10, 30, 60, 120])
QUEUE_KEY = "hl:cb:queue"
CLAIMED_KEY = "hl:cb:claimed"
CLOSED_KEY = "hl:cb:closed"
AUDIT_STREAM = "hl:audit"
AUDIT_STREAM_MAX = 100_000


class Status(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"


class Outcome(StrEnum):
    REACHED = "reached"
    VOICEMAIL = "voicemail"
    NO_ANSWER = "no_answer"  # retry later: the request goes back to the queue
    WRONG_NUMBER = "wrong_number"
    REFERRED = "referred"
    ADMITTED = "admitted"


class CallbackError(HelplineError):
    """A staff action that cannot be done; the message says why in words staff understand."""


class NoSuchRequest(CallbackError):
    """There is no such callback request (or it has expired)."""


class AlreadyClaimed(CallbackError):
    """Someone else holds this request."""


class NotClaimable(CallbackError):
    """The request is not open (done, or claimed)."""


def request_key(request_id: str) -> str:
    return f"hl:cb:{request_id}"


def open_key(number: str) -> str:
    return f"hl:cb:open:{number}"


def audit_key(request_id: str) -> str:
    return f"hl:cb:audit:{request_id}"


def queue_score(priority: str, created: float) -> float:
    """Crisis before urgent before routine; oldest first within one."""
    return PRIORITY_RANK[priority] * 1e11 + created


def due_time(settings: Settings, priority: str, now: float) -> float:
    """When a request of ``priority`` made at ``now`` must have been called (crisis and urgent in clock time,
    routine in business hours)."""
    if priority == "crisis":
        return now + settings.due_crisis_minutes * 60
    if priority == "urgent":
        return now + settings.due_urgent_minutes * 60
    start = dt.datetime.fromtimestamp(now, dt.UTC)
    return settings.hours.add(start, dt.timedelta(hours=settings.due_routine_hours)).timestamp()


@dataclass(frozen=True)
class Staged:
    """What :func:`stage` queued in the transaction."""

    request_id: str
    created: bool
    alerted: bool


def read_open(pipe: Pipeline | redis.Redis, raw_id: bytes | str | None) -> tuple[str | None, dict[str, str]]:
    """The open request whose id a transaction read from ``open_key(number)`` (which it WATCHes): its id and
    fields. Also WATCHes the request's own key when ``pipe`` is a pipeline in watch mode."""
    if not raw_id:
        return None, {}
    request_id = raw_id.decode() if isinstance(raw_id, bytes) else str(raw_id)
    if isinstance(pipe, Pipeline):
        pipe.watch(request_key(request_id))
    return request_id, _decode(pipe.hgetall(request_key(request_id)))


def _decode(raw: dict[bytes, bytes]) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in raw.items()}


def stage(pipe: Pipeline, queues: dict[str, Queue], settings: Settings, number: str, channel: str, lang: str,
          action: RequestCallback, existing_id: str | None, existing: dict[str, str],
          now: float | None = None) -> Staged:
    """Queue, inside ``pipe``'s MULTI, the creation or update of the number's request, its staff alert and its
    deadline check."""
    now = time.time() if now is None else now
    if existing_id and existing.get("status") in (Status.OPEN, Status.CLAIMED):
        old_priority = existing.get("priority", "routine")
        raised = PRIORITY_RANK[action.priority] < PRIORITY_RANK.get(old_priority, 2)
        priority = action.priority if raised else old_priority
        gathered = {**json.loads(existing.get("gathered", "{}")), **action.gathered}
        topics = list(dict.fromkeys(json.loads(existing.get("topics", "[]")) + list(action.topics)))[-10:]
        # A new ask counts (staff see "asked 40 times"); the same ask only adds what was gathered.
        requests = int(existing.get("requests", "1")) + (1 if action.ask or raised else 0)
        updates: dict[str, Any] = {"priority": priority, "gathered": json.dumps(gathered),
                                   "topics": json.dumps(topics), "updated": now, "requests": requests,
                                   "call_only": int(action.call_only or existing.get("call_only") == "1")}
        if action.latest:
            updates["latest"] = _latest(existing.get("latest"), action.latest)
        detail = f"asked again ({action.reason})" if action.ask else f"details added ({action.reason})"
        if raised:
            due = min(float(existing.get("due", now + 1e9)), due_time(settings, priority, now))
            updates.update(reason=action.reason, due=due)
            detail = f"priority raised from {old_priority} to {priority} ({action.reason})"
            if existing.get("status") == Status.OPEN:
                pipe.zadd(QUEUE_KEY, {existing_id: queue_score(priority, float(existing.get("created", now)))})
        pipe.hset(request_key(existing_id), mapping=updates)
        add_audit(pipe, existing_id, "helpline", "updated", detail, now)
        if "recording_url" in action.gathered:  # a voicemail left on an existing request, for the reports
            stats.bump(pipe, settings, ["voicemail"], now)
        if raised:
            _schedule(pipe, queues, existing_id, priority, requests, float(updates["due"]))
        return Staged(existing_id, created=False, alerted=raised)
    request_id = f"cb_{int(now)}_{secrets.token_hex(4)}"
    due = due_time(settings, action.priority, now)
    fields = {
        "id": request_id, "number": number, "channel": channel, "lang": lang, "reason": action.reason,
        "priority": action.priority, "status": Status.OPEN, "gathered": json.dumps(action.gathered),
        "topics": json.dumps(list(action.topics)), "call_only": int(action.call_only), "created": now,
        "updated": now, "due": due, "requests": 1, "attempts": 0, "alerts": 0,
    }
    if action.latest:
        fields["latest"] = _latest(None, action.latest)
    pipe.hset(request_key(request_id), mapping=fields)
    pipe.set(open_key(number), request_id)
    pipe.zadd(QUEUE_KEY, {request_id: queue_score(action.priority, now)})
    add_audit(pipe, request_id, "helpline", "created", f"{action.priority}: {action.reason} ({channel})", now)
    stats.bump(pipe, settings, [f"request:{action.priority}"]
               + (["voicemail"] if "recording_url" in action.gathered else []), now)
    _schedule(pipe, queues, request_id, action.priority, 1, due)
    return Staged(request_id, created=True, alerted=True)


LATEST_KEPT = 5  # the crisis categories of a request's latest messages, shown on its card


def _latest(raw: str | None, category: str) -> str:
    """The request's ``latest`` field with one more message's category (newest last): JSON, a few names."""
    kept = json.loads(raw) if raw else []
    return json.dumps((kept + [category])[-LATEST_KEPT:])


def enrich(pipe: Pipeline, request_id: str, existing: dict[str, str], gathered: dict[str, str],
           now: float | None = None) -> None:
    """Add answers (a name, a best time) to an open request, inside ``pipe``'s MULTI; no alert, no new ask."""
    if existing.get("status") not in (Status.OPEN, Status.CLAIMED) or not gathered:
        return
    now = time.time() if now is None else now
    merged = {**json.loads(existing.get("gathered", "{}")), **gathered}
    existing["gathered"] = json.dumps(merged)
    pipe.hset(request_key(request_id), mapping={"gathered": existing["gathered"], "updated": now})
    add_audit(pipe, request_id, "helpline", "details added", ", ".join(sorted(gathered)), now)


def _schedule(pipe: Pipeline, queues: dict[str, Queue], request_id: str, priority: str, n: int,
              due: float) -> None:
    """Alert staff now, and check at the due time whether someone has claimed it (for a crisis: the first step
    of the escalation ladder, ``workers.escalation``)."""
    queue = queues[QUEUE_FOR_PRIORITY[priority]]
    queue.enqueue("workers.alerts.alert_staff", request_id, "new" if n == 1 else "raised",
                  job_id=f"alert-{request_id}-{n}", retry=ALERT_RETRY, pipeline=pipe,
                  result_ttl=24 * 3600, failure_ttl=7 * 24 * 3600)
    if priority == "crisis":
        _start_ladder(pipe, queue, request_id, "", due)
        return
    queue.enqueue_at(dt.datetime.fromtimestamp(due, dt.UTC), "workers.alerts.check_due", request_id, 1,
                     job_id=f"due-{request_id}-{n}-1", retry=ALERT_RETRY, pipeline=pipe,
                     result_ttl=24 * 3600, failure_ttl=7 * 24 * 3600)


def _start_ladder(pipe: Pipeline, queue: Queue, request_id: str, run: str, when: float) -> None:
    """Schedule step 1 of escalation ladder ``run`` (see ``workers.escalation``) at ``when``."""
    queue.enqueue_at(dt.datetime.fromtimestamp(when, dt.UTC), "workers.escalation.escalate", request_id, 1, run,
                     job_id=f"esc-{request_id}-{run or 'first'}-1", retry=ALERT_RETRY, pipeline=pipe,
                     result_ttl=24 * 3600, failure_ttl=7 * 24 * 3600)


def add_audit(pipe: Pipeline | redis.Redis, request_id: str, who: str, action: str, detail: str = "",
              now: float | None = None) -> None:
    """Record a staff or system action on a request (who, when, what). Never a client's number or words."""
    entry = {"at": time.time() if now is None else now, "who": who, "action": action, "request": request_id,
             "detail": detail}
    pipe.rpush(audit_key(request_id), json.dumps(entry))
    pipe.xadd(AUDIT_STREAM, {k: str(v) for k, v in entry.items()}, maxlen=AUDIT_STREAM_MAX, approximate=True)


def add_audit_event(conn: redis.Redis, who: str, action: str, detail: str = "") -> None:
    """Record an action that concerns no single request (a roster change, an export) in the audit stream."""
    entry = {"at": time.time(), "who": who, "action": action, "request": "-", "detail": detail}
    conn.xadd(AUDIT_STREAM, {k: str(v) for k, v in entry.items()}, maxlen=AUDIT_STREAM_MAX, approximate=True)


# -- reading ------------------------------------------------------------------------------------------------------
def get(conn: redis.Redis, request_id: str) -> dict[str, Any] | None:
    """A request's fields, with JSON and numeric fields decoded; None when there is no such request."""
    raw = conn.hgetall(request_key(request_id))
    return _typed(_decode(raw)) if raw else None


def _typed(fields: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = dict(fields)
    out["gathered"] = json.loads(fields.get("gathered") or "{}")
    out["topics"] = json.loads(fields.get("topics") or "[]")
    for name in ("created", "updated", "due", "claimed_at", "claim_expires", "completed_at", "first_claimed_at"):
        if name in fields:
            out[name] = float(fields[name])
    for name in ("requests", "attempts", "alerts"):
        out[name] = int(fields.get(name, 0))
    out["call_only"] = fields.get("call_only") == "1"
    out["latest"] = json.loads(fields.get("latest") or "[]")
    return out


def open_requests(conn: redis.Redis, limit: int = 500) -> list[dict[str, Any]]:
    """Requests waiting for a person, in the order staff should work them: crisis first, then oldest first."""
    ids = [i.decode() for i in conn.zrange(QUEUE_KEY, 0, limit - 1)]
    return [r for r in (get(conn, i) for i in ids) if r is not None]


def claimed_requests(conn: redis.Redis) -> list[dict[str, Any]]:
    ids = [i.decode() for i in conn.zrange(CLAIMED_KEY, 0, -1)]
    return [r for r in (get(conn, i) for i in ids) if r is not None]


def audit_trail(conn: redis.Redis, request_id: str) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in conn.lrange(audit_key(request_id), 0, -1)]


# -- staff actions ------------------------------------------------------------------------------------------------
def _act(conn: redis.Redis, request_id: str, change: Any) -> dict[str, Any]:
    """Run ``change(pipe, fields)`` in a WATCH/MULTI transaction on the request, so two staff never both win."""
    key = request_key(request_id)
    result: list[dict[str, Any]] = []

    def attempt(pipe: Pipeline) -> None:
        result.clear()
        fields = _decode(pipe.hgetall(key))
        if not fields:
            raise NoSuchRequest(f"no callback request {request_id}")
        pipe.multi()
        result.append(change(pipe, fields))

    conn.transaction(attempt, key)
    return result[0]


def claim(conn: redis.Redis, request_id: str, staff: str, settings: Settings, queues: dict[str, Queue],
          now: float | None = None) -> dict[str, Any]:
    """Take a request to call it. Raises :class:`AlreadyClaimed` or :class:`NotClaimable`; exactly one of two
    simultaneous claims succeeds."""
    now = time.time() if now is None else now
    token = secrets.token_hex(6)
    expires = now + settings.claim_timeout_minutes * 60

    def change(pipe: Pipeline, fields: dict[str, str]) -> dict[str, Any]:
        if fields["status"] == Status.CLAIMED:
            holder = fields.get("claimed_by", "someone")
            raise AlreadyClaimed(f"{request_id} is already claimed by {holder}")
        if fields["status"] != Status.OPEN:
            raise NotClaimable(f"{request_id} is {fields['status']}, not open")
        updates = {"status": Status.CLAIMED, "claimed_by": staff, "claimed_at": now, "claim_token": token,
                   "claim_expires": expires, "updated": now}
        pipe.hset(request_key(request_id), mapping=updates)
        pipe.zrem(QUEUE_KEY, request_id)
        pipe.zadd(CLAIMED_KEY, {request_id: expires})
        add_audit(pipe, request_id, staff, "claimed", "", now)
        if "first_claimed_at" not in fields:  # time to claim, for the reports
            pipe.hset(request_key(request_id), "first_claimed_at", now)
            stats.count_claim(pipe, settings, fields["priority"], float(fields["created"]),
                              float(fields.get("due", now)), now)
        queues["default"].enqueue_at(dt.datetime.fromtimestamp(expires, dt.UTC), "workers.alerts.expire_claim",
                                     request_id, token, job_id=f"claim-{request_id}-{token}", pipeline=pipe)
        return {**fields, **{k: str(v) for k, v in updates.items()}}

    return _typed(_act(conn, request_id, change))


def release(conn: redis.Redis, request_id: str, staff: str, *, supervisor: bool = False, why: str = "released",
            token: str | None = None, now: float | None = None, settings: Settings | None = None,
            queues: dict[str, Queue] | None = None) -> dict[str, Any]:
    """Put a claimed request back in the queue (by its holder, a supervisor, or the lapsed-claim job). With
    ``settings`` and ``queues``, a crisis request starts a new escalation ladder."""
    now = time.time() if now is None else now

    def change(pipe: Pipeline, fields: dict[str, str]) -> dict[str, Any]:
        if fields["status"] != Status.CLAIMED:
            raise NotClaimable(f"{request_id} is {fields['status']}, not claimed")
        if token is not None and fields.get("claim_token") != token:
            raise NotClaimable(f"{request_id} was claimed again since")
        if token is None and not supervisor and fields.get("claimed_by") != staff:
            raise AlreadyClaimed(f"{request_id} is claimed by {fields.get('claimed_by')}, not by {staff}")
        _reopen(pipe, request_id, fields)
        pipe.hset(request_key(request_id), "updated", now)
        add_audit(pipe, request_id, staff, why, f"was held by {fields.get('claimed_by')}", now)
        if settings is not None and queues is not None and fields["priority"] == "crisis":
            run = secrets.token_hex(4)
            pipe.hset(request_key(request_id), "escalation", run)
            _start_ladder(pipe, queues["crisis"], request_id, run, now + settings.due_crisis_minutes * 60)
        return {**fields, "status": Status.OPEN}

    return _typed(_act(conn, request_id, change))


def _reopen(pipe: Pipeline, request_id: str, fields: dict[str, str]) -> None:
    pipe.hset(request_key(request_id), "status", Status.OPEN)
    pipe.hdel(request_key(request_id), "claimed_by", "claimed_at", "claim_token", "claim_expires")
    pipe.zrem(CLAIMED_KEY, request_id)
    pipe.zadd(QUEUE_KEY, {request_id: queue_score(fields["priority"], float(fields["created"]))})


def complete(conn: redis.Redis, request_id: str, staff: str, outcome: str, note: str, settings: Settings, *,
             supervisor: bool = False, now: float | None = None) -> dict[str, Any]:
    """Close a claimed request with an outcome and a note. ``no_answer`` puts it back in the queue to retry."""
    now = time.time() if now is None else now
    try:
        result = Outcome(outcome)
    except ValueError:
        raise CallbackError(f"unknown outcome {outcome!r}; one of: {', '.join(o.value for o in Outcome)}") from None
    note = note.strip()[:2000]

    def change(pipe: Pipeline, fields: dict[str, str]) -> dict[str, Any]:
        if fields["status"] != Status.CLAIMED:
            raise NotClaimable(f"{request_id} is {fields['status']}: claim it first")
        if not supervisor and fields.get("claimed_by") != staff:
            raise AlreadyClaimed(f"{request_id} is claimed by {fields.get('claimed_by')}, not by {staff}")
        key = request_key(request_id)
        attempts = int(fields.get("attempts", "0")) + 1
        pipe.hset(key, mapping={"attempts": attempts, "last_outcome": result, "last_note": note, "updated": now})
        add_audit(pipe, request_id, staff, f"completed: {result}", note, now)
        stats.bump(pipe, settings, [f"outcome:{result}"], now)
        if result is Outcome.NO_ANSWER:
            _reopen(pipe, request_id, fields)
            return {**fields, "status": Status.OPEN, "attempts": str(attempts)}
        pipe.hset(key, mapping={"status": Status.DONE, "outcome": result, "completed_at": now,
                                "completed_by": staff})
        pipe.zrem(CLAIMED_KEY, request_id)
        pipe.zrem(QUEUE_KEY, request_id)
        pipe.zadd(CLOSED_KEY, {request_id: now})
        pipe.delete(open_key(fields["number"]))
        retention = settings.retention_days * 86400
        pipe.expire(key, retention)
        pipe.expire(audit_key(request_id), retention)
        return {**fields, "status": Status.DONE, "outcome": str(result), "attempts": str(attempts)}

    return _typed(_act(conn, request_id, change))
