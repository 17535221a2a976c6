"""Shared fixtures: a real Redis server for the session (or REDIS_URL), flushed around every test; the app
built by its factory; a phone that texts it with signed, Twilio-shaped requests; an in-process RQ worker."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from rq import Queue, SimpleWorker

from helpline.app import create_app
from helpline.config import Settings, load_settings
from helpline.context import QUEUE_NAMES
from helpline.redisdb import EmbeddedRedis
from helpline.sim.chat import Texter, replies
from helpline.understanding.crisis import Lexicon, load_lexicon

ROOT = Path(__file__).resolve().parent.parent
STAFF = "+15555550142"
# Trained models (topic router, crisis model) are kept by content hash in one folder that every test, and every
# process a test starts, shares: each is trained once per content change, not once per app.
os.environ.setdefault("HELPLINE_MODEL_CACHE", str(ROOT / "var" / "model-cache"))


# The crisis tests read the real lexicon with fixed organisation variables.
CRISIS_LEXICON = ROOT / "flows" / "crisis.yaml"
CRISIS_VARIABLES = {"org_name": "Harbor Recovery", "org_phone": "1-555-010-0199"}


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    return load_lexicon(CRISIS_LEXICON, CRISIS_VARIABLES)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis: REDIS_URL when given (its database is flushed by the tests!), else one started here."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server.url
    server.stop()


@pytest.fixture
def conn(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()


def make_settings(tmp_path: Path, redis_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {"REDIS_URL": redis_url, "HELPLINE_DATA_DIR": str(tmp_path / "data"),
                                 "STAFF_ALERT_NUMBERS": STAFF, "LOG_LEVEL": "INFO"}
    values.update(overrides)
    return load_settings(values, environ={}, dotenv=None)


@pytest.fixture
def settings(tmp_path: Path, redis_url: str, conn: redis.Redis) -> Settings:
    return make_settings(tmp_path, redis_url)


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    return create_app(settings)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


class Phone:
    """A texter: signed, Twilio-shaped POSTs to /sms through Flask's test client."""

    def __init__(self, client, settings: Settings, number: str = "+15555550123"):  # type: ignore[no-untyped-def]
        self.client = client
        self.texter = Texter("http://localhost", settings, number)

    def post(self, body: str, *, sid: str | None = None, signature: str | None = None, **extra: str):  # type: ignore[no-untyped-def]
        params = self.texter.params(body, **extra)
        if sid:
            params["MessageSid"] = sid
        headers = {"X-Twilio-Signature": self.texter.sign(params) if signature is None else signature}
        return self.client.post("/sms", data=params, headers=headers)

    def text(self, body: str, **kwargs: str) -> list[str]:
        response = self.post(body, **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "application/xml"
        return replies(response.get_data(as_text=True))


@pytest.fixture
def phone(client, settings: Settings) -> Phone:  # type: ignore[no-untyped-def]
    return Phone(client, settings)


def parse_twiml(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == "Response"
    return root


@pytest.fixture
def run_worker(conn: redis.Redis, settings: Settings, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run queued jobs in this process (RQ's SimpleWorker, burst mode, with its scheduler), the jobs reading
    their settings from the environment as in a worker process. ``run(other_settings)`` switches settings."""
    from workers import context

    def run(with_settings: Settings | None = None) -> None:
        work_burst(conn, with_settings or settings, monkeypatch)

    yield run
    context._settings.cache_clear()


def work_burst(conn: redis.Redis, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every queued (and due scheduled) job in this process, as a worker configured by ``settings``."""
    from helpline.config import ENV_VARS
    from workers import context

    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    for var, value in settings_env(settings).items():
        monkeypatch.setenv(var, value)
    context._settings.cache_clear()
    worker_conn = redis.Redis(connection_pool=redis.ConnectionPool.from_url(settings.redis_url or ""))
    queues = [Queue(name, connection=worker_conn) for name in QUEUE_NAMES]
    SimpleWorker(queues, connection=worker_conn).work(burst=True, with_scheduler=True)


def enqueue_due(conn: redis.Redis, *queue_names: str) -> None:
    """Move due scheduled jobs to their queues with RQ's own scheduler code, without waiting for its lock: a
    scheduler left behind by a worker another test SIGKILLed may hold the lock for a while."""
    from rq.scheduler import RQScheduler

    scheduler = RQScheduler(list(queue_names or QUEUE_NAMES), connection=conn)
    scheduler.prepare_registries(list(queue_names or QUEUE_NAMES))
    scheduler.enqueue_scheduled_jobs()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(base: str, proc, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    """Wait until ``base``/readyz answers 200, failing early if ``proc`` exits."""
    import time

    import requests

    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(base + "/readyz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        assert proc.poll() is None, f"the server exited with {proc.returncode}"
        assert time.monotonic() < deadline, f"{base} did not become ready in {timeout}s"
        time.sleep(0.2)


def stop(proc) -> None:  # type: ignore[no-untyped-def]
    """SIGTERM, as docker or systemd would, then wait; kill only if it hangs."""
    import signal
    import subprocess

    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def settings_env(settings: Settings) -> dict[str, str]:
    """``settings`` as the environment variables a worker process (or an in-process job) reads them from."""
    from helpline.config import ENV_VARS

    env = {}
    for var, name in ENV_VARS.items():
        value = getattr(settings, name)
        if value is None or value == "":
            continue
        if isinstance(value, tuple):
            value = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = "on" if value else "off"
        env[var] = str(value)
    return env


@pytest.fixture
def fake_twilio():  # type: ignore[no-untyped-def]
    """A local server answering like Twilio's Messages API, driven through the real twilio client."""
    from helpline.sim.faketwilio import FakeTwilio

    fake = FakeTwilio("AC" + "5" * 32, "7" * 32).start()
    yield fake
    fake.stop()


@pytest.fixture
def twilio_settings(tmp_path: Path, redis_url: str, conn: redis.Redis, fake_twilio) -> Settings:  # type: ignore[no-untyped-def]
    return make_settings(tmp_path, redis_url, TWILIO_ACCOUNT_SID=fake_twilio.account_sid,
                         TWILIO_AUTH_TOKEN=fake_twilio.auth_token, TWILIO_API_BASE=fake_twilio.url,
                         SUPERVISOR_ALERT_NUMBERS="+15555550150")


# -- staff accounts and logged-in clients (staff pages, API, browser tests) -----------------------------------------
STAFF_PASSWORD = "correct horse battery"


def csrf_token_in(html: str) -> str:
    import re

    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


class StaffMember:
    """A staff member with an account, using the staff pages through their own test client."""

    def __init__(self, app, name: str = "ana", role: str = "staff", phone: str = "+15555550142"):  # type: ignore[no-untyped-def]
        from helpline.staff import accounts

        self.app = app
        self.name = name
        self.conn = app.extensions["helpline"].conn
        if accounts.get(self.conn, name) is None:
            accounts.add(self.conn, name, STAFF_PASSWORD, role, phone)
        self.client = app.test_client()

    def login(self, password: str = STAFF_PASSWORD):  # type: ignore[no-untyped-def]
        token = csrf_token_in(self.client.get("/staff/login").get_data(as_text=True))
        return self.client.post("/staff/login", data={"csrf_token": token, "name": self.name, "password": password})

    def page(self, path: str = "/staff") -> str:
        response = self.client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.location)
        return response.get_data(as_text=True)

    def post(self, path: str, **data: str):  # type: ignore[no-untyped-def]
        data.setdefault("csrf_token", csrf_token_in(self.page()))
        return self.client.post(path, data=data)


@pytest.fixture
def staff_member(app) -> StaffMember:  # type: ignore[no-untyped-def]
    member = StaffMember(app)
    assert member.login().status_code == 302
    return member


@pytest.fixture
def supervisor(app) -> StaffMember:  # type: ignore[no-untyped-def]
    member = StaffMember(app, "sam", "supervisor", "+15555550143")
    assert member.login().status_code == 302
    return member
