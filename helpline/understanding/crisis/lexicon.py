"""The crisis screen: does this message say someone is in danger now, and which resource do they need?

The lexicon is content (``flows/crisis.yaml``), so the clinical team can change it without code. The engine
(:mod:`helpline.understanding.crisis.engine`) turns it into one Aho-Corasick automaton and screens every inbound
message (an SMS body or a speech transcript) with it.

How a message is read
    1. *Folding* (:mod:`.text`): Unicode NFKC then NFKD with accents dropped (fullwidth letters, ``suicídio``,
       ligatures), invisible characters removed (zero-width spaces), curly quotes made straight, lower case.
    2. *Words* (:mod:`.text`): split on anything that is not a letter, a digit or a leetspeak sign; ``$uicide``,
       ``k1ll``, ``my5elf``, ``k!ll``, censored ``k*ll`` are read as letters; ``k i l l`` / ``k.i.l.l`` are
       joined up (:mod:`.reading`).
    3. *Expansion* (:mod:`.reading`): the lexicon's contractions (``dont`` -> ``do not``) and slang (``kms`` ->
       ``kill myself``, ``od'd`` -> ``overdosed``); speech fillers (``um``, ``like``) dropped.
    4. *Keys* (:mod:`.reading`): each word's matching key has repeated letters squeezed (``dieeee``,
       ``killl``) and its ending stripped (``overdosed`` / ``overdosing`` / ``overdose``); a word one letter
       away from one of the lexicon's ``fuzzy`` words (``sucide``, ``overdoes``) is read as that word.
    5. *Automaton* (:mod:`.phrases`): one pass of an Aho-Corasick automaton over the keys finds every phrase and
       every context cue (negation, question, past, benign words), so the cost does not grow with the size of
       the lexicon. A few named regular expressions (``patterns``) run over the expanded words for phrase
       families.
    6. *Context* (:mod:`.context`): a phrase found is set aside (and reported in ``suppressed`` with the reason)
       when it is negated ("I'm not suicidal"), a general question ("can you overdose on kratom?"), a past
       event ("I overdosed last year and got clean") or next to one of its category's benign words ("not
       responding to my texts"). Each rule is narrow: when unsure, the screen raises the alarm.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from helpline.understanding.crisis.verdict import CONCERN, NO_CRISIS, Category, Verdict

if TYPE_CHECKING:
    from helpline.understanding.crisis.engine import Engine


@dataclass
class Lexicon:
    """A loaded, validated crisis lexicon."""

    path: str
    version: str
    categories: dict[str, Category]
    languages: tuple[str, ...] = ("en",)
    _engine: Engine | None = field(default=None, repr=False, compare=False)
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

