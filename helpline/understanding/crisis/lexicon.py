"""The crisis screen: does this message say someone is in danger now, and which resource do they need?

The lexicon is content (``flows/crisis.yaml``), so the clinical team can change it without code. This module
turns
it into one Aho-Corasick automaton and screens every inbound message (an SMS body or a speech transcript) with
it.

How a message is read
    1. *Folding*: Unicode NFKC then NFKD with accents dropped (fullwidth letters, ``suicídio``, ligatures),
       invisible characters removed (zero-width spaces), curly quotes made straight, lower case.
    2. *Words*: split on anything that is not a letter, a digit or a leetspeak sign; ``$uicide``, ``k1ll``,
       ``my5elf``, ``k!ll``, censored ``k*ll`` are read as letters; ``k i l l`` / ``k.i.l.l`` are joined up.
    3. *Expansion*: the lexicon's contractions (``dont`` -> ``do not``) and slang (``kms`` -> ``kill myself``,
       ``od'd`` -> ``overdosed``); speech fillers (``um``, ``like``) dropped.
    4. *Keys*: each word's matching key has repeated letters squeezed (``dieeee``, ``killl``) and its ending
       stripped (``overdosed`` / ``overdosing`` / ``overdose``); a word one letter away from one of the
       lexicon's
       ``fuzzy`` words (``sucide``, ``overdoes``) is read as that word.
    5. *Automaton*: one pass of an Aho-Corasick automaton over the keys finds every phrase and every context
    cue
       (negation, question, past, benign words), so the cost does not grow with the size of the lexicon. A few
       named regular expressions (``patterns``) run over the expanded words for phrase families.
    6. *Context*: a phrase found is set aside (and reported in ``suppressed`` with the reason) when it is
    negated
       ("I'm not suicidal"), a general question ("can you overdose on kratom?"), a past event ("I overdosed
       last
       year and got clean") or next to one of its category's benign words ("not responding to my texts"). Each
       rule
       is narrow: when unsure, the screen raises the alarm.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

import ahocorasick

from helpline.content import segments, templating, yamlsource
from helpline.errors import ContentError, Problem

CHANNELS = ("sms", "voice")
SEVERITIES = ("critical", "high", "medium", "concern")  # most severe first
# "concern": a category's elevated tier (passive ideation, ambiguous distress). Still a crisis (a person is
# alerted), answered with the category's gentler check-in reply when the caller asks for it by severity.
CONCERN = "concern"
IGNORE_REASONS = ("negated", "past", "question", "benign")
SMS_MAX_SEPTETS = 306  # two concatenated GSM-7 segments of 153
SMS_MAX_SEGMENTS = 2
# Languages whose SMS replies may go as UCS-2, and how many segments they may take. Spanish needs a i o u with
# an acute accent, which are not GSM-7, so a Spanish text is sent as UCS-2: 70 characters in one segment, 67 a
# segment once split. Two UCS-2 segments (134 characters) cannot hold a complete crisis reply (988, "marque 2",
# AYUDA, 911 and the helpline's number), and a crisis reply must be complete, so Spanish replies may take three
# segments (201 UCS-2 characters, or 459 GSM-7 septets if written without those letters). Other languages keep
# the GSM-7, two-segment rule.
SMS_SEGMENTS_BY_LANG = {"es": 3}

# Why a match fired, from the most to the least telling; a match reports the first that applies.
RULES = ("fuzzy", "slang", "spacing", "leet", "phrase")
_FUZZY, _SLANG, _SPACING, _LEET, _PLAIN = range(5)

# ------------------------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Match:
    """One piece of evidence: which lexicon phrase fired, by which rule, on which part of the message.

    ``rule`` is ``phrase``, ``slang``, ``fuzzy`` (a misspelling), ``spacing`` (``k i l l``), ``leet``
    (``k1ll``) or
    ``pattern:<name>``. ``span`` is the (start, end) of ``text`` in the message; ``reason`` is set on a
    suppressed
    match only: ``negated``, ``past``, ``question`` or ``benign``.
    """

    category: str
    phrase: str
    rule: str
    text: str
    span: tuple[int, int] | None = None
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "category": self.category,
            "phrase": self.phrase,
            "rule": self.rule,
            "text": self.text,
        }
        if self.span is not None:
            out["span"] = list(self.span)
        if self.reason is not None:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class Verdict:
    """The screen's answer for one message. ``matches`` explains a hit; ``crisis`` is False when none fired.

    ``suppressed`` lists phrases that were found but ruled out, each with its ``reason``.
    """

    crisis: bool
    category: str | None = None
    severity: str | None = None
    matches: tuple[Match, ...] = ()
    suppressed: tuple[Match, ...] = ()

    def as_json(self, text: str) -> dict[str, Any]:
        return {
            "text": text,
            "crisis": self.crisis,
            "category": self.category,
            "severity": self.severity,
            "matches": [m.as_json() for m in self.matches],
            "suppressed": [m.as_json() for m in self.suppressed],
        }


NO_CRISIS = Verdict(False)


@dataclass
class Category:
    name: str
    severity: str
    phrases: list[str]
    replies: dict[str, dict[str, str]] = field(default_factory=dict)  # lang -> channel -> rendered text
    description: str = ""
    slang: list[str] = field(default_factory=list)
    patterns: dict[str, str] = field(default_factory=dict)
    benign: list[str] = field(default_factory=list)
    ignore_when: tuple[str, ...] = IGNORE_REASONS
    # The elevated "concern" tier: phrases and patterns that raise severity "concern", not the category's own.
    concern_phrases: list[str] = field(default_factory=list)
    concern_patterns: dict[str, str] = field(default_factory=dict)
    concern_benign: list[str] = field(default_factory=list)
    concern_replies: dict[str, dict[str, str]] = field(default_factory=dict)
    # Phrases or pattern names that `benign` words never set aside (a dealer's threat is not a figure of speech).
    firm: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------------------
# Folding and words (module level: they do not depend on the lexicon)

_QUOTES = {ord(c): "'" for c in "\u2018\u2019\u201a\u201b\u02bc\u02b9\u0060\u00b4\u2032\uff07"}
# Cyrillic and Greek letters that look like Latin ones ("kіll" with a Cyrillic i).
_CONFUSABLES = dict(zip("аеорсухіјѕкмтвнοαειкνρτυχ", "aeopcyxijskmtbhoaeikvptux", strict=True))


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
        c = _CONFUSABLES.get(c, c)
        out.append(c if c.isascii() else " ")
    return "".join(out).lower()


def fold(text: str) -> tuple[str, list[int] | None]:
    """Plain lower-case ASCII, and for each of its characters the index it came from in ``text`` (None:
    same)."""
    if text.isascii():
        return text.lower(), None
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        s = ch.lower() if ch < "\x80" else _fold_char(ch)
        out.append(s)
        where.extend([i] * len(s))
    return "".join(out), where


# A word may hold leetspeak signs ($ @ | * and ! between letters); punctuation marks clause breaks.
_TOKEN = re.compile(r"[a-z0-9$@'|*]+(?:!+[a-z0-9$@'|*]+)*|[.?!;:,\n]")
_WORD = re.compile(r"[a-z0-9$@'|*]+(?:!+[a-z0-9$@'|*]+)*")
_LEET_I = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a", "!": "i", "|": "l"}
)
_LEET_L = str.maketrans(
    {"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a", "!": "i", "|": "l"}
)
_SIGNS = str.maketrans({"$": "s", "@": "a", "!": "i", "|": "l"})
_REPEAT = re.compile(r"(.)\1+")
_REPEAT3 = re.compile(r"(.)\1\1+")


@lru_cache(maxsize=65536)
def _spellings(token: str) -> tuple[tuple[str, ...], bool]:
    """The ways to read a raw word (most likely first), and whether leetspeak was undone."""
    t = token.strip("'")
    if not t:
        return (), False
    letters = sum(c.isalpha() for c in t)
    if not letters:
        digits = "".join(c for c in t if c.isdigit())
        return ((digits,) if digits else ()), False
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
_PAST_FORMS = frozenset(
    """was were had did took got went came tried died made felt thought said told found gave
    ran saw ate drank fell left lost kept began became overdid shot slept woke broke spent
    swallowed""".split()
)
_DETERMINERS = frozenset("my his her their our your an a the that last first previous prior old".split())


@lru_cache(maxsize=65536)
def word_key(word: str) -> str:
    """The matching key of one word: a letter typed three times or more kept twice, and the ending
    stripped."""
    w = _REPEAT3.sub(r"\1\1", word)
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    for suffix in ("ing", "ed", "es", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            if suffix == "s" and w.endswith(("is", "us", "os")):
                break
            w = w[: -len(suffix)]
            break
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    return w


def _is_past(word: str) -> bool:
    return word in _PAST_FORMS or (len(word) > 3 and word.endswith("ed"))


def _damerau1(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one insertion, deletion, substitution or transposition."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        return a[i + 1 :] == b[i + 1 :] or (
            i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
        )
    if la > lb:
        return a[i + 1 :] == b[i:]
    return a[i:] == b[i + 1 :]


def normalise(text: str) -> str:
    """The folded words of ``text`` (no lexicon expansion): what a person would call its plain lower-case
    form."""
    folded, _ = fold(text)
    words = []
    for m in _TOKEN.finditer(folded):
        t = m.group()
        if t[0] not in ".?!;:,\n":
            options, _leet = _spellings(t)
            if options:
                words.append(options[0].replace("'", ""))
    return " ".join(words)


# ------------------------------------------------------------------------------------------------------------
# Tokens of one message


class _Tokens:
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


# ------------------------------------------------------------------------------------------------------------
# The lexicon


@dataclass
class Lexicon:
    """A loaded, validated crisis lexicon."""

    path: str
    version: str
    categories: dict[str, Category]
    languages: tuple[str, ...] = ("en",)
    _engine: _Engine | None = field(default=None, repr=False, compare=False)
    model: Any = field(default=None, repr=False, compare=False)  # helpline.understanding.crisis.model.CrisisModel

    def screen(self, text: str, norm: str | None = None) -> Verdict:
        """Screen one whole inbound message (an SMS body or a speech transcript): the lexicon's phrases, then the
        trained model (see :mod:`helpline.understanding.crisis.model`). ``norm``: the message already normalised."""
        if self._engine is None or not text:
            return NO_CRISIS
        verdict = self._engine.screen(text)
        if self.model is not None:
            verdict = self.model.combine(text, verdict, norm)
            if verdict.crisis and verdict.severity is None and verdict.category in self.categories:
                verdict = replace(verdict, severity=self.categories[verdict.category].severity)
        return verdict

    def rules_only(self, text: str) -> Verdict:
        """The lexicon's verdict alone (for evaluation: what the phrases find without the model)."""
        if self._engine is None or not text:
            return NO_CRISIS
        return self._engine.screen(text)

    def reply(self, category: str, channel: str, lang: str, severity: str | None = None) -> str:
        """The category's reply for a channel and language (falling back to English, then to SMS text).

        ``severity="concern"`` gives the category's gentler check-in reply when it has one; any other severity
        (or none, as older callers pass) gives the category's own reply.
        """
        cat = self.categories[category]
        replies = cat.concern_replies if severity == CONCERN and cat.concern_replies else cat.replies
        by_channel = replies.get(lang) or replies["en"]
        return by_channel.get(channel) or by_channel["sms"]


