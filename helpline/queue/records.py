"""The typed records kept in Redis: a callback request (a hash) and a conversation (a JSON string).

Each is converted from and to its stored form here and nowhere else (``from_redis`` / ``to_redis``), so the rest
of the helpline reads attributes, not string keys. The stored field names are the ones the helpline has always
written: a record written by an older version (some fields missing) still reads, its missing fields at their
defaults.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

from helpline.engine.state import State
from helpline.redisdb import text


class Status(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"


class Outcome(StrEnum):
    REACHED = "reached"
    VOICEMAIL = "voicemail"
    NO_ANSWER = "no_answer"  # retry later: the request goes back to the queue
    WRONG_NUMBER = "wrong_number"
    REFERRED = "referred"
    ADMITTED = "admitted"


RawHash = Mapping[bytes, bytes] | Mapping[str, str] | Mapping[bytes | str, bytes | str]


def _decoded(raw: RawHash) -> dict[str, str]:
    return {text(k): text(v) for k, v in raw.items()}


def _number(value: float) -> str:
    """A float as redis-py writes one (``repr``), so a rewritten field reads back the same."""
    return repr(float(value))


_FLOATS = ("created", "updated", "due", "claimed_at", "claim_expires", "completed_at", "first_claimed_at")
_INTS = ("requests", "attempts", "alerts")


@dataclass(frozen=True)
class CallbackRequest:
    """One callback request: the hash ``hl:cb:{id}`` (see :mod:`helpline.queue.callbacks`).

    Optional fields are None while absent from the hash (never claimed, not completed)."""

    id: str
    number: str
    status: Status = Status.OPEN
    priority: str = "routine"
    reason: str = ""
    channel: str = "sms"
    lang: str = "en"
    gathered: Mapping[str, str] = field(default_factory=dict)  # what the client told us: name, best time, voicemail
    topics: tuple[str, ...] = ()        # the answers the conversation visited
    latest: tuple[str, ...] = ()        # crisis categories of the latest messages, newest last; never their words
    call_only: bool = False             # they texted STOP: call, never text
    created: float = 0.0
    updated: float = 0.0
    due: float = 0.0
    requests: int = 1                   # how many times they asked
    attempts: int = 0                   # calls made (completions, including no answer)
    alerts: int = 0
    claimed_by: str | None = None
    claimed_at: float | None = None
    claim_token: str | None = None
    claim_expires: float | None = None
    first_claimed_at: float | None = None
    escalation: str | None = None       # the current escalation ladder's run (see workers.escalation)
    last_outcome: Outcome | None = None
    last_note: str | None = None
    outcome: Outcome | None = None
    completed_at: float | None = None
    completed_by: str | None = None

    @property
    def is_live(self) -> bool:
        """Open or claimed: a new ask updates this request rather than making another."""
        return self.status in (Status.OPEN, Status.CLAIMED)

    @classmethod
    def from_redis(cls, raw: RawHash) -> CallbackRequest:
        """The request from its hash as HGETALL returns it (bytes or str). Unknown fields are ignored."""
        stored = _decoded(raw)
        values: dict[str, Any] = {}
        for f in fields(cls):
            text = stored.get(f.name)
            if text is None:
                continue
            if f.name in _FLOATS:
                values[f.name] = float(text)
            elif f.name in _INTS:
                values[f.name] = int(text or 0)
            elif f.name == "gathered":
                values[f.name] = dict(json.loads(text or "{}"))
            elif f.name in ("topics", "latest"):
                values[f.name] = tuple(json.loads(text or "[]"))
            elif f.name == "call_only":
                values[f.name] = text == "1"
            elif f.name == "status":
                values[f.name] = Status(text)
            elif f.name in ("last_outcome", "outcome"):
                values[f.name] = Outcome(text)
            else:
                values[f.name] = text
        values.setdefault("id", "")
        values.setdefault("number", "")
        return cls(**values)

    def to_redis(self) -> dict[str, str]:
        """The hash's fields (absent ones left out), as HSET stores them."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if f.name in _FLOATS:
                out[f.name] = _number(value)
            elif f.name in _INTS:
                out[f.name] = str(int(value))
            elif f.name == "gathered":
                out[f.name] = json.dumps(dict(value))
            elif f.name in ("topics", "latest"):
                if f.name == "latest" and not value:
                    continue  # only written once a message's category is known, as before
                out[f.name] = json.dumps(list(value))
            elif f.name == "call_only":
                out[f.name] = "1" if value else "0"
            else:
                out[f.name] = str(value)
        return out

    def changes_from(self, before: CallbackRequest | None) -> tuple[dict[str, str], list[str]]:
        """What to HSET and what to HDEL to turn ``before``'s hash into this one's: only the fields that differ."""
        old = before.to_redis() if before is not None else {}
        new = self.to_redis()
        return {k: v for k, v in new.items() if old.get(k) != v}, [k for k in old if k not in new]

    def as_dict(self) -> dict[str, Any]:
        """The request as a plain dict (decoded values, absent fields left out), for output that needs one (the
        CLI's ``callbacks list --json``); read attributes everywhere else."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, StrEnum):
                value = value.value
            elif f.name == "gathered":
                value = dict(value)
            elif f.name in ("topics", "latest"):
                value = list(value)
            out[f.name] = value
        return out


_STATE_DEFAULTS = asdict(State())


@dataclass(frozen=True)
class ConversationRecord:
    """What is stored per conversation (``hl:conv:{channel}:{number}``, one JSON object): its state (fields at
    their defaults left out, for memory), the tag of its latest message and the reply to it (so a retried webhook
    gets exactly the same answer). An older layout kept a list of recent tags (``_sids``) instead of ``_last``."""

    state: State = field(default_factory=State)
    last: str | None = None                 # the tag of the latest message
    reply: tuple[str, ...] = ()             # the reply sent to it
    older: tuple[str, ...] = ()             # tags of earlier messages (the older layout's ``_sids``)

    def seen(self, tag: str) -> bool:
        return tag == self.last or tag in self.older

    @classmethod
    def from_redis(cls, raw: bytes | str | None) -> ConversationRecord | None:
        """The record from its JSON; None when there is none (a new conversation)."""
        if not raw:
            return None
        data: dict[str, Any] = json.loads(raw)
        sids = tuple(data.get("_sids") or ())
        last = data.get("_last") or (sids[-1] if sids else None)
        return cls(State.from_dict(data), last, tuple(data.get("_reply") or ()), sids)

    def to_redis(self) -> str:
        data: dict[str, Any] = {k: v for k, v in asdict(self.state).items() if v != _STATE_DEFAULTS[k] or k == "node"}
        data["_last"] = self.last
        data["_reply"] = list(self.reply)
        return json.dumps(data, separators=(",", ":"))
