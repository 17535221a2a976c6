"""POST /sms end to end on a real Redis: what a texter (and Twilio) would notice."""

from __future__ import annotations

import json
import logging
import threading

import pytest
from rq import Queue

from helpline.app import create_app
from helpline.queue import callbacks, conversations, optouts
from helpline.queue.outbound import outbox
from tests.conftest import STAFF, Phone, make_settings, parse_twiml

SID = "SM" + "a" * 32


def test_first_text_gets_the_greeting_and_menu(phone: Phone) -> None:
    [reply] = phone.text("hi")
    assert "Example Recovery Center" in reply
    assert "1 Kratom" in reply
    assert "988" in reply and "911" in reply


def test_menu_digits_and_a_question_in_own_words(phone: Phone) -> None:
    phone.text("hi")
    assert "Opioid withdrawal" in phone.text("2")[0]
    assert "8-24 hours" in phone.text("2")[0]
    [answer] = phone.text("is kratom safe to get off heroin?")
    assert "not FDA-approved" in answer


def test_reply_is_twiml_built_by_twilio_library_and_escapes_nothing_from_the_user(phone: Phone) -> None:
    response = phone.post("<Response><Redirect>http://evil.example</Redirect></Response>")
    root = parse_twiml(response.get_data(as_text=True))
    assert [child.tag for child in root] == ["Message"]
    assert root.find("Redirect") is None and "evil" not in response.get_data(as_text=True)


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl"])
def test_missing_or_wrong_signature_is_refused_without_twiml(phone: Phone, signature: str) -> None:
    response = phone.post("hi", signature=signature)
    assert response.status_code == 403
    assert "<Response" not in response.get_data(as_text=True)


def test_signature_checked_against_public_url_behind_a_proxy(tmp_path, redis_url, conn) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, redis_url, PUBLIC_URL="https://helpline.example.org")
    app = create_app(settings)
    phone = Phone(app.test_client(), settings)
    # chat signs for PUBLIC_URL + /sms, which is what Twilio signs when the proxy terminates TLS
    assert phone.text("hi")
    wrong = Phone(app.test_client(), make_settings(tmp_path, redis_url))
    assert wrong.post("hi").status_code == 403


def test_turning_the_check_off_is_explicit_and_loud(tmp_path, redis_url, conn, caplog) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, redis_url, TWILIO_SIGNATURE_CHECK="off")
    with caplog.at_level(logging.WARNING):
        app = create_app(settings)
    assert "UNSIGNED" in caplog.text
    assert Phone(app.test_client(), settings).post("hi", signature="").status_code == 200


@pytest.mark.parametrize(
    ("drop", "change", "message"),
    [
        ("MessageSid", {}, "MessageSid"),
        ("From", {}, "From"),
        (None, {"MessageSid": "not-a-sid"}, "MessageSid"),
        (None, {"From": "hello"}, "From"),
    ],
)
def test_malformed_webhooks_get_a_clear_400(client, settings, drop, change, message) -> None:  # type: ignore[no-untyped-def]
    phone = Phone(client, settings)
    params = phone.texter.params("hi")
    params.pop("SmsSid")
    if drop:
        params.pop(drop)
    params.update(change)
    response = client.post("/sms", data=params, headers={"X-Twilio-Signature": phone.texter.sign(params)})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert message in text and "Traceback" not in text


def test_oversized_request_is_refused(phone: Phone) -> None:
    response = phone.post("x" * 100_000)
    assert response.status_code == 413


def test_a_retried_webhook_gets_the_same_reply_and_advances_once(phone: Phone, conn) -> None:  # type: ignore[no-untyped-def]
    phone.text("hi")
    first = phone.text("1", sid=SID)
    again = phone.text("1", sid=SID)
    assert first == again and "Kratom. Reply" in first[0]
    state = json.loads(conn.get(conversations.state_key("sms", "+15555550123")))
    assert state["node"] == "kratom_menu" and state["turns"] == 2


def test_a_late_retry_of_an_older_message_changes_nothing(phone: Phone, conn) -> None:  # type: ignore[no-untyped-def]
    phone.text("hi", sid=SID)
    phone.text("1")
    assert phone.text("hi", sid=SID) == []  # already answered; the conversation is not sent back to the start
    state = json.loads(conn.get(conversations.state_key("sms", "+15555550123")))
    assert state["node"] == "kratom_menu"


def test_simultaneous_duplicates_make_one_callback_request_and_one_alert(app, settings, conn) -> None:  # type: ignore[no-untyped-def]
    results: list[list[str]] = []
    barrier = threading.Barrier(6)

    def send() -> None:
        phone = Phone(app.test_client(), settings)
        barrier.wait()
        results.append(phone.text("i want to kill myself", sid=SID))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6 and all(r == results[0] for r in results)
    assert "988" in results[0][0]
    assert conn.zcard(callbacks.QUEUE_KEY) == 1
    assert Queue("crisis", connection=conn).count == 1


