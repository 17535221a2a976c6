"""The on-call roster: weekly recurring shifts for staff accounts, and who an alert goes to right now.

A shift is an account, some weekdays and a time span in ``TIMEZONE`` (``mon-fri 08:00-16:00``; a span that ends
before it starts runs past midnight: ``sat-sun 22:00-06:00`` covers Saturday night into Sunday morning and Sunday
night into Monday morning). Alerts go to the phones of the accounts on shift now; when nobody is on shift (or
nobody on shift has a phone on their account) they go to ``STAFF_ALERT_NUMBERS``, and a crisis outside every shift
goes to the supervisors as well. With no shifts at all, alerts go to ``STAFF_ALERT_NUMBERS`` as before the roster.

Keys: ``hl:roster`` hash of shift id -> JSON ``{"id", "who", "days", "start", "end"}``.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from dataclasses import asdict, dataclass

import redis

from helpline.config import Settings
from helpline.errors import HelplineError
from helpline.hours import DAYS, read_span
from helpline.staff import accounts

ROSTER_KEY = "hl:roster"
DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class RosterError(HelplineError):
    """A shift cannot be added as asked; the message says why."""


@dataclass(frozen=True)
class Shift:
    id: str
    who: str
    days: tuple[int, ...]  # 0 = Monday
    start: str  # "HH:MM" in TIMEZONE
    end: str  # "HH:MM"; before start means the shift runs past midnight

    @property
    def overnight(self) -> bool:
        return self.end <= self.start

    def covers(self, local: dt.datetime) -> bool:
        """Is ``local`` (a time in the helpline's zone) inside this shift?"""
        clock = local.strftime("%H:%M")
        day = local.weekday()
        if not self.overnight:
            return day in self.days and self.start <= clock < self.end
        return (day in self.days and clock >= self.start) or ((day - 1) % 7 in self.days and clock < self.end)

    def describe(self) -> str:
        return f"{days_text(self.days)} {self.start}-{self.end}"


def days_text(days: tuple[int, ...]) -> str:
    """(0, 1, 2, 3, 4) -> "mon-fri"; (5, 6) -> "sat-sun"; (0, 2) -> "mon,wed"."""
    days = tuple(sorted(days))
    if len(days) > 2 and days == tuple(range(days[0], days[-1] + 1)):
        return f"{DAYS[days[0]]}-{DAYS[days[-1]]}"
    return ",".join(DAYS[d] for d in days)


def parse(spec: str) -> tuple[tuple[int, ...], str, str]:
    """``"mon-fri 08:00-16:00"`` or ``"mon,wed,fri 22:00-06:00"`` (overnight) -> (days, start, end)."""
    try:
        days, start, end = read_span(spec, "'mon-fri 08:00-16:00' or 'sat,sun 22:00-06:00'")
    except ValueError as exc:
        raise RosterError(str(exc)) from None
    if start == end:
        raise RosterError("a shift must not start and end at the same time")
    return days, start, end


def add(conn: redis.Redis, who: str, spec: str) -> Shift:
    """Add a weekly shift for an existing account."""
    name = accounts.normalise_name(who)
    if accounts.get(conn, name) is None:
        raise RosterError(f"no account called {name!r} (add it first: helpline staff add {name})")
    days, start, end = parse(spec)
    shift = Shift(f"sh_{secrets.token_hex(3)}", name, days, start, end)
    conn.hset(ROSTER_KEY, shift.id, json.dumps(asdict(shift)))
    return shift


def remove(conn: redis.Redis, shift_id: str) -> bool:
    return bool(conn.hdel(ROSTER_KEY, shift_id.strip()))


def shifts(conn: redis.Redis) -> list[Shift]:
    """Every shift, by first day, then start time, then name."""
    out = []
    for raw in conn.hvals(ROSTER_KEY):
        data = json.loads(raw)
        out.append(Shift(data["id"], data["who"], tuple(data["days"]), data["start"], data["end"]))
    return sorted(out, key=lambda s: (s.days[0] if s.days else 7, s.start, s.who))


def local_now(settings: Settings, now: float | None = None) -> dt.datetime:
    return dt.datetime.fromtimestamp(time.time() if now is None else now, settings.hours.zone)


def on_shift(conn: redis.Redis, settings: Settings, now: float | None = None) -> list[accounts.Account]:
    """The accounts whose shift covers ``now`` (removed accounts are skipped)."""
    local = local_now(settings, now)
    names = sorted({s.who for s in shifts(conn) if s.covers(local)})
    return [a for a in (accounts.get(conn, n) for n in names) if a is not None]


def supervisor_numbers(conn: redis.Redis, settings: Settings) -> list[str]:
    """Supervisor accounts' phones, then ``SUPERVISOR_ALERT_NUMBERS``."""
    phones = [a.phone for a in accounts.all_accounts(conn) if a.supervisor and a.phone]
    return _unique(phones + list(settings.supervisor_alert_numbers))


@dataclass(frozen=True)
class Recipients:
    """Who an alert goes to, and why (for the audit trail and the roster page)."""

    numbers: list[str]
    why: str


def alert_recipients(conn: redis.Redis, settings: Settings, priority: str, *, escalate: bool = False,
                     now: float | None = None) -> Recipients:
    """Staff on shift now; ``STAFF_ALERT_NUMBERS`` when nobody on shift has a phone; supervisors too for a crisis
    outside every shift (when there is a roster at all: without one, alerts work as before it), and whenever
    ``escalate``."""
    staff = [a for a in on_shift(conn, settings, now) if a.phone]
    rostered = bool(conn.hlen(ROSTER_KEY))
    if staff:
        numbers, why = [a.phone for a in staff], "on shift: " + ", ".join(a.name for a in staff)
    else:
        numbers = list(settings.staff_alert_numbers)
        why = "nobody on shift: STAFF_ALERT_NUMBERS" if rostered else "no roster: STAFF_ALERT_NUMBERS"
    if escalate or (rostered and not staff and priority == "crisis"):
        numbers += supervisor_numbers(conn, settings)
        why += " + supervisors"
    return Recipients(_unique(numbers), why)


def _unique(numbers: list[str]) -> list[str]:
    return list(dict.fromkeys(n for n in numbers if n))
