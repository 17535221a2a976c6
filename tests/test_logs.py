"""Logs mask every shape a phone number takes (E.164, URL-encoded, formatted, inside paths and queries), and
``LOG_FORMAT=json`` writes one JSON object a line."""

from __future__ import annotations

import io
import json
import logging

import pytest

from helpline import logs


@pytest.mark.parametrize(("text", "masked"), [
    ("from=+15555550123", "from=+1******0123"),
    ("To=%2B15555550123&From=%2b15555550199", "To=%2B1******0123&From=%2B1******0199"),
    ("/staff/requests/open:+15555550121/claim", "/staff/requests/open:+1******0121/claim"),
    ("/api/callbacks/5555550121/claim", "/api/callbacks/******0121/claim"),
    ("call (555) 555-0123 now", "call (******0123 now"),
    ("555-555-0123, then", "******0123, then"),
    ("+1 555 555 0123.", "+1******0123."),
    ("POST https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json To=%2B15555550123",
     "POST https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json To=%2B1******0123"),
])
def test_every_number_shape_is_masked(text: str, masked: str) -> None:
    assert logs.scrub(text) == masked


@pytest.mark.parametrize("text", ["cb_1733000000_abcd", "took 12.5 ms", "port 8000", "flow=c002f5f3f3a8",
                                  "due-cb_1733000000_ab12-1-1", "988", "v1.2.3"])
def test_ids_and_small_numbers_are_left_alone(text: str) -> None:
    assert logs.scrub(text) == text


def _logged(log_format: str, message: str, *args: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter(log_format))
    handler.addFilter(logs.ScrubFilter())
    logger = logging.getLogger("test.logs." + log_format)
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        logger.info(message, *args)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_json_logs_are_one_object_a_line_and_still_masked() -> None:
    line = _logged("json", "sms from=%s url=%s", "+15555550123", "/x?To=%2B15555550124")
    record = json.loads(line)
    assert record["level"] == "INFO" and record["logger"] == "test.logs.json" and record["ts"].endswith("+00:00")
    assert record["message"] == "sms from=+1******0123 url=/x?To=%2B1******0124"
    assert line.count("\n") == 1


def test_log_format_is_a_setting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from helpline.config import load_settings
    from helpline.errors import SettingsError

    base = {"HELPLINE_DATA_DIR": str(tmp_path)}
    assert load_settings({**base, "LOG_FORMAT": "JSON"}, environ={}, dotenv=None).log_format == "json"
    with pytest.raises(SettingsError, match="LOG_FORMAT"):
        load_settings({**base, "LOG_FORMAT": "xml"}, environ={}, dotenv=None)
