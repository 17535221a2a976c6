"""What the crisis screen answers: a :class:`Verdict` made of :class:`Match` evidence, and a lexicon
:class:`Category` as loaded from ``flows/crisis.yaml``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("critical", "high", "medium", "concern")  # most severe first
# "concern": a category's elevated tier (passive ideation, ambiguous distress). Still a crisis (a person is
# alerted), answered with the category's gentler check-in reply when the caller asks for it by severity.
CONCERN = "concern"
IGNORE_REASONS = ("negated", "past", "question", "benign")

# Why a match fired, from the most to the least telling; a match reports the first that applies.
RULES = ("fuzzy", "slang", "spacing", "leet", "phrase")
FUZZY, SLANG, SPACING, LEET, PLAIN = range(5)


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

