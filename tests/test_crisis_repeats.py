"""Repeated crisis texts, on a real Redis through the webhook: the full crisis reply once, a short one for
repeats within a few minutes (still 911 and 988), staff alerted once with a count; never throttled to silence."""

from __future__ import annotations

import threading
import time

from helpline.app import create_app
from helpline.queue import callbacks
from helpline.queue.outbound import outbox
from tests.conftest import STAFF, Phone, make_settings

SUICIDE = "i want to kill myself"


def test_forty_crisis_texts_at_once_draw_one_full_reply_and_short_ones_and_one_alert(
        tmp_path, redis_url, conn, run_worker) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, redis_url, FLOOD_PER_MINUTE=5)
    app = create_app(settings)
    replies: list[list[str]] = []
    lock = threading.Lock()

    def send(i: int) -> None:
        got = Phone(app.test_client(), settings).text(SUICIDE, sid=f"SM{i:032x}")
        with lock:
            replies.append(got)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(40)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert time.monotonic() - started < 30
    assert len(replies) == 40 and all(replies)  # never throttled to silence, flood limit or not
    full = [r for r in replies if len(r) == 2]
    assert len(full) == 1 and "You matter" in full[0][0] and "Are you safe" in full[0][1]
    short = [r for r in replies if len(r) == 1]
    assert len(short) == 39
    assert all("911" in r[0] and "988" in r[0] and "alerted" in r[0] for r in short)
    assert sum(len(r) for r in replies) == 41  # not 80

    [request] = callbacks.load_open(conn)
    assert request.priority == "crisis" and request.requests == 40
    run_worker()
    alerts = [m for m in outbox(conn) if m["to"] == STAFF]
    assert len(alerts) == 1, alerts
    assert "40 messages" in str(alerts[0]["body"])


def test_a_repeat_after_the_window_or_of_another_kind_gets_the_full_reply(tmp_path, redis_url, conn,
                                                                            monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from helpline.engine import dialogue

    settings = make_settings(tmp_path, redis_url)
    phone = Phone(create_app(settings).test_client(), settings)
    assert len(phone.text(SUICIDE)) == 2
    assert len(phone.text(SUICIDE)) == 1
    # An overdose is another path: its own steps, at once.
    overdose = phone.text("my brother is not breathing")
    assert "naloxone" in overdose[0] and "Is the person breathing?" in overdose[1]
    monkeypatch.setattr(dialogue, "CRISIS_REPEAT_SECONDS", 0)  # the window has passed
    again = phone.text("my brother is not breathing")
    assert len(again) == 2 and "naloxone" in again[0]


def test_the_short_reply_is_in_spanish_for_a_spanish_texter(tmp_path, redis_url, conn) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, redis_url)
    phone = Phone(create_app(settings).test_client(), settings)
    first = phone.text("ya no quiero vivir, quiero matarme")
    assert len(first) == 2 and "¿Está a salvo" in first[1]
    [short] = phone.text("quiero matarme")
    assert "911" in short and "988 y marque 2" in short and "AYUDA" in short
    [request] = callbacks.load_open(conn)
    assert request.requests == 2 and request.latest == ("suicide", "suicide")
