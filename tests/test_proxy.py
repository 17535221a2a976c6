"""deploy/Caddyfile: Caddy's own check accepts it, and a real Caddy routes by path (webhooks to ``web``,
everything else to ``staff``) and hands a request on only once it has it whole (Debian's caddy; .ci/run
installs it, and ``REQUIRE_CADDY`` makes a missing one a failure rather than a skip)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.conftest import ROOT, free_port, stop

CADDYFILE = ROOT / "deploy" / "Caddyfile"


def caddy() -> str:
    found = shutil.which("caddy")
    if not found:
        if os.environ.get("REQUIRE_CADDY"):
            pytest.fail("caddy is required here (REQUIRE_CADDY is set) but not installed")
        pytest.skip("Debian's caddy is not installed (.ci/run installs it)")
    return found


class Upstream(ThreadingHTTPServer):
    """Answers every request with its own name, and keeps the bodies it was handed."""

    def __init__(self, name: str):
        self.name = name
        self.bodies: list[bytes] = []

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                started = time.monotonic()
                self.server.bodies.append(self.rfile.read(length))  # type: ignore[attr-defined]
                self.server.read_seconds = time.monotonic() - started  # type: ignore[attr-defined]
                body = f"{name} {self.path} {self.headers.get('X-Forwarded-For', '-')}".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


def test_caddy_validates_the_caddyfile(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = dict(os.environ, DOMAIN="helpline.example.org", HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path))
    result = subprocess.run([caddy(), "validate", "--config", str(CADDYFILE), "--adapter", "caddyfile"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.fixture
def proxy(tmp_path):  # type: ignore[no-untyped-def]
    binary = caddy()
    web, staff = Upstream("web"), Upstream("staff")
    port = free_port()
    env = dict(os.environ, DOMAIN=f"http://127.0.0.1:{port}", WEB_UPSTREAM=f"127.0.0.1:{web.server_port}",
               STAFF_UPSTREAM=f"127.0.0.1:{staff.server_port}", HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path))
    proc = subprocess.Popen([binary, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(base + "/healthz", timeout=1)
            break
        except requests.RequestException:
            assert proc.poll() is None and time.monotonic() < deadline, "caddy did not start"
            time.sleep(0.2)
    yield base, port, web, staff
    stop(proc)
    web.shutdown()
    staff.shutdown()


def test_caddy_routes_webhooks_to_web_and_the_rest_to_staff(proxy) -> None:  # type: ignore[no-untyped-def]
    base, _port, _web, _staff = proxy
    for path in ("/sms", "/sms/status", "/voice", "/voice/gather?step=1", "/healthz", "/readyz", "/metrics"):
        assert requests.post(base + path, data={"a": "b"}, timeout=5).text.startswith("web "), path
    for path in ("/staff", "/staff/login", "/api/login", "/static/staff.js", "/", "/smsx", "/voicemail"):
        assert requests.get(base + path, timeout=5).text.startswith("staff "), path
    assert requests.get(base + "/staff", timeout=5).text.endswith("127.0.0.1")  # X-Forwarded-For for ProxyFix


def test_caddy_hands_a_slowly_sent_request_on_only_when_it_is_whole(proxy) -> None:  # type: ignore[no-untyped-def]
    base, port, web, _staff = proxy
    body = b"From=%2B15555550123&Body=hi"
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"POST /sms HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        for i in range(0, len(body), 9):
            sock.sendall(body[i:i + 9])
            time.sleep(0.5)
        sock.settimeout(10)
        reply = sock.recv(4096)
    assert b"200 OK" in reply and web.bodies[-1] == body
    assert web.read_seconds < 0.5, "the upstream had to wait for a slow client's body"  # type: ignore[attr-defined]
