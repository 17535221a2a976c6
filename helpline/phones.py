"""Phone numbers, always E.164 inside the helpline (``+15555550123``), parsed with ``phonenumbers``."""

from __future__ import annotations

import phonenumbers


def e164(raw: str, region: str = "US") -> str | None:
    """``raw`` as E.164, or None when it is not a possible phone number."""
    if not raw or len(raw) > 40:
        return None
    try:
        return checked_e164(raw, region)
    except ValueError:
        return None


def checked_e164(raw: str, region: str = "US") -> str:
    """``raw`` as E.164; raises ``ValueError`` saying why when it is not a possible phone number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"{raw!r} is not a phone number ({exc})") from None
    if not phonenumbers.is_possible_number(number):
        raise ValueError(f"{raw!r} is not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_number(e164: str, region: str) -> str:
    """A number as people in ``region`` write it: "+15555550100" -> "(555) 555-0100"."""
    try:
        number = phonenumbers.parse(e164, region)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == region or number.country_code == 1 and region == "US":
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def line_text(number: str, region: str) -> str:
    """A line as it is written for people: a short code as it is ("988"), a toll-free number as "1-800-222-1222",
    any other number as people in ``region`` write it."""
    if number.isdigit():
        return number
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return number
    national = str(parsed.national_number)
    if parsed.country_code == 1 and len(national) == 10 and national[0] == "8" and national[1] == national[2]:
        return f"1-{national[:3]}-{national[3:6]}-{national[6:]}"
    if parsed.country_code == 1 and region == "US" or phonenumbers.region_code_for_number(parsed) == region:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
