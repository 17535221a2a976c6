"""Daily counts for the supervisors' reports: how many people got in touch, when, by which channel and in which
language, what the crisis screen found, how long requests waited to be claimed, how they ended, escalations.

Counted where things happen, with one cheap ``HINCRBY`` queued in the transaction that is already running (the
conversation step, a staff action, an alert job), so a report never has to scan messages. The counts hold no
phone number, name or text: only the day, the local hour, a channel, a language code, a category or an outcome.

Keys (one per day in ``TIMEZONE``, expiring ``RETENTION_DAYS`` after the day):

- ``hl:stats:{YYYY-MM-DD}``            hash of counters, fields below
- ``hl:stats:{YYYY-MM-DD}:claim:{p}``  list of seconds from request to first claim, for priority ``p``

Fields: ``contact:{channel}:{lang}``, ``hour:{H}:{channel}:{lang}`` (contacts by local hour), ``message:{channel}``,
``crisis:{category}``, ``request:{priority}``, ``voicemail``, ``claimed:{priority}``, ``missed:{priority}``
(claimed after the due time), ``outcome:{outcome}``, ``escalation:{step}``.

And one running count, for ``/metrics`` rather than the reports: ``hl:metrics:alerts``, staff alert texts by
result, counted by the alert jobs (:func:`count_alert`; here, not in :mod:`helpline.ops.metrics`, so the jobs
need no flask).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import redis
from redis.client import Pipeline

from helpline.config import Settings

log = logging.getLogger(__name__)
PREFIX = "hl:stats:"
ALERTS_KEY = "hl:metrics:alerts"  # hash: result -> count, HINCRBY'd by the workers, read by /metrics


def day_of(ts: float, zone: ZoneInfo) -> dt.date:
    return dt.datetime.fromtimestamp(ts, zone).date()


def day_key(day: dt.date) -> str:
    return f"{PREFIX}{day.isoformat()}"


def claim_key(day: dt.date, priority: str) -> str:
    return f"{day_key(day)}:claim:{priority}"


def _ttl(settings: Settings, day: dt.date, now: float) -> int:
    """Seconds the day's counters are kept: until ``RETENTION_DAYS`` after the end of that day."""
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), settings.hours.zone).timestamp()
    return max(int(end - now) + settings.retention_days * 86400, 3600)


def bump(pipe: Pipeline | redis.Redis, settings: Settings, fields: Iterable[str], now: float | None = None) -> None:
    """Add one to each of ``fields`` in today's counters (queued on ``pipe`` when it is a transaction)."""
    now = time.time() if now is None else now
    day = day_of(now, settings.hours.zone)
    key = day_key(day)
    for name in fields:
        pipe.hincrby(key, name, 1)
    pipe.expire(key, _ttl(settings, day, now))


def count_message(pipe: Pipeline, settings: Settings, channel: str, lang: str, *, new_contact: bool,
                  crisis_category: str | None, now: float) -> None:
    """One inbound message (a text, or one turn of a call); ``new_contact`` when it started a conversation."""
    fields = [f"message:{channel}"]
    if new_contact:
        hour = dt.datetime.fromtimestamp(now, settings.hours.zone).hour
        fields += [f"contact:{channel}:{lang}", f"hour:{hour}:{channel}:{lang}"]
    if crisis_category:
        fields.append(f"crisis:{crisis_category}")
    bump(pipe, settings, fields, now)


def count_claim(pipe: Pipeline, settings: Settings, priority: str, created: float, due: float, now: float) -> None:
    """A request's first claim: how long it waited, and whether that was after its due time."""
    day = day_of(now, settings.hours.zone)
    fields = [f"claimed:{priority}"] + ([f"missed:{priority}"] if now > due else [])
    bump(pipe, settings, fields, now)
    pipe.rpush(claim_key(day, priority), max(0, int(now - created)))
    pipe.expire(claim_key(day, priority), _ttl(settings, day, now))


def read_days(conn: redis.Redis, first: dt.date, last: dt.date) -> dict[dt.date, dict[str, int]]:
    """The counters of every day from ``first`` to ``last`` (inclusive); days without data are empty."""
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    pipe = conn.pipeline(transaction=False)
    for day in days:
        pipe.hgetall(day_key(day))
    out = {}
    for day, raw in zip(days, pipe.execute(), strict=True):
        out[day] = {k.decode(): int(v) for k, v in raw.items()}
    return out


def read_claim_seconds(conn: redis.Redis, first: dt.date, last: dt.date, priority: str) -> list[int]:
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    pipe = conn.pipeline(transaction=False)
    for day in days:
        pipe.lrange(claim_key(day, priority), 0, -1)
    return [int(v) for values in pipe.execute() for v in values]


def count_alert(conn: redis.Redis, result: str) -> None:
    """Count one staff alert text (``sent``, ``failed`` or ``opted_out``); never fails the caller."""
    try:
        conn.hincrby(ALERTS_KEY, result, 1)
    except redis.RedisError:
        log.warning("could not count an alert in the metrics (Redis)")
