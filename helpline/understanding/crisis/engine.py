"""The compiled form of a lexicon: reads a message (:mod:`.reading`), finds phrases and cues (:mod:`.phrases`),
weighs their context (:mod:`.context`) and gives the :class:`~.verdict.Verdict`."""

from __future__ import annotations

from typing import Any

from helpline.understanding.crisis.context import Context
from helpline.understanding.crisis.phrases import Phrases
from helpline.understanding.crisis.reading import Reader, variants
from helpline.understanding.crisis.text import WORD, Tokens
from helpline.understanding.crisis.verdict import CONCERN, NO_CRISIS, RULES, SEVERITIES, Category, Match, Verdict
from helpline.understanding.normalise import fold


class Engine:
    """A lexicon's categories, compiled: :meth:`screen` gives one message's verdict."""

    def __init__(self, categories: list[Category], words: dict[str, Any], context: dict[str, Any]):
        self.category_names = [c.name for c in categories]
        self.categories = {c.name: c for c in categories}
        self.rank = {c.name: (SEVERITIES.index(c.severity), i) for i, c in enumerate(categories)}
        self.concern_phrases = {(c.name, p) for c in categories for p in c.concern_phrases}
        self.concern_patterns = {(c.name, n) for c in categories for n in c.concern_patterns}
        self.reader = Reader(words, context)
        self.phrases = Phrases(self.reader)
        self.phrases.add_categories(categories, context)
        self.context = Context(categories, context)
        self.reader.vocab |= self.context.vocab
        self.phrases.compile(categories, context)
        self.reader.finish()

    def _quiet(self, text: str) -> bool:
        """A quick first look: True when no phrase or pattern can fire, so the full analysis is not needed.

        Most messages are routine; this reads them with cached word lookups, one automaton pass and the
        patterns, and leaves everything unusual (letters spaced out, two-word contractions) to the full analysis.
        """
        folded = text.lower() if text.isascii() else fold(text)[0]
        reader = self.reader
        quick = reader.quick
        keys: list[str] = []
        words: list[str] = []
        single = 0
        for raw in WORD.findall(folded):
            hit = quick.get(raw)
            if hit is None:
                items = reader.resolve(raw)
                hit = quick[raw] = (
                    " ".join(i[1] for i in items),
                    " ".join(i[0] for i in items),
                    not reader.pair_second.isdisjoint(i[0] for i in items),
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
        if self.phrases.any_trigger(" " + " ".join(keys) + " "):
            return False
        return not self.phrases.any_pattern(" ".join(words))

    def screen(self, text: str) -> Verdict:
        if self._quiet(text):
            return NO_CRISIS
        raws = self.reader.raw_tokens(text)
        if not raws:
            return NO_CRISIS
        fired: dict[tuple, Match] = {}
        suppressed: dict[tuple, Match] = {}
        for variant, spaced in variants(raws):
            toks = Tokens()
            self.reader.fill(toks, variant, spaced)
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

    def _screen_tokens(self, text: str, toks: Tokens, fired: dict, suppressed: dict) -> None:
        if not toks.keys:
            return
        triggers, cues = self.phrases.find(toks)
        for s, e, cat, phrase, rule in triggers:
            if rule in RULES:
                flags = toks.flags[s : e + 1]
                best = min(min(flags), RULES.index(rule))
                rule = RULES[best]
            span = (toks.starts[s], toks.ends[e])
            concern = self._is_concern(cat, phrase, rule)
            reason = self.context.reason(toks, cues, s, e, cat, phrase, rule, concern)
            key = (cat, phrase, span)
            match = Match(cat, phrase, rule, text[span[0] : span[1]], span, reason)
            if reason is None:
                fired.setdefault(key, match)
            else:
                suppressed.setdefault(key, match)


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
