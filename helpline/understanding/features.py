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
    """A trained pipeline, read fast: the vectorisers' transform and one sparse product with the weights.

    ``Pipeline.predict_proba`` re-validates its input on every call, which costs more than the arithmetic for one
    short message; the webhook classifies one message at a time, so this does the same sums without that
    overhead (a test checks both give the same probabilities).
    """

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        union: FeatureUnion = pipeline.named_steps["features"]
        model: LogisticRegression = pipeline.named_steps["model"]
        self.vectorisers = [vec for _, vec in union.transformer_list]
        self.classes: tuple[str, ...] = tuple(str(c) for c in model.classes_)
        coef = np.asarray(model.coef_, dtype=np.float64)
        intercept = np.asarray(model.intercept_, dtype=np.float64)
        if len(self.classes) == 2:  # binary: sklearn keeps one row for the second class
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        self.coef_t = coef.T.copy()  # features x classes
        self.intercept = intercept
        self._names: np.ndarray | None = None

    def features(self, text: str):  # noqa: ANN201 - a scipy sparse row
        from scipy.sparse import hstack

        return hstack([vec.transform([text]) for vec in self.vectorisers]).tocsr()

    def proba(self, text: str) -> np.ndarray:
        """Class probabilities for one normalised message, in :attr:`classes` order."""
        row = self.features(text)
        scores = row @ self.coef_t + self.intercept
        scores = np.asarray(scores).ravel()
        scores -= scores.max()
        exp = np.exp(scores)
        return exp / exp.sum()

    def proba_many(self, texts: Sequence[str]) -> np.ndarray:
        return self.pipeline.predict_proba(list(texts))

    def strongest(self, text: str, towards: str, against: str, n: int = 3) -> tuple[str, ...]:
        """The ``n`` features of the message that pushed most from ``against`` towards ``towards``, most first."""
        if self._names is None:
            self._names = self.pipeline.named_steps["features"].get_feature_names_out()
        row = self.features(text)
        i, j = self.classes.index(towards), self.classes.index(against)
        weights = row.data * (self.coef_t[row.indices, i] - self.coef_t[row.indices, j])
        order = np.argsort(-weights)
        out: list[str] = []
        for k in order:
            if weights[k] <= 0 or len(out) >= n:
                break
            name = str(self._names[row.indices[k]]).split("__", 1)[-1].strip()
            if name and not any(name in o or o in name for o in out):
                out.append(name)
        return tuple(out)
