"""Understanding the person's own words: normalisation, stems, misspellings, synonyms, what must not match."""

from __future__ import annotations

import pytest

from helpline.engine.matching import (
    Phrase,
    Vocabulary,
    best,
    normalise,
    rank,
    score,
    stem,
    within_edits,
    word_found,
)
from helpline.understanding.normalise import fold

VOCAB = Vocabulary({
    "kratom": ["kratum", "ketum"],
    "withdrawal": ["withdrawl", "dopesick", "wds"],
    "buprenorphine": ["suboxone", "subs"],
    "naloxone": ["narcan"],
})


@pytest.mark.parametrize("raw, norm", [
    ("  Hello,   WORLD!! ", "hello world"),
    ("Can’t sleep", "cant sleep"),
    ("I'm sooooo sick", "im soo sick"),
    ("Café naïve", "cafe naive"),
    ("1)", "1"),
    ("call-me", "call me"),
    ("", ""),
    ("???", ""),
    ("I‘m here", "im here"),              # any apostrophe mark, as the crisis lexicon reads it
    ("ki\u200bll", "kill"),                   # an invisible character is not a word break
    ("\u043a\u0456ll ＭＥ", "kill me"),          # Cyrillic look-alikes, fullwidth letters
])
def test_normalise(raw: str, norm: str) -> None:
    assert normalise(raw) == norm


def test_fold_says_where_each_character_came_from() -> None:
    """The crisis lexicon's spans point into the original message: fold keeps the offsets."""
    folded, where = fold("Ｉ wánt to d​ie")
    assert folded == "i want to die"
    assert where is not None and where[-3:] == [10, 12, 13]
    assert fold("plain ascii") == ("plain ascii", None)


@pytest.mark.parametrize("word, stemmed", [
    ("withdrawals", "withdrawal"), ("detoxing", "detox"), ("symptoms", "symptom"), ("beds", "bed"),
    ("subs", "sub"), ("used", "used"), ("less", "less"), ("yes", "yes"), ("pills", "pill"),
])
def test_stem(word: str, stemmed: str) -> None:
    assert stem(word) == stemmed


@pytest.mark.parametrize("a, b, limit, close", [
    ("withdrawl", "withdrawal", 1, True),   # a letter left out
    ("kratom", "kartom", 1, True),          # two letters swapped count as one edit
    ("detox", "detix", 1, True),
    ("methadone", "methodone", 1, True),
    ("naloxone", "naltrexone", 2, False),   # two medicines that must not be confused
    ("kratom", "kraken", 1, False),
    ("abc", "abcdef", 2, False),            # too different in length to be close
    ("same", "same", 0, True),
])
def test_within_edits(a: str, b: str, limit: int, close: bool) -> None:
    assert within_edits(a, b, limit) is close
    assert within_edits(b, a, limit) is close


def test_short_words_must_be_exact() -> None:
    """'sick' is not in 'sack', nor 'quit' in 'quiet': under 5 letters, only exact or stem matches count."""
    assert not word_found("sick", ("sack",))
    assert not word_found("quit", ("quiet",))
    assert word_found("sick", ("sick",))


@pytest.mark.parametrize("message", ["i have skills", "still here", "skill issue", "a skillet"])
def test_skill_style_false_matches(message: str) -> None:
    """Words that merely contain or resemble a phrase word do not match it."""
    for word in ("sick", "kill", "pills", "detox", "kratom", "methadone"):
        assert not word_found(word, VOCAB.message(message)), (word, message)


@pytest.mark.parametrize("message, phrase", [
    ("how long does withdrawl last", "how long withdrawal"),
    ("im dopesick", "withdrawal"),
    ("is kratum safe", "kratom safe"),
    ("SAFE KRATOM?", "kratom safe"),        # any order, any case
    ("are subs safe", "buprenorphine"),
    ("where can i get narcan", "naloxone"),
    ("withdrawals", "withdrawal"),
    ("beds available?", "bed available"),
])
def test_phrases_found(message: str, phrase: str) -> None:
    assert score(VOCAB.phrase(phrase), VOCAB.message(message)) > 0


@pytest.mark.parametrize("message, phrase", [
    ("is kratom legal", "kratom safe"),     # every word of the phrase is needed
    ("methadone", "naloxone"),
    ("", "kratom"),
])
def test_phrases_not_found(message: str, phrase: str) -> None:
    assert score(VOCAB.phrase(phrase), VOCAB.message(message)) == 0


def test_synonyms_apply_to_phrases_and_messages() -> None:
    assert VOCAB.phrase("Suboxone withdrawl").words == ("buprenorphine", "withdrawal")
    assert VOCAB.message("KETUM") == ("kratom",)


def test_a_phrase_of_only_common_words_keeps_them() -> None:
    phrase = VOCAB.phrase("what is it")
    assert phrase.words == ("what", "is", "it")
    assert score(phrase, VOCAB.message("What is it?")) > 0
    assert score(phrase, VOCAB.message("what")) == 0


def test_stopwords_do_not_make_a_phrase_match() -> None:
    assert VOCAB.phrase("is kratom safe").words == ("kratom", "safe")
    assert score(VOCAB.phrase("is kratom safe"), VOCAB.message("kratom safe")) > 0


def test_more_words_found_beat_fewer() -> None:
    candidates = [("symptoms", VOCAB.phrase("withdrawal")), ("timeline", VOCAB.phrase("how long withdrawal"))]
    assert best(candidates, VOCAB.message("how long does withdrawal last")) == ("timeline", candidates[1][1])


def test_exact_beats_misspelt_in_a_tie() -> None:
    candidates = [("meditation", Phrase("meditation", ("meditation",))),
                  ("medication", Phrase("medication", ("medication",)))]
    found = rank(candidates, VOCAB.message("what medication helps"))
    assert found is not None and found[0] == "medication"
    found = rank(candidates, VOCAB.message("does meditation help"))
    assert found is not None and found[0] == "meditation"


def test_ties_go_to_the_first_in_file_order() -> None:
    candidates = [("first", VOCAB.phrase("kratom")), ("second", VOCAB.phrase("kratom"))]
    assert best(candidates, VOCAB.message("kratom")) == ("first", candidates[0][1])


def test_nothing_found() -> None:
    assert best([("a", VOCAB.phrase("kratom"))], VOCAB.message("hello there")) is None
    assert rank([], VOCAB.message("kratom")) is None


def test_an_empty_phrase_never_matches() -> None:
    assert score(Phrase("", ()), ("kratom",)) == 0
