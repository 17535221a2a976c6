"""Topic routing: which answer (or intent) a message in someone's own words is asking for, with a confidence.

Trained from the ``examples:`` each answer node and intent carries in the flow (and its ``match:`` phrases, as
more examples), plus real everyday texts as "none of these". One scikit-learn pipeline for both languages (people
code-switch; drug names are shared), deterministic, cached by the hash of its training data.

The policy never bluffs (:meth:`Router.route`):

* the best class has P >= ``confident`` and is a topic: **answer** it;
* the two best together reach ``confident`` and the second has P >= ``close``: **clarify** ("1 ... or 2 ...?");
* otherwise **unknown**: say honestly there is no answer, offer a call and the topics.

Context counts: inside a menu, the menu's own answers weigh ``context_boost`` times more (in the kratom menu,
"how long does it last" is about quitting kratom).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.pipeline import Pipeline

from helpline.understanding import augment, cache
from helpline.understanding.features import Linear, make_pipeline
from helpline.understanding.normalise import normalise

NONE = "none"  # the class for "none of the helpline's topics"
PERSON = "person"  # the intent: a person, please
EVERYDAY = "crisis_data/everyday_sms_ham.jsonl"  # beside the flow: real everyday texts, as NONE
C = 30.0  # cross-validated: 30 gives more right answers than 10 at the same wrong-answer rate (docs)


@dataclass(frozen=True)
class Policy:
    """The thresholds of :meth:`Router.route`; a flow may set them under ``routing:``."""

    confident: float = 0.65
    close: float = 0.15
    context_boost: float = 3.0
    # One word says little ("si", "no", "what"): it is answered only when the router is very sure ("detox").
    one_word: float = 0.85


@dataclass(frozen=True)
class Route:
    """The router's decision: ``answer`` (one target), ``clarify`` (two) or ``unknown`` (none)."""

    kind: str
    targets: tuple[str, ...] = ()
    confidence: float = 0.0
    ranked: tuple[tuple[str, float], ...] = field(default=(), compare=False)  # the best three, for reports

    @property
    def target(self) -> str | None:
        return self.targets[0] if self.kind == "answer" else None


@dataclass(frozen=True)
class Example:
    text: str
    target: str
    lang: str


def train(examples: Sequence[Example], *, augmented: bool = True) -> Linear:
    return Linear(fit(examples, augmented=augmented))


def fit(examples: Sequence[Example], *, augmented: bool = True) -> Pipeline:
    pairs = ((ex.text, ex.target) for ex in examples if normalise(ex.text))
    texts, labels = augment.training_set(pairs, augmented=augmented)
    pipeline = make_pipeline(c=C, class_weight="balanced", char_min_df=2)
    pipeline.fit(texts, labels)
    return pipeline


class Router:
    """A trained topic classifier and the policy that turns its probabilities into a decision."""

    def __init__(self, linear: Linear, policy: Policy = Policy(), version: str = ""):
        self.linear = linear
        self.policy = policy
        self.version = version
        self.classes = linear.classes
        self._index = {c: i for i, c in enumerate(self.classes)}

    def probabilities(self, norm: str, context: Iterable[str] = (), about: str = "") -> np.ndarray:
        """Class probabilities. In a menu: the message is also read as if it named what the menu is ``about``
        ("kratom" + "how long does it last"), the two readings are averaged, and the menu's own answers
        (``context``) weigh ``context_boost`` times more."""
        proba = self.linear.proba(norm)
        boosted = [self._index[c] for c in context if c in self._index]
        if boosted:
            if about:
                proba = (proba + self.linear.proba(f"{normalise(about)} {norm}")) / 2
            proba = proba.copy()
            proba[boosted] *= self.policy.context_boost
            proba /= proba.sum()
        return proba

    def route(self, norm: str, context: Iterable[str] = (), about: str = "", lang: str | None = None) -> Route:
        """Decide for one normalised message; ``context``: the targets the current menu offers, ``about``: the
        words that named the menu (the option that led to it). ``lang`` is not needed: one model reads both."""
        if not norm:
            return Route("unknown")
        proba = self.probabilities(norm, context, about)
        return self.decide(proba, words=len(norm.split()))

    def decide(self, proba: np.ndarray, words: int = 2) -> Route:
        order = np.argsort(-proba)[:3]
        ranked = tuple((self.classes[i], float(proba[i])) for i in order)
        (first, p1), (second, p2) = ranked[0], ranked[1]
        if first == NONE:
            return Route("unknown", (), p1, ranked)
        if p1 >= (self.policy.one_word if words == 1 else self.policy.confident):
            return Route("answer", (first,), p1, ranked)
        if words == 1:
            return Route("unknown", (), p1, ranked)
        if second != NONE and p2 >= self.policy.close and p1 + p2 >= self.policy.confident:
            return Route("clarify", (first, second), p1, ranked)
        return Route("unknown", (), p1, ranked)


def examples_digest(examples: Sequence[Example], extra: Sequence[str] = ()) -> str:
    h = hashlib.sha256()
    for ex in examples:
        h.update(json.dumps([ex.text, ex.target, ex.lang]).encode())
    for e in extra:
        h.update(e.encode())
    return h.hexdigest()


def router_for(examples: Sequence[Example], policy: Policy, negatives: Path | None = None,
               cache_dir: Path | None = None) -> Router:
    """The router trained on ``examples`` (and on the everyday texts in ``negatives`` as :data:`NONE`)."""
    everyday = everyday_texts(negatives) if negatives else []
    all_examples = list(examples) + [Example(t, NONE, "en") for t in everyday]
    key = cache.digest(examples_digest(all_examples), f"C={C}", "augmented", "balanced", "min_df=2")
    pipeline = cache.cached("topics", key, lambda: fit(all_examples), cache_dir or cache.default_folder())
    return Router(Linear(pipeline), policy, key[:12])


def everyday_texts(path: Path) -> list[str]:
    """Real everyday texts (JSON Lines with ``text``) to teach the router what is none of its business."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh if line.strip()]


def flow_examples(nodes: Mapping[str, Mapping[str, Sequence[str]]]) -> list[Example]:
    """``{target: {lang: [texts]}}`` as a flat, ordered list of examples."""
    return [Example(text, target, lang) for target, by_lang in nodes.items()
            for lang, texts in by_lang.items() for text in texts]
