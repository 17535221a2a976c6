"""``helpline twilio fallback sms|voice``: static TwiML for the number's "Primary handler fails" TwiML Bin,
with the emergency numbers and the staffed number (a call is put through to it), nothing of ours needed."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from helpline.cli import main
from tests.conftest import ROOT, parse_twiml

ENV = {"ORG_PHONE": "+15555550177", "ORG_NAME": "Harbor Recovery", "REDIS_URL": "redis://127.0.0.1:1/0"}


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path / "data"))  # local secrets go there, not into var/


def run(channel: str, **env: str) -> str:
    result = CliRunner().invoke(main, ["twilio", "fallback", channel], env={**ENV, **env})
    assert result.exit_code == 0, result.output
    return result.output


def test_the_sms_fallback_is_one_message_with_the_emergency_and_staffed_numbers() -> None:
    root = parse_twiml(run("sms"))
    [message] = list(root)
    assert message.tag == "Message"
    text = message.text or ""
    for needed in ("911", "988", "1-800-222-1222", "(555) 555-0177", "Harbor Recovery", "AYUDA"):
        assert needed in text, needed


def test_the_voice_fallback_reads_the_numbers_and_puts_the_caller_through() -> None:
    root = parse_twiml(run("voice"))
    tags = [el.tag for el in root]
    assert tags[:2] == ["Say", "Say"] and "Dial" in tags and tags[-1] == "Hangup"
    said = " ".join(el.text or "" for el in root.iter("Say"))
    for needed in ("9 1 1", "9 8 8", "2 2 2", "Harbor Recovery"):
        assert needed in said, needed
    dial = root.find("Dial")
    assert dial is not None and (dial.text or "").strip() == "+15555550177"
    assert "action" not in dial.attrib  # nothing of this server is needed once Twilio serves the bin


def test_the_voice_fallback_dials_the_admissions_line_when_set_and_needs_no_redis() -> None:
    dial = parse_twiml(run("voice", ADMISSIONS_LINE="+15555550188")).find("Dial")
    assert dial is not None and (dial.text or "").strip() == "+15555550188"


def test_readme_gives_the_console_steps() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "helpline twilio fallback sms" in readme and "Primary handler fails" in readme
    assert "TwiML Bin" in readme
