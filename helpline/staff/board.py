"""What staff see of the callback queue: rows in working order, numbers masked unless the viewer holds the request.

The queue page and the JSON API both build their rows here, so the masking rule lives in one place.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from typing import Any

import redis

from helpline.logs import mask
from helpline.queue import callbacks
from helpline.queue.records import CallbackRequest, Status
from helpline.redisdb import text, texts
from helpline.staff.accounts import Account, all_accounts


def order_key(row: dict[str, Any]) -> tuple[int, float, float]:
    """Crisis first; then whatever is due soonest (overdue first); oldest first on a tie."""
    return (0 if row["priority"] == "crisis" else 1, float(row["due"]), float(row["created"]))


def row_for(request: CallbackRequest, viewer: Account, now: float) -> dict[str, Any]:
    """One request as ``viewer`` may see it. The number and what the client told the helpline (name, best time)
    are only shown to the staff member who has claimed it."""
    mine = request.status == Status.CLAIMED and request.claimed_by == viewer.name
    row: dict[str, Any] = {
        "id": request.id,
        "priority": request.priority,
        "status": request.status.value,
        "reason": request.reason,
        "topics": list(request.topics),
        "channel": request.channel,
        "lang": request.lang,
        "created": request.created,
        "due": request.due,
        "overdue": request.status == Status.OPEN and request.due < now,
        "claimed_by": request.claimed_by,
        "claim_expires": request.claim_expires,
        "mine": mine,
        "number": request.number if mine else mask(request.number),
        "call_only": request.call_only,
        "requests": request.requests,
        "attempts": request.attempts,
        "last_outcome": request.last_outcome.value if request.last_outcome else None,
        # The crisis categories of the latest messages ("none": no crisis words), newest last; never their words.
        "latest": list(request.latest),
        "voicemail": bool(request.gathered.get("recording_url")),
    }
    if mine:
        row["gathered"] = dict(request.gathered)
        row["recording_length"] = seconds_text(request.gathered.get("recording_seconds"))
        row["last_note"] = request.last_note or ""
    return row


def seconds_text(raw: object) -> str:
    """A recording's length for people: "74" -> "1 min 14 s"; "" when unknown."""
    try:
        seconds = int(str(raw))
    except (TypeError, ValueError):
        return ""
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


def signature(rows: list[dict[str, Any]]) -> str:
    """Changes whenever what the queue page shows changes (a request arrives, is raised, claimed, closed)."""
    text = "|".join(f"{r['id']}:{r['status']}:{r['priority']}:{r.get('claimed_by') or ''}:{r['requests']}"
                    f":{r['attempts']}" for r in rows)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def board(conn: redis.Redis, viewer: Account, now: float | None = None) -> list[dict[str, Any]]:
    """Every open and claimed request as ``viewer`` may see it, in working order."""
    now = time.time() if now is None else now
    rows = [row_for(r, viewer, now) for r in callbacks.load_open(conn) + callbacks.load_claimed(conn)]
    return sorted(rows, key=order_key)


def history(conn: redis.Redis, limit: int = 100) -> list[dict[str, Any]]:
    """Closed requests, newest first, numbers masked (for supervisors)."""
    ids = texts(conn.zrevrange(callbacks.CLOSED_KEY, 0, limit - 1))
    return [{"id": r.id, "priority": r.priority, "reason": r.reason, "channel": r.channel, "lang": r.lang,
             "number": mask(r.number), "created": r.created, "completed_at": r.completed_at,
             "completed_by": r.completed_by, "outcome": r.outcome.value if r.outcome else None,
             "note": r.last_note or "", "attempts": r.attempts}
            for r in callbacks.load_many(conn, ids)]


def recent_audit(conn: redis.Redis, limit: int = 200) -> list[dict[str, Any]]:
    """The newest entries of the audit stream (every staff and system action on every request)."""
    out = []
    for _id, fields in conn.xrevrange(callbacks.AUDIT_STREAM, count=limit) or []:
        entry: dict[str, Any] = {text(k): text(v) for k, v in (fields or {}).items()}
        entry["at"] = float(entry.get("at", 0))
        out.append(entry)
    return out


def load(conn: redis.Redis, now: float | None = None, day: float = 86400) -> list[dict[str, Any]]:
    """Per staff member: what they hold now, and what they closed in the last day by outcome."""
    now = time.time() if now is None else now
    holding = Counter(r.claimed_by for r in callbacks.load_claimed(conn))
    closed: dict[str, Counter[str]] = {}
    ids = texts(conn.zrangebyscore(callbacks.CLOSED_KEY, now - day, now))
    for request in callbacks.load_many(conn, ids):
        if request.completed_by:
            closed.setdefault(request.completed_by, Counter())[request.outcome.value if request.outcome else "?"] += 1
    names = {a.name: a for a in all_accounts(conn)}
    everyone = sorted(set(names) | {n for n in holding if n} | set(closed))
    return [{"name": n, "role": names[n].role.value if n in names else "(removed)", "holding": holding.get(n, 0),
             "closed_today": sum(closed.get(n, Counter()).values()), "outcomes": dict(closed.get(n, Counter()))}
            for n in everyone]


def overdue(rows: list[dict[str, Any]], now: float) -> list[dict[str, Any]]:
    """Open requests past their due time, and claims held past their due time."""
    return [r for r in rows if r["due"] < now]
