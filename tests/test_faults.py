"""A helpline's worst night, in miniature: Redis crashing under a load of conversations, a worker killed during
a burst of crisis alerts, a gunicorn worker killed mid-request. Real processes, real Redis, loopback only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import requests

from helpline.app import create_app
from helpline.queue import callbacks
from helpline.redisdb import EmbeddedRedis
from helpline.sim.chat import Texter
from tests.conftest import Phone, free_port, make_settings, settings_env, stop, wait_ready

CONFIRMED = "will call you"


def serve(tmp_path: Path, settings, workers: int = 2) -> tuple[subprocess.Popen, str]:  # type: ignore[no-untyped-def]
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if k != "REDIS_URL"}, **settings_env(settings)}
    proc = subprocess.Popen([sys.executable, "-m", "helpline.cli", "serve", "--port", str(port),
                             "--workers", str(workers)], env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, proc)
    return proc, base


class Load(threading.Thread):
    """One texter running the callback script again and again, recording every status and reply."""

    script = ("call me", "Sam", "after 5", "yes")

    def __init__(self, base: str, settings, number: str, stop_at: float):  # type: ignore[no-untyped-def]
        super().__init__(daemon=True)
        self.texter = Texter(base, settings, number)
        self.stop_at = stop_at
        self.statuses: Counter[int] = Counter()
        self.errors = 0
        self.confirmed = 0
        self.failsafe = 0

    def run(self) -> None:
        session = self.texter.session
        while time.monotonic() < self.stop_at:
            for body in self.script:
                params = self.texter.params(body)
                try:
                    response = session.post(self.texter.sms_url, data=params, timeout=10,
                                            headers={"X-Twilio-Signature": self.texter.sign(params)})
                except requests.RequestException:
                    self.errors += 1
                    continue
                self.statuses[response.status_code] += 1
                if CONFIRMED in response.text:
                    self.confirmed += 1
                if "our text service has a problem" in response.text:
                    self.failsafe += 1


def test_redis_crashing_under_load_never_gives_twilio_a_5xx_and_loses_no_acknowledged_request(tmp_path) -> None:  # type: ignore[no-untyped-def]
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    settings = make_settings(tmp_path, server.url, FLOOD_PER_MINUTE=10_000, FLOOD_PER_HOUR=100_000)
    web, base = serve(tmp_path, settings)
    try:
        loads = [Load(base, settings, f"+1555555{i:04d}", time.monotonic() + 6) for i in range(8)]
        for load in loads:
            load.start()
        time.sleep(2)
        server.process.kill()  # a crash, not a clean shutdown: only what the AOF holds survives
        server.process.wait()
        time.sleep(1.5)
        server.start()
        for load in loads:
            load.join(timeout=30)
        statuses = sum((load.statuses for load in loads), Counter())
        assert set(statuses) == {200}, statuses  # never a 5xx, never a 4xx
        assert sum(load.errors for load in loads) == 0
        assert sum(load.failsafe for load in loads) > 0, "the outage was not noticed: the test proved nothing"
        # every confirmation a texter received is a request in Redis: one open request per number
        conn = server.client()
        confirmed_numbers = {load.texter.number for load in loads if load.confirmed}
        open_numbers = {r.number for r in callbacks.load_open(conn)}
        assert confirmed_numbers <= open_numbers
        assert len(open_numbers) == len(callbacks.load_open(conn))  # no duplicates
        # and conversations carry on after the crash
        assert "1 Kratom" in Texter(base, settings, loads[0].texter.number).send("menu")[0]
    finally:
        stop(web)
        server.stop()


def test_a_worker_killed_during_a_burst_of_crisis_alerts_sends_every_alert_once(tmp_path, redis_url, conn,
                                                                               fake_twilio) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, redis_url, TWILIO_ACCOUNT_SID=fake_twilio.account_sid,
                             TWILIO_AUTH_TOKEN=fake_twilio.auth_token, TWILIO_API_BASE=fake_twilio.url)
    app = create_app(settings)
    for i in range(30):
        Phone(app.test_client(), settings, f"+1555556{i:04d}").text("i want to end my life")
    ids = {r.id for r in callbacks.load_open(conn)}
    assert len(ids) == 30
    fake_twilio.delay = 0.15
    env = {**{k: v for k, v in os.environ.items() if k != "REDIS_URL"}, **settings_env(settings)}
    first = subprocess.Popen([sys.executable, "-m", "helpline.cli", "worker"], env=env, start_new_session=True,
                             stderr=subprocess.DEVNULL)
    try:
        assert fake_twilio.wait_for(8, timeout=30)
        os.killpg(first.pid, signal.SIGKILL)
    finally:
        first.wait()
    second = subprocess.Popen([sys.executable, "-m", "helpline.cli", "worker"], env=env, start_new_session=True,
                              stderr=subprocess.DEVNULL)
    try:
        assert fake_twilio.wait_for(30, timeout=60), f"only {len(fake_twilio.messages)} of 30 alerts arrived"
        time.sleep(1)  # anything sent twice would have arrived by now
    finally:
        stop(second)
    alerted = Counter(m["body"].split(" callback request ")[1].split()[0] for m in fake_twilio.messages)
    assert set(alerted) == ids and set(alerted.values()) == {1}, alerted


def test_a_gunicorn_worker_killed_mid_request(tmp_path, redis_url, conn) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, redis_url, FLOOD_PER_MINUTE=10_000, FLOOD_PER_HOUR=100_000)
    web, base = serve(tmp_path, settings, workers=2)
    try:
        loads = [Load(base, settings, f"+1555557{i:04d}", time.monotonic() + 4) for i in range(6)]
        for load in loads:
            load.start()
        time.sleep(1)
        workers = subprocess.run(["pgrep", "-f", f"gunicorn.*127.0.0.1:{base.rsplit(':', 1)[1]}"],
                                 capture_output=True, text=True).stdout.split()
        children = [int(p) for p in workers if int(p) != web.pid and _parent(int(p)) != web.pid]
        assert children, "no gunicorn worker found"
        os.kill(children[0], signal.SIGKILL)
        for load in loads:
            load.join(timeout=30)
        statuses = sum((load.statuses for load in loads), Counter())
        assert all(code == 200 for code in statuses), statuses  # a dropped connection, never a 5xx
        # the master replaced the worker: the service answers as before
        assert "1 Kratom" in Texter(base, settings, "+15555550999").send("hi")[0]
    finally:
        stop(web)


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[1])
    except (OSError, ValueError, IndexError):
        return -1
