"""Finding the lexicon's phrases and context cues in a message's keys: one Aho-Corasick automaton pass for every
phrase and cue, and the named regular expressions (``patterns``) run only when their literal anchors are there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import ahocorasick

from helpline.understanding.crisis.reading import Reader
from helpline.understanding.crisis.text import Tokens, word_key
from helpline.understanding.crisis.verdict import Category

# A phrase found: (first token, last token, category, phrase or matched text, rule).
Trigger = tuple[int, int, str, str, str]


class Phrases:
    """The automaton of phrases and cues, and the patterns with their anchors."""

    def __init__(self, reader: Reader):
        self.reader = reader
        self.automaton = ahocorasick.Automaton()  # phrases and context cues: the full analysis
        self.triggers = ahocorasick.Automaton(ahocorasick.STORE_INTS)  # phrases only: the quick first look
        self.patterns: list[tuple[str, str, re.Pattern[str]]] = []
        self.past_patterns: list[re.Pattern[str]] = []
        self.anchors = ahocorasick.Automaton(ahocorasick.STORE_ANY)
        self.unanchored: list[int] = []
        self.anchor_sets: list[int] = []  # per pattern: how many anchor sets must all have a hit

    # -- building

    def add_categories(self, categories: list[Category], context: dict[str, Any]) -> None:
        """Every category's phrases, slang and benign words, then the concern tier, then the context cues."""
        keys_of = self.reader.keys_of
        for cat in categories:
            for phrases, rule in ((cat.phrases, "phrase"), (cat.slang, "slang")):
                for phrase in phrases:
                    words_, keys = keys_of(phrase)
                    if not keys:
                        continue
                    self.add(keys, ("t", cat.name, phrase, rule, len(keys)))
                    joined = "".join(words_)
                    if 2 <= len(keys) <= 4 and len(joined) >= 6:
                        self.add((word_key(joined),), ("t", cat.name, phrase, "spacing", 1))
            for phrase in cat.benign:
                _, keys = keys_of(phrase)
                if keys:
                    self.add(keys, ("c", "benign:" + cat.name, len(keys)))
        # The concern tier after every category's own phrases: the same words found at both tiers stay at the
        # category's own severity.
        for cat in categories:
            for phrase in cat.concern_phrases:
                words_, keys = keys_of(phrase)
                if keys:
                    self.add(keys, ("t", cat.name, phrase, "phrase", len(keys)))
            for phrase in cat.concern_benign:
                _, keys = keys_of(phrase)
                if keys:
                    self.add(keys, ("c", "benign_concern:" + cat.name, len(keys)))
        for kind in ("negation", "negation_adjacent", "question", "question_after", "past", "recurrence"):
            for phrase in context.get(kind) or []:
                _, keys = keys_of(phrase)
                if keys:
                    self.add(keys, ("c", kind, len(keys)))

    def add(self, keys: Sequence[str], entry: tuple) -> None:
        self.reader.vocab.update(keys)
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

    def compile(self, categories: list[Category], context: dict[str, Any]) -> None:
        """The automata made, the patterns compiled with their anchors."""
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
        for i, (_cat, _name, rx) in enumerate(self.patterns):
            sets = anchors_of(rx.pattern)
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

    # -- reading a message

    def any_trigger(self, line: str) -> bool:
        """Whether any phrase is in ``line`` (keys joined by spaces, a space either side)."""
        if len(self.triggers):
            for _ in self.triggers.iter(line):
                return True
        return False

    def any_pattern(self, clean: str) -> bool:
        patterns = self.patterns
        return any(patterns[i][2].search(clean) for i in self.candidates(clean))

    def candidates(self, clean: str) -> list[int]:
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

    def find(self, toks: Tokens) -> tuple[list[Trigger], dict[str, list[tuple[int, int]]]]:
        """The phrases and patterns found in a message's tokens, and the cues (by kind) found around them."""
        line = " " + " ".join(toks.keys) + " "
        pos = 0
        ends_at = []
        for k in toks.keys:
            pos += 1 + len(k)
            ends_at.append(pos)
        end_of = dict(zip(ends_at, range(len(ends_at)), strict=True))
        triggers: list[Trigger] = []
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
            for i in self.candidates(clean):
                cat, name, rx = self.patterns[i]
                for m in rx.finditer(clean):
                    s, e = toks.token_at(m.start()), toks.token_at(m.end() - 1)
                    triggers.append((s, e, cat, m.group(), "pattern:" + name))
        if not triggers:
            return triggers, cues
        if self.past_patterns:
            clean = toks.clean()
            for rx in self.past_patterns:
                for m in rx.finditer(clean):
                    cues.setdefault("past", []).append((toks.token_at(m.start()), toks.token_at(m.end() - 1)))
        return triggers, cues


MIN_ANCHOR = 3


def anchors_of(regex: str) -> list[frozenset[str]]:
    """Sets of literal strings such that every text ``regex`` matches holds one string of each set.

    Read from the parsed regex: a literal run, a group or a repeat taken at least once gives a set; an
    alternation gives the union of its branches' best sets (nothing if any branch has none). An empty list:
    nothing is known, the pattern runs on every message.
    """
    # The parser's own opcodes (CPython 3.11+): private modules that typeshed does not describe.
    from re import _constants as sre  # type: ignore[attr-defined]
    from re import _parser  # type: ignore[attr-defined]

    def required(items: Any) -> list[frozenset[str]]:
        options: list[frozenset[str]] = []
        run: list[str] = []

        def flush() -> None:
            if len(run) >= MIN_ANCHOR:
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
