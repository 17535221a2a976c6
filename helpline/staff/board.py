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
from helpline.staff.accounts import Account, all_accounts


def order_key(row: dict[str, Any]) -> tuple[int, float, float]:
    """Crisis first; then whatever is due soonest (overdue first); oldest first on a tie."""
    return (0 if row["priority"] == "crisis" else 1, float(row["due"]), float(row["created"]))


def row_for(request: dict[str, Any], viewer: Account, now: float) -> dict[str, Any]:
    """One request as ``viewer`` may see it. The number and what the client told the helpline (name, best time)
    are only shown to the staff member who has claimed it."""
    mine = request["status"] == callbacks.Status.CLAIMED and request.get("claimed_by") == viewer.name
    row = {
        "id": request["id"],
        "priority": request["priority"],
        "status": request["status"],
        "reason": request["reason"],
        "topics": list(request.get("topics", [])),
        "channel": request.get("channel", "sms"),
        "lang": request.get("lang", "en"),
        "created": request["created"],
        "due": request["due"],
        "overdue": request["status"] == callbacks.Status.OPEN and request["due"] < now,
        "claimed_by": request.get("claimed_by"),
        "claim_expires": request.get("claim_expires"),
        "mine": mine,
        "number": request["number"] if mine else mask(request["number"]),
        "call_only": request["call_only"],
        "requests": request["requests"],
        "attempts": request["attempts"],
        "last_outcome": request.get("last_outcome"),
        # The crisis categories of the latest messages ("none": no crisis words), newest last; never their words.
        "latest": list(request.get("latest", [])),
        "voicemail": bool(request.get("gathered", {}).get("recording_url")),
    }
    if mine:
        row["gathered"] = request.get("gathered", {})
        row["recording_length"] = seconds_text(request.get("gathered", {}).get("recording_seconds"))
        row["last_note"] = request.get("last_note", "")
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
    rows = [row_for(r, viewer, now) for r in callbacks.open_requests(conn) + callbacks.claimed_requests(conn)]
    return sorted(rows, key=order_key)


def history(conn: redis.Redis, limit: int = 100) -> list[dict[str, Any]]:
    """Closed requests, newest first, numbers masked (for supervisors)."""
    ids = [i.decode() for i in conn.zrevrange(callbacks.CLOSED_KEY, 0, limit - 1)]
    out = []
    for request in (callbacks.get(conn, i) for i in ids):
        if request is None:
            continue
        out.append({"id": request["id"], "priority": request["priority"], "reason": request["reason"],
                    "channel": request.get("channel"), "lang": request.get("lang"),
                    "number": mask(request["number"]), "created": request["created"],
                    "completed_at": request.get("completed_at"), "completed_by": request.get("completed_by"),
                    "outcome": request.get("outcome"), "note": request.get("last_note", ""),
                    "attempts": request["attempts"]})
    return out


def recent_audit(conn: redis.Redis, limit: int = 200) -> list[dict[str, Any]]:
    """The newest entries of the audit stream (every staff and system action on every request)."""
    out = []
    for _id, fields in conn.xrevrange(callbacks.AUDIT_STREAM, count=limit):
        entry = {k.decode(): v.decode() for k, v in fields.items()}
        entry["at"] = float(entry.get("at", 0))
        out.append(entry)
    return out


def load(conn: redis.Redis, now: float | None = None, day: float = 86400) -> list[dict[str, Any]]:
    """Per staff member: what they hold now, and what they closed in the last day by outcome."""
    now = time.time() if now is None else now
    holding = Counter(r.get("claimed_by") for r in callbacks.claimed_requests(conn))
    closed: dict[str, Counter[str]] = {}
    for raw in conn.zrangebyscore(callbacks.CLOSED_KEY, now - day, now):
        request = callbacks.get(conn, raw.decode())
        if request and request.get("completed_by"):
            closed.setdefault(request["completed_by"], Counter())[request.get("outcome") or "?"] += 1
    names = {a.name: a for a in all_accounts(conn)}
    everyone = sorted(set(names) | {n for n in holding if n} | set(closed))
    return [{"name": n, "role": names[n].role.value if n in names else "(removed)", "holding": holding.get(n, 0),
             "closed_today": sum(closed.get(n, Counter()).values()), "outcomes": dict(closed.get(n, Counter()))}
            for n in everyone]


def overdue(rows: list[dict[str, Any]], now: float) -> list[dict[str, Any]]:
    """Open requests past their due time, and claims held past their due time."""
    return [r for r in rows if r["due"] < now]
