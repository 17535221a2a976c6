"""The crisis screen's shared tests, once for each language: what must raise the alarm (with its category and
severity), texting tricks, hard negatives that stay quiet, and why a phrase found is set aside.

The fast paths (the quick first look that skips a quiet message, the anchors that decide which patterns run)
are checked on each language's corpora: they may only skip what the full analysis would not find.

Language-specific behaviour (Spanish clitics and accents, replies, the concern tier) stays in test_crisis.py,
test_crisis_es.py and test_crisis_generalisation.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpline.understanding.crisis.evaluate import load_corpus
from helpline.understanding.crisis.reading import variants
from helpline.understanding.crisis.text import Tokens

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "flows" / "crisis_data"


# --- what must raise the alarm ------------------------------------------------------------------------------

CRISES_EN = {
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

CRISES_ES = {
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

CRISES = [("en", c, t) for c, texts in CRISES_EN.items() for t in texts] + [
    ("es", c, t) for c, texts in CRISES_ES.items() for t in texts
]


@pytest.mark.parametrize(("lang", "category", "text"), CRISES)
def test_crisis_messages_raise_the_alarm_with_their_category(lexicon, lang, category, text):
    verdict = lexicon.screen(text)
    assert verdict.crisis, text
    assert verdict.category == category, [m.as_json() for m in verdict.matches]
    assert verdict.severity == lexicon.categories[category].severity


# --- texting tricks: (trick, text, category, rule); Spanish cases name no rule -------------------------------

TRICKS_EN = [
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

TRICKS_ES = [
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

TRICKS = [("en", *t) for t in TRICKS_EN] + [("es", *t, None) for t in TRICKS_ES]


@pytest.mark.parametrize(
    ("lang", "trick", "text", "category", "rule"), TRICKS, ids=[f"{t[0]}:{t[1]}:{t[2]}" for t in TRICKS]
)
def test_texting_tricks_are_seen_through(lexicon, lang, trick, text, category, rule):
    verdict = lexicon.screen(text)
    assert verdict.crisis and verdict.category == category, (trick, text, [m.as_json() for m in verdict.suppressed])
    if rule is not None:
        assert rule in {m.rule for m in verdict.matches}, [m.as_json() for m in verdict.matches]


# --- what must stay quiet -----------------------------------------------------------------------------------

HARD_NEGATIVES_EN = {
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

HARD_NEGATIVES_ES = {
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

HARD_NEGATIVES = [("en", k, t) for k, texts in HARD_NEGATIVES_EN.items() for t in texts] + [
    ("es", k, t) for k, texts in HARD_NEGATIVES_ES.items() for t in texts
]


@pytest.mark.parametrize(("lang", "kind", "text"), HARD_NEGATIVES)
def test_hard_negatives_stay_quiet(lexicon, lang, kind, text):
    verdict = lexicon.screen(text)
    assert not verdict.crisis, (kind, text, [m.as_json() for m in verdict.matches])


@pytest.mark.parametrize(
    ("lang", "text", "reason"),
    [
        ("en", "I'm not suicidal", "negated"),
        ("en", "I overdosed last year and got clean", "past"),
        ("en", "can you overdose on kratom?", "question"),
        ("en", "he's not responding to my texts", "benign"),
        ("es", "no me quiero morir", "negated"),
        ("es", "¿se puede tener sobredosis de kratom?", "question"),
        ("es", "tuve una sobredosis hace dos años", "past"),
        ("es", "me muero de hambre, me quiero morir de hambre", "benign"),
    ],
)
def test_a_phrase_set_aside_says_why(lexicon, lang, text, reason):
    verdict = lexicon.screen(text)
    assert not verdict.crisis
    assert reason in {m.reason for m in verdict.suppressed}


# --- the fast paths hide nothing ----------------------------------------------------------------------------

CORPORA = {"en": ("crisis_corpus", "crisis_blind", "crisis_holdout"),
           "es": ("crisis_es_corpus", "crisis_es_blind", "crisis_es_holdout")}
EXTRA = {"en": [t for _, t, _, _ in TRICKS_EN] + ["i want to d i e", "kill my self", "he is blue",
                                                 "my mom's boyfriend keeps hurting me"],
         "es": [t for _, t, _ in TRICKS_ES]}


def _texts(lang: str) -> list[str]:
    return [e.text for name in CORPORA[lang] for e in load_corpus(DATA / f"{name}.yaml")] + EXTRA[lang]


def _read(engine, variant, spaced) -> Tokens:  # type: ignore[no-untyped-def]
    toks = Tokens()
    engine.reader.fill(toks, variant, spaced)
    return toks


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_quick_first_look_never_hides_a_phrase(lexicon, lang):
    """The fast path may only skip messages in which the full analysis finds nothing at all."""
    engine = lexicon._engine
    for text in _texts(lang):
        if engine._quiet(text):
            found: dict = {}
            suppressed: dict = {}
            for variant, spaced in variants(engine.reader.raw_tokens(text)):
                engine._screen_tokens(text, _read(engine, variant, spaced), found, suppressed)
            assert not found and not suppressed, text


@pytest.mark.parametrize("lang", ["en", "es"])
def test_anchors_never_hide_a_pattern_match(lexicon, lang):
    """A pattern runs only when its anchors are in the message; it must never match a message it was not run on."""
    engine = lexicon._engine
    for text in _texts(lang):
        for variant, spaced in variants(engine.reader.raw_tokens(text)):
            clean = _read(engine, variant, spaced).clean()
            run = set(engine.phrases.candidates(clean))
            for i, (_cat, name, rx) in enumerate(engine.phrases.patterns):
                if rx.search(clean):
                    assert i in run, (name, text)
