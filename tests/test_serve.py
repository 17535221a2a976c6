"""``helpline serve`` as a laptop runs it (no proxy in front): slow clients do not stop a signed ``/sms`` from
answering, ``/metrics`` adds up every gunicorn worker (multiprocess mode), and the access log masks numbers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from helpline.sim.chat import Texter
from tests.conftest import ROOT, free_port, make_settings, stop, wait_ready

BIN = Path(sys.executable).parent
SLOW_CLIENTS = 6  # three times the worker processes: each would hold a sync worker for good


@pytest.fixture(scope="module")
def server(tmp_path_factory, redis_url):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("serve")
    port = free_port()
    log = tmp / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "ORG_", "STAFF_", "PROMETHEUS_"))}
    env.update(REDIS_URL=redis_url, HELPLINE_DATA_DIR=str(tmp / "data"), LOG_LEVEL="INFO", LOG_FORMAT="json",
               PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}")
    with log.open("wb") as out:
        proc = subprocess.Popen([str(BIN / "helpline"), "serve", "--port", str(port), "--workers", "2"], env=env,
                                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc)
        yield base, port, log, make_settings(tmp, redis_url)
    finally:
        stop(proc)


def slow_client(port: int) -> socket.socket:
    """A client that has started a request and sends its headers a line every few seconds."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"POST /sms HTTP/1.1\r\nHost: x\r\n")
    return sock


def test_slow_clients_do_not_stop_a_signed_text_or_the_health_check(server, conn) -> None:  # type: ignore[no-untyped-def]
    base, port, _log, settings = server
    clients = [slow_client(port) for _ in range(SLOW_CLIENTS)]
    try:
        time.sleep(1.0)
        for sock in clients:
            sock.sendall(b"X-Slow: 1\r\n")
        started = time.monotonic()
        replies = Texter(base, settings, "+15555550123").send("hi")
        assert time.monotonic() - started < 5, "a signed /sms waited behind slow clients"
        assert replies and "1" in replies[0]
        assert requests.get(base + "/healthz", timeout=3).json() == {"status": "ok"}
    finally:
        for sock in clients:
            sock.close()


def test_metrics_add_up_across_gunicorn_workers(server, conn) -> None:  # type: ignore[no-untyped-def]
    base, _port, _log, settings = server

    def sms_count() -> float:
        text = requests.get(base + "/metrics", timeout=5).text
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "helpline_webhook_seconds_count" and sample.labels == {"endpoint": "sms.inbound_sms"}:
                    return sample.value
        return 0.0

    before = sms_count()
    texters = [Texter(base, settings, f"+1555555013{n}") for n in range(4)]
    for _ in range(3):  # new connections each time, so both workers get some
        for texter in texters:
            texter.send("hi")
    assert sms_count() - before == 12


def test_the_access_log_masks_numbers_in_paths_drops_queries_and_follows_log_format(server) -> None:  # type: ignore[no-untyped-def]
    import json

    base, _port, log, _settings = server
    requests.get(base + "/staff/requests/open:+15555550121/claim?To=%2B15555550122&x=1", timeout=5)
    requests.get(base + "/staff/requests/open:%2B15555550123", timeout=5)
    deadline = time.monotonic() + 5
    while "0123" not in log.read_text(errors="replace") and time.monotonic() < deadline:
        time.sleep(0.1)
    text = log.read_text(errors="replace")
    assert "/staff/requests/open:+1******0121/claim" in text
    for number in ("5555550121", "5555550122", "5555550123"):
        assert number not in text, number
    assert "To=" not in text
    records = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    access = [r for r in records if r["logger"] == "gunicorn.access"]
    paths = [(r["method"], r["path"]) for r in access]
    assert ("GET", "/staff/requests/open:+1******0121/claim") in paths, paths[-4:]
    assert any(r["logger"] == "helpline.app" for r in records)  # the app's own lines are JSON too
