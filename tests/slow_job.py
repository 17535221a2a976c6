"""A job for the watchdog tests: counts its runs in Redis, and takes a while."""

from __future__ import annotations

import os
import time

import redis


def count_and_sleep(key: str, seconds: float) -> int:
    conn = redis.Redis.from_url(os.environ["REDIS_URL"])
    runs = int(conn.incr(key))
    time.sleep(seconds)
    conn.incr(key + ":done")
    return runs
