"""docker-compose.yml is valid, and its web and worker commands really start and serve (Docker does not run
here, so the commands run as plain processes against the test session's Redis)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from rq import Worker
from ruamel.yaml import YAML

from helpline.chat import Texter
from helpline.outbound import outbox
from tests.conftest import ROOT, STAFF, free_port, make_settings, stop, wait_ready

BIN = Path(sys.executable).parent


def compose() -> dict:  # type: ignore[type-arg]
    return YAML(typ="safe").load((ROOT / "docker-compose.yml").read_text())


def service_env(tmp_path: Path, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "ORG_", "STAFF_"))}
    env.update(REDIS_URL=redis_url, HELPLINE_DATA_DIR=str(tmp_path / "data"), STAFF_ALERT_NUMBERS=STAFF,
               SECRET_KEY="test-secret", PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return env


def test_docker_compose_config_is_valid(tmp_path) -> None:  # type: ignore[no-untyped-def]
    if not shutil.which("docker-compose"):
        if os.environ.get("REQUIRE_DOCKER_COMPOSE"):
            pytest.fail("docker-compose is required here (REQUIRE_DOCKER_COMPOSE is set) but not installed")
        pytest.skip("Debian's docker-compose is not installed (.ci/run installs it)")
    env = dict(os.environ, SECRET_KEY="x")
    result = subprocess.run(["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "appendonly" in result.stdout


def test_compose_declares_the_production_shape() -> None:
    services = compose()["services"]
    assert set(services) == {"redis", "web", "worker"}
    assert "--appendonly" in services["redis"]["command"]
    assert services["web"]["command"][:2] == ["gunicorn", "helpline.wsgi:app"]
    assert services["worker"]["command"] == ["helpline", "worker"]
    assert services["web"]["environment"]["REDIS_URL"].startswith("redis://redis:")
    # The outage journal (under HELPLINE_DATA_DIR, /var/lib/helpline in the image) is on a volume, shared by the
    # web app and the worker, so an outage's events survive a restart and either can replay them.
    assert "helpline-data:/var/lib/helpline" in services["web"]["volumes"]
    assert "helpline-data:/var/lib/helpline" in services["worker"]["volumes"]
    assert "helpline-data" in compose()["volumes"]


def test_compose_web_and_worker_commands_serve_a_text_and_alert_staff(tmp_path, redis_url, conn) -> None:  # type: ignore[no-untyped-def]
    services = compose()["services"]
    port = free_port()
    web_cmd = [a.replace("0.0.0.0:8000", f"127.0.0.1:{port}") for a in services["web"]["command"]]
    env = service_env(tmp_path, redis_url)
    web = subprocess.Popen(web_cmd, env=env, cwd=ROOT)
    worker = subprocess.Popen(services["worker"]["command"], env=env, cwd=ROOT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, web)
        assert requests.get(base + "/healthz", timeout=2).json() == {"status": "ok"}
        settings = make_settings(tmp_path, redis_url)
        texter = Texter(base, settings, "+15555550123")
        assert "1 Kratom" in texter.send("hi")[0]
        assert "988" in texter.send("i don't want to live anymore, i want to kill myself")[0]
        deadline = time.monotonic() + 20
        while not outbox(conn):
            assert time.monotonic() < deadline, "the worker never alerted staff"
            assert worker.poll() is None, "the worker exited"
            time.sleep(0.2)
        assert outbox(conn)[0]["to"] == STAFF and "CRISIS" in outbox(conn)[0]["body"]
        assert Worker.all(connection=conn), "the worker is not registered with RQ"
    finally:
        stop(web)
        stop(worker)
