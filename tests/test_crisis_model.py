"""The crisis screen's statistical second opinion (helpline/crisis_model.py, flows/crisis_model.json)."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest

from helpline import crisis_model
from helpline.crisis import Match, Verdict, evaluate, load_lexicon
from helpline.crisis_eval import load_corpus

ROOT = Path(__file__).resolve().parent.parent
LEXICON = ROOT / "flows" / "crisis.yaml"
MODEL = ROOT / "flows" / crisis_model.MODEL_FILE
DATA = ROOT / "tests" / "data"
VARIABLES = {"org_name": "Harbor Recovery", "org_phone": "1-555-010-0199"}


@pytest.fixture(scope="module")
def with_model():
    return load_lexicon(LEXICON, VARIABLES, model=True)


@pytest.fixture(scope="module")
def rules_only():
    return load_lexicon(LEXICON, VARIABLES, model=False)


def test_model_file_loads_and_reports_its_hash(with_model):
    model = crisis_model.load_model(MODEL)
    assert model.version == hashlib.sha256(MODEL.read_bytes()).hexdigest()[:12]
    assert with_model.model.version == model.version
    data = json.loads(MODEL.read_text())
    assert set(data["trained_on"]) == set(crisis_model.TRAINING_CORPORA)
    assert data["config"] == crisis_model.DEFAULT_CONFIG
    # every verdict of the model names the file it came from
    verdict = with_model.screen("please find a good home for my cat")
    assert all(model.version in m.phrase for m in verdict.matches)


def test_off_by_default_unless_asked(monkeypatch):
    monkeypatch.delenv("HELPLINE_CRISIS_MODEL", raising=False)
    assert crisis_model.ENABLED_BY_DEFAULT is False  # false alarms on routine questions (docs/crisis.md)
    assert load_lexicon(LEXICON, VARIABLES).model is None
    monkeypatch.setenv("HELPLINE_CRISIS_MODEL", "1")
    assert load_lexicon(LEXICON, VARIABLES).model is not None
    assert load_lexicon(LEXICON, VARIABLES, model=False).model is None


def test_short_messages_are_left_to_the_rules():
    with_model = load_lexicon(LEXICON, VARIABLES, model=True)
    assert not with_model.screen("purple elephant").crisis


def test_training_is_deterministic_and_the_file_is_up_to_date():
    """Training again on the same corpora gives the committed file byte for byte (threshold and CV figures are
    carried over: recomputing them is the same code path, run by `python -m helpline.crisis_model train`)."""
    committed = MODEL.read_text()
    old = json.loads(committed)
    corpora = [DATA / name for name in crisis_model.TRAINING_CORPORA]
    again = crisis_model.dumps(crisis_model.build(crisis_model.DEFAULT_CONFIG, old["threshold"], corpora, old["cv"]))
    assert again == committed, "flows/crisis_model.json is stale: run python -m helpline.crisis_model train"


class _AlwaysFires:
    version = "stub"

    def second_opinion(self, text: str) -> Verdict:
        return Verdict(True, "suicide", crisis_model.SEVERITY, (Match("suicide", "stub", crisis_model.RULE, text),))


def test_hook_never_overrides_the_rules(rules_only):
    lexicon = load_lexicon(LEXICON, VARIABLES, model=False)
    lexicon.model = _AlwaysFires()
    for text in ("im not suicidal", "can you overdose on kratom", "i overdosed in 2015 and got clean"):
        rules = rules_only.screen(text)
        assert not rules.crisis and rules.suppressed, text  # the rules set a phrase aside ...
        assert lexicon.screen(text) == rules, text  # ... and the model is not asked
    crisis = "my brother od'd hes not breathing"
    assert lexicon.screen(crisis) == rules_only.screen(crisis)  # a rule verdict stands as it is
    v = lexicon.screen("what time is group")  # rules silent: the model speaks
    assert v.crisis and v.severity == "concern" and v.matches[0].rule == "model"


@pytest.mark.parametrize(
    "text",
    [
        "please find a good home for my cat",
        # "i searched how many pills it takes" and "i keep thinking about driving off the road on purpose" were
        # here; round 3's rule families (looking up how many, on purpose with any driving verb) now catch them.
    ],
)
def test_paraphrases_the_rules_miss(rules_only, with_model, text):
    assert not rules_only.screen(text).crisis
    v = with_model.screen(text)
    assert v.crisis and v.category and v.severity == "concern"
    assert v.matches and all(m.rule == "model" for m in v.matches)
    # every detection explains itself: the words that pushed the score up, found in the message
    for m in v.matches:
        assert m.span is not None and text[m.span[0] : m.span[1]] == m.text


@pytest.mark.parametrize("text", ["what time does the clinic open tomorrow", "can i get a ride to group", ""])
def test_routine_messages_stay_quiet(with_model, text):
    assert not with_model.screen(text).crisis


def test_model_keeps_the_screen_fast(with_model):
    """A light check, not a benchmark: routine 160-character messages cost microseconds more with the model
    (the bench: ~25,000 -> ~19,000 msg/s); this only catches an accidental slow path (e.g. no per-word cache)."""
    texts = [e.text for e in load_corpus(DATA / "crisis_corpus.yaml") if not e.is_crisis]
    msgs = [(" ".join(texts[i:] + texts[:i]))[:160] for i in range(len(texts))]
    model = with_model.model
    for m in msgs:
        model.logit(crisis_model.words_of(m))
    start = time.perf_counter()
    for m in msgs * 5:
        model.logit(crisis_model.words_of(m))
    per_message = (time.perf_counter() - start) / (len(msgs) * 5)
    assert per_message < 500e-6  # ~10 us measured; 50x slack for slow, shared CI
    assert len(model._word) < crisis_model._CACHE_MAX


@pytest.mark.parametrize("corpus", ["crisis_corpus.yaml", "crisis_blind.yaml"])
def test_eval_still_meets_targets_with_and_without_the_model(rules_only, with_model, corpus):
    for lexicon in (rules_only, with_model):
        report = evaluate(lexicon, DATA / corpus)
        assert report.meets(), (corpus, lexicon.model and lexicon.model.version)
