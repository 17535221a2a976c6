"""The understanding layer's figures as CI guards: cross-validation on the training data, and the blind sets in
tests/blind/ (docs/understanding.md has every figure and how it was measured).

Where a target of issue 12 is met, the guard is the target. Where it is not met yet, the guard is the figure
reached (a little below it, for the spread between runs), so a change can keep or improve it but not lose it; the
target stands beside it. Slow on purpose: each cross-validation trains five models.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpline.app import load_content
from helpline.config import load_settings
from helpline.sim import evaluate
from helpline.understanding import data
from helpline.understanding.crisis import model as crisis_model

ROOT = Path(__file__).resolve().parent.parent
BLIND = ROOT / "tests" / "blind"


@pytest.fixture(scope="module")
def content(tmp_path_factory):  # type: ignore[no-untyped-def]
    return load_content(load_settings(environ={"HELPLINE_DATA_DIR": str(tmp_path_factory.mktemp("d"))},
                                      dotenv=None))


def test_topic_routing_cross_validated(content) -> None:  # type: ignore[no-untyped-def]
    flow, _ = content
    score = evaluate.topics_cv(flow)
    print(score.format(details=False))
    assert score.rate("wrong") <= 0.035  # target 0.03; measured 0.027
    assert score.rate("right") >= 0.77  # target 0.90: NOT met; measured 0.79


@pytest.mark.parametrize("name", ["topics_en_r1.jsonl", "topics_es_r1.jsonl"])
def test_topic_routing_on_the_blind_sets(content, name: str) -> None:  # type: ignore[no-untyped-def]
    flow, lexicon = content
    score = evaluate.topics_blind(flow, lexicon, BLIND / name)
    print(score.format(details=False))
    # Targets: right >= 0.90, wrong <= 0.03: NOT met. Measured 0.87 right and 4.9-5.5% wrong, of which about
    # half are routine questions the crisis screen answered as a crisis ("will i get arrested if i call 911").
    assert score.rate("right") >= 0.85
    assert score.rate("wrong") <= 0.065


def test_crisis_screen_cross_validated(content) -> None:  # type: ignore[no-untyped-def]
    _, lexicon = content
    examples = data.read_corpora(crisis_model.training_files(ROOT / "flows"))
    (score,) = evaluate.crisis_cv(lexicon, examples).values()
    print(score.format())
    assert score.rate("crisis") >= 0.95  # target 0.95: met (0.954)
    assert score.rate("crisis:overdose") >= 0.95  # met (0.977)
    assert score.rate("crisis:suicide") >= 0.91  # target 0.95: NOT met; measured 0.923
    assert score.rate("hard") <= 0.055  # target 0.05; measured 0.049
    assert score.rate("everyday") <= 0.02  # target 0.005: NOT met; measured 0.015


@pytest.mark.parametrize("name, recall, suicide, overdose, alarms", [
    # measured (second look, the current screen): recall 0.950, suicide 0.92, overdose 0.99, alarms 10.5%
    ("crisis_en_r5.jsonl", 0.94, 0.90, 0.97, 0.12),
    # measured: recall 0.928, suicide 0.93, overdose 0.96, alarms 13.2%
    ("crisis_es_r5.jsonl", 0.91, 0.90, 0.94, 0.15),
])
def test_crisis_screen_on_the_blind_sets(content, name: str, recall: float, suicide: float, overdose: float,
                                         alarms: float) -> None:  # type: ignore[no-untyped-def]
    _, lexicon = content
    score = evaluate.crisis_blind(lexicon, BLIND / name)
    print(score.format())
    # Targets: recall >= 0.95 for suicide and overdose, false alarms <= 5%: NOT met on these sets.
    assert score.rate("crisis") >= recall
    assert score.rate("crisis:suicide") >= suicide and score.rate("crisis:overdose") >= overdose
    negatives = score.total["hard"] + score.total["everyday"]
    assert (score.found["hard"] + score.found["everyday"]) / negatives <= alarms
