"""Logging that keeps health data out of the logs: phone numbers masked, message bodies never logged.

Code logs through :func:`mask` on purpose; the filter on the handler is the safety net for anything else
(a library's message, an exception text) that carries a number.
"""

from __future__ import annotations

import logging
import re
import sys

# E.164 or formatted North American numbers: +15555550123, (555) 555-0123, 555-555-0123, 5555550123.
_PHONE = re.compile(r"(?<![\w/])(\+?\d[\d\s().-]{8,}\d)(?![\w/])")


def mask(number: str | None) -> str:
    """"+15555550123" -> "+1******0123": enough to tell two people apart in a log, not enough to call them."""
    if not number:
        return "-"
    digits = re.sub(r"\D", "", number)
    if len(digits) < 7:
        return "*" * len(digits)
    keep_head = 1 if number.strip().startswith("+") else 0
    head = ("+" + digits[:keep_head]) if keep_head else ""
    return head + "*" * (len(digits) - keep_head - 4) + digits[-4:]


def scrub(text: str) -> str:
    """Mask every phone number in ``text``."""
    return _PHONE.sub(lambda m: mask(m.group(1)) if sum(c.isdigit() for c in m.group(1)) >= 10 else m.group(1),
                      text)


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = scrub(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def setup(level: str = "INFO") -> None:
    """Log to stderr, one line per event, through the scrubbing filter (idempotent)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "_helpline", False):
            root.setLevel(level)
            return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(ScrubFilter())
    handler._helpline = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
