"""``helpline crisis check``: screen messages one a line and write one JSON verdict a line."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from helpline.understanding.crisis.lexicon import Lexicon


def check_stream(lexicon: Lexicon, lines_in: Iterable[str], out: TextIO) -> int:
    """Screen each line of ``lines_in`` (one message a line) and write one JSON verdict a line to ``out``.

    Returns the number of messages flagged as a crisis.
    """
    flagged = 0
    for line in lines_in:
        text = line.rstrip("\r\n")
        verdict = lexicon.screen(text)
        flagged += verdict.crisis
        out.write(json.dumps(verdict.as_json(text)) + "\n")
    return flagged
