"""The one text-classification pipeline both models use: TF-IDF over character and word n-grams of the
normalised message, and a linear model with probabilities.

Why these: character n-grams (2-5, inside word boundaries) carry misspellings, phonetic spellings, missing spaces and
Spanish endings without a stemmer; word n-grams (1-2) carry short phrases ("wake up", "no respira"). A logistic
regression on them trains on ten thousand messages in seconds, is deterministic, gives usable probabilities and can
say which features drove a decision (its weights), which a crisis worker can read.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline


def identity(text: str) -> str:
    """Messages reach the pipeline already normalised (:mod:`helpline.understanding.normalise`), once."""
    return text


def make_pipeline(*, c: float = 10.0, class_weight: str | dict | None = None, char_min_df: int = 2) -> Pipeline:
    """A fresh, untrained pipeline (deterministic: lbfgs, no random state involved)."""
    union = FeatureUnion([
        ("char", TfidfVectorizer(preprocessor=identity, analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                 min_df=char_min_df, dtype=np.float32)),
        ("word", TfidfVectorizer(preprocessor=identity, analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                 token_pattern=r"(?u)\b\w+\b", dtype=np.float32)),
    ])
    # saga: several times faster than lbfgs here (tens of thousands of sparse features), the same scores in
    # cross-validation; deterministic for the same data in the same order (random_state fixed).
    model = LogisticRegression(C=c, max_iter=300, tol=1e-3, solver="saga", random_state=0, class_weight=class_weight)
    return Pipeline([("features", union), ("model", model)])


class Linear:
    """A trained pipeline, read fast: each vectoriser's own analyser, its vocabulary and idf, and one product with
    the weights of the features the message has.

    ``Pipeline.predict_proba`` validates its input and builds scipy matrices on every call, which for one short
    message costs ten times the arithmetic; the webhook reads one message at a time, so this does the same sums
    (TF-IDF with sublinear tf and L2 norm per vectoriser, then softmax) on plain arrays. A test checks both give
    the same probabilities.
    """

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        union: FeatureUnion = pipeline.named_steps["features"]
        model: LogisticRegression = pipeline.named_steps["model"]
        self.classes: tuple[str, ...] = tuple(str(c) for c in model.classes_)
        coef = np.asarray(model.coef_, dtype=np.float64)
        intercept = np.asarray(model.intercept_, dtype=np.float64)
        if len(self.classes) == 2:  # binary: sklearn keeps one row, for the second class
            coef = np.vstack([np.zeros_like(coef[0]), coef[0]])
            intercept = np.array([0.0, intercept[0]])
        self.coef_t = coef.T.copy()  # features x classes
        self.intercept = intercept
        self._parts = []
        offset = 0
        for _, vec in union.transformer_list:
            self._parts.append((vec.build_analyzer(), vec.vocabulary_, np.asarray(vec.idf_), offset, vec.sublinear_tf))
            offset += len(vec.vocabulary_)
        self._names: list[str] | None = None

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The message's feature indices and TF-IDF values, as the pipeline would compute them."""
        indices: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for analyse, vocabulary, idf, offset, sublinear in self._parts:
            counts: dict[int, int] = {}
            for gram in analyse(text):
                j = vocabulary.get(gram)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            if sublinear:
                tf = 1.0 + np.log(tf)
            weights = tf * idf[idx]
            weights /= np.sqrt((weights * weights).sum())
            indices.append(idx + offset)
            values.append(weights)
        if not indices:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(indices), np.concatenate(values)

    def proba(self, text: str) -> np.ndarray:
        """Class probabilities for one normalised message, in :attr:`classes` order."""
        idx, values = self.features(text)
        scores = values @ self.coef_t[idx] + self.intercept if len(idx) else self.intercept.copy()
        scores = scores - scores.max()
        exp = np.exp(scores)
        return exp / exp.sum()

    def proba_many(self, texts: Sequence[str]) -> np.ndarray:
        return self.pipeline.predict_proba(list(texts))

    def strongest(self, text: str, towards: str, against: str, n: int = 3) -> tuple[str, ...]:
        """The ``n`` features of the message that pushed most from ``against`` towards ``towards``, most first."""
        if self._names is None:
            self._names = [str(name) for name in self.pipeline.named_steps["features"].get_feature_names_out()]
        idx, values = self.features(text)
        i, j = self.classes.index(towards), self.classes.index(against)
        weights = values * (self.coef_t[idx, i] - self.coef_t[idx, j])
        out: list[str] = []
        for k in np.argsort(-weights):
            if weights[k] <= 0 or len(out) >= n:
                break
            name = self._names[idx[k]].split("__", 1)[-1].strip()
            if name and not any(name in o or o in name for o in out):
                out.append(name)
        return tuple(out)
