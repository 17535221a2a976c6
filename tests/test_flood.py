"""Flood control: a number sending too fast gets empty replies, but never loses a crisis reply or a STOP."""

from __future__ import annotations

import logging

from helpline.app import create_app
from helpline.queue import optouts
from tests.conftest import Phone, make_settings


def test_a_flooding_number_is_throttled_but_a_crisis_still_gets_through(tmp_path, redis_url, conn, caplog) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, redis_url, FLOOD_PER_MINUTE=5)
    phone = Phone(create_app(settings).test_client(), settings)
    replies = [phone.text(f"spam {i}") for i in range(8)]
    assert all(replies[:5]) and replies[5:] == [[], [], []]
    assert "throttled" in caplog.text
    crisis = phone.text("i want to kill myself")
    assert crisis and "988" in crisis[0]
    assert phone.text("STOP") == []
    assert optouts.is_opted_out(conn, "+15555550123")  # STOP is honoured even when throttled


def test_other_numbers_are_not_affected(tmp_path, redis_url, conn) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, redis_url, FLOOD_PER_MINUTE=2)
    client = create_app(settings).test_client()
    loud, quiet = Phone(client, settings, "+15555550101"), Phone(client, settings, "+15555550102")
    for _ in range(4):
        loud.text("hi")
    assert loud.text("hi") == []
    assert "1 Kratom" in quiet.text("hi")[0]


def test_throttle_log_has_no_number_or_body(tmp_path, redis_url, conn, caplog) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, redis_url, FLOOD_PER_MINUTE=1)
    phone = Phone(create_app(settings).test_client(), settings)
    with caplog.at_level(logging.INFO):
        phone.text("my private words")
        phone.text("my private words")
    assert "5555550123" not in caplog.text and "private words" not in caplog.text
