"""Measuring understanding honestly: cross-validation on the training data, and blind sets scored as they are.

* :func:`crisis_cv` -- k-fold cross-validation of the whole crisis screen (the lexicon's rules, which are fixed,
  with a model trained on the other folds), recall per category, language and channel, false alarms on hard
  negatives and on real everyday texts.
* :func:`crisis_blind` -- the same figures for the screen as shipped on a set it never trained on.
* :func:`topics_cv` -- k-fold cross-validation of topic routing with the policy: right, clarify, unknown, wrong.
* :func:`topics_blind` -- routing judged through the real dialogue (the flow, keywords, menus, the crisis screen).

Variants from :mod:`augment` are made from the training folds only, so a message's twin never sits in its test
fold.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from helpline.understanding import data, topics
from helpline.understanding.crisis import model as crisis_model
from helpline.understanding.normalise import normalise

if TYPE_CHECKING:
    from helpline.engine import Flow
    from helpline.understanding.crisis import Lexicon

FOLDS = 5
SEED = 0
EVERYDAY_SOURCES = ("everyday_sms_ham.jsonl",)


@dataclass
class CrisisScore:
    """Recall and false alarms, in total and by category, language and channel."""

    name: str
    found: collections.Counter = field(default_factory=collections.Counter)
    total: collections.Counter = field(default_factory=collections.Counter)
    misses: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)

    def add(self, ex: data.Labelled, crisis: bool) -> None:
        everyday = ex.source in EVERYDAY_SOURCES or ex.kind in ("everyday",)
        if ex.is_crisis:
            keys = ["crisis", f"crisis:{ex.label}", f"crisis:{ex.lang}", f"crisis:{ex.channel}",
                    f"crisis:{ex.label}:{ex.lang}"]
            if not crisis:
                self.misses.append(ex.text)
        else:
            keys = ["everyday" if everyday else "hard", f"none:{ex.lang}", f"none:{ex.channel}"]
            if crisis:
                self.alarms.append(ex.text)
        for k in keys:
            self.total[k] += 1
            self.found[k] += crisis

    def rate(self, key: str) -> float | None:
        return self.found[key] / self.total[key] if self.total[key] else None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "rates": {k: round(self.found[k] / n, 4) for k, n in sorted(self.total.items())},
                "counts": {k: [self.found[k], n] for k, n in sorted(self.total.items())},
                "misses": self.misses, "false_alarms": self.alarms}

    def format(self) -> str:
        def pct(key: str) -> str:
            r = self.rate(key)
            return "-" if r is None else f"{r:.3f} ({self.found[key]}/{self.total[key]})"

        lines = [f"{self.name}", f"  recall {pct('crisis')}; false alarms: hard negatives {pct('hard')}, "
                                 f"everyday texts {pct('everyday')}"]
        for group in (data.CATEGORIES, ("en", "es"), ("sms", "speech")):
            found = [f"{g} {pct('crisis:' + g)}" for g in group if self.total[f"crisis:{g}"]]
            lines.append("  recall " + ", ".join(found))
        alarms = [f"{g} {pct('none:' + g)}" for g in ("en", "es", "sms", "speech") if self.total[f"none:{g}"]]
        lines.append("  false alarms " + ", ".join(alarms))
        return "\n".join(lines)


def crisis_cv(lexicon: Lexicon, examples: Sequence[data.Labelled], folds: int = FOLDS,
              thresholds: Sequence[float] | None = None) -> dict[float, CrisisScore]:
    """Cross-validated scores of rules + model for each (threshold) in ``thresholds`` (default: the lexicon's)."""
    model = lexicon.model
    threshold = model.threshold if model else crisis_model.DEFAULT_THRESHOLD
    overrule = model.overrule if model else crisis_model.DEFAULT_OVERRULE
    grid = list(thresholds or [threshold])
    rules = [lexicon.rules_only(ex.text) for ex in examples]
    labels = np.array([ex.label for ex in examples])
    p_crisis = np.zeros(len(examples))
    splitter = StratifiedKFold(folds, shuffle=True, random_state=SEED)
    for train_idx, test_idx in splitter.split(np.zeros(len(examples)), labels):
        linear = crisis_model.train([examples[i] for i in train_idx])
        trained = crisis_model.CrisisModel(linear)
        for i in test_idx:
            p_crisis[i] = trained.opinion(normalise(examples[i].text), explain=False).p_crisis
    out: dict[float, CrisisScore] = {}
    for t in grid:
        score = CrisisScore(f"cross-validation ({folds} folds), threshold {t}, overrule {overrule}")
        for ex, verdict, p in zip(examples, rules, p_crisis, strict=True):
            model_says = (crisis_model.speaks(verdict, normalise(ex.text))
                          and crisis_model.raises(verdict, p, t, overrule))
            score.add(ex, verdict.crisis or model_says)
        out[t] = score
    return out


def crisis_blind(lexicon: Lexicon, path: Path) -> CrisisScore:
    score = CrisisScore(f"blind set {path.name}")
    for ex in data.read_corpus(path):
        score.add(ex, lexicon.screen(ex.text).crisis)
    return score


# -- topics ------------------------------------------------------------------------------------------------------
@dataclass
class TopicScore:
    """Routing outcomes: right (the expected answer, or honestly none for off-topic), clarify, unknown, wrong."""

    name: str
    outcomes: collections.Counter = field(default_factory=collections.Counter)
    by_class: dict[str, collections.Counter] = field(
        default_factory=lambda: collections.defaultdict(collections.Counter))
    confused: collections.Counter = field(default_factory=collections.Counter)
    wrong: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, text: str, expected: str, got: str | None, kind: str) -> None:
        """``kind``: answer, clarify, unknown (``got`` the answer given, for an answer)."""
        if kind == "answer" and got is not None:
            outcome = "right" if got == expected else "wrong"
        elif expected == topics.NONE:
            outcome = "right"  # saying honestly that there is no answer is the right answer
        else:
            outcome = kind if kind in ("clarify", "unknown") else "unknown"
        self.outcomes[outcome] += 1
        self.by_class[expected][outcome] += 1
        if got is not None and kind == "answer":
            self.by_class[got]["answered"] += 1
            if got != expected:
                self.confused[(expected, got)] += 1
                self.wrong.append((expected, got, text))

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())

    def rate(self, outcome: str) -> float:
        return self.outcomes[outcome] / self.total if self.total else 0.0

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "total": self.total,
                "rates": {k: round(self.rate(k), 4) for k in ("right", "clarify", "unknown", "wrong")},
                "per_class": {c: dict(v) for c, v in sorted(self.by_class.items())},
                "confused": [[a, b, n] for (a, b), n in self.confused.most_common(15)],
                "wrong": [list(w) for w in self.wrong]}

    def format(self, details: bool = True) -> str:
        r = {k: self.rate(k) for k in ("right", "clarify", "unknown", "wrong")}
        lines = [f"{self.name}: {self.total} messages",
                 f"  right {r['right']:.3f}, asked which {r['clarify']:.3f}, no answer {r['unknown']:.3f}, "
                 f"WRONG {r['wrong']:.3f}"]
        if details:
            lines.append("  per class: recall (right / expected), precision (right / answered)")
            for c, v in sorted(self.by_class.items()):
                expected = sum(v[k] for k in ("right", "wrong", "clarify", "unknown"))
                answered = v["answered"]
                rec = v["right"] / expected if expected else 0.0
                prec = (v["right"] / answered) if answered else float("nan")
                lines.append(f"    {c:22s} n={expected:4d} recall {rec:.2f} precision {prec:.2f}")
            if self.confused:
                lines.append("  most confused (expected -> answered):")
                lines += [f"    {a} -> {b}: {n}" for (a, b), n in self.confused.most_common(10)]
        return "\n".join(lines)


