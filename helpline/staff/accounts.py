"""Staff accounts in Redis: names, roles, password hashes, login sessions, and slowing down password guessing.

Keys:
- ``hl:staff:{name}``            hash: name, role, password hash (scrypt), phone (for click-to-call), created
- ``hl:staff``                   set of account names
- ``hl:staff:sessions:{name}``   set of the account's live session tokens (so removing an account logs it out)
- ``hl:session:{token}``         a login session: the account name, expiring with the session
- ``hl:login:fails:{name}:{address}``   failed logins in a row from one client address (expires after
  ``LOGIN_LOCK_MINUTES``); ``{address}`` is a short hash of the address, never the address itself
- ``hl:login:wait:{name}:{address}``    set after a few failures: no attempt is checked until it expires
- ``hl:login:locked:{name}:{address}``  set after ``LOGIN_MAX_FAILURES``: locked *from that address* until it
  expires, so a stranger guessing elsewhere cannot lock staff out
  (``helpline.staff.throttle`` caps attempts per address)

Failures are counted for names that do not exist too, and such a login still spends the time of a hash check,
so a failed login does not tell whether the name exists.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

import redis
from werkzeug.security import check_password_hash, generate_password_hash

from helpline.config import Settings
from helpline.errors import HelplineError
from helpline.redisdb import fields as hash_fields
from helpline.redisdb import text, texts

ACCOUNTS_KEY = "hl:staff"
NAME_RULE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,31}$")
MIN_PASSWORD = 10
MAX_NAME = 64  # longer names and passwords are refused before Redis or a hash check sees them
MAX_PASSWORD = 256
FREE_FAILURES = 2  # typos allowed before each further attempt has to wait
MAX_WAIT_SECONDS = 30
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


class Role(StrEnum):
    STAFF = "staff"
    SUPERVISOR = "supervisor"


class AccountError(HelplineError):
    """An account cannot be made or changed as asked; the message says why."""


class LoginRefused(HelplineError):
    """A login did not succeed. ``wait`` is how many seconds until the next attempt will be looked at."""

    def __init__(self, message: str, wait: int = 0, locked: bool = False):
        super().__init__(message)
        self.wait = wait
        self.locked = locked


@dataclass(frozen=True)
class Account:
    name: str
    role: Role
    phone: str = ""  # E.164; the phone click-to-call rings first
    created: float = 0.0

    @property
    def supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR


def account_key(name: str) -> str:
    return f"hl:staff:{name}"


def sessions_key(name: str) -> str:
    return f"hl:staff:sessions:{name}"


def session_key(token: str) -> str:
    return f"hl:session:{token}"


def normalise_name(name: str) -> str:
    return name.strip().lower()


def add(conn: redis.Redis, name: str, password: str, role: Role | str = Role.STAFF, phone: str = "",
        now: float | None = None) -> Account:
    """Make a new account. Raises :class:`AccountError` for a taken or malformed name or a short password."""
    name = normalise_name(name)
    if not NAME_RULE.match(name):
        raise AccountError(f"{name!r}: a name is 1-32 lowercase letters, digits, '.', '_' or '-'")
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(f"role must be one of: {', '.join(r.value for r in Role)}") from None
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must be at least {MIN_PASSWORD} characters")
    created = time.time() if now is None else now
    fields = {"name": name, "role": role.value, "password": generate_password_hash(password), "phone": phone,
              "created": created}
    if not conn.hsetnx(account_key(name), "name", name):
        raise AccountError(f"there is already an account called {name!r}")
    pipe = conn.pipeline()
    pipe.hset(account_key(name), mapping=hash_fields(fields))
    pipe.sadd(ACCOUNTS_KEY, name)
    pipe.execute()
    return Account(name, role, phone, created)


def get(conn: redis.Redis, name: str) -> Account | None:
    raw = conn.hgetall(account_key(normalise_name(name)))
    if not raw or b"password" not in raw:
        return None
    fields = {text(k): text(v) for k, v in raw.items()}
    return Account(fields["name"], Role(fields["role"]), fields.get("phone", ""), float(fields.get("created", 0)))


def all_accounts(conn: redis.Redis) -> list[Account]:
    names = sorted(texts(conn.smembers(ACCOUNTS_KEY)))
    return [a for a in (get(conn, n) for n in names) if a is not None]


def remove(conn: redis.Redis, name: str) -> bool:
    """Delete an account and end its sessions. False when there was no such account."""
    name = normalise_name(name)
    tokens = texts(conn.smembers(sessions_key(name)))
    pipe = conn.pipeline()
    pipe.delete(account_key(name), sessions_key(name), *(session_key(t) for t in tokens))
    pipe.srem(ACCOUNTS_KEY, name)
    deleted = pipe.execute()[0]
    return bool(deleted)


def set_password(conn: redis.Redis, name: str, password: str) -> None:
    """Change a password, end the account's sessions and lift any lock."""
    name = normalise_name(name)
    if get(conn, name) is None:
        raise AccountError(f"no account called {name!r}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must be at least {MIN_PASSWORD} characters")
    conn.hset(account_key(name), "password", generate_password_hash(password))
    end_sessions(conn, name)
    unlock(conn, name)


