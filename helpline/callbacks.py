"""Callback requests: somebody asked for a person (or the crisis screen fired) and staff must call them back.

One open request per phone number: a second request updates the first (and can raise its priority), never
duplicates it. Requests live in Redis only (AOF on), written in the same transaction as the conversation step
that made them, together with the RQ job that alerts staff, so a request is never lost or doubled.

Keys:
- ``hl:cb:{id}``            hash: the request
- ``hl:cb:open:{number}``   the id of the number's open request
- ``hl:cb:queue``           sorted set of open ids, in the order staff should work them
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import redis
from redis.client import Pipeline
from rq import Queue, Retry

from helpline.engine import RequestCallback

PRIORITY_RANK = {"crisis": 0, "urgent": 1, "routine": 2}
QUEUE_FOR_PRIORITY = {"crisis": "crisis", "urgent": "default", "routine": "default"}
ALERT_RETRY = Retry(max=5, interval=[5, 15, 60, 120, 300])
QUEUE_KEY = "hl:cb:queue"


def request_key(request_id: str) -> str:
    return f"hl:cb:{request_id}"


def open_key(number: str) -> str:
    return f"hl:cb:open:{number}"


def queue_score(priority: str, created: float) -> float:
    """Crisis before urgent before routine; oldest first within one."""
    return PRIORITY_RANK[priority] * 1e11 + created


@dataclass(frozen=True)
class Staged:
    """What :func:`stage` queued in the transaction."""

    request_id: str
    created: bool
    alerted: bool


def read_open(pipe: Pipeline | redis.Redis, number: str) -> tuple[str | None, dict[str, str]]:
    """The number's open request (id and fields), for a transaction that has WATCHed ``open_key(number)``.

    Also WATCHes the request's own key when ``pipe`` is a pipeline in watch mode.
    """
    raw_id = pipe.get(open_key(number))
    if not raw_id:
        return None, {}
    request_id = raw_id.decode() if isinstance(raw_id, bytes) else str(raw_id)
    if isinstance(pipe, Pipeline):
        pipe.watch(request_key(request_id))
    fields = {k.decode(): v.decode() for k, v in pipe.hgetall(request_key(request_id)).items()}
    return request_id, fields


def stage(pipe: Pipeline, queues: dict[str, Queue], number: str, channel: str, lang: str,
          action: RequestCallback, existing_id: str | None, existing: dict[str, str],
          now: float | None = None) -> Staged:
    """Queue, inside ``pipe``'s MULTI, the creation or update of the number's request and its staff alert."""
    now = time.time() if now is None else now
    if existing_id and existing.get("status", "open") in ("open", "claimed"):
        old_priority = existing.get("priority", "routine")
        raised = PRIORITY_RANK[action.priority] < PRIORITY_RANK.get(old_priority, 2)
        priority = action.priority if raised else old_priority
        gathered = {**json.loads(existing.get("gathered", "{}")), **action.gathered}
        topics = list(dict.fromkeys(json.loads(existing.get("topics", "[]")) + list(action.topics)))[-10:]
        updates: dict[str, Any] = {
            "priority": priority,
            "gathered": json.dumps(gathered),
            "topics": json.dumps(topics),
            "updated": now,
            "requests": int(existing.get("requests", "1")) + 1,
            "call_only": int(action.call_only or existing.get("call_only") == "1"),
        }
        if raised:
            updates["reason"] = action.reason
        pipe.hset(request_key(existing_id), mapping=updates)
        if raised and existing.get("status", "open") == "open":
            pipe.zadd(QUEUE_KEY, {existing_id: queue_score(priority, float(existing.get("created", now)))})
        if raised:
            _enqueue_alert(pipe, queues, existing_id, priority, updates["requests"])
        return Staged(existing_id, created=False, alerted=raised)
    request_id = f"cb_{int(now)}_{secrets.token_hex(4)}"
    fields = {
        "id": request_id,
        "number": number,
        "channel": channel,
        "lang": lang,
        "reason": action.reason,
        "priority": action.priority,
        "status": "open",
        "gathered": json.dumps(action.gathered),
        "topics": json.dumps(list(action.topics)),
        "call_only": int(action.call_only),
        "created": now,
        "updated": now,
        "requests": 1,
    }
    pipe.hset(request_key(request_id), mapping=fields)
    pipe.set(open_key(number), request_id)
    pipe.zadd(QUEUE_KEY, {request_id: queue_score(action.priority, now)})
    _enqueue_alert(pipe, queues, request_id, action.priority, 1)
    return Staged(request_id, created=True, alerted=True)


def _enqueue_alert(pipe: Pipeline, queues: dict[str, Queue], request_id: str, priority: str, n: int) -> None:
    queue = queues[QUEUE_FOR_PRIORITY[priority]]
    queue.enqueue("workers.alerts.alert_staff", request_id, job_id=f"alert-{request_id}-{n}",
                  retry=ALERT_RETRY, pipeline=pipe, result_ttl=24 * 3600, failure_ttl=7 * 24 * 3600)


def get(conn: redis.Redis, request_id: str) -> dict[str, Any] | None:
    """A request's fields, with JSON fields decoded; None when there is no such request."""
    raw = conn.hgetall(request_key(request_id))
    if not raw:
        return None
    fields: dict[str, Any] = {k.decode(): v.decode() for k, v in raw.items()}
    for name in ("gathered", "topics"):
        fields[name] = json.loads(fields.get(name) or ("{}" if name == "gathered" else "[]"))
    for name in ("created", "updated"):
        fields[name] = float(fields[name])
    fields["call_only"] = fields.get("call_only") == "1"
    fields["requests"] = int(fields.get("requests", 1))
    return fields


def open_requests(conn: redis.Redis, limit: int = 200) -> list[dict[str, Any]]:
    """Open requests in the order staff should work them: crisis first, then oldest first."""
    ids = [i.decode() for i in conn.zrange(QUEUE_KEY, 0, limit - 1)]
    return [r for r in (get(conn, i) for i in ids) if r is not None]
