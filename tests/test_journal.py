"""The outage journal, with a real Redis killed (SIGKILL) and restarted empty: what the webhooks could not store
is on disk (fsync'd, 0600), /readyz and /metrics say so, and it reaches the queue late, once, never lost."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import stat
import time
from pathlib import Path

import pytest
from rq import Queue

from helpline.app import create_app
from helpline.channels import replay
from helpline.channels.journal import Entry, Journal
from helpline.queue import callbacks
from helpline.redisdb import EmbeddedRedis
from tests.conftest import Phone, make_settings
from tests.test_voice import caller_for


class Server:
    """A Redis of the test's own that can be killed and brought back empty on the same socket."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.redis = EmbeddedRedis(folder)
        self.redis.start()

    @property
    def url(self) -> str:
        return self.redis.url

    def kill(self) -> None:
        assert self.redis.process is not None
        os.kill(self.redis.process.pid, signal.SIGKILL)
        self.redis.process.wait()
        self.redis.process = None
        assert not self.redis.running()

    def restart_empty(self) -> None:
        shutil.rmtree(self.folder)  # its AOF too: the new server knows nothing
        self.redis = EmbeddedRedis(self.folder)
        self.redis.start()

    def stop(self) -> None:
        self.redis.stop()


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = Server(tmp_path / "r")
    yield s
    s.stop()


def journal_files(settings) -> list[Path]:  # type: ignore[no-untyped-def]
    return sorted((settings.data_dir / "journal").glob("*.json"))


def test_redis_killed_then_back_empty_the_crisis_and_the_request_reach_the_queue_once(
        tmp_path: Path, server: Server, caplog: pytest.LogCaptureFixture) -> None:
    settings = make_settings(tmp_path, server.url, JOURNAL_REPLAY_SECONDS="0")
    app = create_app(settings)
    hl = app.extensions["helpline"]
    crisis = Phone(app.test_client(), settings, "+15555550123")
    routine = Phone(app.test_client(), settings, "+15555550124")
    server.kill()

    with caplog.at_level(logging.INFO):
        crisis_reply = crisis.text("i want to kill myself", sid="SM" + "a" * 32)
        routine_reply = routine.text("please have someone call me", sid="SM" + "b" * 32)
    assert "988" in crisis_reply[0] and "911" in crisis_reply[-1]
    assert "911" in routine_reply[0]
    # The fail-safe log line names the crisis category; no number, no message text.
    failed = [r.getMessage() for r in caplog.records if "sms failed" in r.getMessage()]
    assert any("crisis=suicide" in m and "journal=queued" in m for m in failed)
    assert any("crisis=no" in m for m in failed)
    assert not any("kill myself" in m or "5555550123" in m for m in caplog.messages)

    files = journal_files(settings)
    assert len(files) == 2
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert stat.S_IMODE((settings.data_dir / "journal").stat().st_mode) == 0o700
    entries = [json.loads(f.read_text()) for f in files]
    assert {e["sid"] for e in entries} == {"SM" + "a" * 32, "SM" + "b" * 32}
    assert [e["category"] for e in entries if e["crisis"]] == ["suicide"]

    client = app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["journal"] == 2
    assert "helpline_outage_journal_entries 2.0" in client.get("/metrics").get_data(as_text=True)
    assert replay.replay(hl) == replay.Replayed(0, 2)  # still down: nothing lost, nothing deleted
    assert len(journal_files(settings)) == 2

    server.restart_empty()
    assert replay.replay(hl) == replay.Replayed(2, 0)
    assert journal_files(settings) == []
    conn = server.redis.client()
    queue = callbacks.load_open(conn)
    assert [r.number for r in queue] == ["+15555550123", "+15555550124"]  # the crisis first
    assert queue[0].priority == "crisis" and "suicide" in queue[0].reason and "late" in queue[0].reason
    assert queue[1].priority == "routine" and "asked for a person" in queue[1].reason
    assert Queue("crisis", connection=conn).count == 1  # the crisis alert, on the crisis queue
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["journal"] == 0

    # Idempotent by sid: the same entries replayed again (a copy, another process) and Twilio's retry change
    # nothing.
    for e in entries:
        Journal(settings.data_dir / "journal").append(Entry(**e))
    assert replay.replay(hl) == replay.Replayed(2, 0)
    assert crisis.text("i want to kill myself", sid="SM" + "a" * 32) == []
    again = callbacks.load_open(conn)
    assert len(again) == 2 and [r.requests for r in again] == [1, 1]


def test_the_journal_is_replayed_at_start_up_and_every_few_seconds(tmp_path: Path, server: Server) -> None:
    writer = create_app(make_settings(tmp_path, server.url, JOURNAL_REPLAY_SECONDS="0"))
    settings = writer.extensions["helpline"].settings
    server.kill()
    Phone(writer.test_client(), settings).text("my friend overdosed and is not breathing")
    assert len(journal_files(settings)) == 1
    server.restart_empty()
    # A process started after the outage (a restarted web worker) carries it in at start-up.
    reader = create_app(make_settings(tmp_path, server.url, JOURNAL_REPLAY_SECONDS="1"))
    conn = server.redis.client()
    deadline = time.monotonic() + 10
    while journal_files(settings) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert journal_files(settings) == []
    [request] = callbacks.load_open(conn)
    assert request.priority == "crisis" and "overdose" in request.reason
    # ...and keeps watching: a second outage while it runs is replayed within seconds of Redis returning.
    server.kill()
    Phone(reader.test_client(), settings, "+15555550188").text("talk to someone")
    assert len(journal_files(settings)) == 1
    server.restart_empty()
    deadline = time.monotonic() + 10
    while journal_files(settings) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert journal_files(settings) == []
    [request] = callbacks.load_open(server.redis.client())
    assert request.number == "+15555550188" and request.priority == "routine"
    reader.extensions["journal_replayer"].stop()


def test_a_call_during_the_outage_a_crisis_said_and_a_voicemail_arrive_late(tmp_path: Path, server: Server,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from helpline.channels.voice import routes as voice
    from tests.test_voice import OPEN

    monkeypatch.setattr(voice, "clock", lambda: OPEN)
    settings = make_settings(tmp_path, server.url, JOURNAL_REPLAY_SECONDS="0")
    app = create_app(settings)
    hl = app.extensions["helpline"]
    call = caller_for(app, settings)
    call.strict = False
    call.dial()
    call.press("1")
    server.kill()
    heard = " ".join(call.say("i took too many pills and i want to die"))
    assert "9 1 1" in heard  # the fail-safe document, the crisis reply first
    # The caller then leaves a voicemail (Twilio posts its recording), Redis still down.
    recording = "https://api.twilio.com/2010-04-01/Accounts/AC" + "0" * 32 + "/Recordings/RE" + "1" * 32
    twiml = call._post("/voice/voicemail?step=3&reason=transfer+failed",
                       {"RecordingUrl": recording, "RecordingDuration": "14", "RecordingSid": "RE" + "1" * 32})
    assert "Dial" in twiml  # the fail-safe: put through to the staffed number
    entries = [json.loads(f.read_text()) for f in journal_files(settings)]
    assert {e["kind"] for e in entries} == {"step", "voicemail"}
    server.restart_empty()
    assert replay.replay(hl).done == 2
    [request] = callbacks.load_open(server.redis.client())  # one open request per number
    assert request.priority == "crisis" and "suicide" in request.reason
    assert request.gathered["recording_seconds"] == "14"
