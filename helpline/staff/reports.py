"""What the supervisors' reports show, computed from the daily counts (:mod:`helpline.queue.stats`) and, for the CSV
export, from the closed requests themselves (kept ``RETENTION_DAYS``).

Time to claim is measured from the request to its first claim; "missed" means claimed after the due time. A
request still unclaimed at the end of the range is not in the median, but is counted as missed when it is
already overdue.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import redis

from helpline.config import Settings
from helpline.queue import callbacks, stats
from helpline.queue.records import CallbackRequest
from helpline.redisdb import texts

RANGES = (7, 30, 90)
MAX_DAYS = 400
PRIORITIES = ("crisis", "urgent", "routine")
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
CSV_COLUMNS = ["id", "created", "priority", "reason", "channel", "language", "claimed_at", "closed_at", "outcome",
               "staff", "attempts"]
CSV_PRIVATE = ["number", "note"]


class RangeError(ValueError):
    """The dates asked for cannot be read; the message says why."""


@dataclass(frozen=True)
class Range:
    first: dt.date
    last: dt.date
    preset: str  # "7", "30", "90" or "custom"

    @property
    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def bounds(self, settings: Settings) -> tuple[float, float]:
        """The range as timestamps: from the start of ``first`` to the end of ``last`` in ``TIMEZONE``."""
        zone = settings.hours.zone
        start = dt.datetime.combine(self.first, dt.time(0), zone).timestamp()
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(0), zone).timestamp()
        return start, end


def parse_range(args: Any, settings: Settings, now: float | None = None) -> Range:
    """From the query string: ``range=7|30|90`` (default 7), or ``range=custom&from=YYYY-MM-DD&to=YYYY-MM-DD``."""
    today = stats.day_of(time.time() if now is None else now, settings.hours.zone)
    preset = str(args.get("range") or "7")
    if preset in {str(r) for r in RANGES}:
        return Range(today - dt.timedelta(days=int(preset) - 1), today, preset)
    if preset != "custom":
        raise RangeError("choose 7, 30 or 90 days, or a custom range")
    try:
        first = dt.date.fromisoformat(str(args.get("from") or ""))
        last = dt.date.fromisoformat(str(args.get("to") or today.isoformat()))
    except ValueError:
        raise RangeError("write the dates as YYYY-MM-DD") from None
    if last < first:
        raise RangeError("the end date is before the start date")
    if (last - first).days >= MAX_DAYS:
        raise RangeError(f"a range can be at most {MAX_DAYS} days")
    return Range(first, min(last, today), "custom")


def percentile(values: list[int], share: float) -> float | None:
    """Nearest-rank percentile (``share`` 0.9 = p90); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(share * len(ordered)) - 1)])


