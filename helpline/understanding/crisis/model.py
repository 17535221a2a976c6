"""The crisis screen's trained half: a scikit-learn classifier over the labelled corpora in
``flows/crisis_data/``, beside the lexicon's firm phrases.

The lexicon (``flows/crisis.yaml``) is the high-precision floor and the explanation; the model adds recall on the
ways people say it that no phrase lists. How the two combine (:meth:`CrisisModel.combine`):

* the lexicon fires: its verdict stands (the model's view is added to the explanation when it agrees);
* the lexicon found nothing: the model raises a crisis when P(crisis) >= ``threshold``;
* the lexicon found a phrase but set it aside as past, a question or benign: the model overrules that only when
  P(crisis) >= ``overrule`` (when in doubt, it is a crisis; but "can you overdose on kratom?" is not); a phrase
  set aside only as negated ("I'm not suicidal") is never overruled.

Both numbers live in ``flows/crisis.yaml`` under ``model:`` and were chosen by cross-validation
(``helpline crisis eval --cv``); docs/understanding.md has the figures. A model verdict's ``matches`` carry
``rule: model`` and the message's strongest features, so staff and ``helpline crisis check`` can see why.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sklearn.pipeline import Pipeline

from helpline.understanding import augment, cache, data
from helpline.understanding.features import Linear, make_pipeline
from helpline.understanding.normalise import normalise

if TYPE_CHECKING:
    from helpline.understanding.crisis.verdict import Verdict

RULE = "model"
DATA_DIR = "crisis_data"  # beside flows/crisis.yaml
DEFAULT_THRESHOLD = 0.75
DEFAULT_OVERRULE = 0.9
C = 10.0
# The model alone does not speak on fewer than three words of two or more letters ("idk", "no", "dunno" after
# "are you safe?", "00:00"): there a single heavy feature decides. Short crises ("hes blue", "od help") are the
# lexicon's firm phrases.
MIN_WORDS = 3


@dataclass(frozen=True)
class Opinion:
    """What the model makes of one message: P(crisis), the most likely category, the features that said so."""

    p_crisis: float
    category: str
    features: tuple[str, ...] = ()


def train(examples: Sequence[data.Labelled], *, augmented: bool = True) -> Linear:
    return Linear(fit(examples, augmented=augmented))


def fit(examples: Sequence[data.Labelled], *, augmented: bool = True) -> Pipeline:
    """A model trained on ``examples`` (and label-keeping variants of them when ``augmented``)."""
    texts, labels = augment.training_set(((ex.text, ex.label) for ex in examples), augmented=augmented)
    pipeline = make_pipeline(c=C)
    pipeline.fit(texts, labels)
    return pipeline


class CrisisModel:
    """A trained crisis classifier and the two thresholds that decide what it may say."""

    def __init__(self, linear: Linear, threshold: float = DEFAULT_THRESHOLD, overrule: float = DEFAULT_OVERRULE,
                 version: str = ""):
        self.linear = linear
        self.threshold = threshold
        self.overrule = overrule
        self.version = version
        self._none = linear.classes.index(data.NONE)

    def opinion(self, norm: str, *, explain: bool = True) -> Opinion:
        """The model's view of one normalised message."""
        proba = self.linear.proba(norm)
        p_crisis = float(1.0 - proba[self._none])
        best = max((i for i in range(len(proba)) if i != self._none), key=lambda i: proba[i])
        category = self.linear.classes[best]
        features = self.linear.strongest(norm, category, data.NONE) if explain else ()
        return Opinion(p_crisis, category, features)

    def combine(self, text: str, verdict: Verdict, norm: str | None = None) -> Verdict:
        """The screen's verdict once the model has been heard (see the module's docstring)."""
        from helpline.understanding.crisis.verdict import Match, Verdict

        norm = normalise(text) if norm is None else norm
        if verdict.crisis or not speaks(verdict, norm):
            return verdict
        view = self.opinion(norm, explain=False)
        if not raises(verdict, view.p_crisis, self.threshold, self.overrule):
            return verdict
        features = self.linear.strongest(norm, view.category, data.NONE)
        why = Match(view.category, f"model p={view.p_crisis:.2f}", RULE, ", ".join(features) or norm[:40])
        return Verdict(True, view.category, None, (why,), verdict.suppressed)


def speaks(verdict: Verdict, norm: str) -> bool:
    """Whether the model is asked at all: not on a lexicon hit, not on fewer than :data:`MIN_WORDS` words, not
    when the lexicon set a phrase aside only as negated ("i'm not suicidal", "no me quiero morir")."""
    if verdict.crisis:
        return False
    if verdict.suppressed and all(m.reason == "negated" for m in verdict.suppressed):
        return False
    return sum(1 for w in norm.split() if len(w) > 1 and not w.isdigit()) >= MIN_WORDS


def raises(verdict: Verdict, p_crisis: float, threshold: float, overrule: float) -> bool:
    """Whether P(crisis) is enough: ``overrule`` to overrule a phrase set aside, else ``threshold``."""
    return p_crisis >= (overrule if verdict.suppressed else threshold)


def training_files(flows_dir: Path) -> list[Path]:
    folder = flows_dir / DATA_DIR
    return data.corpus_files(folder) if folder.is_dir() else []


def model_for(lexicon_path: Path, threshold: float, overrule: float,
              cache_dir: Path | None = None) -> CrisisModel | None:
    """The model trained on the corpora beside the lexicon (cached by their hash); None when there are none."""
    files = training_files(lexicon_path.parent)
    if not files:
        return None
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    key = cache.digest(h.hexdigest(), f"C={C}", "augmented")

    def build() -> Pipeline:
        return fit(data.read_corpora(files))

    pipeline = cache.cached("crisis", key, build, cache_dir or cache.default_folder())
    return CrisisModel(Linear(pipeline), threshold, overrule, key)
