"""Every number a caller hears comes from settings: with CRISIS_LINE and OVERDOSE_LINE changed, every voice path
(crisis, overdose, a crisis line that does not answer, the crisis path after it, admissions answered, a
voicemail, the fail-safe) speaks and dials the new numbers, never the defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpline.app import create_app
from helpline.channels.voice import routes as voice
from helpline.redisdb import EmbeddedRedis
from helpline.sim.call import Caller, dial_target
from tests.conftest import make_settings
from tests.test_voice import CLOSED, OPEN, caller_for, dial_in_english, heard

CRISIS = "+18002738255"
CRISIS_SPOKEN = "1, 8 0 0, 2 7 3, 8 2 5 5"
OVERDOSE = "+18664441234"
OVERDOSE_SPOKEN = "1, 8 6 6, 4 4 4, 1 2 3 4"
DEFAULT_POISON = "2 2 2, 1 2 2 2"  # 1-800-222-1222 read digit by digit: must not be heard


@pytest.fixture
def lines(tmp_path: Path, redis_url: str, conn):  # type: ignore[no-untyped-def]
    return make_settings(tmp_path, redis_url, CRISIS_LINE=CRISIS, OVERDOSE_LINE=OVERDOSE)


def dialled(call: Caller) -> str:
    dial = call.documents[-1].find("Dial")
    assert dial is not None, "expected a <Dial>"
    return dial_target(dial)


def new_call(settings, monkeypatch, when=OPEN, number: str = "+15555550123") -> Caller:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(voice, "clock", lambda: when)
    call = caller_for(create_app(settings), settings, number)
    dial_in_english(call)
    return call


def test_a_crisis_and_the_crisis_path_after_it_speak_and_dial_the_new_crisis_line(lines, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    call = new_call(lines, monkeypatch)
    said = heard(call.say("i want to kill myself"))
    assert CRISIS_SPOKEN in said
    assert dialled(call) == CRISIS
    said = heard(call.dial_result("no-answer"))  # the crisis line did not answer
    assert CRISIS_SPOKEN in said and OVERDOSE_SPOKEN in said and DEFAULT_POISON not in said
    call.press("2")  # not safe
    assert dialled(call) == CRISIS
    said = heard(call.dial_result("no-answer"))
    assert CRISIS_SPOKEN in said
    said = heard(call.press("2"))  # a second "no": the crisis path's numbers again, and the person on call
    assert CRISIS_SPOKEN in said and "menu" not in said.lower().replace("main menu", "")
    said = heard(call.dial_result("no-answer"))  # the person on call did not answer either
    assert CRISIS_SPOKEN in said and OVERDOSE_SPOKEN in said and DEFAULT_POISON not in said


def test_an_overdose_speaks_and_dials_the_new_overdose_line(lines, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    call = new_call(lines, monkeypatch)
    said = heard(call.say("my friend took too much and he is not breathing"))
    assert OVERDOSE_SPOKEN in said
    assert dialled(call) == OVERDOSE
    said = heard(call.dial_result("no-answer"))
    assert OVERDOSE_SPOKEN in said and CRISIS_SPOKEN in said and DEFAULT_POISON not in said


def test_admissions_answered_and_a_voicemail_end_with_the_new_numbers(lines, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    call = new_call(lines, monkeypatch)
    call.press("0")
    said = heard(call.dial_result("completed"))
    assert CRISIS_SPOKEN in said and OVERDOSE_SPOKEN in said and DEFAULT_POISON not in said
    call = new_call(lines, monkeypatch, CLOSED, "+15555550124")
    call.press("0")
    said = heard(call.leave_message("please call me back tomorrow about a bed"))
    assert CRISIS_SPOKEN in said and OVERDOSE_SPOKEN in said and DEFAULT_POISON not in said


def test_the_fail_safe_speaks_and_dials_the_new_numbers(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    server = EmbeddedRedis(tmp_path / "r")
    server.start()
    settings = make_settings(tmp_path, server.url, CRISIS_LINE=CRISIS, OVERDOSE_LINE=OVERDOSE)
    call = new_call(settings, monkeypatch)
    server.stop()  # Redis goes away mid-call
    call.strict = False
    said = heard(call.say("i want to kill myself"))
    assert CRISIS_SPOKEN in said and OVERDOSE_SPOKEN in said and DEFAULT_POISON not in said
    assert dialled(call) == CRISIS
