"""Label-keeping variants of training messages: the typos, text-speak and missing punctuation real texts have.

Used on top of the written data, never instead of it, and only on the training side of a split (a variant of a
test message in training would flatter the score). Deterministic: the same message always gets the same variants.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Iterable

from helpline.understanding.normalise import normalise

# Common text-speak and speech-recogniser swaps, as whole words (normalised text: no accents, no apostrophes).
SWAPS = {
    "you": "u", "your": "ur", "are": "r", "please": "pls", "because": "bc", "right now": "rn", "to": "2",
    "for": "4", "dont": "don", "cant": "cnt", "im": "i m", "know": "no", "okay": "ok", "thanks": "thx",
    "que": "q", "por": "x", "porque": "xq", "tambien": "tmb", "favor": "fa", "esta": "sta", "para": "pa",
    "estoy": "toy", "mucho": "muxo", "ayuda": "ayuda", "hermano": "hermano",
}
_WORD = re.compile(r"[a-z]{4,}")


def _typo(word: str, rnd: random.Random) -> str:
    i = rnd.randrange(1, len(word) - 1)
    kind = rnd.randrange(3)
    if kind == 0:  # swap two letters
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == 1:  # drop one
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]  # double one


def training_set(pairs: Iterable[tuple[str, str]], *, augmented: bool = True) -> tuple[list[str], list[str]]:
    """(texts, labels) to fit on: each message normalised, and with one variant of it when ``augmented``."""
    texts: list[str] = []
    labels: list[str] = []
    for text, label in pairs:
        norm = normalise(text)
        for item in [norm, *(variants(norm, 1) if augmented else [])]:
            texts.append(item)
            labels.append(label)
    return texts, labels


def variants(norm: str, n: int = 2) -> list[str]:
    """Up to ``n`` variants of a normalised message, each different from it."""
    rnd = random.Random(zlib.crc32(norm.encode()))
    out: list[str] = []
    for attempt in range(n * 3):
        words = norm.split()
        if not words:
            break
        if attempt % 2 == 0:
            for _ in range(1 + len(words) // 8):
                idx = [k for k, w in enumerate(words) if _WORD.fullmatch(w)]
                if idx:
                    k = rnd.choice(idx)
                    words[k] = _typo(words[k], rnd)
        else:
            words = [SWAPS.get(w, w) if rnd.random() < 0.7 else w for w in words]
        candidate = " ".join(words)
        if candidate != norm and candidate not in out:
            out.append(candidate)
        if len(out) >= n:
            break
    return out
