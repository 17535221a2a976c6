"""Texts the helpline sends on its own (staff alerts, follow-ups): through Twilio's REST API when credentials
are set, otherwise into a local outbox in Redis that the log and ``helpline outbox`` show.

Only workers call this: a webhook never waits on Twilio's API. Every send checks the opt-out list first.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

import redis
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from helpline import optouts
from helpline.config import Settings
from helpline.logs import mask

log = logging.getLogger(__name__)
OUTBOX_KEY = "hl:outbox"
OUTBOX_LIMIT = 500


class OptedOut(Exception):
    """The recipient texted STOP; nothing may be texted to them."""


@dataclass(frozen=True)
class Sent:
    to: str
    sid: str
    via: str  # "twilio" or "outbox"


class _RedirectingHttpClient(TwilioHttpClient):
    """Sends the real twilio client's requests to another base URL (a local stand-in for Twilio's API in tests)."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
        for prefix in ("https://api.twilio.com",):
            if url.startswith(prefix):
                url = self.base_url + url[len(prefix):]
        return super().request(method, url, *args, **kwargs)


class Sender:
    def __init__(self, settings: Settings, conn: redis.Redis, api_base: str | None = None):
        self.settings = settings
        self.conn = conn
        self.client: Client | None = None
        if settings.twilio_configured:
            http = _RedirectingHttpClient(api_base) if api_base else None
            self.client = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http)

    def send_sms(self, to: str, body: str, *, kind: str) -> Sent:
        """Text ``to``; raises :class:`OptedOut` when they opted out, or Twilio's error (RQ retries the job)."""
        if optouts.is_opted_out(self.conn, to):
            raise OptedOut(mask(to))
        if self.client is not None:
            message = self.client.messages.create(to=to, from_=self.settings.helpline_number, body=body)
            log.info("sms sent kind=%s to=%s sid=%s", kind, mask(to), message.sid)
            return Sent(to, str(message.sid), "twilio")
        sid = f"OUTBOX{int(time.time() * 1000)}"
        entry = {"sid": sid, "to": to, "from": self.settings.helpline_number, "body": body, "kind": kind,
                 "at": time.time()}
        with self.conn.pipeline() as pipe:
            pipe.lpush(OUTBOX_KEY, json.dumps(entry))
            pipe.ltrim(OUTBOX_KEY, 0, OUTBOX_LIMIT - 1)
            pipe.execute()
        log.info("sms to outbox (no Twilio credentials) kind=%s to=%s", kind, mask(to))
        return Sent(to, sid, "outbox")


def outbox(conn: redis.Redis, limit: int = 50) -> list[dict[str, object]]:
    """The newest messages that would have gone to Twilio, newest first."""
    return [json.loads(raw) for raw in conn.lrange(OUTBOX_KEY, 0, limit - 1)]
