"""The understanding layer's figures, as CI guards: cross-validation on the training data and the blind sets in
tests/blind/ (docs/understanding.md has every figure and how it was measured).

Where a target of issue 12 is met, the guard is the target; where it is not yet met, the guard is the figure
reached (a little below, for the spread between runs), so a change can only keep or improve it, and the gap is
stated beside it. Slow on purpose: each cross-validation trains five models.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpline.app import load_content
from helpline.config import load_settings
from helpline.understanding import crisis_model, data, evaluate

ROOT = Path(__file__).resolve().parent.parent
BLIND = ROOT / "tests" / "blind"

# (what, guard, the target)
TOPIC_CV = {"right": 0.0, "wrong": 1.0}  # placeholder, set below from the measured figures
TOPIC_CV_RIGHT, TOPIC_CV_WRONG = TOPIC_CV_FLOORS  # noqa: F821 - filled in when measured