class _Engine:
    """The compiled form of a lexicon: word maps, the automaton, the patterns."""

    def __init__(self, categories: list[Category], words: dict[str, Any], context: dict[str, Any]):
        self.category_names = [c.name for c in categories]
        self.clause_breaks = frozenset(
            ["but"] + [word_key(w) for w in normalise(" ".join(context.get("clause_breaks") or [])).split()]
        )
        self.categories = {c.name: c for c in categories}
        self.rank = {c.name: (SEVERITIES.index(c.severity), i) for i, c in enumerate(categories)}
        self.ignore = {c.name: frozenset(c.ignore_when) for c in categories}
        self.concern_phrases = {(c.name, p) for c in categories for p in c.concern_phrases}
        self.concern_patterns = {(c.name, n) for c in categories for n in c.concern_patterns}
        self.firm = {(c.name, f) for c in categories for f in c.firm}
        self.single: dict[str, tuple[tuple[str, ...], int]] = {}
        self.pairs: dict[tuple[str, str], tuple[tuple[str, ...], int]] = {}
        for kind, flag in (("contractions", _PLAIN), ("slang", _SLANG)):
            for key, value in (words.get(kind) or {}).items():
                expansion = tuple(normalise(value).split())
                raw = key.lower().replace("\u2019", "'")
                if "'" in raw and " " not in raw:
                    # "od'd" is slang only with its apostrophe: "odd" is a word
                    self.single[raw] = (expansion, flag)
                    continue
                parts = tuple(normalise(key).split())
                if len(parts) == 1:
                    self.single[parts[0]] = (expansion, flag)
                elif len(parts) == 2:
                    self.pairs[parts] = (expansion, flag)
        self.fillers = frozenset(word_key(w) for w in normalise(" ".join(words.get("fillers") or [])).split())
        self.not_fuzzy = frozenset(normalise(" ".join(words.get("not_fuzzy") or [])).split())
        self.pair_first = frozenset(p[0] for p in self.pairs)
        self.pair_second = frozenset(p[1] for p in self.pairs)

        self.vocab: set[str] = set()
        self._cache: dict[str, tuple[tuple[str, str, int, bool], ...]] = {}
        self._building = True  # lexicon text is never "corrected" by the fuzzy rule
        self.fuzzy_words: dict[str, str] = {}
        self.fuzzy_index: dict[str, set[str]] = {}
        self.fuzzy_first: frozenset[str] = frozenset()
        self.automaton = ahocorasick.Automaton()  # phrases and context cues: the full analysis
        self.triggers = ahocorasick.Automaton(ahocorasick.STORE_INTS)  # phrases only: the quick first look

        def keys_of(phrase: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
            toks = self._expand_plain(phrase)
            return tuple(w for w, _ in toks), tuple(word_key(w) for w, _ in toks)

        self._keys_of = keys_of
        for cat in categories:
            for phrases, rule in ((cat.phrases, "phrase"), (cat.slang, "slang")):
                for phrase in phrases:
                    words_, keys = keys_of(phrase)
                    if not keys:
                        continue
                    self._add(keys, ("t", cat.name, phrase, rule, len(keys)))
                    joined = "".join(words_)
                    if 2 <= len(keys) <= 4 and len(joined) >= 6:
                        self._add((word_key(joined),), ("t", cat.name, phrase, "spacing", 1))
            for phrase in cat.benign:
                _, keys = keys_of(phrase)
                if keys:
                    self._add(keys, ("c", "benign:" + cat.name, len(keys)))
        # The concern tier after every category's own phrases: the same words found at both tiers stay at the
        # category's own severity.
        for cat in categories:
            for phrase in cat.concern_phrases:
                words_, keys = keys_of(phrase)
                if keys:
                    self._add(keys, ("t", cat.name, phrase, "phrase", len(keys)))
            for phrase in cat.concern_benign:
                _, keys = keys_of(phrase)
                if keys:
                    self._add(keys, ("c", "benign_concern:" + cat.name, len(keys)))
        for kind in ("negation", "negation_adjacent", "question", "question_after", "past", "recurrence"):
            for phrase in context.get(kind) or []:
                _, keys = keys_of(phrase)
                if keys:
                    self._add(keys, ("c", kind, len(keys)))
        self.bridge = frozenset(word_key(w) for w in normalise(" ".join(context.get("bridge") or [])).split())
        self.subjects = frozenset(
            word_key(w) for w in normalise(" ".join(context.get("subjects") or [])).split()
        )
        self.reporting = frozenset(
            word_key(w) for w in normalise(" ".join(context.get("reporting") or [])).split()
        )
        self.specific = frozenset(
            word_key(w) for w in normalise(" ".join(context.get("specific") or [])).split()
        )
        self.vocab |= self.bridge | self.subjects | self.reporting | self.specific
        # Other languages' past tenses ("tuvo", "intente", "pegaba"), nouns' determiners ("una sobredosis") and
        # clause breaks ("pero"), on top of the English ones in the code.
        self.past_words = _PAST_FORMS | frozenset(normalise(" ".join(context.get("past_tense") or [])).split())
        self.past_endings = tuple(normalise(" ".join(context.get("past_endings") or [])).split())
        self.determiners = _DETERMINERS | frozenset(
            normalise(" ".join(context.get("determiners") or [])).split()
        )
        for expansion, _flag in list(self.single.values()) + list(self.pairs.values()):
            self.vocab.update(word_key(w) for w in expansion)
        if len(self.automaton):
            self.automaton.make_automaton()
        if len(self.triggers):
            self.triggers.make_automaton()
        self.patterns = [
            (cat.name, name, re.compile(r"(?<!\S)(?:" + rx + r")(?!\S)"))
            for cat in categories
            for name, rx in [*cat.patterns.items(), *cat.concern_patterns.items()]
        ]
        self.past_patterns = [re.compile(rx) for rx in context.get("past_patterns") or []]
        # Each pattern's anchors: literal strings one of which is in every text it matches. One automaton pass
        # over a message finds the patterns worth running, so routine messages run none.
        self.anchors = ahocorasick.Automaton(ahocorasick.STORE_ANY)
        self.unanchored: list[int] = []
        self.anchor_sets: list[int] = []  # per pattern: how many anchor sets must all have a hit
        for i, (_cat, _name, rx) in enumerate(self.patterns):
            sets = _anchors(rx.pattern)
            self.anchor_sets.append(len(sets))
            if not sets:
                self.unanchored.append(i)
            for j, found in enumerate(sets):
                for a in found:
                    entry = self.anchors.get(a, None)
                    if entry is None:
                        self.anchors.add_word(a, [(i, j)])
                    elif (i, j) not in entry:
                        entry.append((i, j))
        if len(self.anchors):
            self.anchors.make_automaton()

        for w in normalise(" ".join(words.get("fuzzy") or [])).split():
            k = word_key(w)
            self.fuzzy_words[k] = w
            for d in {k} | {k[:i] + k[i + 1 :] for i in range(len(k))}:
                self.fuzzy_index.setdefault(d, set()).add(k)
        self.fuzzy_first = frozenset(k[0] for k in self.fuzzy_words)
        self.vocab.update(self.fuzzy_words)
        self.squeezed: dict[str, set[str]] = {}
        for k in self.vocab:
            self.squeezed.setdefault(_REPEAT.sub(r"\1", k), set()).add(k)
        self._cache.clear()
        self._quick: dict[str, tuple[str, str, bool]] = {}
        self._building = False

    # -- building

    def _add(self, keys: Sequence[str], entry: tuple) -> None:
        self.vocab.update(keys)
        pattern = " " + " ".join(keys) + " "
        if entry[0] == "t" and pattern not in self.triggers:
            self.triggers.add_word(pattern, 1)
        existing = self.automaton.get(pattern, None)
        if existing is None:
            self.automaton.add_word(pattern, [entry])
        elif entry[0] == "t" and any(x[0] == "t" and x[1] == entry[1] for x in existing):
            return  # same words as an earlier phrase of the category once endings are ignored
        elif entry not in existing:
            existing.append(entry)

    def _expand_plain(self, text: str) -> list[tuple[str, int]]:
        """Lexicon text (a phrase or a cue) as expanded words, the same way a message is read."""
        toks = _Tokens()
        self._fill(
            toks,
            [(m.group(), 0, 0, 0) for m in _TOKEN.finditer(fold(text)[0]) if m.group()[0] not in ".?!;:,\n"],
        )
        return list(zip(toks.words, toks.flags, strict=True))

    # -- reading a message

    def _resolve(self, raw: str) -> tuple[tuple[str, str, int, bool], ...]:
        """One raw word as (word, key, flag, past) items: leetspeak undone, expanded, fillers dropped."""
        hit = self._cache.get(raw)
        if hit is not None:
            return hit
        options, leet = _spellings(raw)
        words: tuple[str, ...] = ()
        flag = _LEET if leet else _PLAIN
        for option in options:
            plain = option.replace("'", "")
            expansion = (
                self.single.get(option)
                or self.single.get(plain)
                or self.single.get(_REPEAT3.sub(r"\1", plain))
            )
            if expansion is not None:
                words, exp_flag = expansion
                flag = min(flag, exp_flag)
                break
            if word_key(plain) in self.vocab:
                words = (plain,)
                break
        else:
            if options:
                words = (options[0].replace("'", ""),)
        items = []
        for w in words:
            if not w:
                continue
            k = word_key(w)
            f = flag
            if k not in self.vocab and not self._building:
                # letters typed over and over ("diiie", "killlll"): the lexicon word it squeezes to, if only
                # one
                k1 = word_key(_REPEAT3.sub(r"\1", w))
                same = {k1} if k1 in self.vocab else self.squeezed.get(_REPEAT.sub(r"\1", k1))
                if same is not None and len(same) == 1:
                    k = next(iter(same))
            if k in self.fillers:
                continue
            if (
                k not in self.vocab
                and len(k) >= 5
                and k[0] in self.fuzzy_first
                and k.isalpha()
                and w not in self.not_fuzzy
                and not self._building
            ):
                target = self._fuzzy(k)
                if target is not None:
                    w, k, f = self.fuzzy_words[target], target, _FUZZY
            items.append((w, k, f, _is_past(w)))
        result = tuple(items)
        if len(self._cache) > 200_000:
            self._cache.clear()
            self._quick.clear()
        self._cache[raw] = result
        return result

    def _fuzzy(self, k: str) -> str | None:
        found: set[str] = set()
        for d in {k} | {k[:i] + k[i + 1 :] for i in range(len(k))}:
            found |= self.fuzzy_index.get(d, set())
        best = sorted(t for t in found if t[0] == k[0] and _damerau1(k, t))
        return best[0] if best else None

    def _raw_tokens(self, text: str) -> list[tuple[str, int, int, int]]:
        folded, where = fold(text)
        raws = []
        clause = 0
        for m in _TOKEN.finditer(folded):
            t = m.group()
            if t[0] in ".?!;:,\n":
                clause += 1
                continue
            s, e = m.start(), m.end()
            if where is not None:
                s, e = where[s], where[e - 1] + 1
            raws.append((t, s, e, clause))
        return raws

    def _fill(
        self, toks: _Tokens, raws: Sequence[tuple[str, int, int, int]], spaced: frozenset = frozenset()
    ) -> None:
        words, keys, starts, ends, clauses, flags = (
            toks.words,
            toks.keys,
            toks.starts,
            toks.ends,
            toks.clauses,
            toks.flags,
        )
        resolve, pair_second = self._resolve, self.pair_second
        clause_shift = 0
        for n, (raw, s, e, clause) in enumerate(raws):
            for w, k, f, _past in resolve(raw):
                if k in self.clause_breaks:
                    clause_shift += 1
                if w in pair_second and words and (words[-1], w) in self.pairs:
                    expansion, pf = self.pairs[(words[-1], w)]
                    prev_flag = flags[-1]
                    s0 = starts[-1]
                    for lst in (words, keys, starts, ends, clauses, flags):
                        lst.pop()
                    for w2 in expansion:
                        words.append(w2)
                        keys.append(word_key(w2))
                        starts.append(s0)
                        ends.append(e)
                        clauses.append(clause + clause_shift)
                        flags.append(min(pf, prev_flag, f))
                    continue
                words.append(w)
                keys.append(k)
                starts.append(s)
                ends.append(e)
                clauses.append(clause + clause_shift)
                flags.append(min(f, _SPACING) if spaced and n in spaced else f)

    def _variants(self, raws: list[tuple[str, int, int, int]]) -> list[tuple[list, frozenset]]:
        """The message as written, plus (if it has runs of single letters: "k i l l") with those joined up."""
        runs = []
        i = 0
        while i < len(raws):
            j = i
            while j < len(raws) and len(raws[j][0]) == 1 and raws[j][0] not in "'":
                j += 1
            if j - i >= 2:
                runs.append((i, j))
            i = max(j, i + 1)
        if not runs:
            return [(raws, frozenset())]
        variants: list[tuple[list, frozenset]] = [(raws, frozenset())]
        for keep_pronoun in (False, True):
            out, spaced = [], set()
            prev = 0
            for i, j in runs:
                out.extend(raws[prev:i])
                if keep_pronoun and raws[i][0] in ("i", "a") and j - i >= 3:
                    out.append(raws[i])
                    i += 1
                joined = "".join(r[0] for r in raws[i:j])
                spaced.add(len(out))
                out.append((joined, raws[i][1], raws[j - 1][2], raws[i][3]))
                prev = j
            out.extend(raws[prev:])
            variants.append((out, frozenset(spaced)))
        return variants

    def _quiet(self, text: str) -> bool:
        """A quick first look: True when no phrase or pattern can fire, so the full analysis is not needed.

        Most messages are routine; this reads them with cached word lookups, one automaton pass and the
        patterns,
        and leaves everything unusual (letters spaced out, two-word contractions) to the full analysis.
        """
        folded = text.lower() if text.isascii() else fold(text)[0]
        quick = self._quick
        keys: list[str] = []
        words: list[str] = []
        single = 0
        for raw in _WORD.findall(folded):
            hit = quick.get(raw)
            if hit is None:
                items = self._resolve(raw)
                hit = quick[raw] = (
                    " ".join(i[1] for i in items),
                    " ".join(i[0] for i in items),
                    not self.pair_second.isdisjoint(i[0] for i in items),
                )
            if len(raw) == 1:
                single += 1
                if single >= 2:
                    return False  # "k i l l": let the full analysis join the letters up
            else:
                single = 0
            if hit[0]:
                if hit[2]:
                    return False  # a two-word contraction ("my self")
                keys.append(hit[0])
                words.append(hit[1])
        if not keys:
            return True
        if len(self.triggers):
            for _ in self.triggers.iter(" " + " ".join(keys) + " "):
                return False
        clean = " ".join(words)
        patterns = self.patterns
        return not any(patterns[i][2].search(clean) for i in self._candidates(clean))

    def _candidates(self, clean: str) -> list[int]:
        """The patterns that may match ``clean``: those with an anchor in it, and any without anchors."""
        if not len(self.anchors):
            return self.unanchored
        hits = {ij for _end, ids in self.anchors.iter(clean) for ij in ids}
        if not hits:
            return self.unanchored
        counts: dict[int, int] = {}
        for i, _j in hits:
            counts[i] = counts.get(i, 0) + 1
        found = [i for i, n in counts.items() if n == self.anchor_sets[i]]
        if not found:
            return self.unanchored
        return sorted(set(found).union(self.unanchored))

    def screen(self, text: str) -> Verdict:
        if self._quiet(text):
            return NO_CRISIS
        raws = self._raw_tokens(text)
        if not raws:
            return NO_CRISIS
        fired: dict[tuple, Match] = {}
        suppressed: dict[tuple, Match] = {}
        for variant, spaced in self._variants(raws):
            toks = _Tokens()
            self._fill(toks, variant, spaced)
            self._screen_tokens(text, toks, fired, suppressed)
        if not fired:
            if suppressed:
                return Verdict(False, suppressed=tuple(sorted(suppressed.values(), key=_order)))
            return NO_CRISIS
        matches = _drop_covered(sorted(fired.values(), key=_order))
        best = min(matches, key=lambda m: (SEVERITIES.index(self._severity(m)), self.rank[m.category][1]))
        cat = self.categories[best.category]
        severity = min((self._severity(m) for m in matches if m.category == cat.name), key=SEVERITIES.index)
        rest = tuple(m for k, m in sorted(suppressed.items(), key=lambda kv: _order(kv[1])) if k not in fired)
        return Verdict(True, cat.name, severity, tuple(matches), rest)

    def _is_concern(self, cat: str, phrase: str, rule: str) -> bool:
        if rule.startswith("pattern:"):
            return (cat, rule[8:]) in self.concern_patterns
        return (cat, phrase) in self.concern_phrases

    def _severity(self, m: Match) -> str:
        return (
            CONCERN
            if self._is_concern(m.category, m.phrase, m.rule)
            else self.categories[m.category].severity
        )

    def _screen_tokens(self, text: str, toks: _Tokens, fired: dict, suppressed: dict) -> None:
        if not toks.keys:
            return
        line = " " + " ".join(toks.keys) + " "
        pos = 0
        ends_at = []
        for k in toks.keys:
            pos += 1 + len(k)
            ends_at.append(pos)
        end_of = dict(zip(ends_at, range(len(ends_at)), strict=True))
        triggers: list[tuple[int, int, str, str, str]] = []
        cues: dict[str, list[tuple[int, int]]] = {}
        if len(self.automaton):
            for end, entries in self.automaton.iter(line):
                last = end_of.get(end)
                if last is None:
                    continue
                for entry in entries:
                    if entry[0] == "t":
                        _, cat, phrase, rule, n = entry
                        triggers.append((last - n + 1, last, cat, phrase, rule))
                    else:
                        _, kind, n = entry
                        cues.setdefault(kind, []).append((last - n + 1, last))
        if self.patterns:
            clean = toks.clean()
            for i in self._candidates(clean):
                cat, name, rx = self.patterns[i]
                for m in rx.finditer(clean):
                    s, e = toks.token_at(m.start()), toks.token_at(m.end() - 1)
                    triggers.append((s, e, cat, m.group(), "pattern:" + name))
        if not triggers:
            return
        if self.past_patterns:
            clean = toks.clean()
            for rx in self.past_patterns:
                for m in rx.finditer(clean):
                    cues.setdefault("past", []).append((toks.token_at(m.start()), toks.token_at(m.end() - 1)))
        for s, e, cat, phrase, rule in triggers:
            if rule in RULES:
                flags = toks.flags[s : e + 1]
                best = min(min(flags), RULES.index(rule))
                rule = RULES[best]
            span = (toks.starts[s], toks.ends[e])
            reason = self._reason(toks, cues, s, e, cat, phrase, rule)
            key = (cat, phrase, span)
            match = Match(cat, phrase, rule, text[span[0] : span[1]], span, reason)
            if reason is None:
                fired.setdefault(key, match)
            else:
                suppressed.setdefault(key, match)

    # -- context

    def _reason(
        self, toks: _Tokens, cues: dict, s: int, e: int, cat: str, phrase: str = "", rule: str = ""
    ) -> str | None:
        ignore = self.ignore[cat]
        clause = toks.clauses[s]
        if "negated" in ignore and self._negated(toks, cues, s, clause):
            return "negated"
        if "question" in ignore and self._question(toks, cues, s, e, clause):
            return "question"
        if "past" in ignore and self._past(toks, cues, s, e, clause):
            return "past"
        name = rule[8:] if rule.startswith("pattern:") else phrase
        if "benign" in ignore and (cat, name) not in self.firm:
            kinds = ["benign:" + cat]
            if self._is_concern(cat, phrase, rule):
                kinds.append("benign_concern:" + cat)
            for kind in kinds:
                for cs, ce in cues.get(kind, ()):
                    if toks.clauses[cs] == clause and ce >= s - 6 and cs <= e + 6:
                        return "benign"
        return None

    def _is_past(self, word: str) -> bool:
        return (
            _is_past(word)
            or word in self.past_words
            or (len(word) > 4 and bool(self.past_endings) and word.endswith(self.past_endings))
        )

    def _bridged(self, toks: _Tokens, start: int, stop: int, allow_subjects: bool) -> bool:
        """Whether every word between ``start`` and ``stop`` (exclusive) is a bridge word."""
        for k in range(start, stop):
            key = toks.keys[k]
            if key.isdigit():  # "3 people overdosed", "take 2 pills": a number bridges like "many"
                continue
            if key in self.subjects:
                # "I don't think he overdosed": a subject only right after a verb of thinking or saying
                if not allow_subjects and not (k > start and toks.keys[k - 1] in self.reporting):
                    return False
                continue
            if key not in self.bridge:
                return False
        return True

    def _negated(self, toks: _Tokens, cues: dict, s: int, clause: int) -> bool:
        for _cs, ce in cues.get("negation_adjacent", ()):
            if ce == s - 1 and toks.clauses[ce] == clause:
                return True
        for _cs, ce in cues.get("negation", ()):
            if (
                ce < s
                and s - ce - 1 <= 5
                and toks.clauses[ce] == clause
                and self._bridged(toks, ce + 1, s, False)
            ):
                return True
        return False

    def _question(self, toks: _Tokens, cues: dict, s: int, e: int, clause: int) -> bool:
        for cs, ce in cues.get("question", ()):
            if cs < s and ce <= s and s - ce - 1 <= 6 and toks.clauses[cs] == clause:
                between = range(ce + 1, s)
                if any(toks.keys[k] in self.specific for k in between):
                    continue
                if self._bridged(toks, ce + 1, s, True):
                    return True
        for cs, _ce in cues.get("question_after", ()):
            if e < cs <= e + 2 and toks.clauses[cs] == clause:
                return True
        return False

    def _past(self, toks: _Tokens, cues: dict, s: int, e: int, clause: int) -> bool:
        near = any(
            toks.clauses[cs] == clause and (abs(cs - e) <= 12 or abs(ce - s) <= 12)
            for cs, ce in cues.get("past", ())
        )
        if not near:
            return False
        around = [k for k in range(max(0, s - 4), e + 1) if toks.clauses[k] == clause]
        tense = any(self._is_past(toks.words[k]) for k in around)
        noun = any(toks.words[k] in self.determiners for k in around if k < s)
        if not (tense or noun):
            return False
        for cs, _ce in cues.get("recurrence", ()):
            if cs > s and not any(nce < cs and cs - nce <= 3 for _ns, nce in cues.get("negation", ())):
                return False
        return True


_MIN_ANCHOR = 3


def _anchors(regex: str) -> list[frozenset[str]]:
    """Sets of literal strings such that every text ``regex`` matches holds one string of each set.

    Read from the parsed regex: a literal run, a group or a repeat taken at least once gives a set; an
    alternation gives the union of its branches' best sets (nothing if any branch has none). An empty list:
    nothing is known, the pattern runs on every message.
    """
    from re import _constants as sre  # the parser's own opcodes (CPython 3.11+)
    from re import _parser

    def required(items: Any) -> list[frozenset[str]]:
        options: list[frozenset[str]] = []
        run: list[str] = []

        def flush() -> None:
            if len(run) >= _MIN_ANCHOR:
                options.append(frozenset({"".join(run)}))
            run.clear()

        for op, av in items:
            if op is sre.LITERAL:
                run.append(chr(av))
                continue
            flush()
            if op is sre.SUBPATTERN:
                options.extend(required(av[-1]))
            elif op is sre.BRANCH:
                alts = [best(required(b)) for b in av[1]]
                if alts and all(a is not None for a in alts):
                    options.append(frozenset().union(*alts))  # type: ignore[arg-type]
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
                if av[0] >= 1:
                    options.extend(required(av[2]))
        flush()
        return options

    def best(options: list[frozenset[str]]) -> frozenset[str] | None:
        return max(options, key=lambda o: (min(len(x) for x in o), -len(o))) if options else None

    try:
        return required(_parser.parse(regex))
    except Exception:  # noqa: BLE001 - an unreadable regex simply runs on every message
        return []


def _order(m: Match) -> tuple:
    return (m.span or (0, 0), m.category, m.phrase)


def _drop_covered(matches: list[Match]) -> list[Match]:
    """Drop a match lying inside a longer match of another category ("overdose" inside "overdose on
    purpose")."""
    keep = []
    for m in matches:
        a, b = m.span or (0, 0)
        covered = any(
            o.category != m.category
            and o.span
            and o.span[0] <= a
            and b <= o.span[1]
            and (o.span[1] - o.span[0]) > (b - a)
            for o in matches
        )
        if not covered:
            keep.append(m)
    return keep or matches


# ------------------------------------------------------------------------------------------------------------
# Loading and validation

_STRINGS = {"type": "array", "items": {"type": "string", "minLength": 1}}
_WORD_MAP = {"type": "object", "additionalProperties": {"type": "string", "minLength": 1}}
_REPLY = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": {
        "type": "object",
        "required": list(CHANNELS),
        "additionalProperties": False,
        "properties": {ch: {"type": "string", "minLength": 1} for ch in CHANNELS},
    },
}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["languages", "categories"],
    "additionalProperties": False,
    "properties": {
        "languages": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "pattern": "^[a-z]{2}$"},
        },
        "model": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "threshold": {"type": "number", "minimum": 0.05, "maximum": 0.99},
                "overrule": {"type": "number", "minimum": 0.05, "maximum": 1.0},
            },
        },
        "contractions": _WORD_MAP,
        "slang": _WORD_MAP,
        "fillers": _STRINGS,
        "fuzzy": _STRINGS,
        "not_fuzzy": _STRINGS,
        "context": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                k: _STRINGS
                for k in (
                    "negation",
                    "negation_adjacent",
                    "bridge",
                    "subjects",
                    "reporting",
                    "specific",
                    "question",
                    "question_after",
                    "past",
                    "past_patterns",
                    "recurrence",
                    "past_tense",
                    "past_endings",
                    "determiners",
                    "clause_breaks",
                )
            },
        },
        "categories": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"},
            "additionalProperties": {
                "type": "object",
                "required": ["severity", "reply"],
                "additionalProperties": False,
                "properties": {
                    "description": {"type": "string"},
                    "severity": {"enum": list(SEVERITIES)},
                    "ignore_when": {
                        "type": "array",
                        "uniqueItems": True,
                        "items": {"enum": list(IGNORE_REASONS)},
                    },
                    "phrases": _STRINGS,
                    "slang": _STRINGS,
                    "patterns": {
                        "type": "object",
                        "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"},
                        "additionalProperties": {"type": "string", "minLength": 1},
                    },
                    "benign": _STRINGS,
                    "firm": _STRINGS,
                    "concern": {
                        "type": "object",
                        "required": ["reply"],
                        "additionalProperties": False,
                        "properties": {
                            "description": {"type": "string"},
                            "phrases": _STRINGS,
                            "patterns": {
                                "type": "object",
                                "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"},
                                "additionalProperties": {"type": "string", "minLength": 1},
                            },
                            "benign": _STRINGS,
                            "reply": _REPLY,
                        },
                    },
                    "reply": _REPLY,
                },
            },
        },
    },
}

