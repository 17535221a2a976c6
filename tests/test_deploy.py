"""docker-compose.yml is valid, every setting in .env reaches the app services, and its web, staff and worker
commands really start and serve (Docker does not run here, so the commands run as plain processes against the
test session's Redis)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from rq import Worker
from ruamel.yaml import YAML

from helpline.queue.outbound import outbox
from helpline.sim.chat import Texter
from tests.conftest import ROOT, STAFF, free_port, make_settings, stop, wait_ready

BIN = Path(sys.executable).parent


def compose() -> dict:  # type: ignore[type-arg]
    return YAML(typ="safe").load((ROOT / "docker-compose.yml").read_text())


def service_env(tmp_path: Path, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "ORG_", "STAFF_"))}
    env.update(REDIS_URL=redis_url, HELPLINE_DATA_DIR=str(tmp_path / "data"), STAFF_ALERT_NUMBERS=STAFF,
               SECRET_KEY="test-secret-" + "k" * 32, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return env


APP_SERVICES = ("web", "staff", "worker")
LAYOUT = {"REDIS_URL", "HELPLINE_DATA_DIR", "TRUSTED_PROXIES"}  # set by the compose file itself


def readme_settings() -> list[str]:
    """Every variable in the README's settings tables (rows starting with a backquoted NAME)."""
    names = re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", (ROOT / "README.md").read_text(), flags=re.M)
    return sorted(set(names))


def compose_config(tmp_path: Path, dotenv: dict[str, str]) -> dict:  # type: ignore[type-arg]
    """``docker-compose config`` on a copy of the compose file with ``dotenv`` as its .env."""
    if not shutil.which("docker-compose"):
        if os.environ.get("REQUIRE_DOCKER_COMPOSE"):
            pytest.fail("docker-compose is required here (REQUIRE_DOCKER_COMPOSE is set) but not installed")
        pytest.skip("Debian's docker-compose is not installed (.ci/run installs it)")
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in dotenv.items()))
    env = {k: v for k, v in os.environ.items() if k not in dotenv}
    result = subprocess.run(["docker-compose", "config"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return YAML(typ="safe").load(result.stdout)


def test_docker_compose_config_is_valid_and_every_setting_reaches_web_staff_and_worker(tmp_path) -> None:  # type: ignore[no-untyped-def]
    names = readme_settings()
    assert {"SECRET_KEY", "TIMEZONE", "BUSINESS_HOURS", "SUPERVISOR_ALERT_NUMBERS", "CRISIS_LINE",
            "METRICS_TOKEN", "TRUSTED_PROXIES", "LOG_FORMAT"} <= set(names)
    dotenv = {name: f"value-of-{name.lower()}" for name in names}
    dotenv["SECRET_KEY"] = "s" * 40
    config = compose_config(tmp_path, dotenv)
    assert "--appendonly" in config["services"]["redis"]["command"]
    for service in APP_SERVICES:
        env = config["services"][service]["environment"]
        for name in names:
            if name not in LAYOUT:
                assert env.get(name) == dotenv[name], f"{name} from .env does not reach {service}"
        assert env["REDIS_URL"] == "redis://redis:6379/0" and env["TRUSTED_PROXIES"] == "1"


def test_compose_refuses_to_start_without_a_secret_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    if not shutil.which("docker-compose"):
        pytest.skip("Debian's docker-compose is not installed (.ci/run installs it)")
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    (tmp_path / ".env").write_text("TIMEZONE=UTC\n")
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(["docker-compose", "config"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_compose_declares_the_production_shape() -> None:
    services = compose()["services"]
    assert set(services) == {"proxy", "redis", "web", "staff", "worker"}
    assert "--appendonly" in services["redis"]["command"]
    assert services["proxy"]["image"].startswith("caddy:")
    published = [name for name, service in services.items() if service.get("ports")]
    assert published == ["proxy"], "only the proxy may be reachable from outside"
    for name in APP_SERVICES:
        service = services[name]
        assert service["env_file"] == ".env", name
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:")
        data_dir = service["environment"]["HELPLINE_DATA_DIR"]
        assert any(v.startswith("helpline-data:") and v.endswith(":" + data_dir) for v in service["volumes"]), name
    for name in ("web", "staff"):
        assert services[name]["command"][:4] == ["gunicorn", "--config", "python:helpline.gunicorn_conf",
                                                 "helpline.wsgi:app"]
    assert services["worker"]["command"] == ["helpline", "worker"]
    assert "redis-data:/data" in services["redis"]["volumes"]
    assert {"redis-data", "helpline-data"} <= set(compose()["volumes"])
    # The outage journal (under HELPLINE_DATA_DIR, /var/lib/helpline in the image) is on a volume, shared by the
    # web app and the worker, so an outage's events survive a restart and either can replay them.
    for name in ("web", "worker"):
        assert any(str(v).startswith("helpline-data:") for v in services[name]["volumes"]), name


def test_compose_web_and_worker_commands_serve_a_text_and_alert_staff(tmp_path, redis_url, conn) -> None:  # type: ignore[no-untyped-def]
    services = compose()["services"]
    port = free_port()
    staff_port = free_port()
    web_cmd = [a.replace("0.0.0.0:8000", f"127.0.0.1:{port}") for a in services["web"]["command"]]
    staff_cmd = [a.replace("0.0.0.0:8000", f"127.0.0.1:{staff_port}") for a in services["staff"]["command"]]
    env = service_env(tmp_path, redis_url)
    web = subprocess.Popen(web_cmd, env=env, cwd=ROOT)
    staff = subprocess.Popen(staff_cmd, env=env, cwd=ROOT)
    worker = subprocess.Popen(services["worker"]["command"], env=env, cwd=ROOT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, web)
        wait_ready(f"http://127.0.0.1:{staff_port}", staff)
        assert requests.get(f"http://127.0.0.1:{staff_port}/staff/login", timeout=5).status_code == 200
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
        stop(staff)
        stop(worker)


def test_the_documented_staff_add_command_makes_an_account_in_the_web_service(tmp_path, redis_url, conn) -> None:  # type: ignore[no-untyped-def]
    """README: ``docker compose run --rm web helpline staff add NAME``: the same command, in the web service's
    environment, reading the password from stdin as it does without a terminal."""
    from helpline.staff import accounts

    readme = (ROOT / "README.md").read_text()
    assert "docker compose run --rm web helpline staff add" in readme
    command = ["helpline", "staff", "add", "ana", "--role", "supervisor"]
    result = subprocess.run(command, env=service_env(tmp_path, redis_url), cwd=ROOT, input="a long password 1\n",
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    account = accounts.get(conn, "ana")
    assert account is not None and account.supervisor
