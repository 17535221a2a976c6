"""A conversation's state between two messages, and the inbound event the engine reacts to."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

HISTORY_LIMIT = 10


@dataclass
class State:
    """Where a conversation is. Stored as JSON between messages; small on purpose (privacy and memory)."""

    node: str | None = None                           # the node awaiting input; None before the greeting
    history: list[str] = field(default_factory=list)  # earlier waiting nodes, for BACK
    misses: int = 0                                   # inputs not understood at this node, in a row
    part: int = 0                                     # which 'more' part of an answer was shown last
    lang: str = "en"
    vars: dict[str, str] = field(default_factory=dict)     # what questions gathered (name, best time)
    topics: list[str] = field(default_factory=list)        # answers visited, for the callback summary
    turns: int = 0
    choices: list[str] = field(default_factory=list)       # "did you mean 1 ... or 2 ...?": the two node ids
    asked: str = ""                                   # the reason of the callback request this conversation made
    crisis_at: float = 0.0                            # when the full crisis reply was last sent (repeats get less)
    crisis_path: str = ""                             # ...and for which crisis path (another path gets its own)

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes | None) -> State:
        if not raw:
            return cls()
        return cls.from_dict(json.loads(raw))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> State:
        """The state from its parsed JSON; keys it does not know (a record's own fields) are ignored."""
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Event:
    """One inbound message (or call step). ``text`` is the SMS body or the speech transcript."""

    channel: str = "sms"
    text: str = ""
    digits: str | None = None
