"""Benchmark of the crisis screen against a naive baseline, run as ``python bench/crisis_bench.py``.

For lexicons of 100, 1,000 and 10,000 phrases (the real ``flows/crisis.yaml`` phrases first, then synthetic
filler
phrases), it screens 160-character messages made from the labelled corpus and prints messages per second on
one
core for:

* the screen (``Lexicon.screen``: folding, expansion, one Aho-Corasick pass, context rules), and
* the baseline: one big regular expression ``\\b(?:phrase1|phrase2|...)\\b`` over the lower-cased message,
  with the same phrases and none of the normalisation.

It also prints how long loading the real lexicon takes (YAML parse and validation, then compiling the
automaton)
and the compile time at each size. Figures are ratios against the baseline run in the same process.
"""

from __future__ import annotations

import argparse
import copy
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpline.content import yamlsource  # noqa: E402
from helpline.understanding.crisis import load_lexicon  # noqa: E402
from helpline.understanding.crisis.evaluate import load_corpus  # noqa: E402
from helpline.understanding.crisis.loading import build  # noqa: E402

VARIABLES = {"org_name": "Harbor Recovery", "org_phone": "1-555-010-0199"}
SIZES = (100, 1_000, 10_000)


def plain(data):
    """ruamel's round-trip containers as plain dicts and lists (what a cached or generated lexicon would
    be)."""
    if isinstance(data, dict):
        return {str(k): plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    return data


def synthetic_phrases(n: int, rng: random.Random) -> list[str]:
    syllables = [
        "ka",
        "lo",
        "mi",
        "ren",
        "tu",
        "sa",
        "vor",
        "pel",
        "dri",
        "no",
        "gam",
        "bex",
        "qui",
        "zor",
        "ul",
    ]
    words = sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))) for _ in range(3000)})
    out: set[str] = set()
    while len(out) < n:
        out.add(" ".join(rng.choice(words) for _ in range(rng.randint(1, 4))))
    return sorted(out)


def lexicon_data(base: dict, size: int, rng: random.Random) -> tuple[dict, list[str]]:
    """The real lexicon cut down or padded to ``size`` phrases, and the list of those phrases."""
    data = copy.deepcopy(base)
    phrases: list[str] = []
    share = max(1, size // len(data["categories"]))
    for body in data["categories"].values():
        kept = ((body.get("phrases") or []) + (body.get("slang") or []))[:share]
        body["phrases"], body["slang"] = kept, []
        phrases += kept
    budget = size - len(phrases)
    if budget > 0:
        filler = synthetic_phrases(budget, rng)
        template = data["categories"]["overdose"]
        data["categories"]["synthetic"] = {
            "severity": "medium",
            "phrases": filler,
            "reply": template["reply"],
            "ignore_when": ["negated"],
        }
        phrases += filler
    return data, phrases


def messages(count: int, rng: random.Random, texts: list[str]) -> list[str]:
    out = []
    for _ in range(count):
        parts = []
        while sum(len(p) + 1 for p in parts) < 160:
            parts.append(rng.choice(texts))
        out.append(" ".join(parts)[:160])
    return out


def rate(fn, msgs: list[str], min_seconds: float) -> float:
    """Messages per second of ``fn`` over ``msgs`` (repeated until ``min_seconds`` have passed), after a
    warm-up."""
    for m in msgs[:200]:
        fn(m)
    done, start = 0, time.perf_counter()
    while True:
        for m in msgs:
            fn(m)
        done += len(msgs)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return done / elapsed


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time each measurement at least this long")
    parser.add_argument("--messages", type=int, default=2000, help="distinct 160-character messages")
    parser.add_argument(
        "--corpus",
        action="append",
        help="corpus the messages are glued from (repeatable; default: the English and the Spanish tuning corpora)",
    )
    args = parser.parse_args()
    rng = random.Random(7)
    path = ROOT / "flows" / "crisis.yaml"

    parsed = yamlsource.load(path)
    base = plain(parsed)
    load_ms = timed(lambda: load_lexicon(path, VARIABLES), 7)
    parse_ms = timed(lambda: yamlsource.load(path), 7)
    compile_ms = timed(lambda: build(base, VARIABLES, str(path), "bench"), 7)
    n_real = sum(len(b.get("phrases") or []) + len(b.get("slang") or []) for b in base["categories"].values())
    n_patterns = sum(
        len(b.get("patterns") or {}) + len((b.get("concern") or {}).get("patterns") or {})
        for b in base["categories"].values()
    )
    print(f"lexicon {path.relative_to(ROOT)}: {n_real} phrases, {n_patterns} patterns")
    print(
        f"  load_lexicon: {load_ms:.1f} ms  (YAML parse with line numbers {parse_ms:.1f} ms; "
        f"validate + compile {load_ms - parse_ms:.1f} ms; compile alone {compile_ms:.1f} ms)"
    )

    # Two workloads of 160-character messages glued from corpus texts: "routine" uses the texts in which the
    # real
    # lexicon finds no phrase at all (most traffic: hours, detox questions, withdrawal); "hard" uses every
    # text,
    # crises and hard negatives, so nearly every message goes through the full context analysis.
    real = load_lexicon(path, VARIABLES)
    corpora = args.corpus or [
        str(ROOT / "flows" / "crisis_data" / "crisis_corpus.yaml"),
        str(ROOT / "flows" / "crisis_data" / "crisis_es_corpus.yaml"),
    ]
    texts = [e.text for corpus in corpora for e in load_corpus(corpus)]
    routine = [t for t in texts if not (v := real.screen(t)).crisis and not v.suppressed]
    workloads = {
        "routine": messages(args.messages, rng, routine),
        "hard": messages(args.messages, rng, texts),
    }
    print(
        f"\n{args.messages} distinct messages of 160 characters per workload, one core, "
        f"at least {args.seconds:.0f} s per figure"
    )
    print(
        f"{'phrases':>8} {'compile ms':>11} {'workload':>9} {'screen msg/s':>13} {'baseline msg/s':>15} "
        f"{'screen/baseline':>16}"
    )
    for size in SIZES:
        data, phrases = lexicon_data(base, size, rng)
        start = time.perf_counter()
        lexicon = build(data, VARIABLES, "bench", "bench")
        build_ms = (time.perf_counter() - start) * 1000
        alternation = "|".join(re.escape(p.lower()) for p in sorted(set(phrases), key=len, reverse=True))
        baseline = re.compile(r"\b(?:" + alternation + r")\b")

        def naive(text: str, rx=baseline) -> bool:
            return rx.search(text.lower()) is not None

        for name, msgs in workloads.items():
            screen_rate = rate(lexicon.screen, msgs, args.seconds)
            baseline_rate = rate(naive, msgs, args.seconds)
            print(
                f"{len(phrases):>8,} {build_ms:>11.1f} {name:>9} {screen_rate:>13,.0f} "
                f"{baseline_rate:>15,.0f} {screen_rate / baseline_rate:>15.2f}x"
            )


if __name__ == "__main__":
    main()
