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
from helpline.understanding.crisis import Lexicon, load_lexicon, replies
from helpline.understanding.crisis.evaluate import evaluate, format_report, load_corpus
from helpline.understanding.crisis.reading import variants
from helpline.understanding.crisis.text import Tokens

ROOT = Path(__file__).resolve().parent.parent
LEXICON = ROOT / "flows" / "crisis.yaml"
DATA = ROOT / "flows" / "crisis_data"
VARIABLES = {"org_name": "Harbor Recovery", "org_phone": "1-555-010-0199"}


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon(LEXICON, VARIABLES)


CRISES = {
    "overdose": [
        "no respira",
        "mi hermano tuvo una sobredosis",
        "se puso morado y no despierta",
        "le di narcan y sigue sin reaccionar",
        "tomó demasiadas pastillas",
        "se metió fentanilo y está tirado en el piso",
        "no la puedo despertar",
        "mi bebé se comió unas pastillas",
        "tiene los labios azules",
        "está convulsionando",
    ],
    "suicide": [
        "me quiero morir",
        "ya no quiero vivir",
        "me voy a matar",
        "quiero quitarme la vida",
        "mejor me mato y ya",
        "mi hijo dice que se quiere matar",
        "todos estarían mejor sin mí",
        "me estoy cortando los brazos otra vez",
        "quiero dormir y no despertar",
    ],
    "violence": [
        "mi esposo me pega",
        "me amenazó con un cuchillo",
        "dice que me va a matar si me voy",
        "alguien se está metiendo a mi casa",
        "mi esposo le pega a mis hijos",
        "me amenazó con matarme",
    ],
    "harm_others": [
        "lo voy a matar",
        "voy a matar a mi padrastro",
        "tengo ganas de matar a alguien",
        "si vuelve le doy un balazo",
    ],
}


@pytest.mark.parametrize(("category", "text"), [(c, t) for c, texts in CRISES.items() for t in texts])
def test_spanish_crises_raise_the_alarm_with_their_category(lexicon, category, text):
    verdict = lexicon.screen(text)
    assert verdict.crisis, text
    assert verdict.category == category, [m.as_json() for m in verdict.matches]


TRICKS = [
    # (trick, message, category)
    ("no accents", "tome demasiadas pastillas", "overdose"),
    ("accents", "tomé demasiadas pastillas", "overdose"),
    ("k for qu", "me kiero matar", "suicide"),
    ("q for que", "creo q tuvo una sobredosis", "overdose"),
    ("typo", "mi hijo esta inconsiente", "overdose"),
    ("spaced word", "sobre dosis ayuda", "overdose"),
    ("capitals", "ME QUIERO MORIR", "suicide"),
    ("repeated letters", "me quiero moriiiir", "suicide"),
    ("spanglish", "my brother no esta respirando", "overdose"),
    ("spanglish", "honestly quiero matarme bro", "suicide"),
    ("spanglish", "my husband me pego otra vez", "violence"),
    ("speech fillers", "este pues o sea me quiero morir", "suicide"),
    ("speech fillers", "este mi hijo no respira se puso morado", "overdose"),
    ("third person", "mi esposo dijo que se va a suicidar", "suicide"),
    ("clitic climbing", "me quiero hacer daño", "suicide"),
]


@pytest.mark.parametrize(("trick", "text", "category"), TRICKS, ids=[f"{t[0]}:{t[1]}" for t in TRICKS])
def test_spanish_texting_tricks_are_seen_through(lexicon, trick, text, category):
    verdict = lexicon.screen(text)
    assert verdict.crisis and verdict.category == category, (trick, [m.as_json() for m in verdict.suppressed])


HARD_NEGATIVES = {
    "hyperbole": [
        "me muero de hambre",
        "me mata el calor",
        "me muero de risa jajaja",
        "me quiero morir de la vergüenza",
        "mi mamá me va a matar cuando se entere",
        "quiero matar el antojo",
    ],
    "question": [
        "¿qué es una sobredosis?",
        "¿se puede tener sobredosis de kratom?",
        "cuales son los sintomas de una sobredosis",
        "que hago si alguien tiene una sobredosis",
    ],
    "negation": [
        "no me quiero morir",
        "nunca pensé en matarme",
        "jamas he pensado en suicidarme",
        "no tengo pensamientos de suicidio",
        "no tuvo sobredosis, solo estaba dormido",
    ],
    "past": [
        "tuve una sobredosis hace dos años y ahora estoy limpio",
        "mi hermano murió de sobredosis el año pasado",
        "intenté suicidarme cuando tenía 17",
    ],
    "withdrawal": [
        "siento que me muero con la abstinencia",
        "la abstinencia me está matando",
        "ya no aguanto la malilla",
    ],
    "other": [
        "se me murió el celular",
        "mi perro no respira bien por el calor",
        "mi tío tiene una pistola para cazar venado",
        "la voy a llamar mañana",
    ],
}


@pytest.mark.parametrize(("kind", "text"), [(k, t) for k, texts in HARD_NEGATIVES.items() for t in texts])
def test_spanish_hard_negatives_stay_quiet(lexicon, kind, text):
    verdict = lexicon.screen(text)
    assert not verdict.crisis, (kind, text, [m.as_json() for m in verdict.matches])


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("no me quiero morir", "negated"),
        ("¿se puede tener sobredosis de kratom?", "question"),
        ("tuve una sobredosis hace dos años", "past"),
        ("me muero de hambre, me quiero morir de hambre", "benign"),
    ],
)
def test_a_spanish_phrase_set_aside_says_why(lexicon, text, reason):
    verdict = lexicon.screen(text)
    assert not verdict.crisis
    assert reason in {m.reason for m in verdict.suppressed}


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


def test_the_quick_first_look_never_hides_a_spanish_phrase(lexicon):
    engine = lexicon._engine
    for name in ("crisis_es_corpus", "crisis_es_blind", "crisis_es_holdout"):
        for e in load_corpus(DATA / f"{name}.yaml"):
            for variant, spaced in variants(engine.reader.raw_tokens(e.text)):
                toks = Tokens()
                engine.reader.fill(toks, variant, spaced)
                clean = toks.clean()
                run = set(engine.phrases.candidates(clean))
                for i, (_cat, pname, rx) in enumerate(engine.phrases.patterns):
                    if rx.search(clean):
                        assert i in run, (pname, e.text)
            if engine._quiet(e.text):
                found: dict = {}
                engine._screen_tokens(e.text, _tokens(engine, e.text), found, {})
                assert not found, e.text


def _tokens(engine, text):
    toks = Tokens()
    engine.reader.fill(toks, engine.reader.raw_tokens(text))
    return toks


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
