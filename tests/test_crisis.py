"""The crisis screen: what it must catch, what it must leave alone, how it explains itself, how content
fails."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpline.errors import ContentError
from helpline.understanding.crisis import load_lexicon, replies
from helpline.understanding.crisis.evaluate import evaluate, format_report
from helpline.understanding.crisis.stream import check_stream
from tests.conftest import CRISIS_LEXICON as LEXICON
from tests.conftest import CRISIS_VARIABLES as VARIABLES

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "flows" / "crisis_data" / "crisis_corpus.yaml"


# --- what must raise the alarm (and the shared cases in each language: test_crisis_languages.py) ----------------

AMBIGUOUS = [
    "is he overdosing?",  # a question about a particular person now
    "what do i do he's not breathing",
    "should i call 911",
    "what's the number for the suicide hotline",  # they may be at risk; the reply is 988 anyway
    "i overdosed last year and i'm thinking about it again",
    "i can't do this i want to die",
    "how many pills does it take to die",  # method seeking is not an informational question
]


@pytest.mark.parametrize("text", AMBIGUOUS)
def test_when_unsure_the_screen_errs_to_safety(lexicon, text):
    assert lexicon.screen(text).crisis, text


# --- what must stay quiet -----------------------------------------------------------------------------------


def test_negated_ideation_is_still_ideation(lexicon):
    # "don't want to live" denies living, not dying: it is the ideation itself
    verdict = lexicon.screen("i don't want to live anymore")
    assert verdict.crisis and verdict.category == "suicide"
    assert any("live" in m.phrase for m in verdict.matches)


# --- explanations -------------------------------------------------------------------------------------------


def test_matches_explain_phrase_rule_and_span(lexicon):
    text = "ok so my brother OD'd and his lips are blue"
    verdict = lexicon.screen(text)
    assert verdict.crisis and verdict.category == "overdose"
    for m in verdict.matches:
        assert m.phrase and m.rule and m.text
        assert text[m.span[0] : m.span[1]] == m.text
    by_rule = {m.rule: m for m in verdict.matches}
    assert by_rule["slang"].text == "OD'd"
    assert by_rule["phrase"].phrase == "lips are blue"


def test_pattern_matches_name_their_pattern(lexicon):
    verdict = lexicon.screen("i cant wake him up")
    assert verdict.crisis
    assert any(m.rule.startswith("pattern:") for m in verdict.matches)


def test_as_json_has_the_contract_keys(lexicon):
    out = lexicon.screen("i want to die").as_json("i want to die")
    assert {"text", "crisis", "category", "severity", "matches"} <= set(out)
    assert out["matches"][0]["phrase"] == "want to die"
    assert set(out["matches"][0]) >= {"category", "phrase", "rule", "text"}
    json.dumps(out)


def test_a_longer_phrase_of_another_category_wins(lexicon):
    verdict = lexicon.screen("im going to overdose on purpose tonight")
    assert verdict.category == "suicide"


# --- replies ------------------------------------------------------------------------------------------------


def test_every_reply_renders_fits_two_sms_segments_and_reads_aloud(lexicon):
    for name, _category in lexicon.categories.items():
        for lang in lexicon.languages:
            sms = lexicon.reply(name, "sms", lang)
            voice = lexicon.reply(name, "voice", lang)
            assert "{" not in sms and "{" not in voice
            encoding, units, segments = replies.sms_segments(sms)
            if lang == "en":
                assert encoding == "gsm7" and units <= 306, (name, len(sms))
            else:  # Spanish accents make a text UCS-2; a complete crisis reply may take three segments
                assert segments <= replies.SMS_SEGMENTS_BY_LANG.get(lang, 2), (name, lang, units)
            assert not any(ch.isdigit() for ch in voice.replace(VARIABLES["org_phone"], "")), name
            assert "http" not in voice and "www" not in voice


def test_replies_carry_the_right_resources(lexicon):
    assert "988" in lexicon.reply("suicide", "sms", "en")
    assert "911" in lexicon.reply("suicide", "sms", "en")
    overdose = lexicon.reply("overdose", "sms", "en")
    assert "911" in overdose and "1-800-222-1222" in overdose and "Narcan" in overdose
    assert "nine one one" in lexicon.reply("overdose", "voice", "en")
    assert VARIABLES["org_phone"] in lexicon.reply("suicide", "sms", "en")
    assert lexicon.reply("suicide", "sms", "fr") == lexicon.reply("suicide", "sms", "en")  # falls back


def test_version_is_a_content_hash(lexicon, tmp_path):
    copy = tmp_path / "crisis.yaml"
    copy.write_text(LEXICON.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert lexicon.version == load_lexicon(LEXICON, VARIABLES).version
    assert load_lexicon(copy, VARIABLES).version != lexicon.version


# --- broken content -----------------------------------------------------------------------------------------

GOOD_CATEGORY = """\
  overdose:
    severity: critical
    phrases: [overdose]
    reply:
      en:
        sms: "Call 911 now."
        voice: "Call nine one one now."
