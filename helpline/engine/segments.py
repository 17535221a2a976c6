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


def segments(text: str) -> int:
    """Segments for ``text``: 160/153 septets each in GSM-7, 70/67 UTF-16 units each in UCS-2."""
    if not text:
        return 1
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        single, multi = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
    return 1 if units <= single else -(-units // multi)


def non_gsm_chars(text: str) -> str:
    """The characters that force ``text`` into UCS-2 (halving what fits in a segment), in order, once each."""
    seen: dict[str, None] = {}
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENDED:
            seen.setdefault(ch, None)
    return "".join(seen)
