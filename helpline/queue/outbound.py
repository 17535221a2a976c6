"""The local outbox and delivery marks of the texts the helpline sends on its own (staff alerts, follow-ups).

:class:`helpline.channels.outbound.Sender` sends them: through Twilio's REST API when credentials are set,
otherwise into this outbox in Redis, which the log, the staff pages and ``helpline outbox`` show. A delivery mark
(``hl:delivery:{key}``) records that a send under ``key`` happened, so a retried job texts nobody twice.
"""

from __future__ import annotations

import json

import redis

OUTBOX_KEY = "hl:outbox"
OUTBOX_LIMIT = 500
DELIVERY_TTL = 7 * 86400


def delivery_key(key: str) -> str:
    return f"hl:delivery:{key}"


def outbox(conn: redis.Redis, limit: int = 50) -> list[dict[str, object]]:
    """The newest messages that would have gone to Twilio, newest first."""
    return [json.loads(raw) for raw in conn.lrange(OUTBOX_KEY, 0, limit - 1)]
