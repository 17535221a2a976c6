"""The crisis screen: does this message say someone is in danger now, and which resource do they need?

A first, deliberately small version that fixes the interface the webhooks rely on; the lexicon lives in
``flows/crisis.yaml`` so the clinical team can change it without code.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpline import templating, yamlsource
from helpline.errors import Problem

CHANNELS = ("sms", "voice")


@dataclass(frozen=True)
class Match:
    """One piece of evidence: which lexicon phrase fired, by which rule, on which part of the message."""

    category: str
    phrase: str
    rule: str
    text: str

    def as_json(self) -> dict[str, str]:
        return {"category": self.category, "phrase": self.phrase, "rule": self.rule, "text": self.text}


@dataclass(frozen=True)
class Verdict:
    """The screen's answer for one message. ``matches`` explains a hit; ``crisis`` is False when none fired."""

    crisis: bool
    category: str | None = None
    severity: str | None = None
    matches: tuple[Match, ...] = ()

    def as_json(self, text: str) -> dict[str, Any]:
        return {
            "text": text,
            "crisis": self.crisis,
            "category": self.category,
            "severity": self.severity,
            "matches": [m.as_json() for m in self.matches],
        }


NO_CRISIS = Verdict(False)


@dataclass
class Category:
    name: str
    severity: str
    phrases: list[str]
    replies: dict[str, dict[str, str]] = field(default_factory=dict)  # lang -> channel -> rendered text


@dataclass
class Lexicon:
    """A loaded, validated crisis lexicon."""

    path: str
    version: str
    categories: dict[str, Category]

    def screen(self, text: str) -> Verdict:
        """Screen one whole inbound message (an SMS body or a speech transcript)."""
        norm = normalise(text)
        matches = []
        for cat in self.categories.values():
            for phrase in cat.phrases:
                if re.search(r"\b" + re.escape(phrase) + r"\b", norm):
                    matches.append(Match(cat.name, phrase, "phrase", phrase))
        if not matches:
            return NO_CRISIS
        first = self.categories[matches[0].category]
        return Verdict(True, first.name, first.severity, tuple(matches))

    def reply(self, category: str, channel: str, lang: str) -> str:
        """The category's reply for a channel and language (falling back to English, then to SMS text)."""
        replies = self.categories[category].replies
        by_channel = replies.get(lang) or replies["en"]
        return by_channel.get(channel) or by_channel["sms"]


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9']+", " ", text)
    return " ".join(text.split())


def load_lexicon(path: str | Path, variables: Mapping[str, str]) -> Lexicon:
    """Load and validate ``flows/crisis.yaml``; raises :class:`~helpline.errors.ContentError` with file:line."""
    path = Path(path)
    data = yamlsource.load(path)
    problems: list[Problem] = []
    categories = {}
    for name, body in (data.get("categories") or {}).items():
        replies: dict[str, dict[str, str]] = {}
        for lang, by_channel in body["reply"].items():
            if isinstance(by_channel, str):
                by_channel = {"sms": by_channel}
            replies[lang] = {}
            for channel, template in by_channel.items():
                for message in templating.problems(template, variables):
                    problems.append(Problem(str(path), yamlsource.line_of(data, ["categories", name, "reply"]),
                                            f"category '{name}': {message}"))
                if not problems:
                    replies[lang][channel] = templating.render(template, variables)
        categories[name] = Category(name, body["severity"], [normalise(p) for p in body["phrases"]], replies)
    yamlsource.raise_if(problems)
    version = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return Lexicon(str(path), version, categories)
