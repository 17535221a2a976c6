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
_PART = re.compile(r"^\s*([a-z]{3})(?:\s*-\s*([a-z]{3}))?\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


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
            m = _PART.match(part)
            if not m or m.group(1) not in DAYS or (m.group(2) and m.group(2) not in DAYS):
                raise ValueError(f"cannot read {part!r}: write it like 'mon-fri 08:00-20:00; sat 09:00-13:00'")
            first = DAYS.index(m.group(1))
            last = DAYS.index(m.group(2)) if m.group(2) else first
            start = dt.time(int(m.group(3)), int(m.group(4)))
            end = dt.time(int(m.group(5)), int(m.group(6))) if m.group(5) != "24" else dt.time.max
            if end <= start:
                raise ValueError(f"in {part!r} the closing time is not after the opening time")
            for day in range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]:
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
