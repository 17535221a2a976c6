"""Benchmark: understanding one message, one core, as ``python bench/understanding.py``.

Per message: the one normalisation, the crisis screen (the lexicon's phrases, then the model) and the topic
router, i.e. everything understanding does for a webhook. The baseline, run in the same process on the same
messages, is the screen as it was before the model (``Lexicon.rules_only``: the lexicon alone). Also the time
to load the flow, the lexicon and both models at start-up, with the model cache warm and cold (training).

Target (issue 12): p99 <= 2 ms a message; start-up <= 2 s. Figures are printed, not asserted: the machines
here are shared and noisy, so read the ratio to the baseline.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpline.config import load_settings  # noqa: E402
from helpline.understanding import cache, data  # noqa: E402
from helpline.understanding.normalise import normalise  # noqa: E402


def timings(fn, texts: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for text in texts:
        start = time.perf_counter()
        fn(text)
        out.append((time.perf_counter() - start) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    from helpline.app import load_content

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"HELPLINE_DATA_DIR": tmp}, dotenv=None)
        cache._MEMORY.clear()
        start = time.perf_counter()
        flow, lexicon = load_content(settings)
        cold = time.perf_counter() - start
        cache._MEMORY.clear()
        start = time.perf_counter()
        flow, lexicon = load_content(settings)
        warm = time.perf_counter() - start
    texts = [ex.text for ex in data.read_corpora(sorted((ROOT / "tests" / "blind").glob("crisis_*.jsonl")))]
    texts = (texts * 3)[:2000]
    router = flow.router

    def understand(text: str) -> None:
        norm = normalise(text)
        verdict = lexicon.screen(text, norm)
        if not verdict.crisis:
            router.route(norm)

    for fn in (understand, lexicon.rules_only):  # warm-up
        timings(fn, texts[:200])
    base = timings(lexicon.rules_only, texts)
    full = timings(understand, texts)
    print(f"messages: {len(texts)} (the blind crisis sets, repeated)")
    print(f"{'':28s} {'p50 ms':>8s} {'p99 ms':>8s} {'mean ms':>8s}")
    for name, values in (("lexicon alone (baseline)", base), ("understanding (all of it)", full)):
        print(f"{name:28s} {pct(values, .5):8.3f} {pct(values, .99):8.3f} {statistics.mean(values):8.3f}")
    print(f"ratio p99 understanding / baseline: {pct(full, .99) / pct(base, .99):.1f}x (target: p99 <= 2 ms)")
    print(f"start-up, flow + lexicon + models: cold (training) {cold:.1f} s, warm (cached) {warm:.2f} s "
          f"(target <= 2 s)")


if __name__ == "__main__":
    main()
