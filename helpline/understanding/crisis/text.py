"""Reading a folded message's words the lexicon's way: leetspeak signs kept inside words, punctuation as clause
breaks, each word's matching key. Folding itself (accents, look-alike letters, quotes, offsets back into the
original) is the one normaliser's (:func:`helpline.understanding.normalise.fold`).

Module level: none of this depends on the lexicon.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from helpline.understanding.normalise import fold
from helpline.understanding.words import stem_crisis

# A word may hold leetspeak signs ($ @ | * and ! between letters); punctuation marks clause breaks.
TOKEN = re.compile(r"[a-z0-9$@'|*]+(?:!+[a-z0-9$@'|*]+)*|[.?!;:,\n]")
WORD = re.compile(r"[a-z0-9$@'|*]+(?:!+[a-z0-9$@'|*]+)*")
_LEET_I = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a", "!": "i", "|": "l"}
)
_LEET_L = str.maketrans(
    {"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a", "!": "i", "|": "l"}
)
_SIGNS = str.maketrans({"$": "s", "@": "a", "!": "i", "|": "l"})
REPEAT = re.compile(r"(.)\1+")
REPEAT3 = re.compile(r"(.)\1\1+")


@lru_cache(maxsize=65536)
def spellings(token: str) -> tuple[tuple[str, ...], bool]:
    """The ways to read a raw word (most likely first), and whether leetspeak was undone."""
    t = token.strip("'")
    if not t:
        return (), False
    letters = sum(c.isalpha() for c in t)
    if not letters:
        number = "".join(c for c in t if c.isdigit())
        return ((number,) if number else ()), False
    digits = sum(c.isdigit() for c in t)
    if digits and digits < letters:  # "k1ll", "my5elf"; not "10mg"
        options = [t.translate(_LEET_I)]
        if "1" in t:
            options.append(t.translate(_LEET_L))  # "ki11"
    else:
        options = [t.translate(_SIGNS)]
    leet = options[0].replace("*", "") != t.replace("*", "")
    if "*" in t:  # censored: "k*ll", "s*icide"
        options = [o.replace("*", v) for o in options for v in "iueoa"] + [
            o.replace("*", "") for o in options
        ]
    return tuple(o for o in options if o), leet


_IRREGULAR = {
    "died": "die",
    "dies": "die",
    "dying": "die",
    "dyin": "die",
    "tried": "try",
    "tries": "try",
    "trying": "try",
    "lying": "lie",
    "lies": "lie",
}
PAST_FORMS = frozenset(
    """was were had did took got went came tried died made felt thought said told found gave
    ran saw ate drank fell left lost kept began became overdid shot slept woke broke spent
    swallowed""".split()
)
DETERMINERS = frozenset("my his her their our your an a the that last first previous prior old".split())


@lru_cache(maxsize=65536)
def word_key(word: str) -> str:
    """The matching key of one word: a letter typed three times or more kept twice, and the ending
    stripped."""
    w = REPEAT3.sub(r"\1\1", word)
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    w = stem_crisis(w)
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    return w


def is_past(word: str) -> bool:
    return word in PAST_FORMS or (len(word) > 3 and word.endswith("ed"))


def words_of(text: str) -> str:
    """The folded words of ``text`` (no lexicon expansion): what a person would call its plain lower-case
    form."""
    folded, _ = fold(text)
    words = []
    for m in TOKEN.finditer(folded):
        t = m.group()
        if t[0] not in ".?!;:,\n":
            options, _leet = spellings(t)
            if options:
                words.append(options[0].replace("'", ""))
    return " ".join(words)



class Tokens:
    """The expanded words of a message with their keys, flags and where they came from in the original
    text."""

    __slots__ = ("words", "keys", "starts", "ends", "clauses", "flags", "_clean", "_offsets")

    def __init__(self) -> None:
        self.words: list[str] = []
        self.keys: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.clauses: list[int] = []
        self.flags: list[int] = []
        self._clean: str | None = None
        self._offsets: list[int] = []

    def clean(self) -> str:
        """The words joined by spaces (what ``patterns`` run on)."""
        if self._clean is None:
            offsets, pos = [], 0
            for w in self.words:
                offsets.append(pos)
                pos += len(w) + 1
            self._offsets = offsets
            self._clean = " ".join(self.words)
        return self._clean

    def token_at(self, char: int) -> int:
        return bisect.bisect_right(self._offsets, char) - 1

