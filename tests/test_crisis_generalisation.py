"""How the crisis screen generalises: the blind set meets the targets, the concern tier, anchored patterns.

tests/data/crisis_blind.yaml was written before the lexicon was read; tests/data/crisis_holdout.yaml after the
blind-set fixes, scored once. The holdout is only reported (docs/crisis.md), never asserted: it is the honest
estimate for unseen traffic and must not become a tuning target.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpline.errors import ContentError
from helpline.understanding.crisis import load_lexicon, replies
from helpline.understanding.crisis.evaluate import evaluate, format_report, load_corpus
from helpline.understanding.crisis.phrases import anchors_of
from tests.conftest import CRISIS_VARIABLES as VARIABLES

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "flows" / "crisis_data"


@pytest.mark.parametrize("name", ["crisis_corpus.yaml", "crisis_blind.yaml",
                                  "crisis_es_corpus.yaml", "crisis_es_blind.yaml"])
def test_tuning_and_blind_sets_meet_the_targets(lexicon, name):
    report = evaluate(lexicon, DATA / name)
    for category, score in report.scores.items():
        assert score.total >= 15, category
        assert score.recall >= 0.97, format_report(report)
    assert report.false_alarm_rate <= 0.03, format_report(report)


def test_blind_set_is_broad():
    examples = load_corpus(DATA / "crisis_blind.yaml")
    assert len(examples) >= 250
    assert sum(e.style == "speech" for e in examples) >= 15
    assert sum(not e.is_crisis for e in examples) >= 120
    kinds = {e.kind for e in examples if not e.is_crisis}
    assert {"hyperbole", "past", "question", "negation", "withdrawal", "health", "other"} <= kinds


def test_holdout_is_reported_not_asserted(lexicon):
    report = evaluate(lexicon, DATA / "crisis_holdout.yaml")
    assert report.total >= 120
    assert "recall" in format_report(report)


CONCERN = [
    "i cant do this anymore",
    "im a burden to everyone",
    "whats the point",
    "i'm so done with life",
    "nobody would miss me",
]


@pytest.mark.parametrize("text", CONCERN)
def test_passive_ideation_is_a_crisis_at_concern_severity(lexicon, text):
    verdict = lexicon.screen(text)
    assert verdict.crisis and verdict.category == "suicide", text
    assert verdict.severity == "concern"


def test_a_critical_phrase_outranks_the_concern_tier(lexicon):
    verdict = lexicon.screen("i cant take it anymore, i want to kill myself")
    assert verdict.category == "suicide" and verdict.severity == "critical"
    verdict = lexicon.screen("my husband hits me and i cant do this anymore")
    assert verdict.category == "violence" and verdict.severity == "high"


def test_concern_tier_keeps_its_benign_words(lexicon):
    assert not lexicon.screen("i can't take this anymore the withdrawal is hell").crisis


def test_concern_reply_is_gentler_and_old_calls_are_unchanged(lexicon):
    full = lexicon.reply("suicide", "sms", "en")
    assert lexicon.reply("suicide", "sms", "en", severity="critical") == full
    gentle = lexicon.reply("suicide", "sms", "en", severity="concern")
    assert gentle != full and "988" in gentle and "911" in gentle
    assert replies.sms_septets(gentle) is not None and replies.sms_septets(gentle) <= replies.SMS_MAX_SEPTETS
    voice = lexicon.reply("suicide", "voice", "en", severity="concern")
    assert "nine eight eight" in voice and not any(c.isdigit() for c in voice)
    # a category with no concern tier gives its own reply for any severity
    assert lexicon.reply("overdose", "sms", "en", severity="concern") == lexicon.reply(
        "overdose", "sms", "en"
    )


def test_concern_reply_is_validated(tmp_path):
    path = tmp_path / "crisis.yaml"
    path.write_text(
        """\
languages: [en]
categories:
  suicide:
    severity: critical
    phrases: [suicide]
    concern:
      phrases: ["can not go on"]
      reply:
        en: {sms: "Call 988.", voice: "Call 988."}
    reply:
      en: {sms: "Call 988.", voice: "Call nine eight eight."}
""",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as info:
        load_lexicon(path, VARIABLES)
    assert "concern: en.voice reply: write numbers as words" in str(info.value)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("she wants to hurt herself", "suicide"),  # reflexive pronouns are one word
        ("i want too die", "suicide"),  # "too" typed for "to"
        ("my dealer said hes gonna kill me if i dont pay", "violence"),  # firm: never a figure of speech
    ],
)
def test_general_causes(lexicon, text, category):
    verdict = lexicon.screen(text)
    assert verdict.crisis and verdict.category == category, [m.as_json() for m in verdict.suppressed]


def test_anchors_are_read_from_the_regex():
    assert anchors_of(r"(?:he|she) is (?:blue|grey)") == [
        frozenset({" is "}),
        frozenset({"blue", "grey"}),
    ]
    assert anchors_of(r"(?:a|b)?\S+") == []  # nothing required: the pattern runs on every message