@dataclass
class Report:
    range: Range
    per_day: list[dict[str, Any]] = field(default_factory=list)
    channels: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    hour_of_week: list[list[int]] = field(default_factory=list)
    crisis: list[tuple[str, int]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[tuple[str, int]] = field(default_factory=list)
    escalations: list[tuple[str, int]] = field(default_factory=list)
    voicemails: int = 0
    contacts: int = 0


def build(conn: redis.Redis, settings: Settings, span: Range, now: float | None = None) -> Report:
    now = time.time() if now is None else now
    days = stats.read_days(conn, span.first, span.last)
    report = Report(span, hour_of_week=[[0] * 24 for _ in range(7)])
    totals: dict[str, int] = {}
    for day, counts in days.items():
        row: dict[str, Any] = {"day": day, "sms": 0, "voice": 0, "voicemails": counts.get("voicemail", 0)}
        langs: dict[str, int] = {}
        for name, n in counts.items():
            parts = name.split(":")
            if parts[0] == "contact" and len(parts) == 3:
                row[parts[1]] = row.get(parts[1], 0) + n
                langs[parts[2]] = langs.get(parts[2], 0) + n
            elif parts[0] == "hour" and len(parts) == 4:
                report.hour_of_week[day.weekday()][int(parts[1])] += n
            if parts[0] in ("crisis", "outcome", "escalation", "request", "claimed", "missed"):
                totals[name] = totals.get(name, 0) + n
        row["en"], row["es"] = langs.get("en", 0), langs.get("es", 0)
        row["total"] = row["sms"] + row["voice"]
        for lang, n in langs.items():
            report.languages[lang] = report.languages.get(lang, 0) + n
        for channel in ("sms", "voice"):
            report.channels[channel] = report.channels.get(channel, 0) + row[channel]
        report.voicemails += row["voicemails"]
        report.per_day.append(row)
    report.contacts = sum(r["total"] for r in report.per_day)

    def grouped(prefix: str) -> list[tuple[str, int]]:
        found = [(k.split(":", 1)[1], v) for k, v in totals.items() if k.startswith(prefix + ":")]
        return sorted(found, key=lambda kv: (-kv[1], kv[0]))

    report.crisis = grouped("crisis")
    report.outcomes = grouped("outcome")
    report.escalations = sorted(grouped("escalation"))
    includes_today = span.last >= stats.day_of(now, settings.hours.zone)
    overdue_open = _overdue_open(conn, now) if includes_today else {}
    for priority in PRIORITIES:
        seconds = stats.read_claim_seconds(conn, span.first, span.last, priority)
        claimed = totals.get(f"claimed:{priority}", 0)
        waiting_late = overdue_open.get(priority, 0)  # still unclaimed and past due: missed already
        missed = totals.get(f"missed:{priority}", 0) + waiting_late
        judged = claimed + waiting_late
        median = statistics.median(seconds) if seconds else None
        report.claims.append({
            "priority": priority, "requests": totals.get(f"request:{priority}", 0), "claimed": claimed,
            "median_min": None if median is None else median / 60,
            "p90_min": None if not seconds else (percentile(seconds, 0.9) or 0) / 60,
            "target_min": _target_minutes(settings, priority), "target": _target_text(settings, priority),
            "missed": missed, "missed_share": (missed / judged) if judged else None,
        })
    return report


def _overdue_open(conn: redis.Redis, now: float) -> dict[str, int]:
    out: dict[str, int] = {}
    for request in callbacks.load_open(conn):
        if request.due < now:
            out[request.priority] = out.get(request.priority, 0) + 1
    return out


def _target_minutes(settings: Settings, priority: str) -> float:
    return {"crisis": settings.due_crisis_minutes, "urgent": settings.due_urgent_minutes}.get(
        priority, settings.due_routine_hours * 60)


def _target_text(settings: Settings, priority: str) -> str:
    if priority == "crisis":
        return f"{settings.due_crisis_minutes} min"
    if priority == "urgent":
        return f"{settings.due_urgent_minutes} min"
    return f"{settings.due_routine_hours} business hours"


# -- the CSV export ----------------------------------------------------------------------------------------------
def closed_in(conn: redis.Redis, settings: Settings, span: Range) -> list[CallbackRequest]:
    """Closed requests whose closing time falls in the range, oldest first."""
    start, end = span.bounds(settings)
    return callbacks.load_many(conn, texts(conn.zrangebyscore(callbacks.CLOSED_KEY, start, f"({end}")))


def _cell(value: str) -> str:
    """Free text that a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_csv(conn: redis.Redis, settings: Settings, span: Range, *, private: bool) -> str:
    """The closed requests as CSV; ``private`` adds the client's number and the staff note."""
    zone = settings.hours.zone

    def when(ts: float | None) -> str:
        return dt.datetime.fromtimestamp(ts, zone).isoformat(timespec="seconds") if ts else ""

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS + (CSV_PRIVATE if private else []))
    for r in closed_in(conn, settings, span):
        row: list[object] = [r.id, when(r.created), r.priority, _cell(r.reason), r.channel, r.lang,
                             when(r.first_claimed_at or r.claimed_at), when(r.completed_at),
                             r.outcome.value if r.outcome else "", r.completed_by or "", r.attempts]
        if private:
            row += [r.number, _cell(r.last_note or "")]
        writer.writerow(row)
    return out.getvalue()
