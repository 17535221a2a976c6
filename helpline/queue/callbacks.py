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
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import redis
from redis.client import Pipeline
from rq import Queue, Retry

from helpline.config import Settings
from helpline.engine import RequestCallback
from helpline.errors import HelplineError
from helpline.queue import stats
from helpline.queue.records import CallbackRequest, Outcome, Status
from helpline.redisdb import fields, texts

PRIORITY_RANK = {"crisis": 0, "urgent": 1, "routine": 2}
QUEUE_FOR_PRIORITY = {"crisis": "crisis", "urgent": "default", "routine": "default"}
ALERT_RETRY = Retry(max=5, interval=[2, 10, 30, 60, 120])
QUEUE_KEY = "hl:cb:queue"
CLAIMED_KEY = "hl:cb:claimed"
CLOSED_KEY = "hl:cb:closed"
AUDIT_STREAM = "hl:audit"
AUDIT_STREAM_MAX = 100_000


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
    """What :func:`stage` queued in the transaction: the request as it will be once the transaction commits."""

    request: CallbackRequest
    created: bool
    alerted: bool

    @property
    def request_id(self) -> str:
        return self.request.id


def read_open(pipe: Pipeline | redis.Redis, raw_id: bytes | str | None) -> CallbackRequest | None:
    """The open request whose id a transaction read from ``open_key(number)`` (which it WATCHes); None when there
    is none. Also WATCHes the request's own key when ``pipe`` is a pipeline in watch mode."""
    if not raw_id:
        return None
    request_id = raw_id.decode() if isinstance(raw_id, bytes) else str(raw_id)
    if isinstance(pipe, Pipeline):
        pipe.watch(request_key(request_id))
    raw = pipe.hgetall(request_key(request_id))
    return replace(CallbackRequest.from_redis(raw), id=request_id) if raw else None


def _write(pipe: Pipeline, before: CallbackRequest | None, after: CallbackRequest) -> None:
    """Queue the HSET (and HDEL) that turn ``before``'s hash into ``after``'s: only the fields that changed."""
    changed, gone = after.changes_from(before)
    if changed:
        pipe.hset(request_key(after.id), mapping=fields(changed))
    if gone:
        pipe.hdel(request_key(after.id), *gone)


def stage(pipe: Pipeline, queues: dict[str, Queue], settings: Settings, number: str, channel: str, lang: str,
          action: RequestCallback, existing: CallbackRequest | None, now: float | None = None) -> Staged:
    """Queue, inside ``pipe``'s MULTI, the creation or update of the number's request (``existing``, from
    :func:`read_open`), its staff alert and its deadline check."""
    now = time.time() if now is None else now
    if existing is not None and existing.is_live:
        old_priority = existing.priority
        raised = PRIORITY_RANK[action.priority] < PRIORITY_RANK.get(old_priority, 2)
        priority = action.priority if raised else old_priority
        # A new ask counts (staff see "asked 40 times"); the same ask only adds what was gathered.
        updated = replace(existing, priority=priority, gathered={**existing.gathered, **action.gathered},
                          topics=tuple(dict.fromkeys(existing.topics + tuple(action.topics)))[-10:], updated=now,
                          requests=existing.requests + (1 if action.ask or raised else 0),
                          call_only=action.call_only or existing.call_only)
        if action.latest:
            updated = replace(updated, latest=_latest(existing.latest, action.latest))
        detail = f"asked again ({action.reason})" if action.ask else f"details added ({action.reason})"
        if raised:
            due = min(existing.due if existing.due else now + 1e9, due_time(settings, priority, now))
            updated = replace(updated, reason=action.reason, due=due)
            detail = f"priority raised from {old_priority} to {priority} ({action.reason})"
            if existing.status == Status.OPEN:
                pipe.zadd(QUEUE_KEY, {existing.id: queue_score(priority, existing.created or now)})
        _write(pipe, existing, updated)
        add_audit(pipe, existing.id, "helpline", "updated", detail, now)
        if "recording_url" in action.gathered:  # a voicemail left on an existing request, for the reports
            stats.bump(pipe, settings, ["voicemail"], now)
        if raised:
            _schedule(pipe, queues, existing.id, priority, updated.requests, updated.due)
        return Staged(updated, created=False, alerted=raised)
    request = CallbackRequest(
        id=f"cb_{int(now)}_{secrets.token_hex(4)}", number=number, channel=channel, lang=lang, reason=action.reason,
        priority=action.priority, status=Status.OPEN, gathered=dict(action.gathered), topics=tuple(action.topics),
        call_only=action.call_only, created=now, updated=now, due=due_time(settings, action.priority, now),
        requests=1, attempts=0, alerts=0, latest=_latest((), action.latest) if action.latest else ())
    _write(pipe, None, request)
    pipe.set(open_key(number), request.id)
    pipe.zadd(QUEUE_KEY, {request.id: queue_score(action.priority, now)})
    add_audit(pipe, request.id, "helpline", "created", f"{action.priority}: {action.reason} ({channel})", now)
    stats.bump(pipe, settings, [f"request:{action.priority}"]
               + (["voicemail"] if "recording_url" in action.gathered else []), now)
    _schedule(pipe, queues, request.id, action.priority, 1, request.due)
    return Staged(request, created=True, alerted=True)