_URL = re.compile(r"https?://|www\.|\.(?:org|com|net|gov)\b", re.IGNORECASE)


# The SMS arithmetic is the flow validator's (helpline.content.segments); these names are the lexicon's own use.
sms_septets = segments.septets
sms_segments = segments.measure


def sms_limit(lang: str, encoding: str) -> int:
    """The most units (septets or UCS-2 characters) an SMS reply in ``lang`` may take."""
    count = SMS_SEGMENTS_BY_LANG.get(lang, SMS_MAX_SEGMENTS)
    if encoding == "gsm7":
        return 160 if count == 1 else 153 * count
    return 70 if count == 1 else 67 * count


def load_lexicon(path: str | Path, variables: Mapping[str, str], model: bool = True,
                 cache_dir: Path | None = None) -> Lexicon:
    """Load and validate ``flows/crisis.yaml``; raises :class:`~helpline.errors.ContentError` with
    file:line. ``model``: attach the trained model (from ``crisis_data/`` beside the lexicon; False: rules only,
    for evaluation). ``cache_dir``: where trained models are kept between starts."""
    path = Path(path)
    data = yamlsource.load(path)
    file = str(path)
    if not isinstance(data, dict):
        yamlsource.raise_if(
            [Problem(file, 1, "the crisis lexicon must be a mapping with 'languages' and 'categories'")]
        )
    problems = yamlsource.schema_problems(data, SCHEMA, file)
    yamlsource.raise_if(problems)
    lexicon = _build(data, variables, file, hashlib.sha256(path.read_bytes()).hexdigest()[:12])
    if model:
        from helpline.understanding.crisis import model as crisis_model

        settings = data.get("model") or {}
        lexicon.model = crisis_model.model_for(
            path, float(settings.get("threshold", crisis_model.DEFAULT_THRESHOLD)),
            float(settings.get("overrule", crisis_model.DEFAULT_OVERRULE)), cache_dir)
    return lexicon


