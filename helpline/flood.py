"""Per-number flood control: a sender past the limits gets an empty reply (Twilio does not honour HTTP 429)
and a log line. Never applied to a crisis message or to STOP/START, which the caller checks first."""

from __future__ import annotations

import time

import redis


def allow(conn: redis.Redis, number: str, per_minute: int, per_hour: int, now: float | None = None) -> bool:
    """Count one message from ``number``; False when it is over either limit (fixed windows)."""
    now = time.time() if now is None else now
    minute_key = f"hl:flood:m:{number}:{int(now // 60)}"
    hour_key = f"hl:flood:h:{number}:{int(now // 3600)}"
    with conn.pipeline(transaction=False) as pipe:
        pipe.incr(minute_key)
        pipe.expire(minute_key, 120)
        pipe.incr(hour_key)
        pipe.expire(hour_key, 7200)
        in_minute, _, in_hour, _ = pipe.execute()
    return in_minute <= per_minute and in_hour <= per_hour
