"""What every request handler reaches for: the :class:`Helpline` (settings, content, Redis, queues) that
:func:`helpline.app.create_app` makes once per process and hangs on the app, and :func:`helpline_of` to get it.

Blueprints and channels import this module, never the factory (:mod:`helpline.app`), so the factory can import
them without a cycle and a newcomer can read a webhook without reading how the app is built.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis
from flask import Flask, current_app
from rq import Queue

from helpline.channels.journal import Journal
from helpline.config import Settings
from helpline.engine import Flow, State
from helpline.engine.dialogue import Inbound, Outcome, turn
from helpline.ops import metrics
from helpline.queue.conversations import Conversations
from helpline.understanding.crisis import Lexicon, Verdict

QUEUE_NAMES = ("crisis", "default", "low")  # workers listen in this order


@dataclass
class Helpline:
    """Everything the webhooks need, made once per process by :func:`helpline.app.create_app`."""

    settings: Settings
    flow: Flow
    lexicon: Lexicon
    conn: redis.Redis
    queues: dict[str, Queue]
    conversations: Conversations
    journal: Journal

    def decide(self, state: State, inbound: Inbound, verdict: Verdict | None = None) -> Outcome:
        return metrics.noting_crisis(turn(self.flow, self.lexicon, state, inbound, verdict))


def helpline_of(app: Flask | None = None) -> Helpline:
    """The :class:`Helpline` of ``app`` (default: the app handling this request)."""
    return (app or current_app).extensions["helpline"]