"""


def _broken(tmp_path: Path, body: str) -> str:
    path = tmp_path / "crisis.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_lexicon(path, VARIABLES)
    return str(info.value).replace(str(path), "crisis.yaml")


def test_missing_severity_names_file_and_line(tmp_path):
    message = _broken(
        tmp_path,
        """\
        languages: [en]
        categories:
          suicide:
            phrases: ["kill myself"]
            reply:
              en: {sms: "Call or text 988.", voice: "Call nine eight eight."}
        """,
    )
    assert message == "crisis.yaml:3: categories.suicide: missing 'severity'"


def test_missing_voice_reply_names_its_line(tmp_path):
    message = _broken(
        tmp_path,
        """\
        languages: [en]
        categories:
          suicide:
            severity: critical
            phrases: ["kill myself"]
            reply:
              en:
                sms: "Call or text 988."
        """,
    )
    assert message == "crisis.yaml:7: categories.suicide.reply.en: missing 'voice'"


def test_unknown_severity_is_refused(tmp_path):
    message = _broken(
        tmp_path, "languages: [en]\ncategories:\n" + GOOD_CATEGORY.replace("critical", "urgent")
    )
    assert message.startswith("crisis.yaml:4: categories.overdose.severity: 'urgent' is not one of")


def test_cross_checks_report_every_problem_with_its_line(tmp_path):
    message = _broken(
        tmp_path,
        """\
        languages: [en, es]
        categories:
          suicide:
            severity: critical
            phrases: ["kill myself", overdose]
            patterns:
              broken: 'kill (my|your'
            reply:
              en:
                sms: "Call or text 988, {org_nme}."
                voice: "Call 988 or see https://988lifeline.org"
          overdose:
            severity: critical
            phrases: [overdose]
            reply:
              en:
                sms: "Call 911 now \u201cplease\u201d"
                voice: "Call nine one one now."
        """,
    )
    lines = message.splitlines()
    assert "crisis.yaml:8: category 'suicide': reply has no 'es' text (languages: en, es)" in lines
    assert (
        "crisis.yaml:7: category 'suicide': pattern 'broken' does not compile: "
        "missing ), unterminated subpattern at position 5" in lines
    )
    assert any(
        line.startswith(
            "crisis.yaml:10: category 'suicide': en.sms reply: unknown template variable(s) {org_nme}"
        )
        for line in lines
    )
    assert (
        "crisis.yaml:11: category 'suicide': en.voice reply: a voice reply cannot contain a web address"
        in lines
    )
    assert (
        "crisis.yaml:11: category 'suicide': en.voice reply: write numbers as words in a voice reply "
        "('nine eight eight'), so they are read out clearly"
    ) in lines
    assert (
        "crisis.yaml:17: category 'overdose': en.sms reply: characters '\u201c\u201d' are not GSM-7 "
        "(use plain ASCII quotes and dashes)"
    ) in lines
    assert "crisis.yaml:14: category 'overdose': phrase 'overdose' is also in category 'suicide'" in lines


def test_sms_reply_longer_than_two_segments_is_refused(tmp_path):
    long_text = "Call 911 now. " * 25
    message = _broken(
        tmp_path, "languages: [en]\ncategories:\n" + GOOD_CATEGORY.replace("Call 911 now.", long_text)
    )
    assert message == (
        "crisis.yaml:8: category 'overdose': en.sms reply: 350 characters once filled in; "
        "at most 306 fit in two SMS segments"
    )


def test_yaml_syntax_error_names_its_line(tmp_path):
    message = _broken(tmp_path, "languages: [en]\ncategories:\n  overdose:\n    phrases: [overdose\n")
    assert message.startswith("crisis.yaml:")
    assert "YAML syntax error" in message


# --- evaluation and the command line helpers ----------------------------------------------------------------


def test_corpus_meets_the_targets(lexicon):
    report = evaluate(lexicon, CORPUS)
    assert report.total >= 350
    for name, score in report.scores.items():
        assert score.total >= 15, name
        assert score.recall >= 0.97, format_report(report)
    assert report.negatives >= 200
    assert report.false_alarm_rate <= 0.03, format_report(report)
    assert report.meets()


def test_corpus_has_both_styles_and_many_hard_negatives():
    from helpline.understanding.crisis.evaluate import load_corpus

    examples = load_corpus(CORPUS)
    assert sum(e.style == "speech" for e in examples) >= 50
    kinds = {e.kind for e in examples if not e.is_crisis}
    assert {"hyperbole", "past", "question", "negation", "substring", "withdrawal", "health"} <= kinds


def test_format_report_lists_figures_misses_and_false_alarms(lexicon, tmp_path):
    corpus = tmp_path / "c.yaml"
    corpus.write_text(
        textwrap.dedent("""\
        - {text: "i want to die", label: suicide}
        - {text: "the weather is nice", label: suicide}
        - {text: "my boss will kill me", label: none}
        - {text: "i overdosed just now", label: none}
        """),
        encoding="utf-8",
    )
    report = evaluate(lexicon, corpus)
    assert report.scores["suicide"].recall == 0.5
    assert report.false_alarm_rate == 0.5
    text = format_report(report)
    assert "suicide" in text and "0.500" in text
    assert "line 2: [suicide] 'the weather is nice'" in text
    assert "line 4: [overdose] 'i overdosed just now'" in text
    assert "TARGETS NOT MET" in text


def test_corpus_with_unknown_label_is_refused(lexicon, tmp_path):
    corpus = tmp_path / "c.yaml"
    corpus.write_text('- {text: "hi", label: none}\n- {text: "x", label: sucide}\n', encoding="utf-8")
    with pytest.raises(ContentError) as info:
        evaluate(lexicon, corpus)
    assert str(info.value).startswith(f"{corpus}:2: unknown label 'sucide'")


def test_check_stream_writes_one_json_object_a_line(lexicon):
    out = io.StringIO()
    flagged = check_stream(lexicon, io.StringIO("i want to die\nhello there\n\nhe od'd\r\n"), out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert flagged == 2
    assert [r["text"] for r in rows] == ["i want to die", "hello there", "", "he od'd"]
    assert [r["crisis"] for r in rows] == [True, False, False, True]
    assert rows[0]["category"] == "suicide" and rows[0]["severity"] == "critical"
    assert rows[1]["category"] is None and rows[1]["matches"] == []
    assert rows[3]["matches"][0]["rule"] == "slang"
    for row in rows:
        assert {"text", "crisis", "category", "severity", "matches"} <= set(row)


# --- robustness ---------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_screen_never_fails_on_any_text(lexicon, text):
    verdict = lexicon.screen(text)
    assert isinstance(verdict.crisis, bool)
    for m in verdict.matches:
        if m.rule == "model":  # the model's evidence is its strongest features, not a span of the text
            assert m.text
            continue
        assert text[m.span[0] : m.span[1]] == m.text


def test_long_messages_and_odd_input(lexicon):
    assert not lexicon.screen("").crisis
    assert not lexicon.screen("   \n\t ").crisis
    assert lexicon.screen("blah " * 2000 + "i want to die").crisis
    assert lexicon.screen("💀💀 i want to die 💀").crisis
