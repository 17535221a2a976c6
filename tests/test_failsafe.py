"""Whatever fails inside, a texter still gets the emergency numbers and the helpline's own number."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import requests

from helpline.app import create_app
from helpline.errors import ContentError
from helpline.redisdb import EmbeddedRedis
from helpline.sim.chat import Texter
from tests.conftest import ROOT, Phone, free_port, make_settings, parse_twiml, stop, wait_ready


def assert_safe(replies: list[str]) -> None:
    text = " ".join(replies)
    for number in ("911", "988", "(555) 555-0100"):
        assert number in text


def test_redis_stopped_under_the_app_then_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    server = EmbeddedRedis(tmp_path / "own-redis")
    server.start()
    try:
        settings = make_settings(tmp_path, server.url)
        phone = Phone(create_app(settings).test_client(), settings)
        phone.text("hi")
        assert "Kratom. Reply" in phone.text("1")[0]
        server.stop()
        assert_safe(phone.text("3"))
        crisis = phone.text("i want to kill myself")
        assert "988" in crisis[0] and len(crisis) == 2  # the crisis reply leads, then the safe reply
        server.start()  # from its AOF
        assert "side effects" in phone.text("3")[0]  # the conversation resumes where it was
    finally:
        server.stop()


def test_redis_stopped_under_a_running_gunicorn(tmp_path) -> None:  # type: ignore[no-untyped-def]
    server = EmbeddedRedis(tmp_path / "own-redis")
    server.start()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "ORG_", "STAFF_", "FLOWS_DIR"))}
    env.update(REDIS_URL=server.url, HELPLINE_DATA_DIR=str(tmp_path / "data"))
    web = subprocess.Popen([sys.executable, "-m", "helpline.cli", "serve", "--port", str(port), "--workers", "2"],
                           env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, web)
        texter = Texter(base, make_settings(tmp_path, server.url), "+15555550123")
        texter.send("hi")
        server.stop()
        for body in ("2", "hello", "i took too many pills and my chest hurts"):
            assert_safe(texter.send(body))  # 200 with the safe reply; Texter raises on any other status
        assert requests.get(base + "/readyz", timeout=5).status_code == 503
        server.start()
        wait_ready(base, web)
        assert "Opioid withdrawal. Reply" in texter.send("2")[0]
    finally:
        stop(web)
        server.stop()


def test_a_bug_inside_still_answers_200_with_safe_twiml(app, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(app.extensions["helpline"], "decide", broken)
    response = Phone(app.test_client(), settings).post("hi")
    assert response.status_code == 200
    root = parse_twiml(response.get_data(as_text=True))
    assert_safe([m.text or "" for m in root.iter("Message")])
    assert "Traceback" not in response.get_data(as_text=True)


def test_the_app_refuses_to_start_on_an_invalid_flow(tmp_path, redis_url, conn) -> None:  # type: ignore[no-untyped-def]
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    main = flows / "main.yaml"
    main.write_text(main.read_text().replace("goto: kratom_menu", "goto: kratom_menuu", 1))
    with pytest.raises(ContentError) as info:
        create_app(make_settings(tmp_path, redis_url, FLOWS_DIR=str(flows)))
    assert "main.yaml:" in str(info.value) and "node 'main'" in str(info.value)
    assert "'kratom_menuu', which does not exist" in str(info.value)
