"""Which language a message is in: a small, explainable detector (every point is a word or a mark someone can
point at), used to answer in the texter's language and to check that a flow's examples are in theirs."""

from __future__ import annotations

import re

from helpline.understanding.normalise import normalise

# Spanish words that are not English ones (matched without accents). Weight 2: one alone says "Spanish" (the words
# a texter in need starts with); weight 1: function words, two of which are needed. "no", "si", "me", "a", "y" and
# "he", "has", "son", "come" (English words too) count for nothing.
SPANISH_STRONG = frozenset(
    "hola ayuda necesito abstinencia dolor gracias buenas buenos quiero puedo tengo estoy usted ustedes "
    "espanol informacion cuanto cuanta cuando donde porque tambien llamenme llameme llamame hablar "
    "desintoxicacion tratamiento sintomas heroina pastillas sobredosis naloxona seguro cuesta ayudenme "
    "ayudeme ayudame malilla metadona buprenorfina embarazada familia hijo hija esposo esposa".split())
SPANISH_WEAK = frozenset(
    "de del el la los las un una unos unas que por para con como pero muy esta este esto eso hay mi mis su sus "
    "tu tus yo es en le lo les se nos mas ya ni al cual quien sin sobre desde hasta".split())
ENGLISH_WORDS = frozenset(
    "the is are am was were what whats how does do did i im my you your can could would should with about "
    "please hello hi hey help call need want have get this that it of to and or for on in at be will when where "
    "why who much long take know talk someone somebody dont cant withdrawal insurance treatment symptoms "
    "pills overdose cost quit stop using feel sick".split())
SPANISH_MARKS = re.compile("[áíóúñ¿¡ÁÍÓÚÑ]")


def language_scores(text: str) -> tuple[int, int]:
    """(Spanish, English) evidence in ``text``: Spanish words, Spanish-only letters and marks (á í ó ú ñ ¿ ¡),
    English words."""
    words = normalise(text).split()
    es = sum(2 if w in SPANISH_STRONG else 1 if w in SPANISH_WEAK else 0 for w in words)
    if SPANISH_MARKS.search(text):
        es += 2
    en = sum(1 for w in words if w in ENGLISH_WORDS)
    return es, en


def detect_language(text: str, *, first: bool) -> str | None:
    """``es`` or ``en`` when ``text`` is clearly in it, else None. A first message needs a little evidence (2
    points, more than the other language); a later one must be clearer to change a conversation already under
    way (Spanish: 2 points and no English, or 3 and twice the English; English, since Spanish speakers use
    English words like "detox" or "help": 3 points and no Spanish)."""
    es, en = language_scores(text)
    if first:
        if es >= 2 and es > en:
            return "es"
        if en >= 2 and en > es:
            return "en"
        return None
    if (es >= 2 and en == 0) or (es >= 3 and es >= 2 * en):
        return "es"
    if en >= 3 and es == 0:
        return "en"
    return None


def clearly_other(text: str, lang: str) -> str | None:
    """The other language when ``text`` plainly is not in ``lang`` (for checking examples: code-switching is
    allowed, so only a message with strong evidence for one language and none for the other counts)."""
    es, en = language_scores(text)
    if lang == "en" and es >= 4 and en == 0:
        return "es"
    if lang == "es" and en >= 4 and es == 0:
        return "en"
    return None
