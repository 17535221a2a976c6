"""Attempts per client address, counted in the shared Redis so every web process (and replica) agrees.

Used for staff logins (``LOGIN_PER_MINUTE``): whoever floods the login form from one address is refused with
429 before any password is hashed. The address is ``request.remote_addr``, which ``TRUSTED_PROXIES`` makes the
real client's behind the proxy (see :func:`helpline.app.create_app`). Keys hold a hash of the address only.
"""

from __future__ import annotations

import hashlib
import time

import redis


def key(scope: str, address: str, window: int, now: float) -> str:
    where = hashlib.sha256(address.encode()).hexdigest()[:16]
    return f"hl:throttle:{scope}:{where}:{int(now // window)}"


def hit(conn: redis.Redis, scope: str, address: str, limit: int, window: int = 60,
        now: float | None = None) -> int:
    """Count one attempt. Returns 0 when it is allowed, else the seconds until the window ends (a fixed window:
    at most ``limit`` attempts per ``window`` seconds from one address)."""
    now = time.time() if now is None else now
    name = key(scope, address, window, now)
    pipe = conn.pipeline()
    pipe.incr(name)
    pipe.expire(name, window + 1)
    count = int(pipe.execute()[0])
    if count <= limit:
        return 0
    return max(1, int(window - now % window))
