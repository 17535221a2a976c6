"""Business hours in the helpline's time zone, and deadlines counted in them: the one reader of
``BUSINESS_HOURS`` and ``TIMEZONE``.

``BUSINESS_HOURS="mon-fri 08:00-20:00; sat-sun 09:00-17:00"``: a routine callback requested on Friday night is
due a few business hours into Saturday morning, not at 2 a.m.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
SPANISH_DAYS = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
# "mon-fri 08:00-20:00", "sat,sun 22:00-06:00", "mon-tue,thu 07:00-15:00": the one way the helpline writes a
# weekly span, read for BUSINESS_HOURS here and for staff shifts in helpline.staff.roster.
_SPAN = re.compile(r"^\s*([a-z]{3})(?:\s*-\s*([a-z]{3}))?((?:\s*,\s*[a-z]{3})*)\s+(\d{1,2}):(\d{2})\s*-\s*"
                   r"(\d{1,2}):(\d{2})\s*$")


def read_span(text: str, example: str) -> tuple[tuple[int, ...], str, str]:
    """``"mon-fri 08:00-16:00"`` -> ((0, 1, 2, 3, 4), "08:00", "16:00"): weekdays (0 = Monday; a range may wrap,
    "fri-mon"; a list after it, "mon-tue,thu") and two clock times, "24:00" allowed. Raises ``ValueError`` with a
    message a person can act on; ``example`` is what the message shows them to write."""
    m = _SPAN.match(text.lower())
    if not m:
        raise ValueError(f"cannot read {text.strip()!r}: write it like {example}")
    first, last, more = m.group(1), m.group(2), m.group(3)
    names = [first] + ([last] if last else []) + [d.strip() for d in more.split(",") if d.strip()]
    unknown = [n for n in names if n not in DAYS]
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not a day: use mon, tue, wed, thu, fri, sat, sun")
    days: set[int] = set()
    if last:
        a, b = DAYS.index(first), DAYS.index(last)
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    else:
        days.add(DAYS.index(first))
    days.update(DAYS.index(n) for n in names[2 if last else 1:])
    return tuple(sorted(days)), _clock(m.group(4), m.group(5)), _clock(m.group(6), m.group(7))


def _clock(hour: str, minute: str) -> str:
    h, mm = int(hour), int(minute)
    if h == 24 and mm == 0:
        return "24:00"
    if not (0 <= h < 24 and 0 <= mm < 60):
        raise ValueError(f"{hour}:{minute} is not a time of day")
    return f"{h:02d}:{mm:02d}"


def _time(clock: str) -> dt.time:
    return dt.time.max if clock == "24:00" else dt.time.fromisoformat(clock)


@dataclass(frozen=True)
class BusinessHours:
    """Opening hours per weekday (0 = Monday) in ``zone``."""

    zone: ZoneInfo
    days: dict[int, tuple[dt.time, dt.time]]
    spec: str = ""  # as it was written

    @classmethod
    def parse(cls, spec: str, timezone: str) -> BusinessHours:
        """Parse ``spec``; raises ``ValueError`` with a message a person can act on."""
        zone = time_zone(timezone)
        days: dict[int, tuple[dt.time, dt.time]] = {}
        for part in filter(None, (p.strip() for p in spec.lower().split(";"))):
            weekdays, opens, closes = read_span(part, "'mon-fri 08:00-20:00; sat 09:00-13:00'")
            start, end = _time(opens), _time(closes)
            if end <= start:
                raise ValueError(f"in {part!r} the closing time is not after the opening time")
            for day in weekdays:
                days[day] = (start, end)
        if not days:
            raise ValueError("no opening hours given")
        return cls(zone, days, spec)

    def is_open(self, when: dt.datetime) -> bool:
        local = when.astimezone(self.zone)
        hours = self.days.get(local.weekday())
        return bool(hours and hours[0] <= local.time() < hours[1])

    def add(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The moment ``duration`` of business time after ``start`` (an aware datetime)."""
        remaining = duration
        local = start.astimezone(self.zone)
        for _ in range(60):  # at most two months of days; business hours exist every week
            hours = self.days.get(local.weekday())
            if hours:
                opening = local.replace(hour=hours[0].hour, minute=hours[0].minute, second=0, microsecond=0)
                closing = local.replace(hour=hours[1].hour, minute=hours[1].minute, second=0, microsecond=0)
                begin = max(local, opening)
                if begin < closing:
                    available = closing - begin
                    if remaining <= available:
                        return (begin + remaining).astimezone(dt.UTC)
                    remaining -= available
            next_day = (local + dt.timedelta(days=1)).date()
            local = dt.datetime.combine(next_day, dt.time(0, 0), self.zone)
        raise ValueError("business hours never open")


def time_zone(name: str) -> ZoneInfo:
    """The time zone ``name``; raises ``ValueError`` with a message a person can act on."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use a name like America/New_York)") from None


def spanish_hours(hours: BusinessHours) -> str:
    """The hours for a Spanish text, days with the same hours together: "mon-fri 08:00-20:00; sat-sun
    09:00-17:00" -> "lunes a viernes de 8am a 8pm, sábado y domingo de 9am a 5pm"."""
    runs: list[list[int]] = []
    for day in sorted(hours.days):
        if runs and runs[-1][-1] == day - 1 and hours.days[runs[-1][-1]] == hours.days[day]:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        first, last = SPANISH_DAYS[run[0]], SPANISH_DAYS[run[-1]]
        days = first if len(run) == 1 else f"{first} y {last}" if len(run) == 2 else f"{first} a {last}"
        start, end = hours.days[run[0]]
        parts.append(f"{days} de {_spanish_clock(start)} a {_spanish_clock(end)}")
    return ", ".join(parts)


def _spanish_clock(time: dt.time) -> str:
    if time == dt.time.max or time == dt.time(0, 0):
        return "medianoche"
    if time == dt.time(12, 0):
        return "mediodía"
    suffix = "am" if time.hour < 12 else "pm"
    hour = time.hour % 12 or 12
    return f"{hour}{suffix}" if time.minute == 0 else f"{hour}:{time.minute:02d}{suffix}"
