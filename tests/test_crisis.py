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
from helpline.understanding.crisis import Lexicon, load_lexicon, replies
from helpline.understanding.crisis.evaluate import evaluate, format_report
from helpline.understanding.crisis.reading import variants
from helpline.understanding.crisis.stream import check_stream
from helpline.understanding.crisis.text import Tokens

ROOT = Path(__file__).resolve().parent.parent
LEXICON = ROOT / "flows" / "crisis.yaml"
CORPUS = ROOT / "flows" / "crisis_data" / "crisis_corpus.yaml"
VARIABLES = {"org_name": "Harbor Recovery", "org_phone": "1-555-010-0199"}


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon(LEXICON, VARIABLES)


# --- what must raise the alarm ------------------------------------------------------------------------------

CRISES = {
    "overdose": [
        "my brother od'd hes not breathing",
        "I think my son overdosed, he won't wake up",
        "she's turning blue",
        "his lips are blue",
        "he's having a seizure after using",
        "chest pain after I used, really bad",
        "i gave him narcan and he's still not responding",
        "we can't wake her up",
        "i took too much",
        "overdosing",
    ],
    "suicide": [
        "i want to die",
        "i'm not ok i want to die",
        "i don't want to live anymore",
        "im going to kill myself",
        "thinking about ending my life",
        "everyone would be better off without me",
        "i have a plan to end it tonight",
        "my son says he wants to kill himself",
        "i just want to sleep and never wake up",
    ],
    "violence": [
        "my boyfriend hits me",
        "he threatened to kill me",
        "he said he'll kill me if i leave",
        "i'm not safe at home",
    ],
    "harm_others": [
        "i want to kill him",
        "i'm going to hurt someone tonight",
    ],
}


@pytest.mark.parametrize(("category", "text"), [(c, t) for c, texts in CRISES.items() for t in texts])
def test_crisis_messages_raise_the_alarm_with_their_category(lexicon, category, text):
    verdict = lexicon.screen(text)
    assert verdict.crisis, text
    assert verdict.category == category
    assert verdict.severity == lexicon.categories[category].severity


TRICKS = [
    # (trick, message, category, rule the explanation must name)
    ("leetspeak", "k1ll my5elf", "suicide", "leet"),
    ("leetspeak", "$uicide", "suicide", "leet"),
    ("leetspeak", "i w@nt to d1e", "suicide", "leet"),
    ("spacing", "k i l l myself", "suicide", "spacing"),
    ("spacing", "s.u.i.c.i.d.e", "suicide", "spacing"),
    ("spacing", "killmyself", "suicide", "spacing"),
    ("repeated letters", "i want to dieeeee", "suicide", "phrase"),
    ("repeated letters", "he's overdosinggg", "overdose", "phrase"),
    ("misspelling", "sucide", "suicide", "fuzzy"),
    ("misspelling", "he overdoes help", "overdose", "fuzzy"),
    ("misspelling", "im sucidal", "suicide", "fuzzy"),
    ("misspelling", "she's unresponsve", "overdose", "fuzzy"),
    ("slang", "kms", "suicide", "slang"),
    ("slang", "gonna unalive myself", "suicide", "slang"),
    ("slang", "he od'd", "overdose", "slang"),
    ("slang", "i think shes oding", "overdose", "slang"),
    ("inflection", "my friend overdosed", "overdose", "phrase"),
    ("unicode", "ｋｉｌｌ ｍｙｓｅｌｆ", "suicide", "phrase"),
    ("unicode", "i want to díe", "suicide", "phrase"),
    ("unicode", "he\u2019s not breathing", "overdose", "phrase"),
    ("unicode", "ki\u200bll myself", "suicide", "phrase"),
    ("case and punctuation", "I WANT TO DIE!!!", "suicide", "phrase"),
    ("speech transcript", "um i think my son overdosed he's um not waking up", "overdose", "phrase"),
    ("speech transcript", "like i just um want to kill myself", "suicide", "phrase"),
    ("speech transcript", "she's like barely breathing and uh her lips are blue", "overdose", "phrase"),
]


@pytest.mark.parametrize(
    ("trick", "text", "category", "rule"), TRICKS, ids=[f"{t[0]}:{t[1]}" for t in TRICKS]
)
def test_texting_tricks_are_seen_through(lexicon, trick, text, category, rule):
    verdict = lexicon.screen(text)
    assert verdict.crisis and verdict.category == category, (trick, text)
    assert rule in {m.rule for m in verdict.matches}, [m.as_json() for m in verdict.matches]


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

HARD_NEGATIVES = {
    "negation": [
        "I'm not suicidal",
        "never thought about killing myself",
        "no suicidal thoughts, just sick",
        "he didn't overdose, he was asleep",
        "i dont think he overdosed",
    ],
    "past": [
        "I overdosed last year and got clean",
        "i tried to kill myself when i was 19",
        "my brother died of an overdose two years ago",
        "I had a seizure in 2019 from benzo withdrawal",
    ],
    "question": [
        "can you overdose on kratom?",
        "what are signs of overdose",
        "how much kratom does it take to overdose",
        "what should i do if someone overdoses",
        "where can i get narcan",
    ],
    "hyperbole": [
        "this withdrawal is killing me",
        "dying for a coffee",
        "my boss will kill me",
        "my mom is gonna kill me when she finds out",
        "I overdosed on coffee lol",
    ],
    "inside a word": [
        "i need new skills",
        "killer deal on shoes",
        "that's odd",
        "painkillers after surgery",
    ],
    "withdrawal": [
        "i feel like im dying from these withdrawals",
        "cant sleep, restless legs, sweating",
        "i cant breathe through my nose",
    ],
    "health": [
        "is kratom safe?",
        "overdose deaths are rising in our county",
        "is naloxone the same as narcan",
    ],
}


@pytest.mark.parametrize(("kind", "text"), [(k, t) for k, texts in HARD_NEGATIVES.items() for t in texts])
def test_hard_negatives_stay_quiet(lexicon, kind, text):
    verdict = lexicon.screen(text)
    assert not verdict.crisis, (kind, text, [m.as_json() for m in verdict.matches])


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("I'm not suicidal", "negated"),
        ("I overdosed last year and got clean", "past"),
        ("can you overdose on kratom?", "question"),
        ("he's not responding to my texts", "benign"),
    ],
)
def test_a_phrase_set_aside_says_why(lexicon, text, reason):
    verdict = lexicon.screen(text)
    assert not verdict.crisis
    assert reason in {m.reason for m in verdict.suppressed}


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


def test_the_quick_first_look_never_hides_a_phrase(lexicon):
    """The fast path may only skip messages in which the full analysis finds nothing at all."""
    from helpline.understanding.crisis.evaluate import load_corpus

    engine = lexicon._engine
    texts = [e.text for e in load_corpus(CORPUS)] + [t for _, t, _, _ in TRICKS]
    texts += ["i want to d i e", "kill my self", "he is blue", "my mom's boyfriend keeps hurting me"]
    for text in texts:
        if engine._quiet(text):
            raws = engine.reader.raw_tokens(text)
            found: dict = {}
            suppressed: dict = {}
            for variant, spaced in variants(raws):
                toks = Tokens()
                engine.reader.fill(toks, variant, spaced)
                engine._screen_tokens(text, toks, found, suppressed)
            assert not found and not suppressed, text
