"""Conversation tests as data: a channel, then turns of what the person sends and what the reply must contain.

```yaml
name: asks about kratom in their own words
channel: sms
turns:
  - user: is kratom safe to get off heroin?
    reply: ["not FDA-approved"]      # each must appear in the reply (case-insensitive)
    not: ["988"]                      # none of these may appear
  - user: call me
    callback: routine                 # a callback request of this priority is made
  - user: STOP
    silent: true                      # no reply at all
```

A voice transcript (``channel: voice``) plays what a caller says (``user:``, a speech transcript) or presses
(``digits:``) through :func:`helpline.channels.voice.turn.turn`, the function ``/voice`` uses, with the
flows' ``voice:``
texts; ``transfer: true`` expects the caller to be put through to a person (or the crisis line).

Run by ``helpline flows test`` and by pytest, through :func:`helpline.engine.dialogue.turn` (SMS) or
:func:`helpline.channels.voice.turn.turn` (voice), the same functions the webhooks use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpline.channels.voice import turn as voice_turn
from helpline.content import yamlsource
from helpline.engine import Flow, RequestCallback, State, Transfer
from helpline.engine.dialogue import Inbound, OptIn, OptOut, turn
from helpline.errors import Problem
from helpline.understanding.crisis import Lexicon

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "channel": {"enum": ["sms", "voice"]},
        "lang": {"type": "string", "pattern": "^[a-z]{2}$"},
        "turns": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "user": {"type": "string"},
                    "digits": {"type": "string", "pattern": "^[0-9*#]+$"},
                    "transfer": {"type": "boolean"},
                    "opt_out_type": {"enum": ["STOP", "START", "HELP"]},
                    "reply": {"type": "array", "items": {"type": "string", "minLength": 1}},
                    "not": {"type": "array", "items": {"type": "string", "minLength": 1}},
                    "callback": {"enum": ["crisis", "urgent", "routine", "none"]},
                    "silent": {"type": "boolean"},
                    "node": {"type": "string"},
                },
                "anyOf": [{"required": ["user"]}, {"required": ["digits"]}],
                "additionalProperties": False,
            },
        },
    },
    "required": ["name", "channel", "turns"],
    "additionalProperties": False,
}


@dataclass
class Transcript:
    path: str
    name: str
    channel: str
    lang: str
    turns: list[dict[str, Any]]
    lines: list[int | None] = field(default_factory=list)


def load(path: str | Path) -> Transcript:
    path = Path(path)
    data = yamlsource.load(path)
    yamlsource.raise_if(yamlsource.schema_problems(data, SCHEMA, str(path)))
    turns = [dict(t) for t in data["turns"]]
    lines = [yamlsource.line_of(data, ["turns", i]) for i in range(len(turns))]
    return Transcript(str(path), str(data["name"]), str(data["channel"]), str(data.get("lang", "en")), turns, lines)


def discover(folder: str | Path) -> list[Path]:
    return sorted(Path(folder).glob("*.yaml"))


def run(transcript: Transcript, flow: Flow, lexicon: Lexicon) -> list[Problem]:
    """Play the transcript; every failed expectation is a problem naming the file, the turn's line and the node."""
    state = State(lang=transcript.lang)
    opted_out = False
    problems = []
    for i, expected in enumerate(transcript.turns):
        line = transcript.lines[i]
        # The transcript's language is the one remembered for the number: a call starts in it (no choice asked).
        inbound = Inbound(text=str(expected.get("user", "")), channel=transcript.channel, opted_out=opted_out,
                          opt_out_type=expected.get("opt_out_type"), digits=expected.get("digits"),
                          lang=transcript.lang if transcript.channel == "voice" else None)
        if transcript.channel == "voice":
            outcome = voice_turn.turn(flow, lexicon, state, inbound)
        else:
            outcome = turn(flow, lexicon, state, inbound)
        state = outcome.state
        for action in outcome.actions:
            if isinstance(action, OptOut):
                opted_out = True
            elif isinstance(action, OptIn):
                opted_out = False
        reply = "\n".join(outcome.texts)
        low = reply.lower()
        said = f"pressed {expected['digits']}" if "digits" in expected else repr(expected["user"])
        where = f"turn {i + 1} ({said})"

        def fail(message: str, line: int | None = line, where: str = where, reply: str = reply,
                 node: str | None = state.node) -> None:
            problems.append(Problem(transcript.path, line, f"{where}: {message}\n  reply was: {reply!r}", node))

        for want in expected.get("reply", []):
            if want.lower() not in low:
                fail(f"reply does not contain {want!r}")
        for unwanted in expected.get("not", []):
            if unwanted.lower() in low:
                fail(f"reply contains {unwanted!r}")
        if expected.get("silent") and reply:
            fail("expected no reply")
        if not expected.get("silent") and not reply and "reply" in expected:
            fail("expected a reply, got none")
        if "callback" in expected:
            made = [a.priority for a in outcome.actions if isinstance(a, RequestCallback)]
            want_cb = expected["callback"]
            if want_cb == "none" and made:
                fail(f"expected no callback request, got {made}")
            elif want_cb != "none" and want_cb not in made:
                fail(f"expected a {want_cb} callback request, got {made or 'none'}")
        if "transfer" in expected and expected["transfer"] != any(isinstance(a, Transfer) for a in outcome.actions):
            fail("expected the caller to be put through" if expected["transfer"] else "unexpected transfer")
        if "node" in expected and state.node != expected["node"]:
            fail(f"expected to wait at node {expected['node']!r}, waiting at {state.node!r}")
    return problems