def build_lexicon(data: Mapping[str, Any], variables: Mapping[str, str], file: str = "<lexicon>") -> Lexicon:
    """Build a lexicon from already parsed data (for tools and benchmarks); validated like
    :func:`load_lexicon`."""
    yamlsource.raise_if(yamlsource.schema_problems(data, SCHEMA, file))
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:12]
    return _build(data, variables, file, digest)


def _build(data: Mapping[str, Any], variables: Mapping[str, str], file: str, version: str) -> Lexicon:
    problems: list[Problem] = []

    def at(*keys: Any) -> int | None:
        return yamlsource.line_of(data, list(keys))

    languages = tuple(data["languages"])
    context = dict(data.get("context") or {})
    for i, rx in enumerate(context.get("past_patterns") or []):
        try:
            re.compile(rx)
        except re.error as exc:
            problems.append(
                Problem(
                    file,
                    at("context", "past_patterns", i),
                    f"context.past_patterns: regex {rx!r} does not compile: {exc}",
                )
            )
    for kind in ("contractions", "slang"):
        for key in data.get(kind) or {}:
            if len(normalise(key).split()) > 2:
                problems.append(Problem(file, at(kind, key), f"{kind}: '{key}' has more than two words"))

    categories: list[Category] = []
    seen: dict[str, str] = {}
    for name, body in data["categories"].items():
        where = f"category '{name}'"
        replies = _replies(
            body["reply"], ("categories", name, "reply"), where, languages, variables, file, at, problems
        )
        concern = body.get("concern") or {}
        concern_replies: dict[str, dict[str, str]] = {}
        if concern:
            concern_replies = _replies(
                concern["reply"],
                ("categories", name, "concern", "reply"),
                f"{where} concern",
                languages,
                variables,
                file,
                at,
                problems,
            )
            clash = set(concern.get("patterns") or {}) & set(body.get("patterns") or {})
            for pname in sorted(clash):
                problems.append(
                    Problem(
                        file,
                        at("categories", name, "concern", "patterns", pname),
                        f"{where}: concern pattern '{pname}' has the name of a pattern of the category",
                    )
                )
        if not (body.get("phrases") or body.get("slang") or body.get("patterns")):
            problems.append(
                Problem(file, at("categories", name), f"{where}: has no phrases, slang or patterns")
            )
        for kind in ("phrases", "slang"):
            for i, phrase in enumerate(body.get(kind) or []):
                norm = normalise(phrase)
                if not norm:
                    problems.append(
                        Problem(
                            file,
                            at("categories", name, kind, i),
                            f"{where}: phrase {phrase!r} has no letters or digits",
                        )
                    )
                elif norm in seen and seen[norm] != name:
                    problems.append(
                        Problem(
                            file,
                            at("categories", name, kind, i),
                            f"{where}: phrase {phrase!r} is also in category '{seen[norm]}'",
                        )
                    )
                else:
                    seen[norm] = name
        for keys, pats in (
            (("categories", name, "patterns"), body.get("patterns") or {}),
            (("categories", name, "concern", "patterns"), concern.get("patterns") or {}),
        ):
            for pname, rx in pats.items():
                try:
                    re.compile(rx)
                except re.error as exc:
                    problems.append(
                        Problem(file, at(*keys, pname), f"{where}: pattern '{pname}' does not compile: {exc}")
                    )
        categories.append(
            Category(
                name=name,
                severity=body["severity"],
                phrases=list(body.get("phrases") or []),
                replies=replies,
                description=str(body.get("description") or ""),
                slang=list(body.get("slang") or []),
                patterns=dict(body.get("patterns") or {}),
                benign=list(body.get("benign") or []),
                ignore_when=tuple(body.get("ignore_when", IGNORE_REASONS)),
                concern_phrases=list(concern.get("phrases") or []),
                concern_patterns=dict(concern.get("patterns") or {}),
                concern_benign=list(concern.get("benign") or []),
                concern_replies=concern_replies,
                firm=list(body.get("firm") or []),
            )
        )
    yamlsource.raise_if(problems)
    words = {k: data.get(k) for k in ("contractions", "slang", "fillers", "fuzzy", "not_fuzzy")}
    context.setdefault(
        "subjects", ["i", "you", "he", "she", "it", "we", "they", "someone", "somebody", "people"]
    )
    context.setdefault(
        "reporting",
        ["think", "thought", "sure", "mean", "say", "saying", "said", "know", "believe", "feel", "guess"],
    )
    engine = _Engine(categories, words, context)
    return Lexicon(file, version, {c.name: c for c in categories}, languages, engine)