LATEST_KEPT = 5  # the crisis categories of a request's latest messages, shown on its card


def _latest(kept: tuple[str, ...], category: str) -> tuple[str, ...]:
    """The request's ``latest`` with one more message's category (newest last): a few names."""
    return (kept + (category,))[-LATEST_KEPT:]


def enrich(pipe: Pipeline, existing: CallbackRequest, gathered: dict[str, str],
           now: float | None = None) -> CallbackRequest:
    """Add answers (a name, a best time) to an open request, inside ``pipe``'s MULTI; no alert, no new ask.
    Returns the request as it will be."""
    if not existing.is_live or not gathered:
        return existing
    now = time.time() if now is None else now
    updated = replace(existing, gathered={**existing.gathered, **gathered}, updated=now)
    _write(pipe, existing, updated)
    add_audit(pipe, existing.id, "helpline", "details added", ", ".join(sorted(gathered)), now)
    return updated


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
def load(conn: redis.Redis, request_id: str) -> CallbackRequest | None:
    """A request; None when there is no such request (or it has expired)."""
    raw = conn.hgetall(request_key(request_id))
    return replace(CallbackRequest.from_redis(raw), id=request_id) if raw else None


def load_many(conn: redis.Redis, ids: list[str]) -> list[CallbackRequest]:
    """The requests with these ids that still exist, in that order."""
    return [r for r in (load(conn, i) for i in ids) if r is not None]


def load_open(conn: redis.Redis, limit: int = 500) -> list[CallbackRequest]:
    """Requests waiting for a person, in the order staff should work them: crisis first, then oldest first."""
    return load_many(conn, texts(conn.zrange(QUEUE_KEY, 0, limit - 1)))


def load_claimed(conn: redis.Redis) -> list[CallbackRequest]:
    return load_many(conn, texts(conn.zrange(CLAIMED_KEY, 0, -1)))


def audit_trail(conn: redis.Redis, request_id: str) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in conn.lrange(audit_key(request_id), 0, -1)]


# -- staff actions ------------------------------------------------------------------------------------------------
Change = Callable[[Pipeline, CallbackRequest], CallbackRequest]


def _act(conn: redis.Redis, request_id: str, change: Change) -> CallbackRequest:
    """Run ``change(pipe, request)`` in a WATCH/MULTI transaction on the request, so two staff never both win;
    ``change`` queues its writes and returns the request as it will be."""
    key = request_key(request_id)
    result: list[CallbackRequest] = []

    def attempt(pipe: Pipeline) -> None:
        result.clear()
        raw = pipe.hgetall(key)
        if not raw:
            raise NoSuchRequest(f"no callback request {request_id}")
        pipe.multi()
        result.append(change(pipe, replace(CallbackRequest.from_redis(raw), id=request_id)))

    conn.transaction(attempt, key)
    return result[0]


def claim(conn: redis.Redis, request_id: str, staff: str, settings: Settings, queues: dict[str, Queue],
          now: float | None = None) -> CallbackRequest:
    """Take a request to call it. Raises :class:`AlreadyClaimed` or :class:`NotClaimable`; exactly one of two
    simultaneous claims succeeds."""
    now = time.time() if now is None else now
    token = secrets.token_hex(6)
    expires = now + settings.claim_timeout_minutes * 60

    def change(pipe: Pipeline, request: CallbackRequest) -> CallbackRequest:
        if request.status == Status.CLAIMED:
            raise AlreadyClaimed(f"{request_id} is already claimed by {request.claimed_by or 'someone'}")
        if request.status != Status.OPEN:
            raise NotClaimable(f"{request_id} is {request.status}, not open")
        claimed = replace(request, status=Status.CLAIMED, claimed_by=staff, claimed_at=now, claim_token=token,
                          claim_expires=expires, updated=now)
        if request.first_claimed_at is None:  # time to claim, for the reports
            claimed = replace(claimed, first_claimed_at=now)
            stats.count_claim(pipe, settings, request.priority, request.created, request.due or now, now)
        _write(pipe, request, claimed)
        pipe.zrem(QUEUE_KEY, request_id)
        pipe.zadd(CLAIMED_KEY, {request_id: expires})
        add_audit(pipe, request_id, staff, "claimed", "", now)
        queues["default"].enqueue_at(dt.datetime.fromtimestamp(expires, dt.UTC), "workers.alerts.expire_claim",
                                     request_id, token, job_id=f"claim-{request_id}-{token}", pipeline=pipe)
        return claimed

    return _act(conn, request_id, change)


