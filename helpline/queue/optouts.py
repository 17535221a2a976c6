"""Who has texted STOP. Kept without expiry and checked by every outbound path: Twilio refuses to text them
(error 21610), and they asked us not to."""

from __future__ import annotations

import time

import redis


def key(number: str) -> str:
    return f"hl:optout:{number}"


def is_opted_out(conn: redis.Redis, number: str) -> bool:
    return bool(conn.exists(key(number)))


def opt_out(conn: redis.Redis, number: str) -> None:
    conn.set(key(number), int(time.time()))


def opt_in(conn: redis.Redis, number: str) -> None:
    conn.delete(key(number))
