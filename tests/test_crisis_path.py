"""The crisis path on a real Redis: it holds every later message until staff close the request (then lets go),
the request shows staff the latest messages' categories, and on a call it rings the person on call."""

from __future__ import annotations

from helpline.app import create_app
from helpline.queue import callbacks
from tests.conftest import STAFF, Phone, StaffMember, make_settings
from tests.test_numbers_from_settings import dialled, new_call
from tests.test_voice import heard


def test_the_crisis_path_holds_until_staff_close_the_request_then_lets_go(app, settings, conn) -> None:  # type: ignore[no-untyped-def]
    phone = Phone(app.test_client(), settings)
    phone.text("i want to kill myself")
    phone.text("no")
    held = phone.text("i just want to sleep")
    assert "still here" in held[0] and "988" in held[0]
    assert "still here" in phone.text("menu")[0]
    [request] = callbacks.load_open(conn)
    assert request.latest == ("suicide", "none", "none")  # categories only, never the words
    staff = StaffMember(app)
    assert staff.login().status_code == 302
    assert "Latest messages" in staff.page() and "no crisis words" in staff.page()
    callbacks.claim(conn, request.id, "ana", settings, app.extensions["helpline"].queues)
    assert "still here" in phone.text("hello?")[0]  # claimed, not closed: still held
    callbacks.complete(conn, request.id, "ana", "reached", "spoke with them; safety plan made", settings)
    after = phone.text("menu")
    assert "1 Kratom" in after[0]  # closed by staff: the conversation is its own again


def test_on_a_call_the_crisis_path_rings_the_on_call_staff_then_reads_the_numbers(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    call = new_call(settings, monkeypatch)
    call.say("i want to kill myself")
    call.dial_result("no-answer")
    call.press("2")  # not safe: the crisis line again
    call.dial_result("no-answer")
    said = heard(call.say("nobody is answering"))
    assert "still here" in said and "member of our team" in said
    assert dialled(call) == STAFF  # the on-call phone (STAFF_ALERT_NUMBERS)
    said = heard(call.dial_result("no-answer"))
    assert "could not reach our team" in said and "9 1 1" in said
    assert call.documents[-1].find("Gather") is not None  # waits on the crisis path again, not the menu


def test_on_call_line_overrides_the_staff_phones(tmp_path, redis_url, conn, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, redis_url, ON_CALL_LINE="+15555550177")
    create_app(settings)
    call = new_call(settings, monkeypatch)
    call.say("i want to kill myself")
    call.dial_result("no-answer")
    call.press("2")
    call.dial_result("no-answer")
    call.press("2")
    assert dialled(call) == "+15555550177"
    said = heard(call.dial_result("completed"))  # someone on call took it: the numbers, then goodbye
    assert "9 1 1" in said and call.documents[-1][-1].tag == "Hangup"


def test_on_a_call_an_ingestion_with_suicidal_words_hears_911_and_is_put_through_to_the_crisis_line(
        settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    call = new_call(settings, monkeypatch)
    said = heard(call.say("i took all my pills and i want to die"))
    assert "dial 9 1 1" in said and "crisis counselor" in said and "unlock your door" in said
    assert dialled(call) == settings.crisis_line


def test_silence_on_the_crisis_path_rings_the_person_on_call_even_after_hours(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.test_voice import CLOSED

    call = new_call(settings, monkeypatch, CLOSED)
    call.say("i want to kill myself")
    call.dial_result("no-answer")
    call.press("2")
    call.dial_result("no-answer")
    for _ in range(3):
        call.silence()
    said = heard(call.silence())
    assert "put you through" in said
    assert dialled(call) == STAFF  # not admissions' after-hours voicemail


def test_someone_on_the_crisis_path_is_never_throttled(tmp_path, redis_url, conn) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, redis_url, FLOOD_PER_MINUTE=3)
    phone = Phone(create_app(settings).test_client(), settings)
    phone.text("i want to kill myself")
    phone.text("no")
    replies = [phone.text(f"please {i}") for i in range(8)]  # far over the flood limit, no crisis words
    assert all(r and "still here" in r[0] for r in replies)