def release(conn: redis.Redis, request_id: str, staff: str, *, supervisor: bool = False, why: str = "released",
            token: str | None = None, now: float | None = None, settings: Settings | None = None,
            queues: dict[str, Queue] | None = None) -> CallbackRequest:
    """Put a claimed request back in the queue (by its holder, a supervisor, or the lapsed-claim job). With
    ``settings`` and ``queues``, a crisis request starts a new escalation ladder."""
    now = time.time() if now is None else now

    def change(pipe: Pipeline, request: CallbackRequest) -> CallbackRequest:
        if request.status != Status.CLAIMED:
            raise NotClaimable(f"{request_id} is {request.status}, not claimed")
        if token is not None and request.claim_token != token:
            raise NotClaimable(f"{request_id} was claimed again since")
        if token is None and not supervisor and request.claimed_by != staff:
            raise AlreadyClaimed(f"{request_id} is claimed by {request.claimed_by}, not by {staff}")
        released = replace(_reopen(pipe, request), updated=now)
        add_audit(pipe, request_id, staff, why, f"was held by {request.claimed_by}", now)
        if settings is not None and queues is not None and request.priority == "crisis":
            released = replace(released, escalation=secrets.token_hex(4))
            _start_ladder(pipe, queues["crisis"], request_id, released.escalation or "",
                          now + settings.due_crisis_minutes * 60)
        _write(pipe, request, released)
        return released

    return _act(conn, request_id, change)


def _reopen(pipe: Pipeline, request: CallbackRequest) -> CallbackRequest:
    """Queue the moves that put ``request`` back in the queue; returns it open, without its claim (to write)."""
    pipe.zrem(CLAIMED_KEY, request.id)
    pipe.zadd(QUEUE_KEY, {request.id: queue_score(request.priority, request.created)})
    return replace(request, status=Status.OPEN, claimed_by=None, claimed_at=None, claim_token=None,
                   claim_expires=None)


def complete(conn: redis.Redis, request_id: str, staff: str, outcome: str, note: str, settings: Settings, *,
             supervisor: bool = False, now: float | None = None) -> CallbackRequest:
    """Close a claimed request with an outcome and a note. ``no_answer`` puts it back in the queue to retry."""
    now = time.time() if now is None else now
    try:
        result = Outcome(outcome)
    except ValueError:
        raise CallbackError(f"unknown outcome {outcome!r}; one of: {', '.join(o.value for o in Outcome)}") from None
    note = note.strip()[:2000]

    def change(pipe: Pipeline, request: CallbackRequest) -> CallbackRequest:
        if request.status != Status.CLAIMED:
            raise NotClaimable(f"{request_id} is {request.status}: claim it first")
        if not supervisor and request.claimed_by != staff:
            raise AlreadyClaimed(f"{request_id} is claimed by {request.claimed_by}, not by {staff}")
        tried = replace(request, attempts=request.attempts + 1, last_outcome=result, last_note=note, updated=now)
        add_audit(pipe, request_id, staff, f"completed: {result}", note, now)
        stats.bump(pipe, settings, [f"outcome:{result}"], now)
        if result is Outcome.NO_ANSWER:
            reopened = _reopen(pipe, tried)
            _write(pipe, request, reopened)
            return reopened
        done = replace(tried, status=Status.DONE, outcome=result, completed_at=now, completed_by=staff)
        _write(pipe, request, done)
        pipe.zrem(CLAIMED_KEY, request_id)
        pipe.zrem(QUEUE_KEY, request_id)
        pipe.zadd(CLOSED_KEY, {request_id: now})
        pipe.delete(open_key(request.number))
        retention = settings.retention_days * 86400
        pipe.expire(request_key(request_id), retention)
        pipe.expire(audit_key(request_id), retention)
        return done

    return _act(conn, request_id, change)
