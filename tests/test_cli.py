"""The helpline command as a user types it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from helpline.cli import main
from helpline.redisdb import EmbeddedRedis
from tests.conftest import ROOT, free_port, stop, wait_ready

HELPLINE = [sys.executable, "-m", "helpline.cli"]


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TWILIO_", "ORG_", "STAFF_", "REDIS_URL", "PORT", "FLOWS_DIR"))}
    env.update(HELPLINE_DATA_DIR=str(tmp_path / "data"), **extra)
    return env


def test_flows_check_passes_on_the_shipped_content() -> None:
    result = CliRunner().invoke(main, ["flows", "check", str(ROOT / "flows")])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_flows_check_names_file_line_and_node_and_fails(tmp_path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "main.yaml"
    text = (ROOT / "flows" / "main.yaml").read_text()
    broken.write_text(text.replace("      - {key: 2, words: {en: [withdrawal, opioid withdrawal],",
                                   "      - {key: 1, words: {en: [withdrawal, opioid withdrawal],"))
    line = next(i for i, ln in enumerate(broken.read_text().splitlines(), 1) if "{key: 1, words: {en: [withdr" in ln)
    result = CliRunner().invoke(main, ["flows", "check", str(broken)])
    assert result.exit_code != 0
    assert f"{broken}:{line}: node 'main': menu key '1' is used by two options" in result.output


def test_flows_test_plays_the_transcripts() -> None:
    result = CliRunner().invoke(main, ["flows", "test"])
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output


def test_crisis_check_writes_one_json_verdict_a_line() -> None:
    result = CliRunner().invoke(main, ["crisis", "check"], input="i want to kill myself\nhow long does wd last\n")
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert first["crisis"] is True and first["category"] == "suicide" and first["matches"]
    assert set(first) >= {"text", "crisis", "category", "severity", "matches"}
    assert second["crisis"] is False and second["text"] == "how long does wd last"


def test_serve_starts_its_own_redis_and_chat_texts_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    env = clean_env(tmp_path, PORT=str(port))
    server = subprocess.Popen(HELPLINE + ["serve", "--workers", "1"], env=env, cwd=tmp_path)
    try:
        wait_ready(f"http://127.0.0.1:{port}", server)
        chat = subprocess.run(HELPLINE + ["chat"], input="hi\n2\nstop\nhello\n", env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
        assert chat.returncode == 0, chat.stderr
        assert "helpline> Hi, this is the Example Recovery Center helpline" in chat.stdout
        assert "Opioid withdrawal. Reply:" in chat.stdout
        assert chat.stdout.count("(no reply)") == 2  # STOP, and the text after it
        redis_dir = tmp_path / "data" / "redis"
        assert (redis_dir / "appendonly.aof").exists() or list(redis_dir.glob("appendonlydir*"))
    finally:
        stop(server)
    assert not EmbeddedRedis(tmp_path / "data" / "redis").running(), "serve left its Redis running"


def test_chat_says_clearly_when_nothing_is_running(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = clean_env(tmp_path)
    chat = subprocess.run(HELPLINE + ["chat", "--url", f"http://127.0.0.1:{free_port()}"], input="hi\n", env=env,
                          capture_output=True, text=True, timeout=30)
    assert "is it running?" in chat.stderr
    assert "Traceback" not in chat.stderr


def test_invalid_settings_are_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = clean_env(tmp_path, ORG_PHONE="call us", CONVERSATION_TTL="soon", TWILIO_ACCOUNT_SID="AC123")
    result = subprocess.run(HELPLINE + ["serve"], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    for expected in ("ORG_PHONE: 'call us' is not a phone number", "CONVERSATION_TTL: 'soon'",
                     "TWILIO_ACCOUNT_SID: must be 34 characters", "set both"):
        assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_make_is_what_the_readme_says() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
    assert shutil.which("make") is None or "test:" in (ROOT / "Makefile").read_text()


def test_demo_runs_everything_and_stops_everything(tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    env = clean_env(tmp_path)
    demo = subprocess.Popen(HELPLINE + ["demo", "--port", str(port)], env=env, cwd=tmp_path,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_ready(f"http://127.0.0.1:{port}", demo, timeout=40)
        chat = subprocess.run(HELPLINE + ["chat", "--url", f"http://127.0.0.1:{port}"], input="call me\n",
                              env=env, capture_output=True, text=True, timeout=30)
        assert "What name should they ask for?" in chat.stdout
        time.sleep(0.5)
    finally:
        stop(demo)
    told = demo.stderr.read()
    assert "helpline chat" in told or "make chat" in told  # it tells the user what to do next
    login = re.search(r"log in as 'demo', password '([^']+)'", told)
    assert login, told  # and how to open the staff page
    from helpline.config import load_settings
    from helpline.staff import accounts

    demo_redis = EmbeddedRedis(tmp_path / "data" / "redis")
    demo_redis.start()
    try:
        account = accounts.check_login(demo_redis.client(), "demo", login.group(1),
                                       load_settings(environ={"HELPLINE_DATA_DIR": str(tmp_path / "data")},
                                                     dotenv=None))
        assert account.role.value == "supervisor"
    finally:
        demo_redis.stop()
    assert not EmbeddedRedis(tmp_path / "data" / "redis").running(), "demo left its Redis running"
    leftovers = subprocess.run(["pgrep", "-f", f"127.0.0.1:{port}"], capture_output=True, text=True).stdout
    assert not leftovers.strip(), "demo left gunicorn running"


def test_callbacks_list_in_working_order_masked_unless_revealed(tmp_path, redis_url, conn) -> None:  # type: ignore[no-untyped-def]
    from helpline.app import create_app
    from tests.conftest import Phone, make_settings

    settings = make_settings(tmp_path, redis_url)
    app = create_app(settings)
    routine = Phone(app.test_client(), settings, "+15555550111")
    for body in ("call me", "Al", "now", "yes"):
        routine.text(body)
    Phone(app.test_client(), settings, "+15555550122").text("i want to kill myself")
    env = clean_env(tmp_path, REDIS_URL=redis_url)
    listed = subprocess.run(HELPLINE + ["callbacks", "list"], env=env, capture_output=True, text=True, timeout=30)
    lines = listed.stdout.splitlines()
    assert [ln.split()[1] for ln in lines] == ["crisis", "routine"]
    assert "+1******0122" in lines[0] and "5555550122" not in listed.stdout
    assert "due in" in lines[0]
    revealed = subprocess.run(HELPLINE + ["callbacks", "list", "--json", "--reveal"], env=env, capture_output=True,
                              text=True, timeout=30)
    rows = [json.loads(line) for line in revealed.stdout.splitlines()]
    assert [r["number"] for r in rows] == ["+15555550122", "+15555550111"]
    assert rows[1]["gathered"]["name"] == "Al" and rows[0]["due"] > rows[0]["created"]


def test_crisis_eval_prints_recall_per_category_language_and_channel() -> None:
    corpus = ROOT / "flows" / "crisis_data" / "crisis_corpus.yaml"
    result = CliRunner().invoke(main, ["crisis", "eval", str(corpus), "--max-false-alarms", "0.1"])
    assert result.exit_code == 0, result.output
    for part in ("overdose", "suicide", "en", "sms", "speech", "false alarms: hard negatives"):
        assert part in result.output
    as_json = CliRunner().invoke(main, ["crisis", "eval", str(corpus), "--json", "--max-false-alarms", "0.1"])
    report = json.loads(as_json.output)[0]
    assert report["rates"]["crisis"] >= 0.95 and report["counts"]["crisis:overdose"][1] > 50


def test_crisis_eval_fails_below_target(tmp_path) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text("- {text: 'i am fine thanks', label: suicide}\n- {text: 'hello', label: none}\n")
    result = CliRunner().invoke(main, ["crisis", "eval", str(corpus)])
    assert result.exit_code == 1
    assert "suicide" in result.output and "0.000" in result.output


def test_help_lists_every_command_once_under_a_heading() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    listed = re.findall(r"^  ([a-z]+)  ", result.output, re.MULTILINE)
    assert sorted(listed) == sorted(main.commands)
    for heading in ("Run the helpline:", "Try it from this terminal:", "Content (flows/):", "Staff:", "Operations:"):
        assert heading in result.output
    assert "Other commands" not in result.output


def test_python_m_helpline_cli_has_every_command() -> None:
    for group, commands in (("flows", ("check", "test", "eval", "train")), ("crisis", ("check", "eval"))):
        out = subprocess.run(HELPLINE + [group, "--help"], capture_output=True, text=True, timeout=60, cwd=ROOT)
        assert out.returncode == 0, out.stderr
        assert set(re.findall(r"^  ([a-z]+)  ", out.stdout, re.MULTILINE)) == set(commands)


def test_a_command_stops_the_redis_it_started_however_it_ends(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import click
    import pytest

    from helpline.cli.common import local_redis
    from helpline.config import load_settings

    settings = load_settings(environ={"HELPLINE_DATA_DIR": str(tmp_path / "data")}, dotenv=None)
    server = EmbeddedRedis(tmp_path / "data" / "redis")
    with pytest.raises(click.ClickException), local_redis(settings) as url:
        assert url == server.url and server.running()
        raise click.ClickException("the command failed")
    assert not server.running(), "the failed command left its Redis running"
    given = load_settings(environ={"HELPLINE_DATA_DIR": str(tmp_path / "data"), "REDIS_URL": "redis://x:1/0"},
                          dotenv=None)
    with local_redis(given) as url:
        assert url == "redis://x:1/0" and not server.running()
