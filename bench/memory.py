"""Redis memory per active conversation and per open callback request, and how it grows with 10x more.

    .venv/bin/python bench/memory.py [--conversations 1000]

Conversations go through the real transaction (Conversations.handle with the real flow and screen): each
number sends "hi" then "2" (and, in a second row, 12 messages), so it holds its conversation record (state and
the latest reply, for retried webhooks), the sids it has seen for 48 hours (the replay window) and its flood
counters. Callback requests are made the same way
("i want to kill myself"), with their audit entries and RQ jobs (the immediate alert and the due-time check).
Figures are Redis INFO used_memory deltas divided by the count, measured at two sizes in the same run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpline.app import create_app  # noqa: E402
from helpline.config import load_settings  # noqa: E402
from helpline.engine.dialogue import Inbound  # noqa: E402
from helpline.redisdb import EmbeddedRedis  # noqa: E402


def used(conn) -> int:  # type: ignore[no-untyped-def]
    return int(conn.info("memory")["used_memory"])


def measure(count: int, bodies: list[str], offset: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp) / "redis", appendfsync="everysec")
        server.start()
        try:
            settings = load_settings({"REDIS_URL": server.url, "HELPLINE_DATA_DIR": tmp, "LOG_LEVEL": "WARNING",
                                      "FLOOD_PER_MINUTE": "1000", "FLOOD_PER_HOUR": "10000"},
                                     environ={}, dotenv=None)
            hl = create_app(settings).extensions["helpline"]
            conn = server.client()
            before = used(conn)
            for i in range(count):
                number = f"+1555{offset + i:07d}"
                for k, body in enumerate(bodies):
                    hl.conversations.handle("sms", number, f"SM{i:016d}{k:016d}", Inbound(body), hl.decide)
            return (used(conn) - before) / count
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=1000)
    args = parser.parse_args()
    n = args.conversations
    rows = []
    # 12 messages: the 48-hour dedupe string (8 bytes a message, helpline/queue/dedupe.py) grows with them.
    long_chat = ["hi", "2", "1", "back", "menu", "3", "1", "menu", "4", "2", "menu", "1"]
    for label, bodies in (("active conversation (2 messages)", ["hi", "2"]),
                          ("active conversation (12 messages)", long_chat),
                          ("open callback request (crisis text)", ["i want to kill myself"])):
        small, large = measure(n, bodies, 0), measure(10 * n, bodies, 0)
        rows.append((label, small, large))
    print(f"Redis used_memory per item, at {n} and {10 * n} items")
    print(f"{'item':<38} {'bytes @' + str(n):>12} {'bytes @' + str(10 * n):>13} {'growth':>7}")
    for label, small, large in rows:
        print(f"{label:<38} {small:>12.0f} {large:>13.0f} {large / small:>6.2f}x")
    print("(target: under 1 KB per active conversation)")


if __name__ == "__main__":
    main()
