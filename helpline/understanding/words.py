"""Word-level matching shared by keyword matching (:mod:`helpline.engine.matching`) and the crisis lexicon
(:mod:`helpline.understanding.crisis`): the one stemmer and the one edit distance.

The stemmer strips one ending (``-ing``, ``-ed``, ``-es``, ``-s``). Its two callers use it at two settings, and
they stay two because each keeps its own results (measured over every phrase word in ``flows/`` against every
word of the corpora: the crisis setting would gain 79 and lose 34 keyword pairs, among them Spanish plurals such
as "hijos" ~ "hijo" lost and "her" ~ "here" gained; the keyword setting would change crisis keys throughout):

- :func:`stem` (keywords): keeps at least 4 letters before ``-ing``/``-ed``/``-es`` and 3 before ``-s``, and
  never strips the ``-s`` of ``-ss`` ("less").
- :func:`stem_crisis` (the crisis lexicon's keys, under :func:`helpline.understanding.crisis.text.word_key`):
  keeps at least 3 letters, never strips the ``-s`` of ``-is``/``-us``/``-os``.
"""

from __future__ import annotations

from rapidfuzz.distance import OSA


def strip_ending(word: str, min_stem: int, keep_s_after: tuple[str, ...]) -> str:
    """``word`` without its ``-ing``, ``-ed`` or ``-es`` when ``min_stem`` letters are left, else without its
    ``-s`` when 3 are left and it does not end in one of ``keep_s_after``."""
    for suffix in ("ing", "ed", "es"):
        if word.endswith(suffix) and len(word) - len(suffix) >= min_stem:
            return word[: -len(suffix)]
    if word.endswith("s") and len(word) - 1 >= 3 and not word.endswith(keep_s_after):
        return word[:-1]
    return word


def stem(word: str) -> str:
    """A deliberately crude stem: enough to meet "withdrawals" with "withdrawal" and "detoxing" with "detox"."""
    return strip_ending(word, 4, ("ss",))  # "beds" ~ "bed", "subs" ~ "sub"


def stem_crisis(word: str) -> str:
    """The crisis lexicon's setting: "overdosed" / "overdoses" -> "overdos", "kills" -> "kill"."""
    return strip_ending(word, 3, ("is", "us", "os"))


def within_edits(a: str, b: str, limit: int) -> bool:
    """True when ``a`` and ``b`` are at most ``limit`` edits apart (insert, delete, substitute, or swap two
    adjacent letters: optimal string alignment, so "kartom" is one edit from "kratom")."""
    return OSA.distance(a, b, score_cutoff=limit) <= limit
