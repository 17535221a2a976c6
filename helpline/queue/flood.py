"""Per-number flood control: a sender past the limits gets an empty reply (Twilio does not honour HTTP 429)
and a log line. Never applied to a crisis message or to STOP/START: the webhook exempts those.

The counters are read and incremented inside the message's own Redis transaction (see
:meth:`helpline.queue.conversations.Conversations.handle`), so flood control costs no extra round trip.
"""

from __future__ import annotations

from collections.abc import Sequence

from redis.client import Pipeline

WINDOWS = ((60, 120), (3600, 7200))  # (window, key lifetime) in seconds: per minute, per hour


def keys(number: str, now: float) -> list[str]:
    """The counter keys for the current windows."""
    return [f"hl:flood:{window}:{number}:{int(now // window)}" for window, _ in WINDOWS]


def over(counts: Sequence[bytes | str | None], limits: tuple[int, int]) -> bool:
    """True when counting one more message would pass a limit."""
    return any(int(c or 0) + 1 > limit for c, limit in zip(counts, limits, strict=True))


def count(pipe: Pipeline, counter_keys: Sequence[str]) -> None:
    """Count this message (inside a MULTI)."""
    for key, (_, lifetime) in zip(counter_keys, WINDOWS, strict=True):
        pipe.incr(key)
        pipe.expire(key, lifetime)