def _replies(
    reply: Mapping[str, Any],
    keys: tuple,
    where: str,
    languages: tuple[str, ...],
    variables: Mapping[str, str],
    file: str,
    at: Any,
    problems: list[Problem],
) -> dict[str, dict[str, str]]:
    """Validate and render one ``reply`` block (every language, both channels); problems are appended."""
    replies: dict[str, dict[str, str]] = {}
    for lang in languages:
        if lang not in reply:
            problems.append(
                Problem(
                    file,
                    at(*keys),
                    f"{where}: reply has no '{lang}' text (languages: {', '.join(languages)})",
                )
            )
    for lang, by_channel in reply.items():
        if lang not in languages:
            problems.append(
                Problem(
                    file,
                    at(*keys, lang),
                    f"{where}: reply language '{lang}' is not in languages [{', '.join(languages)}]",
                )
            )
        replies[lang] = {}
        for channel in CHANNELS:
            template = by_channel[channel]
            line = at(*keys, lang, channel)
            template_problems = templating.problems(template, variables)
            for message in template_problems:
                problems.append(Problem(file, line, f"{where}: {lang}.{channel} reply: {message}"))
            if template_problems:
                continue
            text = templating.render(template, variables)
            replies[lang][channel] = text
            problems.extend(
                Problem(file, line, f"{where}: {lang}.{channel} reply: {m}")
                for m in _reply_problems(channel, template, text, lang)
            )
    return replies


