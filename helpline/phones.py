"""Phone numbers, always E.164 inside the helpline (``+15555550123``), parsed with ``phonenumbers``."""

from __future__ import annotations

import phonenumbers


def e164(raw: str, region: str = "US") -> str | None:
    """``raw`` as E.164, or None when it is not a possible phone number."""
    if not raw or len(raw) > 40:
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
