"""POST /voice and its follow-ups end to end on a real Redis, driven by helpline.sim.call.Caller, which follows the
TwiML as Twilio would and checks every document it gets."""

from __future__ import annotations

import datetime as dt
import json
import logging
import xml.etree.ElementTree as ET

import pytest
from rq import Queue

from helpline.app import create_app
from helpline.channels.voice import routes as voice
from helpline.queue import callbacks, conversations, optouts
from helpline.queue.outbound import outbox
from helpline.redisdb import EmbeddedRedis
from helpline.sim.call import Caller, dial_target
from tests.conftest import STAFF, make_settings, parse_twiml

OPEN = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)    # a Wednesday, 10 a.m. in New York
CLOSED = dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC)   # 2 a.m. in New York


def caller_for(app, settings, number: str = "+15555550123") -> Caller:  # type: ignore[no-untyped-def]
    client = app.test_client()

    def transport(target: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        response = client.post(target, data=params, headers=headers)
        if response.status_code == 200:
            assert response.mimetype == "application/xml"
        return response.status_code, response.get_data(as_text=True)

    return Caller("http://localhost", settings, number, transport=transport)


@pytest.fixture
def open_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(voice, "clock", lambda: OPEN)


@pytest.fixture
def closed_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(voice, "clock", lambda: CLOSED)


@pytest.fixture
def call(app, settings, open_hours) -> Caller:  # type: ignore[no-untyped-def]
    return caller_for(app, settings)


def heard(lines: list[str]) -> str:
    return " ".join(lines)


def dial_in_english(call: Caller) -> list[str]:
    """A first call from a number: the choice of language (which takes no step), then English by its key."""
    choice = call.dial()
    assert choice == ["For English, press 1.", "Para español, oprima 2."]
    return call.press("1")


def test_the_greeting_is_a_gather_for_keys_and_speech_with_hints_language_and_voice(call: Caller) -> None:
    said = heard(dial_in_english(call))
    assert "press 1 or say kratom" in said and "9 1 1" in said and "9 8 8" in said
    root = call.documents[-1]
    assert [v.tag for v in root] == ["Gather", "Redirect"]
    gather = root[0]
    assert gather.get("input") == "dtmf speech" and gather.get("language") == "en-US"
    assert gather.get("action") == "/voice/gather?step=1" and gather.get("numDigits") == "1"
    assert {"kratom", "withdrawal", "operator", "main menu"} <= {h.strip() for h in gather.get("hints", "").split(",")}
    assert all(s.get("voice") == "Polly.Joanna" for s in gather.iter("Say"))
    assert root[1].text == "/voice/silence?step=1&silence=1"


def test_keys_and_speech_reach_answers_read_in_parts_with_repeat_and_menu(call: Caller) -> None:
    dial_in_english(call)
    assert "What kratom is, press 1" in heard(call.press("1"))
    assert "Kratom side effects" in heard(call.say("Side effects?"))
    more = heard(call.press("1"))
    assert "Mixing kratom" in more and "1, 8 0 0, 2 2 2, 1 2 2 2" in more
    assert "Mixing kratom" in heard(call.press("*"))
    assert "For kratom, press 1" in heard(call.press("9"))
    assert "8 to 24 hours" in heard(call.say("how long does withdrawal last"))
    assert "Fentanyl withdrawal" in heard(call.say("more"))


def test_a_retried_step_gets_the_same_twiml_and_advances_the_call_once(app, settings, conn, open_hours) -> None:  # type: ignore[no-untyped-def]
    call = caller_for(app, settings)
    dial_in_english(call)
    gather = call.waiting
    assert gather is not None
    first = call.press("1")
    call.waiting = gather  # Twilio retries the same request
    again = call.press("1")
    assert first == again
    assert ET.tostring(call.documents[-1]) == ET.tostring(call.documents[-2])
    state = json.loads(conn.get(conversations.state_key("voice", call.call_sid)))
    assert state["node"] == "kratom_menu" and state["turns"] == 2


def test_silence_reprompts_then_puts_the_caller_through_to_a_person(call: Caller) -> None:
    dial_in_english(call)
    for _ in range(3):
        said = heard(call.silence())
        assert "didn't hear anything" in said and "press 1 or say kratom" in said
    said = heard(call.silence())
    assert "put you through to a person" in said
    assert call.waiting is not None and call.waiting.tag == "Dial"
    assert dial_target(call.waiting) == "+15555550100"


def test_operator_in_business_hours_dials_admissions_and_no_answer_becomes_a_voicemail_callback(  # type: ignore[no-untyped-def]
        call: Caller, conn, run_worker) -> None:
    dial_in_english(call)
    call.press("2")
    assert "connect you to the Example Recovery Center admissions team" in heard(call.say("operator"))
    dial = call.waiting
    assert dial is not None and dial.tag == "Dial"
    assert dial_target(dial) == "+15555550100" and dial.get("timeout") == "20"
    assert dial.get("action", "").startswith("/voice/dial-done?")
    assert "leave your name" in heard(call.dial_result("no-answer"))
    [request] = callbacks.load_open(conn)
    assert request.priority == "urgent" and request.channel == "voice" and request.number == "+15555550123"
    said = heard(call.leave_message("hi this is Sam please call me back"))
    assert "will call you back" in said and "9 1 1" in said and call.ended
    [request] = callbacks.load_open(conn)
    assert request.gathered["recording_url"].startswith("https://api.twilio.com/")
    run_worker()
    assert [a["to"] for a in outbox(conn)] == [STAFF]


def test_admissions_answering_ends_with_thanks_and_the_numbers(call: Caller, conn) -> None:  # type: ignore[no-untyped-def]
    dial_in_english(call)
    call.press("0")
    said = heard(call.dial_result("completed"))
    assert "Thank you for calling" in said and "9 1 1" in said and call.ended
    assert callbacks.load_open(conn) == []


def test_after_hours_a_person_is_voicemail_and_the_request_exists_before_the_beep(  # type: ignore[no-untyped-def]
        app, settings, conn, closed_hours) -> None:
    call = caller_for(app, settings)
    dial_in_english(call)
    said = heard(call.say("can I talk to someone"))
    assert "not available right now" in said and call.waiting is not None and call.waiting.tag == "Record"
    [request] = callbacks.load_open(conn)
    assert request.priority == "routine" and "after hours" in request.reason
    said = heard(call.leave_message(""))  # nothing said: Twilio skips the action URL and runs the Redirect
    assert "did not hear a message" in said and "will call you back" in said and call.ended
    [request] = callbacks.load_open(conn)
    assert request.gathered["voicemail"] == "none" and request.requests == 2


def test_a_spoken_suicide_risk_dials_the_crisis_line_with_a_crisis_request_and_alert(call: Caller, conn) -> None:  # type: ignore[no-untyped-def]
    dial_in_english(call)
    call.press("1")
    said = heard(call.say("honestly I just want to kill myself"))
    assert "988" in said or "9 8 8" in said or "nine eight eight" in said
    assert "connecting you to a crisis counselor" in said
    assert call.waiting is not None and dial_target(call.waiting) == "988"
    [request] = callbacks.load_open(conn)
    assert request.priority == "crisis"
    assert Queue("crisis", connection=conn).count == 1
    assert "Are you safe right now?" in heard(call.dial_result("completed"))
    call.press("2")
    assert call.waiting is not None and dial_target(call.waiting) == "988"


def test_a_spoken_overdose_says_hang_up_and_dial_911_first_then_poison_control(call: Caller, conn) -> None:  # type: ignore[no-untyped-def]
    dial_in_english(call)
    said = heard(call.say("my friend took too much and is not breathing"))
    assert "hang up now and dial 9 1 1" in said
    assert call.waiting is not None and dial_target(call.waiting) == "+18002221222"
    assert callbacks.load_open(conn)[0].priority == "crisis"


def test_a_crisis_line_that_does_not_connect_gives_the_numbers_and_asks_again(call: Caller) -> None:
    dial_in_english(call)
    call.say("i want to end my life")
    said = heard(call.dial_result("failed"))
    assert "hang up and dial 9 8 8" in said and "Are you safe right now?" in said


def test_hanging_up_in_the_middle_of_a_callback_request_still_makes_it_and_closes_the_session(  # type: ignore[no-untyped-def]
        call: Caller, conn) -> None:
    dial_in_english(call)
    assert "What name" in heard(call.press("5"))
    [request] = callbacks.load_open(conn)  # made at the first ask: the questions only enrich it
    assert request.reason == "asked for a person" and request.gathered == {}
    call.say("Sam")
    call.hang_up()
    [request] = callbacks.load_open(conn)
    assert request.gathered == {"name": "Sam."} or request.gathered == {"name": "Sam"}
    assert request.reason == "asked for a person" and request.priority == "routine"
    assert request.requests == 1
    assert conn.get(conversations.state_key("voice", call.call_sid)) is None


def test_hanging_up_elsewhere_makes_no_request(call: Caller, conn) -> None:  # type: ignore[no-untyped-def]
    dial_in_english(call)
    call.press("1")
    call.hang_up()
    assert callbacks.load_open(conn) == []
    assert conn.get(conversations.state_key("voice", call.call_sid)) is None


def test_the_end_of_a_callback_request_hangs_up_only_after_the_numbers(call: Caller, conn) -> None:  # type: ignore[no-untyped-def]
    dial_in_english(call)
    call.press("5")
    call.say("Sam")
    call.say("after five")
    assert "will call you as soon as we can" in heard(call.press("1"))
    said = heard(call.say("thank you"))
    assert "9 1 1" in said and call.ended
    assert callbacks.load_open(conn)[0].gathered["voicemail_ok"] == "yes"


def test_someone_who_texted_stop_is_answered_on_a_call_and_their_request_is_call_only(call: Caller, conn) -> None:  # type: ignore[no-untyped-def]
    optouts.opt_out(conn, "+15555550123")
    assert "press 1 or say kratom" in heard(dial_in_english(call))
    call.press("0")
    call.dial_result("busy")
    assert callbacks.load_open(conn)[0].call_only is True


def test_a_withheld_number_is_still_answered_and_its_voicemail_reaches_staff(app, settings, conn, open_hours) -> None:  # type: ignore[no-untyped-def]
    call = caller_for(app, settings, number="Anonymous")
    assert "press 1 or say kratom" in heard(dial_in_english(call))
    call.press("0")
    call.dial_result("no-answer")
    call.leave_message("this is Jo at five five five")
    [request] = callbacks.load_open(conn)
    assert request.number == f"unknown:{call.call_sid}" and request.gathered["recording_url"]


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl"])
def test_unsigned_voice_requests_are_refused_without_twiml(client, settings, signature: str) -> None:  # type: ignore[no-untyped-def]
    call = Caller("http://localhost", settings)
    response = client.post("/voice", data=call.params(), headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403 and "<Response" not in response.get_data(as_text=True)


def test_public_url_makes_action_urls_absolute_and_signed_requests_match(tmp_path, redis_url, conn, open_hours) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, redis_url, PUBLIC_URL="https://helpline.example.org")
    call = caller_for(create_app(settings), settings)
    dial_in_english(call)
    assert call.waiting is not None
    assert call.waiting.get("action") == "https://helpline.example.org/voice/gather?step=1"
    assert "What kratom is" in heard(call.press("1"))  # signed for PUBLIC_URL + path + query, and accepted


def test_a_bug_inside_still_answers_with_the_numbers_and_a_dial_to_the_staffed_number(  # type: ignore[no-untyped-def]
        app, settings, monkeypatch, open_hours) -> None:
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("helpline.channels.voice.turn.turn", broken)
    call = caller_for(app, settings)
    said = heard(call.dial())
    assert "9 1 1" in said and "9 8 8" in said
    assert call.waiting is not None and dial_target(call.waiting) == "+15555550100"


def test_redis_stopped_the_caller_still_hears_the_numbers_and_a_crisis_still_reaches_988(tmp_path, open_hours) -> None:  # type: ignore[no-untyped-def]
    server = EmbeddedRedis(tmp_path / "own-redis")
    server.start()
    try:
        settings = make_settings(tmp_path, server.url)
        app = create_app(settings)
        call = caller_for(app, settings)
        call.dial()
        server.stop()
        said = heard(call.press("1"))
        assert "9 1 1" in said and "(555) 555-0100" in said
        assert call.waiting is not None and dial_target(call.waiting) == "+15555550100"
        crisis = caller_for(app, settings, "+15555550124")
        said = heard(crisis.dial())  # the greeting fails too: the safe document, not an error
        assert "9 1 1" in said
        root = parse_twiml(app.test_client().post(
            "/voice/gather?step=1", data=crisis.params(SpeechResult="i want to kill myself"),
            headers={"X-Twilio-Signature": sign(crisis, "/voice/gather?step=1",
                                                 crisis.params(SpeechResult="i want to kill myself"))},
        ).get_data(as_text=True))
        assert "You matter" in root[0].text and root.find("Dial").text == "988"  # type: ignore[union-attr,operator]
    finally:
        server.stop()


def sign(call: Caller, path: str, params: dict[str, str]) -> str:
    from twilio.request_validator import RequestValidator

    return RequestValidator(call.settings.signing_token).compute_signature("http://localhost" + path, params)


def test_logs_hold_no_numbers_and_no_speech(call: Caller, caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.DEBUG):
        dial_in_english(call)
        call.say("my secret question about kratom")
        call.say("i want to kill myself")
        call.dial_result("completed")
    logged = caplog.text
    assert "voice sid=" in logged and "flow=" in logged and "input=speech" in logged
    assert "5555550123" not in logged and "secret question" not in logged and "kill myself" not in logged
