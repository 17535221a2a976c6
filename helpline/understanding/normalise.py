"""The one text normaliser: what every part of understanding reads instead of the raw message.

A message is folded once (Unicode compatibility forms, accents, look-alike letters, case, apostrophes, spacing,
letter runs) and that form is passed on: topic routing, the crisis model and keyword matching all read it.

:func:`fold` is the shared first half, character by character so that it can say where each character came from:
the crisis lexicon folds with it too (its spans point into the original message) and then reads the words its own
way (leetspeak, spaced-out letters: :mod:`helpline.understanding.crisis.text`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Apostrophes and the marks typed for one (curly quotes, primes, the modifier letter): all read as "'".
_QUOTES = {ord(c): "'" for c in "\u2018\u2019\u201a\u201b\u02bc\u02b9\u0060\u00b4\u2032\uff07"}
# Letters that look like Latin ones (Cyrillic and Greek homoglyphs people paste or keyboards produce: "kіll" with a
# Cyrillic i), and Latin letters that have no decomposition. Looked up after case folding, so lower case only.
_LOOKALIKES = {
    **dict(zip("аеорсухіјѕкмтвнοαειкνρτυχ", "aeopcyxijskmtbhoaeikvptux", strict=True)),
    "ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d",
}
_NON_WORD = re.compile(r"[^a-z0-9]+")
_RUNS = re.compile(r"([a-z])\1{2,}")


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    ch = ch.translate(_QUOTES)
    if ch == "'":
        return "'"
    if unicodedata.category(ch) == "Cf":  # zero-width space/joiner, soft hyphen: invisible, so not a break
        return ""
    out = []
    for c in unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", ch)).casefold():
        if unicodedata.combining(c):
            continue
        c = _LOOKALIKES.get(c, c)
        out.append(c if c.isascii() else " ")
    return "".join(out).lower()


def fold(text: str) -> tuple[str, list[int] | None]:
    """Plain lower-case ASCII (compatibility forms, accents dropped, look-alike letters made Latin, apostrophes
    made "'", invisible characters removed, anything else a space), and for each of its characters the index it
    came from in ``text`` (None: the same index, ``text`` was ASCII)."""
    if text.isascii():
        return text.lower(), None
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        s = _folded(ch)
        out.append(s)
        where.extend([i] * len(s))
    return "".join(out), where


def _folded(ch: str) -> str:
    return ch.lower() if ch < "\x80" else _fold_char(ch)


def normalise(text: str) -> str:
    """Folded (:func:`fold`), apostrophes dropped inside words ("don't" -> "dont"), punctuation removed, letter
    runs of 3+ cut to 2 ("sooo" -> "soo"), spaces single."""
    # fold()'s characters without its offsets, which only the crisis lexicon needs (this runs on every message)
    text = text.lower() if text.isascii() else "".join(map(_folded, text))
    text = text.replace("'", "").replace("`", "")
    text = _NON_WORD.sub(" ", text)
    text = _RUNS.sub(r"\1\1", text)
    return " ".join(text.split())
