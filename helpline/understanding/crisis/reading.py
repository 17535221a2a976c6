"""Reading a message into the lexicon's words: leetspeak undone, contractions and slang expanded, fillers dropped,
letters typed over and over squeezed, misspellings of the ``fuzzy`` words corrected, spaced-out letters joined.

A :class:`Reader` holds the lexicon's word maps and its vocabulary (every key a phrase or cue can match); the
phrase automaton (:mod:`helpline.understanding.crisis.phrases`) adds to that vocabulary while it is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from helpline.understanding.crisis.text import (
    REPEAT,
    REPEAT3,
    TOKEN,
    Tokens,
    is_past,
    spellings,
    word_key,
    words_of,
)
from helpline.understanding.crisis.verdict import FUZZY, LEET, PLAIN, SLANG, SPACING
from helpline.understanding.normalise import fold
from helpline.understanding.words import within_edits

# One raw word read: (word, key, flag, past) items.
Items = tuple[tuple[str, str, int, bool], ...]


class Reader:
    """The lexicon's word maps (contractions, slang, fillers, fuzzy words) and the vocabulary they read into."""

    def __init__(self, words: dict[str, Any], context: dict[str, Any]):
        self.clause_breaks = frozenset(
            ["but"] + [word_key(w) for w in words_of(" ".join(context.get("clause_breaks") or [])).split()]
        )
        self.single: dict[str, tuple[tuple[str, ...], int]] = {}
        self.pairs: dict[tuple[str, str], tuple[tuple[str, ...], int]] = {}
        for kind, flag in (("contractions", PLAIN), ("slang", SLANG)):
            for key, value in (words.get(kind) or {}).items():
                expansion = tuple(words_of(value).split())
                raw = key.lower().replace("\u2019", "'")
                if "'" in raw and " " not in raw:
                    # "od'd" is slang only with its apostrophe: "odd" is a word
                    self.single[raw] = (expansion, flag)
                    continue
                parts = tuple(words_of(key).split())
                if len(parts) == 1:
                    self.single[parts[0]] = (expansion, flag)
                elif len(parts) == 2:
                    self.pairs[parts] = (expansion, flag)
        self.fillers = frozenset(word_key(w) for w in words_of(" ".join(words.get("fillers") or [])).split())
        self.not_fuzzy = frozenset(words_of(" ".join(words.get("not_fuzzy") or [])).split())
        self.pair_first = frozenset(p[0] for p in self.pairs)
        self.pair_second = frozenset(p[1] for p in self.pairs)
        self._fuzzy_list = words.get("fuzzy") or []

        self.vocab: set[str] = set()
        self._cache: dict[str, Items] = {}
        self.quick: dict[str, tuple[str, str, bool]] = {}  # the engine's first look, cleared with the cache
        self._building = True  # lexicon text is never "corrected" by the fuzzy rule
        self.fuzzy_words: dict[str, str] = {}
        self.fuzzy_index: dict[str, set[str]] = {}
        self.fuzzy_first: frozenset[str] = frozenset()
        self.squeezed: dict[str, set[str]] = {}

    def finish(self) -> None:
        """Once every phrase and cue is in the vocabulary: the expansions and fuzzy words, then reading starts."""
        for expansion, _flag in list(self.single.values()) + list(self.pairs.values()):
            self.vocab.update(word_key(w) for w in expansion)
        for w in words_of(" ".join(self._fuzzy_list)).split():
            k = word_key(w)
            self.fuzzy_words[k] = w
            for d in {k} | {k[:i] + k[i + 1 :] for i in range(len(k))}:
                self.fuzzy_index.setdefault(d, set()).add(k)
        self.fuzzy_first = frozenset(k[0] for k in self.fuzzy_words)
        self.vocab.update(self.fuzzy_words)
        self.squeezed = {}
        for k in self.vocab:
            self.squeezed.setdefault(REPEAT.sub(r"\1", k), set()).add(k)
        self._cache.clear()
        self.quick = {}
        self._building = False

    def keys_of(self, phrase: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """A phrase or cue's expanded words and their keys."""
        toks = self.expand_plain(phrase)
        return tuple(w for w, _ in toks), tuple(word_key(w) for w, _ in toks)

    def expand_plain(self, text: str) -> list[tuple[str, int]]:
        """Lexicon text (a phrase or a cue) as expanded words, the same way a message is read."""
        toks = Tokens()
        self.fill(
            toks,
            [(m.group(), 0, 0, 0) for m in TOKEN.finditer(fold(text)[0]) if m.group()[0] not in ".?!;:,\n"],
        )
        return list(zip(toks.words, toks.flags, strict=True))

    def resolve(self, raw: str) -> Items:
        """One raw word as (word, key, flag, past) items: leetspeak undone, expanded, fillers dropped."""
        hit = self._cache.get(raw)
        if hit is not None:
            return hit
        options, leet = spellings(raw)
        words: tuple[str, ...] = ()
        flag = LEET if leet else PLAIN
        for option in options:
            plain = option.replace("'", "")
            expansion = (
                self.single.get(option)
                or self.single.get(plain)
                or self.single.get(REPEAT3.sub(r"\1", plain))
            )
            if expansion is not None:
                words, exp_flag = expansion
                flag = min(flag, exp_flag)
                break
            if word_key(plain) in self.vocab:
                words = (plain,)
                break
        else:
            if options:
                words = (options[0].replace("'", ""),)
        items = []
        for w in words:
            if not w:
                continue
            k = word_key(w)
            f = flag
            if k not in self.vocab and not self._building:
                # letters typed over and over ("diiie", "killlll"): the lexicon word it squeezes to, if only
                # one
                k1 = word_key(REPEAT3.sub(r"\1", w))
                same = {k1} if k1 in self.vocab else self.squeezed.get(REPEAT.sub(r"\1", k1))
                if same is not None and len(same) == 1:
                    k = next(iter(same))
            if k in self.fillers:
                continue
            if (
                k not in self.vocab
                and len(k) >= 5
                and k[0] in self.fuzzy_first
                and k.isalpha()
                and w not in self.not_fuzzy
                and not self._building
            ):
                target = self.fuzzy(k)
                if target is not None:
                    w, k, f = self.fuzzy_words[target], target, FUZZY
            items.append((w, k, f, is_past(w)))
        result = tuple(items)
        if len(self._cache) > 200_000:
            self._cache.clear()
            self.quick.clear()
        self._cache[raw] = result
        return result

    def fuzzy(self, k: str) -> str | None:
        """The ``fuzzy`` word ``k`` is one edit away from (the first in order when several), if any."""
        found: set[str] = set()
        for d in {k} | {k[:i] + k[i + 1 :] for i in range(len(k))}:
            found |= self.fuzzy_index.get(d, set())
        best = sorted(t for t in found if t[0] == k[0] and within_edits(k, t, 1))
        return best[0] if best else None

    def raw_tokens(self, text: str) -> list[tuple[str, int, int, int]]:
        """The raw words of a message: (word, start, end, clause), offsets into ``text`` itself."""
        folded, where = fold(text)
        raws = []
        clause = 0
        for m in TOKEN.finditer(folded):
            t = m.group()
            if t[0] in ".?!;:,\n":
                clause += 1
                continue
            s, e = m.start(), m.end()
            if where is not None:
                s, e = where[s], where[e - 1] + 1
            raws.append((t, s, e, clause))
        return raws

    def fill(
        self, toks: Tokens, raws: Sequence[tuple[str, int, int, int]], spaced: frozenset = frozenset()
    ) -> None:
        """Read ``raws`` into ``toks``: each word resolved, two-word contractions joined, clauses counted."""
        words, keys, starts, ends, clauses, flags = (
            toks.words,
            toks.keys,
            toks.starts,
            toks.ends,
            toks.clauses,
            toks.flags,
        )
        resolve, pair_second = self.resolve, self.pair_second
        clause_shift = 0
        for n, (raw, s, e, clause) in enumerate(raws):
            for w, k, f, _past in resolve(raw):
                if k in self.clause_breaks:
                    clause_shift += 1
                if w in pair_second and words and (words[-1], w) in self.pairs:
                    expansion, pf = self.pairs[(words[-1], w)]
                    prev_flag = flags[-1]
                    s0 = starts[-1]
                    for lst in (words, keys, starts, ends, clauses, flags):
                        lst.pop()
                    for w2 in expansion:
                        words.append(w2)
                        keys.append(word_key(w2))
                        starts.append(s0)
                        ends.append(e)
                        clauses.append(clause + clause_shift)
                        flags.append(min(pf, prev_flag, f))
                    continue
                words.append(w)
                keys.append(k)
                starts.append(s)
                ends.append(e)
                clauses.append(clause + clause_shift)
                flags.append(min(f, SPACING) if spaced and n in spaced else f)


def variants(raws: list[tuple[str, int, int, int]]) -> list[tuple[list, frozenset]]:
    """The message as written, plus (if it has runs of single letters: "k i l l") with those joined up."""
    runs = []
    i = 0
    while i < len(raws):
        j = i
        while j < len(raws) and len(raws[j][0]) == 1 and raws[j][0] not in "'":
            j += 1
        if j - i >= 2:
            runs.append((i, j))
        i = max(j, i + 1)
    if not runs:
        return [(raws, frozenset())]
    out_variants: list[tuple[list, frozenset]] = [(raws, frozenset())]
    for keep_pronoun in (False, True):
        out, spaced = [], set()
        prev = 0
        for i, j in runs:
            out.extend(raws[prev:i])
            if keep_pronoun and raws[i][0] in ("i", "a") and j - i >= 3:
                out.append(raws[i])
                i += 1
            joined = "".join(r[0] for r in raws[i:j])
            spaced.add(len(out))
            out.append((joined, raws[i][1], raws[j - 1][2], raws[i][3]))
            prev = j
        out.extend(raws[prev:])
        out_variants.append((out, frozenset(spaced)))
    return out_variants
