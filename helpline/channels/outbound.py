"""Texts the helpline sends on its own (staff alerts, follow-ups): through Twilio's REST API when credentials
are set, otherwise into the local outbox in Redis (:mod:`helpline.queue.outbound`).

Only workers call this: a webhook never waits on Twilio's API. Every send checks the opt-out list first, and
:meth:`Sender.send_once` makes a retried job (or one recovered from a killed worker) text nobody twice.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

import redis
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from helpline.config import Settings
from helpline.logs import mask
from helpline.queue import optouts
from helpline.queue.outbound import DELIVERY_TTL, OUTBOX_KEY, OUTBOX_LIMIT, delivery_key
from helpline.redisdb import text

log = logging.getLogger(__name__)
OPTED_OUT_ERROR = 21610


class OptedOut(Exception):
    """The recipient texted STOP; nothing may be texted to them."""


@dataclass(frozen=True)
class Sent:
    to: str
    sid: str
    via: str  # "twilio", "outbox", or "already" when an earlier attempt had sent it


class _RedirectingHttpClient(TwilioHttpClient):
    """Sends the real twilio client's requests to another base URL (a local stand-in for Twilio's API)."""

    def __init__(self, base_url: str):
        super().__init__(timeout=10)
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
        if url.startswith("https://api.twilio.com"):
            url = self.base_url + url[len("https://api.twilio.com"):]
        return super().request(method, url, *args, **kwargs)


class Sender:
    def __init__(self, settings: Settings, conn: redis.Redis, api_base: str | None = None):
        self.settings = settings
        self.conn = conn
        self.client: Client | None = None
        if settings.twilio_configured:
            http = _RedirectingHttpClient(api_base) if api_base else TwilioHttpClient(timeout=10)
            self.client = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http)

    def send_once(self, key: str, to: str, body: str, *, kind: str) -> Sent:
        """Send unless a send under ``key`` already happened, even one cut off by a crash mid-request.

        Outbox: the check and the write are one Redis transaction. Twilio: the attempt is marked before the API
        call; a later attempt that finds the mark but no result asks Twilio's API whether that message exists
        before sending again.
        """
        mark = delivery_key(key)
        if optouts.is_opted_out(self.conn, to):
            raise OptedOut(mask(to))
        if self.client is None:
            return self._outbox_once(mark, to, body, kind)
        state = text(self.conn.get(mark) or b"")
        if state.startswith("sent:"):
            return Sent(to, state[5:], "already")
        if state.startswith("sending:"):
            found = self._find_sent(to, body)
            if found:
                self.conn.set(mark, f"sent:{found}", ex=DELIVERY_TTL)
                log.info("sms %s to=%s was already accepted by Twilio (%s); not sent again", kind, mask(to), found)
                return Sent(to, found, "already")
        self.conn.set(mark, f"sending:{time.time()}", ex=DELIVERY_TTL)
        try:
            message = self.client.messages.create(to=to, from_=self.settings.helpline_number, body=body)
        except TwilioRestException as exc:
            if exc.code == OPTED_OUT_ERROR:  # they texted STOP to our number: honour it everywhere from now on
                optouts.opt_out(self.conn, to)
                self.conn.delete(mark)
                raise OptedOut(mask(to)) from None
            raise
        self.conn.set(mark, f"sent:{message.sid}", ex=DELIVERY_TTL)
        log.info("sms sent kind=%s to=%s sid=%s", kind, mask(to), message.sid)
        return Sent(to, str(message.sid), "twilio")

    def _find_sent(self, to: str, body: str) -> str | None:
        assert self.client is not None
        for message in self.client.messages.list(to=to, from_=self.settings.helpline_number, limit=50):
            if message.body == body:
                return str(message.sid)
        return None

    def _outbox_once(self, mark: str, to: str, body: str, kind: str) -> Sent:
        sid = f"OUTBOX{time.time_ns()}"
        entry = {"sid": sid, "to": to, "from": self.settings.helpline_number, "body": body, "kind": kind,
                 "at": time.time()}
        outcome: list[Sent] = []

        def attempt(pipe: redis.client.Pipeline) -> None:
            outcome.clear()
            done = pipe.get(mark)
            if done:
                outcome.append(Sent(to, text(done).removeprefix("sent:"), "already"))
                return
            pipe.multi()
            pipe.lpush(OUTBOX_KEY, json.dumps(entry))
            pipe.ltrim(OUTBOX_KEY, 0, OUTBOX_LIMIT - 1)
            pipe.set(mark, f"sent:{sid}", ex=DELIVERY_TTL)
            outcome.append(Sent(to, sid, "outbox"))

        self.conn.transaction(attempt, mark)
        if outcome[0].via == "outbox":
            log.info("sms to outbox (no Twilio credentials) kind=%s to=%s", kind, mask(to))
        return outcome[0]
