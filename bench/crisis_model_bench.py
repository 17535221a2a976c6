"""Routine-traffic speed of the crisis screen with and without the second opinion (helpline/crisis_model.py).

Run as ``python bench/crisis_model_bench.py``: 2,000 routine 160-character messages (the workload of
``bench/crisis_bench.py``), one core, rules alone vs rules+model, measured in the same process.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import crisis_bench as cb  # noqa: E402

from helpline import crisis, crisis_model  # noqa: E402
from helpline.crisis_eval import load_corpus  # noqa: E402


def main() -> None:
    lexicon = crisis.load_lexicon(ROOT / "flows" / "crisis.yaml", cb.VARIABLES, model=False)
    texts = [e.text for e in load_corpus(ROOT / "tests" / "data" / "crisis_corpus.yaml")]
    routine = [t for t in texts if not (v := lexicon.screen(t)).crisis and not v.suppressed]
    msgs = cb.messages(2000, random.Random(7), routine)
    model = crisis_model.load_model(ROOT / "flows" / crisis_model.MODEL_FILE)
    for _ in range(2):
        lexicon.model = None
        off = cb.rate(lexicon.screen, msgs, 2.0)
        lexicon.model = model
        on = cb.rate(lexicon.screen, msgs, 2.0)
        print(f"routine msg/s: rules {off:,.0f}  rules+model {on:,.0f}")
    print(f"model {model.version} fired on {sum(lexicon.screen(m).crisis for m in msgs)} of {len(msgs)} messages")


if __name__ == "__main__":
    main()
