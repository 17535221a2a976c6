"""The Spanish crisis screen: what it must catch and leave alone, its replies, its corpora, its content errors.

tests/data/crisis_es_blind.yaml was written before any Spanish rule; crisis_es_corpus.yaml is the tuning
corpus; crisis_es_holdout.yaml was written after the tuning fixes and scored once: it is reported in
docs/crisis.md, never asserted.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from helpline.errors import ContentError
from helpline.understanding.crisis import load_lexicon, replies
from helpline.understanding.crisis.evaluate import evaluate, format_report, load_corpus
from tests.conftest import CRISIS_VARIABLES as VARIABLES

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "flows" / "crisis_data"


def test_phrases_holding_their_own_no_are_affirmative(lexicon):
    for text in ("ya no quiero vivir", "no respira", "no despierta", "no quiero seguir viviendo"):
        assert lexicon.screen(text).crisis, text


def test_spanish_passive_ideation_is_concern(lexicon):
    verdict = lexicon.screen("soy una carga para mi familia")
    assert verdict.crisis and verdict.category == "suicide" and verdict.severity == "concern"
    assert lexicon.screen("ya no aguanto mas, me quiero morir").severity == "critical"


# --- corpora ------------------------------------------------------------------------------------------------


# The Spanish tuning and blind sets are held to the targets in test_crisis_generalisation.py, with the English.


def test_spanish_corpora_are_broad():
    tuning = load_corpus(DATA / "crisis_es_corpus.yaml")
    assert len(tuning) >= 300 and sum(not e.is_crisis for e in tuning) >= 150
    assert sum(e.style == "speech" for e in tuning) >= 25
    kinds = {e.kind for e in tuning if not e.is_crisis}
    assert {"hyperbole", "question", "negation", "past", "withdrawal", "health", "substring", "other"} <= kinds
    assert len(load_corpus(DATA / "crisis_es_blind.yaml")) >= 150
    # no message of one set is pasted into another
    texts = [
        {e.text.lower() for e in load_corpus(DATA / f"crisis_es_{n}.yaml")} for n in ("blind", "corpus", "holdout")
    ]
    assert not (texts[0] & texts[1]) and not (texts[0] & texts[2]) and not (texts[1] & texts[2])


def test_spanish_holdout_is_reported_not_asserted(lexicon):
    report = evaluate(lexicon, DATA / "crisis_es_holdout.yaml")
    assert report.total >= 100
    assert "recall" in format_report(report)


# --- replies ------------------------------------------------------------------------------------------------


def test_spanish_replies_carry_the_right_resources(lexicon):
    suicide = lexicon.reply("suicide", "sms", "es")
    assert "988" in suicide and "marque 2" in suicide and "AYUDA" in suicide and "911" in suicide
    assert VARIABLES["org_phone"] in suicide
    concern = lexicon.reply("suicide", "sms", "es", severity="concern")
    assert concern != suicide and "988" in concern and "marque 2" in concern and "AYUDA" in concern
    overdose = lexicon.reply("overdose", "sms", "es")
    assert "911" in overdose and "1-800-222-1222" in overdose and "naloxona" in overdose and "Narcan" in overdose
    assert "de lado" in overdose and "quédese" in overdose
    violence = lexicon.reply("violence", "sms", "es")
    assert "911" in violence and "1-800-799-7233" in violence and "español" in violence
    harm = lexicon.reply("harm_others", "sms", "es")
    assert "911" in harm and "988" in harm


def test_spanish_voice_replies_speak_numbers_as_spanish_words(lexicon):
    voice = lexicon.reply("suicide", "voice", "es")
    assert "nueve, ocho, ocho" in voice and "marque el dos" in voice and "AYUDA" in voice
    assert "nueve, uno, uno" in lexicon.reply("overdose", "voice", "es")
    assert "dos dos dos, uno dos dos dos" in lexicon.reply("overdose", "voice", "es")
    assert "siete nueve nueve, siete dos tres tres" in lexicon.reply("violence", "voice", "es")
    for name in lexicon.categories:
        for severity in (None, "concern"):
            text = lexicon.reply(name, "voice", "es", severity=severity)
            assert not any(ch.isdigit() for ch in text), name


def test_spanish_sms_replies_fit_three_segments(lexicon):
    # The lexicon's rule (crisis/lexicon.py): 3 segments, i.e. 201 UCS-2 characters, or 459 GSM-7 septets for
    # a reply written without a, i, o, u with an acute accent (the overdose reply needs the room: issue 13).
    for name in lexicon.categories:
        for severity in (None, "concern"):
            encoding, units, segments = replies.sms_segments(lexicon.reply(name, "sms", "es", severity=severity))
            limit = 201 if encoding == "ucs2" else 459
            assert segments <= 3 and units <= limit, (name, encoding, units)


def test_reply_language_falls_back_to_english(lexicon):
    assert lexicon.reply("overdose", "sms", "fr") == lexicon.reply("overdose", "sms", "en")
    assert lexicon.reply("overdose", "sms", "es") != lexicon.reply("overdose", "sms", "en")


# --- broken Spanish content ---------------------------------------------------------------------------------


def _broken(tmp_path: Path, body: str) -> list[str]:
    path = tmp_path / "crisis.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_lexicon(path, VARIABLES)
    return str(info.value).replace(str(path), "crisis.yaml").splitlines()


def test_broken_spanish_entries_name_file_and_line(tmp_path):
    long_text = "Llame al 988 y marque 2. " * 9 + "ó."  # 227 UCS-2 characters: more than three segments
    lines = _broken(
        tmp_path,
        """\
        languages: [en, es]
        categories:
          suicide:
            severity: critical
            phrases: ["me quiero morir"]
            patterns:
              es_roto: 'me (voy a|quiero matar'
            reply:
              en: {sms: "Call or text 988.", voice: "Call nine eight eight."}
              es:
                sms: "{long_text}"
                voice: "Llame al 988."
          overdose:
            severity: critical
            phrases: [sobredosis]
            reply:
              en: {sms: "Call 911.", voice: "Call nine one one."}
        """.replace("{long_text}", long_text),
    )
    assert (
        "crisis.yaml:7: category 'suicide': pattern 'es_roto' does not compile: "
        "missing ), unterminated subpattern at position 3" in lines
    )
    assert any(
        line.startswith("crisis.yaml:11: category 'suicide': es.sms reply: ")
        and "at most 201 fit in 3 SMS segments" in line
        for line in lines
    ), lines
    assert any(
        line.startswith("crisis.yaml:12: category 'suicide': es.voice reply: write numbers as words") for line in lines
    )
    assert "crisis.yaml:16: category 'overdose': reply has no 'es' text (languages: en, es)" in lines


def test_english_replies_keep_the_gsm7_two_segment_rule(tmp_path):
    lines = _broken(
        tmp_path,
        """\
        languages: [en]
        categories:
          overdose:
            severity: critical
            phrases: [overdose]
            reply:
              en: {sms: "Llame al 911 ahora, por favor: está en peligro.", voice: "Call nine one one."}
        """,
    )
    assert lines == [
        "crisis.yaml:7: category 'overdose': en.sms reply: characters 'á' are not GSM-7 "
        "(use plain ASCII quotes and dashes)"
    ]