def login_keys(name: str, address: str) -> tuple[str, str, str]:
    where = hashlib.sha256(address.encode()).hexdigest()[:16]
    return tuple(f"hl:login:{kind}:{name}:{where}" for kind in ("fails", "wait", "locked"))  # type: ignore[return-value]


def unlock(conn: redis.Redis, name: str) -> None:
    """Lift the account's locks and failure counts, from every address."""
    name = normalise_name(name)
    keys = [k for kind in ("fails", "wait", "locked") for k in conn.scan_iter(match=f"hl:login:{kind}:{name}:*")]
    if keys:
        conn.delete(*keys)


def locked_for(conn: redis.Redis, name: str) -> int:
    """Seconds until the account unlocks from the last address that locked it (0 when no address has)."""
    ttls = [int(conn.ttl(k)) for k in conn.scan_iter(match=f"hl:login:locked:{normalise_name(name)}:*")]
    return max([0, *ttls])


def check_login(conn: redis.Redis, name: str, password: str, settings: Settings, address: str = "") -> Account:
    """The account when ``password`` is right; otherwise :class:`LoginRefused`. ``address`` is the client's
    address: failures, waits and locks count per name *and* address.

    The first few failures only count; after that each attempt must wait a doubling delay (the attempt is
    refused unchecked until then), and after ``LOGIN_MAX_FAILURES`` in a row the account is locked for
    ``LOGIN_LOCK_MINUTES``. A success clears the count.
    """
    if len(name) > MAX_NAME or len(password) > MAX_PASSWORD:
        raise LoginRefused("Wrong name or password.")
    name = normalise_name(name)
    fails, wait, locked = login_keys(name, address)
    lock_left = int(conn.ttl(locked))
    if lock_left > 0:
        raise LoginRefused(f"This account is locked after too many failed logins. Try again in "
                           f"{_minutes(lock_left)}, or ask a supervisor.", lock_left, locked=True)
    wait_left = int(conn.ttl(wait))
    if wait_left > 0:
        raise LoginRefused(f"Too many failed logins: wait {wait_left} seconds and try again.", wait_left)
    raw = conn.hget(account_key(name), "password")
    ok = check_password_hash(text(raw) if raw else _DUMMY_HASH, password) and raw is not None
    if ok:
        conn.delete(fails, wait)
        account = get(conn, name)
        if account is not None:
            return account
    window = settings.login_lock_minutes * 60
    pipe = conn.pipeline()
    pipe.incr(fails)
    pipe.expire(fails, window)
    count = int(pipe.execute()[0])
    if count >= settings.login_max_failures:
        conn.set(locked, 1, ex=window)
        conn.delete(fails, wait)
        raise LoginRefused(f"Wrong name or password. The account is now locked for {_minutes(window)}.",
                           window, locked=True)
    delay = 0
    if count > FREE_FAILURES:
        delay = min(2 ** (count - FREE_FAILURES), MAX_WAIT_SECONDS)
        conn.set(wait, 1, ex=delay)
    left = settings.login_max_failures - count
    more = f" Wait {delay} seconds before trying again." if delay else ""
    raise LoginRefused(f"Wrong name or password ({left} more tr{'y' if left == 1 else 'ies'} before the account "
                       f"is locked).{more}", delay)


def _minutes(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


# -- sessions -------------------------------------------------------------------------------------------------
def start_session(conn: redis.Redis, account: Account, settings: Settings) -> str:
    """A new session token for ``account``; the browser's cookie carries it, Redis knows whose it is."""
    token = secrets.token_urlsafe(32)
    ttl = settings.staff_session_hours * 3600
    pipe = conn.pipeline()
    pipe.set(session_key(token), account.name, ex=ttl)
    pipe.sadd(sessions_key(account.name), token)
    pipe.expire(sessions_key(account.name), ttl)
    pipe.execute()
    return token


def session_account(conn: redis.Redis, token: str | None) -> Account | None:
    """The account a session token belongs to, or None when it has ended (logout, expiry, account removed)."""
    if not token:
        return None
    name = conn.get(session_key(token))
    return get(conn, text(name)) if name else None


def end_session(conn: redis.Redis, token: str | None) -> None:
    if not token:
        return
    name = conn.getdel(session_key(token))
    if name:
        conn.srem(sessions_key(text(name)), token)


def end_sessions(conn: redis.Redis, name: str) -> None:
    tokens = texts(conn.smembers(sessions_key(name)))
    conn.delete(sessions_key(name), *(session_key(t) for t in tokens))
