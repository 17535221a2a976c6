"""Carrying the outage journal into Redis once it answers again: at start-up and every few seconds, from the
web app and the worker alike.

Each entry goes through the same transaction a webhook uses (:meth:`Conversations.handle`), keyed by its sid,
so replaying twice, from two processes at once, or after the webhook did store it after all, changes nothing
the second time. What it makes: a crisis request for a crisis (with its staff alert), a request for someone who
asked for a person, a voicemail or a failed transfer, and a request for a call the outage cut into. It does not
step the conversation on: the person was answered with the safe reply, and their next message starts from
where they were. The entry is deleted once Redis holds what it carried.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import redis

from helpline.channels import failsafe
from helpline.channels.journal import Entry
from helpline.engine import Flow, RequestCallback, State
from helpline.engine.dialogue import Inbound, Outcome, crisis_request
from helpline.engine.matching import normalise
from helpline.logs import mask
from helpline.understanding.crisis import Verdict

if TYPE_CHECKING:
    from helpline.context import Helpline

log = logging.getLogger(__name__)
LATE = " (arrived late: outage)"
VOICEMAIL_PRIORITY = {"after hours": "routine", "transfer failed": "urgent"}


@dataclass(frozen=True)
class Replayed:
    done: int = 0  # entries carried into Redis (or found there already) and deleted
    left: int = 0  # entries still waiting (Redis still down)


def asks_for_person(flow: Flow, text: str) -> bool:
    """True when ``text`` holds one of the flow's "a person" phrases, in any of its languages."""
    padded = f" {normalise(text)} "
    return any(f" {p} " in padded for phrases in flow.keywords.get("person", {}).values() for p in phrases)


def request_for(flow: Flow, entry: Entry, state: State, opted_out: bool) -> RequestCallback | None:
    """The callback request an entry stands for, or None (a question in a text: the safe reply answered it)."""
    if entry.crisis and entry.category:
        verdict = Verdict(True, entry.category, entry.severity)
        made = crisis_request(verdict, state, call_only=opted_out, path=entry.extra.get("path"))
        return dataclasses.replace(made, reason=made.reason + LATE)
    gathered = dict(state.vars)

    def request(reason: str, priority: str, extra: dict[str, str] | None = None) -> RequestCallback:
        return RequestCallback(reason=reason + LATE, priority=priority, node="outage",
                               gathered={**gathered, **(extra or {})}, topics=tuple(state.topics),
                               call_only=opted_out)

    if entry.kind == "voicemail":
        why = entry.extra.get("reason", "")
        recording = {k: v for k, v in entry.extra.items() if k in ("recording_url", "recording_seconds")}
        return request(f"voicemail ({why or 'left a message'})", VOICEMAIL_PRIORITY.get(why, "routine"), recording)
    if entry.kind == "transfer-failed":
        return request("asked for a person; no one answered", "urgent")
    if entry.channel == "voice":
        return request("a call the outage cut into", "routine")
    if asks_for_person(flow, entry.body):
        return request("asked for a person", "routine")
    return None


def replay_entry(hl: Helpline, entry: Entry) -> str | None:
    """Carry one entry into Redis; the id of the request it made or updated, if any. Raises on a Redis error."""
    def decide(state: State, inbound: Inbound) -> Outcome:
        request = request_for(hl.flow, entry, state, inbound.opted_out)
        verdict = Verdict(True, entry.category, entry.severity) if entry.crisis else Verdict(False)
        return Outcome(dataclasses.replace(state), [request] if request else [], verdict, path="replay")

    # A Twilio retry of a replayed call step gets the safe TwiML; a replayed text's retry gets no second reply.
    render = ((lambda _o: [failsafe.voice_twiml(hl.settings, None)]) if entry.channel == "voice"
              else (lambda _o: []))
    handled = hl.conversations.handle(entry.channel, entry.number, entry.sid, Inbound(entry.body, entry.channel),
                                      decide, session=entry.session, render=render, now=entry.at)
    return handled.request_id


def replay(hl: Helpline) -> Replayed:
    """Replay every waiting entry, oldest first; stop at the first Redis error (the rest wait for next time)."""
    done = 0
    waiting = hl.journal.entries()
    for i, (path, entry) in enumerate(waiting):
        try:
            request_id = replay_entry(hl, entry)
        except (redis.RedisError, OSError):
            return Replayed(done, len(waiting) - i)
        hl.journal.remove(path)
        done += 1
        log.warning("journal: replayed sid=%s channel=%s kind=%s from=%s crisis=%s late=%.0fs%s", entry.sid,
                    entry.channel, entry.kind, mask(entry.number), entry.category if entry.crisis else "no",
                    max(0.0, time.time() - entry.at),
                    f" callback={request_id}" if request_id else "")
    return Replayed(done, 0)


class Replayer(threading.Thread):
    """Replays the journal now and then every ``interval`` seconds, until stopped. A daemon thread."""

    def __init__(self, hl: Helpline, interval: float):
        super().__init__(name="journal-replay", daemon=True)
        self.hl = hl
        self.interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        while True:
            try:
                if self.hl.journal.count():
                    replay(self.hl)
            except Exception as exc:  # noqa: BLE001 - the replayer must outlive any one bad entry
                log.error("journal replay failed: %s", type(exc).__name__, exc_info=exc)
            if self._stop_event.wait(self.interval):
                return

    def stop(self) -> None:
        self._stop_event.set()
