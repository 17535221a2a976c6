"""Conversation state in Redis, and one inbound message applied exactly once.

Each message runs in one optimistic Redis transaction (WATCH / MULTI / EXEC) over the conversation (which also
remembers its latest reply), the sids it has seen in the last 48 hours (:mod:`helpline.queue.dedupe`), the number's
opt-out and its open callback request. Two copies of
the same webhook (Twilio retries, or a duplicate in flight) race: one commits, the other sees the stored reply
and sends exactly that, so the state advances once, the reply is the same, and a callback request and its staff
alert are made once.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis
from rq import Queue

from helpline.config import Settings
from helpline.engine import Enrich, RequestCallback, State
from helpline.engine.dialogue import Inbound, OptIn, OptOut, Outcome
from helpline.queue import callbacks, dedupe, flood, optouts, stats
from helpline.queue.records import ConversationRecord
from helpline.redisdb import binary, text


def state_key(channel: str, number: str) -> str:
    return f"hl:conv:{channel}:{number}"


def lang_key(number: str) -> str:
    """The language a number chose (or clearly wrote in), kept beyond one conversation: "es" or "en"."""
    return f"hl:lang:{number}"


def sid_tag(sid: str) -> str:
    """A short, stable tag for a MessageSid (or CallSid:step): 48 bits, plenty among a conversation's last few."""
    return hashlib.blake2b(sid.encode(), digest_size=6).hexdigest()


@dataclass
class Handled:
    """The result of one inbound message: the texts to reply with, and what happened (None on a replay)."""

    texts: list[str]
    outcome: Outcome | None
    replayed: bool
    before: str | None = None
    request_id: str | None = None
    throttled: bool = False


class Conversations:
    """The state store. ``decide`` is the pure per-message function (``helpline.engine.dialogue.turn`` bound to the
    flow and lexicon)."""

    def __init__(self, conn: redis.Redis, queues: dict[str, Queue], settings: Settings):
        self.conn = conn
        self.queues = queues
        self.settings = settings
        self.ttl = settings.conversation_ttl

    def load(self, channel: str, number: str) -> State:
        record = ConversationRecord.from_redis(self.conn.get(state_key(channel, number)))
        return record.state if record else State()

    def handle(self, channel: str, number: str, sid: str, inbound: Inbound,
               decide: Callable[[State, Inbound], Outcome], *, session: str | None = None,
               render: Callable[[Outcome], list[str]] | None = None,
               flood_limits: tuple[int, int] | None = None, now: float | None = None,
               never_throttle: Callable[[State], bool] | None = None) -> Handled:
        """Apply one inbound message once. ``session`` keys the state instead of the number (a call's CallSid);
        ``render`` makes the reply that is stored and replayed to duplicates (default: the texts; voice: TwiML);
        ``flood_limits`` (per minute, per hour) throttles a flooding number: None exempts this message (a crisis,
        STOP/START), and so does ``never_throttle(state)`` (someone on the crisis path). A throttled message gets
        an empty reply and changes nothing but the counters. ``now``:
        when it arrived (default: the clock; the outage journal replays with the original time)."""
        keys = [state_key(channel, session or number), optouts.key(number), callbacks.open_key(number),
                lang_key(number), dedupe.key(channel, session or number)]
        now = time.time() if now is None else now
        counters = flood.keys(number, now)
        tag = sid_tag(sid)
        seen_tag = dedupe.tag(sid)
        result: list[Handled] = []

        def attempt(pipe: redis.client.Pipeline) -> None:
            result.clear()
            # One round trip for everything this message depends on (WATCHed by transaction()).
            raw, opted, open_id, raw_lang, raw_seen, *counts = pipe.mget(*keys, *counters)
            lang = text(raw_lang) if raw_lang else None
            raw_seen = binary(raw_seen)
            record = ConversationRecord.from_redis(raw)
            if dedupe.seen(raw_seen, seen_tag, now) or (record is not None and record.seen(tag)):
                # A retry or a replay: the latest message gets its reply again, an older one nothing more.
                again = list(record.reply) if record is not None and record.last == tag else []
                result.append(Handled(again, None, replayed=True))
                return
            state = record.state if record else State()
            seen_after = dedupe.add(raw_seen, seen_tag, now)
            if flood_limits and not (never_throttle and never_throttle(state)) and flood.over(counts, flood_limits):
                pipe.multi()
                flood.count(pipe, counters)
                pipe.set(keys[0], ConversationRecord(state, tag).to_redis(), ex=self.ttl)
                pipe.set(keys[4], seen_after, ex=dedupe.ttl())
                result.append(Handled([], None, replayed=False, throttled=True))
                return
            existing = callbacks.read_open(pipe, open_id)
            outcome = decide(state, Inbound(inbound.text, inbound.channel, opted is not None,
                                            inbound.opt_out_type, inbound.digits, lang, now=now,
                                            request_open=existing is not None and existing.is_live))
            texts = render(outcome) if render else outcome.texts
            pipe.multi()
            flood.count(pipe, counters)
            pipe.set(keys[0], ConversationRecord(outcome.state, tag, tuple(texts)).to_redis(), ex=self.ttl)
            pipe.set(keys[4], seen_after, ex=dedupe.ttl())
            stats.count_message(pipe, self.settings, channel, outcome.state.lang or "en",  # reports: no text
                                new_contact=raw is None and outcome.path != "call-ended", now=now,
                                crisis_category=outcome.verdict.category if outcome.verdict.crisis else None)
            if outcome.remember_lang and outcome.remember_lang != lang:
                pipe.set(keys[3], outcome.remember_lang, ex=self.settings.retention_days * 86400)
            request_id = None
            for action in outcome.actions:
                if isinstance(action, OptOut):
                    pipe.set(keys[1], int(now))
                elif isinstance(action, OptIn):
                    pipe.delete(keys[1])
                elif isinstance(action, Enrich) and existing is not None:
                    existing = callbacks.enrich(pipe, existing, action.gathered, now)
                elif isinstance(action, RequestCallback):
                    staged = callbacks.stage(pipe, self.queues, self.settings, number, channel,
                                             outcome.state.lang, action, existing, now)
                    existing = staged.request
                    request_id = existing.id
            result.append(Handled(texts, outcome, replayed=False, before=state.node, request_id=request_id))

        self.conn.transaction(attempt, *keys)
        return result[0]
