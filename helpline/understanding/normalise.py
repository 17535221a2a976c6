"""The one text normaliser: what every part of understanding reads instead of the raw message.

A message is folded once (Unicode compatibility forms, accents, look-alike letters, case, apostrophes, spacing,
letter runs) and that form is passed on: topic routing, the crisis model and keyword matching all read it.
"""

from __future__ import annotations

import re
import unicodedata

# Letters that look like Latin ones (Cyrillic and Greek homoglyphs people paste or keyboards produce).
_LOOKALIKES = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
    "А": "a", "Е": "e", "О": "o", "Р": "p", "С": "c", "Х": "x", "І": "i", "α": "a", "ο": "o", "ι": "i",
    "ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d",
})
_NON_WORD = re.compile(r"[^a-z0-9]+")
_RUNS = re.compile(r"([a-z])\1{2,}")


def normalise(text: str) -> str:
    """Lower case, accents and punctuation removed, look-alike letters made Latin, letter runs of 3+ cut to 2
    ("sooo" -> "soo"), apostrophes dropped inside words ("don't" -> "dont"), spaces single."""
    text = unicodedata.normalize("NFKC", text).translate(_LOOKALIKES)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("'", "").replace("\u2019", "").replace("`", "")
    text = _NON_WORD.sub(" ", text)
    text = _RUNS.sub(r"\1\1", text)
    return " ".join(text.split())
