"""Logging that keeps health data out of the logs: phone numbers masked, message bodies never logged.

Code logs through :func:`mask` on purpose; the filter on the handler is the safety net for anything else
(a library's message, an exception text, a URL in an access log) that carries a number. ``LOG_FORMAT=json``
writes one JSON object a line instead of text.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys

# A number as it turns up in logs: E.164 (+15555550123), URL-encoded (%2B15555550123, as the twilio client
# logs its requests), formatted North American ((555) 555-0123, 555-555-0123) or bare digits, also inside a
# path (/requests/open:+15555550123/claim) or a query (To=%2B15555550123&From=...).
_PHONE = re.compile(r"(?<!\w)((?:\+|%2[Bb])?\d[\d\s().-]{8,}\d)(?!\w)")
_ENCODED_PLUS = re.compile(r"^%2[Bb]")


def mask(number: str | None) -> str:
    """"+15555550123" -> "+1******0123": enough to tell two people apart in a log, not enough to call them."""
    if not number:
        return "-"
    number = _ENCODED_PLUS.sub("+", number.strip())
    digits = re.sub(r"\D", "", number)
    if len(digits) < 7:
        return "*" * len(digits)
    keep_head = 1 if number.startswith("+") else 0
    head = ("+" + digits[:keep_head]) if keep_head else ""
    return head + "*" * (len(digits) - keep_head - 4) + digits[-4:]


def _mask_match(match: re.Match[str]) -> str:
    found = match.group(1)
    if sum(c.isdigit() for c in _ENCODED_PLUS.sub("", found)) < 10:
        return found
    masked = mask(found)
    return masked.replace("+", "%2B", 1) if _ENCODED_PLUS.match(found) else masked


def scrub(text: str) -> str:
    """Mask every phone number in ``text``."""
    return _PHONE.sub(_mask_match, text)


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = scrub(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ``ts``, ``level``, ``logger``, ``message`` (and ``exc`` for a traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
               "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if record.exc_text:
            out["exc"] = record.exc_text
        elif record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        out.update(getattr(record, "fields", None) or {})
        return json.dumps(out, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def formatter(log_format: str = "text") -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def setup(level: str = "INFO", log_format: str = "text") -> None:
    """Log to stderr, one line per event, through the scrubbing filter (idempotent)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "_helpline", False):
            handler.setFormatter(formatter(log_format))
            root.setLevel(level)
            return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(log_format))
    handler.addFilter(ScrubFilter())
    handler._helpline = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
