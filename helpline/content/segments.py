"""How many SMS segments a text costs, as carriers count them (GSM 03.38 or UCS-2)."""

from __future__ import annotations

# The GSM 7-bit default alphabet, and its extension table (each extension character costs two septets).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")


def is_gsm7(text: str) -> bool:
    """True when every character fits the GSM 7-bit alphabet (so the message is not sent as UCS-2)."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def septets(text: str) -> int | None:
    """Length of ``text`` in GSM-7 septets, or None when a character is outside GSM-7 (it goes as UCS-2)."""
    if not is_gsm7(text):
        return None
    return sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)


def measure(text: str) -> tuple[str, int, int]:
    """How ``text`` goes as an SMS: (encoding ``gsm7`` or ``ucs2``, its length in that encoding's units,
    segments): 160/153 septets each in GSM-7, 70/67 UTF-16 units each in UCS-2."""
    n = septets(text)
    if n is not None:
        return "gsm7", n, 1 if n <= 160 else -(-n // 153)
    units = len(text.encode("utf-16-le")) // 2
    return "ucs2", units, 1 if units <= 70 else -(-units // 67)


def segments(text: str) -> int:
    """Segments for ``text`` (at least one, even for an empty text)."""
    return measure(text)[2]


def non_gsm_chars(text: str) -> str:
    """The characters that force ``text`` into UCS-2 (halving what fits in a segment), in order, once each."""
    seen: dict[str, None] = {}
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENDED:
            seen.setdefault(ch, None)
    return "".join(seen)