def _reply_problems(channel: str, template: str, text: str, lang: str = "en") -> list[str]:
    out = []
    if channel == "sms" and lang in SMS_SEGMENTS_BY_LANG:
        encoding, units, _segments = sms_segments(text)
        limit = sms_limit(lang, encoding)
        if units > limit:
            kind = "GSM-7 characters" if encoding == "gsm7" else "characters (sent as UCS-2: accents)"
            out.append(
                f"{units} {kind} once filled in; at most {limit} fit in "
                f"{SMS_SEGMENTS_BY_LANG[lang]} SMS segments"
            )
    elif channel == "sms":
        septets = sms_septets(text)
        if septets is None:
            bad = "".join(sorted(segments.non_gsm_chars(text)))
            out.append(f"characters {bad!r} are not GSM-7 (use plain ASCII quotes and dashes)")
        elif septets > SMS_MAX_SEPTETS:
            out.append(
                f"{septets} characters once filled in; at most {SMS_MAX_SEPTETS} fit in two SMS segments"
            )
    else:
        if _URL.search(template):
            out.append("a voice reply cannot contain a web address")
        if re.search(r"\d{3}", template):
            out.append(
                "write numbers as words in a voice reply ('nine eight eight'), so they are read out clearly"
            )
    return out


# ------------------------------------------------------------------------------------------------------------
# The command line helpers: `helpline crisis check` and `helpline crisis eval`


def check_stream(lexicon: Lexicon, lines_in: Iterable[str], out: TextIO) -> int:
    """Screen each line of ``lines_in`` (one message a line) and write one JSON verdict a line to ``out``.

    Returns the number of messages flagged as a crisis.
    """
    flagged = 0
    for line in lines_in:
        text = line.rstrip("\r\n")
        verdict = lexicon.screen(text)
        flagged += verdict.crisis
        out.write(json.dumps(verdict.as_json(text)) + "\n")
    return flagged


from helpline.understanding.crisis.evaluate import EvalReport, evaluate, format_report  # noqa: E402  (re-exported)

__all__ = [
    "Category",
    "ContentError",
    "EvalReport",
    "Lexicon",
    "Match",
    "Verdict",
    "check_stream",
    "evaluate",
    "format_report",
    "load_lexicon",
    "normalise",
]
