"""A statistical second opinion for the crisis screen: a small logistic regression over words, word pairs and
letter n-grams, trained on the labelled corpora in ``tests/data/``.

Why: the rules (``flows/crisis.yaml``) reach ~1.0 recall on the sets they were tuned on but about half on text
written blind ("it's too late for me", "took 10 klonopin"). The model only speaks when the rules found nothing:
no match *and* nothing set aside as negated, past, a question or benign. When it fires the verdict is a crisis
at severity ``concern`` (the gentle check-in reply; a person is alerted), with ``Match`` es whose ``rule`` is
``model`` naming the features that pushed the score up.

The model is a JSON file of weights per feature (``flows/crisis_model.json``), made by::

    python -m helpline.crisis_model train            # writes flows/crisis_model.json and prints the CV report

Training is deterministic (fixed seed, sorted features, weights rounded), so the same corpora give the same
file byte for byte; ``Model.version`` is the file's SHA-256 prefix, like ``Lexicon.version``.

Two parts:
    * the *gate*: binary crisis / not-crisis logistic regression over feature counts; it fires when
      P(crisis) >= ``threshold`` (chosen by cross-validation so false alarms stay <= 3% on hard negatives);
    * the *category*: a softmax over the crisis categories, run only when the gate fires.

Runtime cost: the gate is linear, so each word's own features (the word and its letter n-grams) sum to one
number, cached per word; a message costs one dict lookup per word and one per word pair (microseconds).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODEL_FILE = "crisis_model.json"  # next to flows/crisis.yaml
# Whether load_lexicon attaches the model when the file is there. Off: on holdout2 (docs/crisis.md, "The
# statistical second opinion") recall rose 0.66 -> 0.80 but false alarms 4.6% -> 8.4%, and on the helpline's
# own routine questions ("i want to know the cost please", "will my family find out") it raised 38 alarms in
# 553 texts: with ~1,000 training messages single words ("please", "family") carry huge weights. Turn it on
# (shadow trials only) with HELPLINE_CRISIS_MODEL=1 or load_lexicon(..., model=True).
ENABLED_BY_DEFAULT = False
RULE = "model"
# The model speaks only on messages of at least this many words: the paraphrases it is for are sentences, and on
# two or three words a single heavy word decides ("purple" from "lips turning purple"). Set from the transcripts'
# nonsense inputs, not from holdout2.
MIN_WORDS = 4
SEVERITY = "concern"
SEED = 20240611
ROOT = Path(__file__).resolve().parent.parent
TRAINING_CORPORA = ("crisis_corpus.yaml", "crisis_blind.yaml", "crisis_holdout.yaml")
MAX_FALSE_ALARMS = 0.03

_BASE: dict[str, Any] = {"bigrams": True, "char": [3, 4, 5], "min_df": 2, "l2": 1e-4, "epochs": 25, "lr": 0.2}
# Chosen by cross-validation (``python -m helpline.crisis_model train --compare``; docs/crisis.md): the most
# crises found with false alarms <= 3%. The candidates differ by one or two messages; this is not a strong pick.
DEFAULT_CONFIG: dict[str, Any] = {**_BASE, "l2": 1e-3}

_WORDS = re.compile(r"[a-z0-9]+")
_CACHE_MAX = 100_000


# ------------------------------------------------------------------------------------------------------------
# Features


def words_of(text: str) -> list[str]:
    """Lower-case ASCII words (accents folded as the screen does; apostrophes dropped: ``don't`` -> ``dont``)."""
    if text.isascii():
        t = text.lower()
    else:
        from helpline.crisis import fold

        t = fold(text)[0]
    return _WORDS.findall(t.replace("'", ""))


def word_features(word: str, char: Sequence[int]) -> list[str]:
    """The features of one word on its own: the word, and its letter n-grams with ``<`` ``>`` at the ends."""
    out = ["w:" + word]
    if char:
        padded = "<" + word + ">"
        for n in char:
            out.extend("c:" + padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


def features(words: Sequence[str], config: dict[str, Any]) -> list[str]:
    """Every feature occurrence of a message (a feature may repeat: values are counts)."""
    char = config.get("char") or ()
    out: list[str] = []
    for w in words:
        out.extend(word_features(w, char))
    if config.get("bigrams"):
        out.extend(f"b:{a} {b}" for a, b in zip(words, words[1:], strict=False))
    return out


def _counts(feats: Sequence[str], vocab: set[str] | dict | None = None, norm: bool = False) -> list[tuple[str, float]]:
    """Feature counts; with ``norm`` each divided by the square root of the message's feature occurrences."""
    c: dict[str, float] = {}
    for f in feats:
        if vocab is None or f in vocab:
            c[f] = c.get(f, 0.0) + 1.0
    scale = 1.0 / math.sqrt(len(feats)) if norm and feats else 1.0
    return sorted((f, v * scale) for f, v in c.items())


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


# ------------------------------------------------------------------------------------------------------------
# Training (pure Python: AdaGrad on the logistic loss with an L2 penalty; shuffles from a fixed seed)


def _vocab(rows: Sequence[list[str]], min_df: int) -> set[str]:
    df: dict[str, int] = {}
    for feats in rows:
        for f in set(feats):
            df[f] = df.get(f, 0) + 1
    return {f for f, n in df.items() if n >= min_df}


def train_gate(
    rows: Sequence[list[str]], ys: Sequence[int], config: dict[str, Any], seed: int = SEED
) -> tuple[float, dict[str, float]]:
    vocab = _vocab(rows, config["min_df"])
    data = [(_counts(r, vocab, config.get("norm", False)), y) for r, y in zip(rows, ys, strict=True)]
    w: dict[str, float] = {}
    g2: dict[str, float] = {}
    bias, gb = 0.0, 0.0
    lr, l2 = config["lr"], config["l2"]
    rng = random.Random(seed)
    order = list(range(len(data)))
    for _epoch in range(config["epochs"]):
        rng.shuffle(order)
        for i in order:
            x, y = data[i]
            z = bias + sum(w.get(f, 0.0) * v for f, v in x)
            err = _sigmoid(z) - y
            gb += err * err
            bias -= lr * err / math.sqrt(gb + 1e-8)
            for f, v in x:
                wf = w.get(f, 0.0)
                g = err * v + l2 * wf
                s = g2.get(f, 1e-8) + g * g
                g2[f] = s
                w[f] = wf - lr * g / math.sqrt(s)
    return bias, w


def train_category(
    rows: Sequence[list[str]], ys: Sequence[str], classes: Sequence[str], config: dict[str, Any], seed: int = SEED
) -> tuple[list[float], dict[str, list[float]]]:
    vocab = _vocab(rows, config["min_df"])
    k = len(classes)
    index = {c: i for i, c in enumerate(classes)}
    data = [(_counts(r, vocab), index[y]) for r, y in zip(rows, ys, strict=True)]
    w: dict[str, list[float]] = {}
    g2: dict[str, list[float]] = {}
    bias, gb = [0.0] * k, [1e-8] * k
    lr, l2 = config["lr"], config["l2"]
    rng = random.Random(seed + 1)
    order = list(range(len(data)))
    for _epoch in range(config["epochs"]):
        rng.shuffle(order)
        for i in order:
            x, y = data[i]
            z = bias[:]
            for f, v in x:
                wf = w.get(f)
                if wf is not None:
                    for j in range(k):
                        z[j] += wf[j] * v
            p = _softmax(z)
            for j in range(k):
                err = p[j] - (1.0 if j == y else 0.0)
                gb[j] += err * err
                bias[j] -= lr * err / math.sqrt(gb[j])
            for f, v in x:
                wf = w.setdefault(f, [0.0] * k)
                gf = g2.setdefault(f, [1e-8] * k)
                for j in range(k):
                    g = (p[j] - (1.0 if j == y else 0.0)) * v + l2 * wf[j]
                    gf[j] += g * g
                    wf[j] -= lr * g / math.sqrt(gf[j])
    return bias, w


def _softmax(z: Sequence[float]) -> list[float]:
    m = max(z)
    e = [math.exp(v - m) for v in z]
    s = sum(e)
    return [v / s for v in e]


@dataclass
class Sample:
    text: str
    labels: tuple[str, ...]
    source: str

    @property
    def is_crisis(self) -> bool:
        return "none" not in self.labels


def load_samples(paths: Sequence[Path]) -> list[Sample]:
    """The labelled messages of ``paths``, each distinct text once (first occurrence wins)."""
    from helpline.crisis_eval import load_corpus

    seen: set[str] = set()
    out = []
    for p in paths:
        for e in load_corpus(p):
            key = " ".join(words_of(e.text))
            if key in seen:
                continue
            seen.add(key)
            out.append(Sample(e.text, e.labels, p.name))
    return out


def fit(samples: Sequence[Sample], config: dict[str, Any], seed: int = SEED) -> dict[str, Any]:
    """Train both parts; returns the model's data (no threshold yet)."""
    rows = [features(words_of(s.text), config) for s in samples]
    bias, w = train_gate(rows, [int(s.is_crisis) for s in samples], config, seed)
    crisis = [(r, s.labels[0]) for r, s in zip(rows, samples, strict=True) if s.is_crisis]
    classes = sorted({c for _r, c in crisis})
    cbias, cw = train_category([r for r, _ in crisis], [c for _, c in crisis], classes, config, seed)
    return {
        "config": config,
        "gate": {"bias": bias, "weights": w},
        "category": {"classes": classes, "bias": cbias, "weights": cw},
    }


def _round(data: dict[str, Any], digits: int = 4) -> dict[str, Any]:
    """Weights rounded (a reviewable, stable file) and features whose weights round to zero dropped."""
    gate = data["gate"]
    cat = data["category"]
    gw = {f: round(v, digits) for f, v in sorted(gate["weights"].items()) if round(v, digits) != 0}
    cw = {
        f: [round(x, digits) for x in v]
        for f, v in sorted(cat["weights"].items())
        if any(round(x, digits) != 0 for x in v)
    }
    return {
        **data,
        "gate": {"bias": round(gate["bias"], digits), "weights": gw},
        "category": {"classes": cat["classes"], "bias": [round(x, digits) for x in cat["bias"]], "weights": cw},
    }


# ------------------------------------------------------------------------------------------------------------
# The loaded model


class Model:
    """A loaded second-opinion model. ``version``: SHA-256 prefix of the file, for the logs."""

    def __init__(self, data: dict[str, Any], version: str = "", path: str = "<model>"):
        self.path = path
        self.version = version
        self.config = data["config"]
        self.char = tuple(self.config.get("char") or ())
        self.threshold = float(data["threshold"])  # log-odds: fires when logit >= threshold
        gate = data["gate"]
        self.bias = float(gate["bias"])
        self.weights: dict[str, float] = gate["weights"]
        self.pair_weights = {f[2:]: v for f, v in self.weights.items() if f.startswith("b:")}
        cat = data["category"]
        self.classes: list[str] = cat["classes"]
        self.cat_bias: list[float] = cat["bias"]
        self.cat_weights: dict[str, list[float]] = cat["weights"]
        self.norm = bool(self.config.get("norm", False))
        self.bigrams = bool(self.config.get("bigrams", False))
        self._word: dict[str, tuple[float, int]] = {}

    def _word_entry(self, word: str) -> tuple[float, int]:
        e = self._word.get(word)
        if e is None:
            get = self.weights.get
            feats = word_features(word, self.char)
            e = (sum(get(f, 0.0) for f in feats), len(feats))
            if len(self._word) >= _CACHE_MAX:
                self._word.clear()
            self._word[word] = e
        return e

    def _word_score(self, word: str) -> float:
        return self._word_entry(word)[0]

    def logit(self, words: Sequence[str]) -> float:
        """The gate's log-odds of a crisis: the fast path (one cached entry per word, one lookup per pair)."""
        z = 0.0
        n = 0
        word = self._word
        for w in words:
            e = word.get(w) or self._word_entry(w)
            z += e[0]
            n += e[1]
        if self.bigrams and len(words) > 1:
            get = self.pair_weights.get
            prev = words[0]
            for w in words[1:]:
                z += get(prev + " " + w, 0.0)
                prev = w
            n += len(words) - 1
        if self.norm and n:
            z /= math.sqrt(n)
        return self.bias + z

    def probability(self, text: str) -> float:
        return _sigmoid(self.logit(words_of(text)))

    def category(self, words: Sequence[str]) -> str:
        z = list(self.cat_bias)
        for f in features(words, self.config):
            wf = self.cat_weights.get(f)
            if wf is not None:
                for j, v in enumerate(wf):
                    z[j] += v
        return self.classes[max(range(len(z)), key=lambda j: (z[j], -j))]

    def explain(self, words: Sequence[str], top: int = 3) -> list[tuple[str, float]]:
        """The words and word pairs that pushed the score up most (a word's letter n-grams count as the word)."""
        contrib: dict[str, float] = {}
        for w in words:
            contrib[w] = self._word_score(w)
        for a, b in zip(words, words[1:], strict=False):
            v = self.pair_weights.get(a + " " + b, 0.0)
            if v:
                contrib[a + " " + b] = contrib.get(a + " " + b, 0.0) + v
        ranked = sorted(((v, k) for k, v in contrib.items() if v > 0), key=lambda t: (-t[0], t[1]))
        return [(k, v) for v, k in ranked[:top]]

    def second_opinion(self, text: str) -> Any:
        """A crisis ``Verdict`` at severity ``concern`` when the gate fires, else None. Called only when the
        rules found nothing (no match, nothing set aside)."""
        words = words_of(text)
        if len(words) < MIN_WORDS:  # too little context for word statistics ("purple elephant")
            return None
        z = self.logit(words)
        if z < self.threshold:
            return None
        from helpline.crisis import Match, Verdict

        category = self.category(words)
        p = _sigmoid(z)
        lower = text.lower()
        matches = []
        for feature, weight in self.explain(words) or [("(whole message)", z)]:
            span = _find(lower, feature)
            matches.append(
                Match(
                    category,
                    f"{feature} ({weight:+.2f}; p={p:.2f}, model {self.version})",
                    RULE,
                    text[span[0] : span[1]] if span else text,
                    span,
                )
            )
        return Verdict(True, category, SEVERITY, tuple(matches))


def _find(lower: str, feature: str) -> tuple[int, int] | None:
    """Where a feature's words are in the (lower-cased) message, apostrophes allowed inside words."""
    parts = [r"'?".join(re.escape(c) for c in w) for w in feature.split()]
    m = re.search(r"(?<![a-z0-9])" + r"[^a-z0-9]+".join(parts) + r"(?![a-z0-9])", lower)
    return (m.start(), m.end()) if m else None


def load_model(path: str | Path) -> Model:
    path = Path(path)
    raw = path.read_bytes()
    return Model(json.loads(raw), hashlib.sha256(raw).hexdigest()[:12], str(path))


def model_for(lexicon_path: str | Path, enabled: bool | None = None) -> Model | None:
    """The model next to a lexicon file, if enabled and the file is there. ``enabled`` None: the environment
    variable ``HELPLINE_CRISIS_MODEL`` (``1``/``0``) if set, else ``ENABLED_BY_DEFAULT``."""
    if enabled is None:
        env = os.environ.get("HELPLINE_CRISIS_MODEL", "").strip().lower()
        enabled = env in ("1", "true", "yes", "on") if env else ENABLED_BY_DEFAULT
    if not enabled:
        return None
    path = Path(lexicon_path).parent / MODEL_FILE
    return load_model(path) if path.exists() else None


# ------------------------------------------------------------------------------------------------------------
# Cross-validation and the training command


def _folds(samples: Sequence[Sample], k: int, seed: int) -> list[int]:
    """A fold per sample, stratified by first label."""
    by_label: dict[str, list[int]] = {}
    for i, s in enumerate(samples):
        by_label.setdefault(s.labels[0], []).append(i)
    fold = [0] * len(samples)
    rng = random.Random(seed)
    n = 0
    for label in sorted(by_label):
        idx = by_label[label]
        rng.shuffle(idx)
        for i in idx:
            fold[i] = n % k
            n += 1
    return fold


def out_of_fold(samples: Sequence[Sample], config: dict[str, Any], k: int = 5, seed: int = SEED) -> list[float]:
    """Each sample's log-odds of a crisis from a model trained without its fold."""
    fold = _folds(samples, k, seed)
    probs = [0.0] * len(samples)
    for f in range(k):
        train = [s for s, g in zip(samples, fold, strict=True) if g != f]
        data = fit(train, config, seed)
        data["threshold"] = 0.0
        model = Model(data)
        for i, s in enumerate(samples):
            if fold[i] == f:
                probs[i] = model.logit(words_of(s.text))
    return probs


@dataclass
class Figures:
    recall: dict[str, tuple[int, int]]
    false_alarms: tuple[int, int]

    def fa_rate(self) -> float:
        return self.false_alarms[0] / max(1, self.false_alarms[1])

    def found(self) -> int:
        return sum(a for a, _ in self.recall.values())

    def line(self) -> str:
        cats = "  ".join(f"{c} {a}/{b} ({a / max(1, b):.2f})" for c, (a, b) in self.recall.items())
        fa, n = self.false_alarms
        return f"{cats}  false alarms {fa}/{n} ({fa / max(1, n):.1%})"


def figures(samples: Sequence[Sample], flagged: Sequence[bool], categories: Sequence[str]) -> Figures:
    recall = {c: [0, 0] for c in categories}
    fa = [0, 0]
    for s, hit in zip(samples, flagged, strict=True):
        if s.is_crisis:
            r = recall.setdefault(s.labels[0], [0, 0])
            r[1] += 1
            r[0] += int(hit)
        else:
            fa[1] += 1
            fa[0] += int(hit)
    return Figures({c: (a, b) for c, (a, b) in recall.items()}, (fa[0], fa[1]))


def rules_state(lexicon: Any, samples: Sequence[Sample]) -> tuple[list[bool], list[bool]]:
    """Per sample: did the rules raise a crisis; were the rules silent (no match, nothing set aside)."""
    crisis, silent = [], []
    for s in samples:
        v = lexicon.screen(s.text)
        crisis.append(v.crisis)
        silent.append(not v.crisis and not v.suppressed)
    return crisis, silent


def choose_threshold(
    samples: Sequence[Sample], logits: Sequence[float], rules: Sequence[bool], silent: Sequence[bool]
) -> float:
    """The lowest log-odds threshold with rules+model false alarms <= MAX_FALSE_ALARMS: just above the score
    of the first rule-silent negative that would break the budget (rounded up to 0.01, never below 0)."""
    negatives = sum(not s.is_crisis for s in samples)
    base = sum(r for s, r in zip(samples, rules, strict=True) if not s.is_crisis)
    budget = int(MAX_FALSE_ALARMS * negatives) - base
    scores = sorted(
        (z for s, z, r, q in zip(samples, logits, rules, silent, strict=True) if not s.is_crisis and not r and q),
        reverse=True,
    )
    if budget < 0:
        return math.inf
    if budget >= len(scores):
        return 0.0
    return max(0.0, math.floor(scores[budget] * 100 + 1) / 100)


def combined(rules: Sequence[bool], silent: Sequence[bool], logits: Sequence[float], t: float) -> list[bool]:
    return [r or (q and z >= t) for r, q, z in zip(rules, silent, logits, strict=True)]


CANDIDATES: dict[str, dict[str, Any]] = {
    "words": {**_BASE, "bigrams": False, "char": []},
    "words+pairs": {**_BASE, "char": []},
    "words+pairs+char3-5": _BASE,
    "words+pairs+char3-5 l2=1e-3": {**_BASE, "l2": 1e-3},
    "words+char3-5": {**_BASE, "bigrams": False},
    "words+pairs norm": {**_BASE, "char": [], "norm": True},
    "words+pairs+char3-5 norm": {**_BASE, "norm": True},
    "words+pairs+char3-5 norm l2=1e-3": {**_BASE, "norm": True, "l2": 1e-3},
}


def cross_validate(lexicon: Any, samples: Sequence[Sample], configs: dict[str, dict[str, Any]], out: Any) -> str:
    """Print rules-alone vs rules+model figures per candidate; returns the best candidate's name (most crises
    found at a threshold keeping false alarms <= 3%; ties to the simpler, earlier candidate)."""
    categories = sorted({s.labels[0] for s in samples if s.is_crisis})
    rules, silent = rules_state(lexicon, samples)
    print(f"5-fold CV over {len(samples)} distinct messages (stratified, seed {SEED})", file=out)
    print(f"  rules alone:            {figures(samples, rules, categories).line()}", file=out)
    best, best_found = "", -1
    for name, config in configs.items():
        probs = out_of_fold(samples, config)
        t = choose_threshold(samples, probs, rules, silent)
        both = figures(samples, combined(rules, silent, probs, t), categories)
        alone = figures(samples, [p >= t for p in probs], categories)
        print(f"  [{name}] threshold (log-odds) {t:.2f}", file=out)
        print(f"    rules+model:          {both.line()}", file=out)
        print(f"    model alone:          {alone.line()}", file=out)
        if both.fa_rate() <= MAX_FALSE_ALARMS and both.found() > best_found:
            best, best_found = name, both.found()
    return best


def build(config: dict[str, Any], threshold: float, corpora: Sequence[Path], cv: dict[str, Any]) -> dict[str, Any]:
    samples = load_samples(corpora)
    data = _round(fit(samples, config))
    return {
        "about": "Second opinion for the crisis screen (helpline/crisis_model.py). Generated; do not edit. "
        "Rebuild: python -m helpline.crisis_model train",
        "trained_on": {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:12] for p in corpora},
        "samples": len(samples),
        "seed": SEED,
        "threshold": threshold,
        "cv": cv,
        **data,
    }


def dumps(model: dict[str, Any]) -> str:
    return json.dumps(model, sort_keys=True, indent=0, separators=(",", ":")) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    from helpline.crisis import load_lexicon

    ap = argparse.ArgumentParser(prog="python -m helpline.crisis_model")
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="cross-validate, choose the threshold, write the model file")
    t.add_argument("--out", type=Path, default=ROOT / "flows" / MODEL_FILE)
    t.add_argument("--data", type=Path, default=ROOT / "tests" / "data")
    t.add_argument("--compare", action="store_true", help="cross-validate every candidate feature set")
    t.add_argument("--no-cv", action="store_true", help="skip CV; keep the threshold of the existing file")
    args = ap.parse_args(argv)

    corpora = [args.data / name for name in TRAINING_CORPORA]
    samples = load_samples(corpora)
    variables = {"org_name": "Harbor Recovery", "org_phone": "1-555-010-0199"}
    lexicon = load_lexicon(ROOT / "flows" / "crisis.yaml", variables, model=False)  # the rules alone, for CV
    config = DEFAULT_CONFIG
    if args.compare:
        name = cross_validate(lexicon, samples, CANDIDATES, sys.stdout)
        print(f"best by CV: {name}")
    if args.no_cv:
        old = json.loads(args.out.read_text())
        threshold, cv = old["threshold"], old["cv"]
    else:
        categories = sorted({s.labels[0] for s in samples if s.is_crisis})
        rules, silent = rules_state(lexicon, samples)
        probs = out_of_fold(samples, config)
        threshold = choose_threshold(samples, probs, rules, silent)
        cv = {
            "folds": 5,
            "rules": figures(samples, rules, categories).line(),
            "rules+model": figures(samples, combined(rules, silent, probs, threshold), categories).line(),
            "model alone": figures(samples, [p >= threshold for p in probs], categories).line(),
        }
        for k, v in cv.items():
            print(f"{k:>12}: {v}")
    text = dumps(build(config, threshold, corpora, cv))
    args.out.write_text(text)
    print(f"wrote {args.out} (threshold {threshold:.2f}, sha256 {hashlib.sha256(text.encode()).hexdigest()[:12]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
