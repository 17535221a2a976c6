"""What the engine asks its host to do. Channels render these; workers carry out the side effects."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Say:
    """A text for the person: one SMS message, or one ``<Say>`` on a call."""

    text: str
    lang: str | None = None  # read in this language's voice (None: the conversation's language)


@dataclass(frozen=True)
class Listen:
    """The conversation now waits at ``node`` (voice: a ``<Gather>`` with these keys and speech hints)."""

    node: str
    keys: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequestCallback:
    """Somebody should call this person back."""

    reason: str
    priority: str
    node: str
    gathered: dict[str, str] = field(default_factory=dict)
    topics: tuple[str, ...] = ()
    call_only: bool = False  # the person has opted out of texts: staff must call, never text
    ask: bool = True  # a new ask (counted on the request); False: the same ask, only adding what was gathered
    latest: str = ""  # the crisis category of the message that made it ("none": no crisis words), for staff


@dataclass(frozen=True)
class Enrich:
    """Add what a question gathered (a name, a best time) to the number's open request, if there is one."""

    gathered: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Transfer:
    """Put the person through to a human now (voice dials the admissions line; SMS has already said the number)."""

    node: str


@dataclass(frozen=True)
class End:
    """The conversation is over; the next message starts at the greeting."""


Action = Say | Listen | RequestCallback | Enrich | Transfer | End