def topics_cv(flow: Flow, folds: int = FOLDS) -> TopicScore:
    """Cross-validation of the router on the flow's examples (the everyday texts stay in every training fold)."""
    examples = topics.flow_examples(flow.training_examples())
    everyday = topics.everyday_texts(Path(flow.path).parent / topics.EVERYDAY)
    fixed = [topics.Example(t, topics.NONE, "en") for t in everyday]
    labels = np.array([ex.target for ex in examples])
    counts = collections.Counter(labels)
    folds = max(2, min(folds, min(counts.values())))
    score = TopicScore(f"cross-validation ({folds} folds) of {len(examples)} examples")
    policy = flow.policy or topics.Policy()
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=SEED).split(examples, labels):
        router = topics.Router(topics.train([examples[i] for i in train_idx] + fixed), policy)
        for i in test_idx:
            route = router.route(normalise(examples[i].text))
            score.add(examples[i].text, examples[i].target, route.target, route.kind)
    return score


def topics_blind(flow: Flow, lexicon: Lexicon, path: Path) -> TopicScore:
    """Each message of a blind topic set sent through the dialogue as a first message (or at its ``context``
    node) and judged by where the conversation went."""
    from helpline.engine import State
    from helpline.engine.dialogue import Inbound, turn

    score = TopicScore(f"blind set {path.name}")
    answers = {n.id for n in flow.nodes.values() if n.type.value == "answer"}
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    for row in rows:
        lang = row.get("lang", "en")
        channel = "voice" if row.get("channel") == "speech" else "sms"
        context = row.get("context")
        state = State(node=context if context in flow.nodes else None, lang=lang, turns=1 if context else 0)
        outcome = turn(flow, lexicon, state, Inbound(row["text"], channel, lang=lang))
        landed = outcome.state.node
        if outcome.state.choices:
            score.add(row["text"], row["expect"], None, "clarify")
        elif outcome.path == "crisis":
            score.add(row["text"], row["expect"], "crisis", "answer")
        elif landed == flow.person or landed in answers:
            score.add(row["text"], row["expect"], topics.PERSON if landed == flow.person else landed, "answer")
        else:
            score.add(row["text"], row["expect"], None, "unknown")
    return score
