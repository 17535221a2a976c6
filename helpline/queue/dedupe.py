"""Which webhooks a conversation has already handled, for the whole replay window (48 hours by default).

Twilio retries a webhook it got no answer to, and a captured, signed webhook can be replayed later by anyone who
holds it: either must not advance a conversation again or make a second request. So every MessageSid (or
CallSid + step) is remembered for at least :data:`WINDOW` seconds, per conversation, in one small Redis string
beside the conversation record: 8 bytes a message (a 2-byte hour stamp and a 6-byte hash of the sid), entries
older than the window dropped whenever the string is written. The string expires an hour after the window
closes on its newest entry. A conversation of 100 messages in two days keeps 800 bytes here.
"""

from __future__ import annotations

import hashlib

WINDOW = 48 * 3600
TAG_BYTES = 6  # 48 bits: two sids of one conversation colliding is a chance in ~10^14 per pair
ENTRY_BYTES = 2 + TAG_BYTES
_HOUR = 3600


def key(channel: str, who: str) -> str:
    """The seen-sids string of one conversation (``who``: the number, or a call's CallSid)."""
    return f"hl:seen:{channel}:{who}"


def tag(sid: str) -> bytes:
    return hashlib.blake2b(sid.encode(), digest_size=TAG_BYTES).digest()


def _hour(now: float) -> int:
    return int(now // _HOUR) & 0xFFFF


def _entries(raw: bytes | None, now: float, window: int) -> list[bytes]:
    """The entries still inside the window (an entry's hour stamp is at most ``window`` + 1 h old)."""
    if not raw:
        return []
    current = _hour(now)
    keep_hours = window // _HOUR + 1
    out = []
    for i in range(0, len(raw) - len(raw) % ENTRY_BYTES, ENTRY_BYTES):
        entry = raw[i:i + ENTRY_BYTES]
        age = (current - int.from_bytes(entry[:2], "big")) & 0xFFFF
        if age >= 0x8000:  # stamped after ``now`` (a journal replay runs with the event's own, earlier time)
            age -= 0x10000
        if age <= keep_hours:
            out.append(entry)
    return out


def seen(raw: bytes | None, sid_tag: bytes, now: float, window: int = WINDOW) -> bool:
    """True when ``raw`` (the conversation's string) holds ``sid_tag`` from within the window."""
    return any(e[2:] == sid_tag for e in _entries(raw, now, window))


def add(raw: bytes | None, sid_tag: bytes, now: float, window: int = WINDOW) -> bytes:
    """The string with ``sid_tag`` added at ``now`` and entries older than the window dropped."""
    kept = _entries(raw, now, window)
    return b"".join(kept) + _hour(now).to_bytes(2, "big") + sid_tag


def ttl(window: int = WINDOW) -> int:
    """Seconds the string lives after its last write: the window, and the hour its stamps are rounded to."""
    return window + 2 * _HOUR
