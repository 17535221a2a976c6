"""Context: whether a phrase found is set aside because it is negated ("I'm not suicidal"), a general question
("can you overdose on kratom?"), a past event ("I overdosed last year and got clean") or next to one of its
category's benign words ("not responding to my texts"). Each rule is narrow: when unsure, the screen raises the
alarm.
"""

from __future__ import annotations

from typing import Any

from helpline.understanding.crisis.text import DETERMINERS, PAST_FORMS, Tokens, is_past, word_key, words_of
from helpline.understanding.crisis.verdict import Category

Cues = dict[str, list[tuple[int, int]]]


def _keys(words: list[str] | None) -> frozenset[str]:
    return frozenset(word_key(w) for w in words_of(" ".join(words or [])).split())


class Context:
    """The context words of the lexicon and each category's ``ignore_when`` and ``firm`` phrases."""

    def __init__(self, categories: list[Category], context: dict[str, Any]):
        self.ignore = {c.name: frozenset(c.ignore_when) for c in categories}
        self.firm = {(c.name, f) for c in categories for f in c.firm}
        self.bridge = _keys(context.get("bridge"))
        self.subjects = _keys(context.get("subjects"))
        self.reporting = _keys(context.get("reporting"))
        self.specific = _keys(context.get("specific"))
        # Other languages' past tenses ("tuvo", "intente", "pegaba"), nouns' determiners ("una sobredosis") and
        # clause breaks ("pero"), on top of the English ones in the code.
        self.past_words = PAST_FORMS | frozenset(words_of(" ".join(context.get("past_tense") or [])).split())
        self.past_endings = tuple(words_of(" ".join(context.get("past_endings") or [])).split())
        self.determiners = DETERMINERS | frozenset(
            words_of(" ".join(context.get("determiners") or [])).split()
        )

    @property
    def vocab(self) -> frozenset[str]:
        """The context words a message's words must be read as (not corrected into a fuzzy word)."""
        return self.bridge | self.subjects | self.reporting | self.specific

    def reason(
        self, toks: Tokens, cues: Cues, s: int, e: int, cat: str, phrase: str, rule: str, concern: bool
    ) -> str | None:
        """Why the phrase at tokens ``s``..``e`` is set aside (``negated``, ``question``, ``past``, ``benign``), or
        None when it stands. ``concern``: the phrase is of the category's concern tier."""
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
            if concern:
                kinds.append("benign_concern:" + cat)
            for kind in kinds:
                for cs, ce in cues.get(kind, ()):
                    if toks.clauses[cs] == clause and ce >= s - 6 and cs <= e + 6:
                        return "benign"
        return None

    def _is_past(self, word: str) -> bool:
        return (
            is_past(word)
            or word in self.past_words
            or (len(word) > 4 and bool(self.past_endings) and word.endswith(self.past_endings))
        )

    def _bridged(self, toks: Tokens, start: int, stop: int, allow_subjects: bool) -> bool:
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

    def _negated(self, toks: Tokens, cues: Cues, s: int, clause: int) -> bool:
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

    def _question(self, toks: Tokens, cues: Cues, s: int, e: int, clause: int) -> bool:
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

    def _past(self, toks: Tokens, cues: Cues, s: int, e: int, clause: int) -> bool:
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
