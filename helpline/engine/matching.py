"""Keywords, synonyms and misspelling-tolerant phrase matching (menus, keywords, flows without examples).

A phrase matches a message when each of its words is found in the message, in any order, either exactly, by a
simple stem ("detoxing" ~ "detox"), by a synonym the flow declares, or within a small edit distance for longer
words ("withdrawl" ~ "withdrawal"). The best match is the one that explains the most of its phrase.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from helpline.understanding.normalise import normalise  # noqa: F401 - the one normaliser, re-exported here
from helpline.understanding.words import stem, within_edits  # the one stemmer and edit distance

# Words too common to tell one topic from another. Kept small: "how", "long", "safe" carry meaning here.
STOPWORDS = frozenset(
    "a an the is are am was were be been to of for on in at it its do does did i im i'm me my you your u ur "
    "can could would should will and or so with about this that there please pls plz hi hello hey just "
    "what whats any some have has had get got if".split()
    # Spanish function words (matched without accents: "qué" is "que"). None of them is an English word a phrase
    # here needs; "no", "si" and "sin" are kept because they carry meaning ("sin seguro").
    + "el la los las un una unos unas de del al y e o en es que por para con se lo le les mi mis tu tus su sus "
      "este esta esto eso ese esa hay muy pero como yo te nos usted ustedes hola buenas buenos dias tardes noches "
      "favor porfa porfavor quiero".split()
)
NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
                "six": "6", "seven": "7", "eight": "8", "nine": "9", "zero": "0"}


def _edit_limit(word: str) -> int:
    return 0 if len(word) < 5 else 1 if len(word) < 9 else 2


@dataclass(frozen=True)
class Phrase:
    """A phrase as written in the flow, and the words it must find."""

    text: str
    words: tuple[str, ...]


class Vocabulary:
    """A flow's synonyms, applied to both the phrases and the messages."""

    def __init__(self, synonyms: Mapping[str, Iterable[str]] | None = None):
        self._canon: dict[str, str] = {}
        for canonical, variants in (synonyms or {}).items():
            canon = normalise(canonical)
            for variant in variants:
                self._canon[normalise(variant)] = canon

    def words(self, text: str, *, keep_stopwords: bool = False) -> tuple[str, ...]:
        out = []
        for word in normalise(text).split():
            word = self._canon.get(word, word)
            if keep_stopwords or word not in STOPWORDS:
                out.append(word)
        return tuple(out)

    def message(self, text: str) -> tuple[str, ...]:
        """A message's words for matching: stopwords kept, so a phrase made only of them ("what is it") can match;
        they never stop a phrase from matching, since a phrase only asks for its own words."""
        return self.words(text, keep_stopwords=True)

    def phrase(self, text: str) -> Phrase:
        words = self.words(text) or self.words(text, keep_stopwords=True)
        return Phrase(text, words)


EXACT, FUZZY = 2, 1


def how_found(word: str, message_words: Iterable[str], stems: frozenset[str] | None = None) -> int:
    """:data:`EXACT` when ``word`` (from a phrase) is in the message as written or by stem, :data:`FUZZY` when only
    as a close misspelling, 0 when not at all. ``stems``: the message's words and their stems, when the caller
    looks up many phrase words in one message (see :func:`rank`)."""
    target = stem(word)
    if stems is not None:
        if word in stems or target in stems:
            return EXACT
    else:
        message_words = tuple(message_words)
        if any(candidate == word or stem(candidate) == target for candidate in message_words):
            return EXACT
    limit = _edit_limit(word)
    if limit and any(within_edits(candidate, word, limit) for candidate in message_words):
        return FUZZY
    return 0


def word_found(word: str, message_words: Iterable[str]) -> bool:
    """True when ``word`` (from a phrase) is in the message exactly, by stem, or as a close misspelling."""
    return how_found(word, message_words) > 0


def score(phrase: Phrase, message_words: tuple[str, ...], seen: dict[str, int] | None = None,
          stems: frozenset[str] | None = None) -> int:
    """How well ``phrase`` is found in the message: 0 when any of its words is missing, else its weight.

    More words found beat fewer; among those, words found as written (or by stem) beat close misspellings, then
    longer words beat shorter ones.
    """
    if not phrase.words:
        return 0
    total = 0
    for word in phrase.words:
        if seen is None:
            found = how_found(word, message_words)
        else:  # the same phrase words recur across a flow's phrases: look each up once per message
            found = seen.get(word, -1)
            if found < 0:
                found = seen[word] = how_found(word, message_words, stems)
        if not found:
            return 0
        total += 1000 + (50 if found == EXACT else 0) + len(word)
    return total


def rank(candidates: Iterable[tuple[str, Phrase]],
         message_words: tuple[str, ...]) -> tuple[str, Phrase, int] | None:
    """The (target, phrase, score) whose phrase best matches the message, first one on a tie; None when none match."""
    winner, top = None, 0
    seen: dict[str, int] = {}
    stems = frozenset(message_words) | frozenset(stem(w) for w in message_words)
    for target, phrase in candidates:
        s = score(phrase, message_words, seen, stems)
        if s > top:
            winner, top = (target, phrase, s), s
    return winner


def best(candidates: Iterable[tuple[str, Phrase]], message_words: tuple[str, ...]) -> tuple[str, Phrase] | None:
    """The (target, phrase) whose phrase best matches the message, first one on a tie; None when none match."""
    found = rank(candidates, message_words)
    return (found[0], found[1]) if found else None