def test_call_me_records_a_callback_and_the_worker_alerts_staff(phone: Phone, conn, run_worker) -> None:  # type: ignore[no-untyped-def]
    phone.text("how long does withdrawal last")
    assert "name" in phone.text("can someone call me")[0]
    phone.text("Sam")
    phone.text("after 5pm")
    [done] = phone.text("yes")
    assert "will call you" in done
    [request] = callbacks.load_open(conn)
    assert request.priority == "routine" and request.number == "+15555550123"
    assert request.gathered == {"name": "Sam", "best_time": "after 5pm", "voicemail_ok": "yes"}
    assert "withdrawal timeline" in request.topics
    run_worker()
    [alert] = outbox(conn)
    assert alert["to"] == STAFF and "ROUTINE" in alert["body"]
    assert "5555550123" not in alert["body"] and "Sam" not in alert["body"]


def test_crisis_interrupts_any_node_and_outranks_routine_requests(app, settings, conn) -> None:  # type: ignore[no-untyped-def]
    routine = Phone(app.test_client(), settings, "+15555550111")
    routine.text("call me")
    routine.text("Al")
    routine.text("now")
    routine.text("no")
    texter = Phone(app.test_client(), settings)
    texter.text("hi")
    texter.text("1")  # now at the kratom menu
    replies = texter.text("my brother took too much and is not breathing")
    assert "911" in replies[0] and "1-800-222-1222" in replies[0]
    assert "Is the person breathing?" in replies[1]  # the bystander's own follow-up
    order = [r.number for r in callbacks.load_open(conn)]
    assert order == ["+15555550123", "+15555550111"]
    assert callbacks.load_open(conn)[0].priority == "crisis"


def test_one_open_request_per_number_raised_to_crisis(phone: Phone, conn) -> None:  # type: ignore[no-untyped-def]
    phone.text("call me")
    phone.text("skip")
    phone.text("now")
    phone.text("yes")
    phone.text("i want to end my life")
    [request] = callbacks.load_open(conn)
    assert request.priority == "crisis" and request.requests == 2


def test_stop_silences_everything_until_start(phone: Phone, conn) -> None:  # type: ignore[no-untyped-def]
    phone.text("hi")
    assert phone.text("STOP") == []
    assert optouts.is_opted_out(conn, "+15555550123")
    assert phone.text("hello?") == []
    assert phone.text("how long does withdrawal last") == []
    assert phone.text("START") == []
    assert not optouts.is_opted_out(conn, "+15555550123")
    assert "1 Kratom" in phone.text("hi")[0]


def test_advanced_opt_out_type_is_honoured_and_gets_no_reply_of_ours(phone: Phone, conn) -> None:  # type: ignore[no-untyped-def]
    assert phone.text("please stop texting me", OptOutType="STOP") == []
    assert optouts.is_opted_out(conn, "+15555550123")
    assert phone.text("info", OptOutType="HELP") == []


def test_crisis_after_stop_reaches_staff_as_call_only(phone: Phone, conn, run_worker) -> None:  # type: ignore[no-untyped-def]
    phone.text("STOP")
    assert phone.text("i want to kill myself") == []
    [request] = callbacks.load_open(conn)
    assert request.priority == "crisis" and request.call_only is True
    run_worker()
    assert [a["to"] for a in outbox(conn)] == [STAFF]  # staff are alerted; the texter is not texted


def test_opted_out_numbers_are_never_texted_by_workers(settings, conn) -> None:  # type: ignore[no-untyped-def]
    from helpline.channels.outbound import OptedOut, Sender

    optouts.opt_out(conn, "+15555550123")
    with pytest.raises(OptedOut):
        Sender(settings, conn).send_once("k", "+15555550123", "we tried to call you", kind="follow-up")
    assert outbox(conn) == []


def test_status_callback_error_21610_records_the_opt_out(client, settings, conn) -> None:  # type: ignore[no-untyped-def]
    phone = Phone(client, settings)
    params = {"MessageSid": SID, "MessageStatus": "undelivered", "ErrorCode": "21610", "To": "+15555550177"}
    response = client.post("/sms/status", data=params, headers={"X-Twilio-Signature": phone.texter.sign_url(
        "http://localhost/sms/status", params)})
    assert response.status_code == 204
    assert optouts.is_opted_out(conn, "+15555550177")


def test_conversation_state_expires(tmp_path, redis_url, conn) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, redis_url, CONVERSATION_TTL=60)
    phone = Phone(create_app(settings).test_client(), settings)
    phone.text("hi")
    ttl = conn.ttl(conversations.state_key("sms", "+15555550123"))
    assert 0 < ttl <= 60


def test_logs_hold_no_phone_numbers_or_message_bodies(phone: Phone, caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.DEBUG):
        phone.text("my secret question about kratom")
        phone.text("i want to kill myself")
    logged = caplog.text
    assert "sms sid=" in logged and "flow=" in logged
    assert "5555550123" not in logged and "555-0123" not in logged
    assert "secret question" not in logged and "kill myself" not in logged


def test_passive_ideation_gets_a_gentle_check_in_and_still_reaches_a_person(phone: Phone, conn) -> None:  # type: ignore[no-untyped-def]
    phone.text("hi")
    [reply, follow_up] = phone.text("honestly i cant do this anymore")
    assert "988" in reply and "safe" in follow_up
    [request] = callbacks.load_open(conn)
    assert request.priority == "crisis" and request.reason == "crisis: suicide (concern)"
