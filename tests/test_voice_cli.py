"""``helpline call`` as a user types it, against a real ``helpline serve`` (gunicorn, its own Redis)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import free_port, stop, wait_ready

HELPLINE = [sys.executable, "-m", "helpline.cli"]


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TWILIO_", "ORG_", "STAFF_", "REDIS_URL", "PORT", "FLOWS_DIR", "BUSINESS_HOURS"))}
    env.update(HELPLINE_DATA_DIR=str(tmp_path / "data"), BUSINESS_HOURS="mon-sun 00:00-24:00", **extra)
    return env


def test_call_follows_the_twiml_with_keys_words_silence_and_a_person(tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    env = clean_env(tmp_path, PORT=str(port))
    web = subprocess.Popen([*HELPLINE, "serve", "--port", str(port), "--workers", "1"], env=env)
    try:
        wait_ready(f"http://127.0.0.1:{port}", web)
        typed = "\n".join(["1", "1", "is it legal", "", "0", "no-answer", "this is Sam, call me back", ""]) + "\n"
        result = subprocess.run([*HELPLINE, "call", "--no-speak"], input=typed, env=env, capture_output=True,
                                text=True, timeout=60)
        out = result.stdout
        assert result.returncode == 0, result.stderr
        assert "press 1 or say kratom" in out and "What kratom is, press 1" in out
        assert "legal status varies" in out and "didn't hear anything" in out
        assert "admissions team" in out and "leave your name" in out and "will call you back" in out
        assert "TwiML problem" not in result.stderr and "hung up" in result.stderr
    finally:
        stop(web)
