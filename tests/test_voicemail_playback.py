"""A voicemail staff can hear: the request page plays it for the claim holder, through the app (an authenticated
proxy to Twilio's recording URL, here a local stand-in that demands the account's credentials), with its length."""

from __future__ import annotations

import pytest

from helpline.app import create_app
from helpline.channels.voice import routes as voice
from helpline.queue import callbacks
from helpline.staff.recordings import recording_source
from tests.conftest import StaffMember
from tests.test_voice import CLOSED, caller_for, dial_in_english

MP3 = b"ID3\x04\x00" + bytes(range(256)) * 8


@pytest.fixture
def voicemail(twilio_settings, fake_twilio, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(voice, "clock", lambda: CLOSED)
    app = create_app(twilio_settings)
    call = caller_for(app, twilio_settings)
    dial_in_english(call)
    call.press("0")  # after hours: straight to voicemail
    call.leave_message("hello this is Maria please call me back about detox for my son today")
    [request] = callbacks.load_open(app.extensions["helpline"].conn)
    sid = request.gathered["recording_url"].rsplit("/", 1)[-1]
    fake_twilio.recordings[sid] = MP3
    return app, request


def test_the_claim_holder_hears_the_voicemail_through_the_app(voicemail, twilio_settings) -> None:  # type: ignore[no-untyped-def]
    app, request = voicemail
    ana = StaffMember(app)
    assert ana.login().status_code == 302
    url = f"/staff/requests/{request.id}/recording"
    assert ana.client.get(url).status_code == 403  # not claimed yet
    assert "claim the request to hear it" in ana.page()
    assert ana.post(f"/staff/requests/{request.id}/claim").status_code == 302
    page = ana.page(f"/staff/requests/{request.id}")
    assert f'src="{url}"' in page and "<audio" in page and "Voicemail, 7 s" in page
    assert "api.twilio.com" not in page and twilio_settings.twilio_auth_token not in page
    played = ana.client.get(url)
    assert played.status_code == 200 and played.mimetype == "audio/mpeg"
    assert played.get_data() == MP3
    assert played.headers["Cache-Control"] == "no-store"
    trail = [e["action"] for e in callbacks.audit_trail(ana.conn, request.id)]
    assert "played voicemail" in trail

    sam = StaffMember(app, "sam", "supervisor", "+15555550143")
    assert sam.login().status_code == 302
    assert sam.client.get(url).status_code == 403  # only whoever holds the claim


def test_a_recording_is_fetched_only_from_twilio_for_this_account(twilio_settings) -> None:  # type: ignore[no-untyped-def]
    sid = twilio_settings.twilio_account_sid
    good = f"https://api.twilio.com/2010-04-01/Accounts/{sid}/Recordings/RE{'a' * 32}"
    assert recording_source(twilio_settings, good) == (
        f"{twilio_settings.twilio_api_base}/2010-04-01/Accounts/{sid}/Recordings/RE{'a' * 32}.mp3")
    for forged in (f"https://evil.example/2010-04-01/Accounts/{sid}/Recordings/RE{'a' * 32}",
                   f"https://api.twilio.com/2010-04-01/Accounts/AC{'9' * 32}/Recordings/RE{'a' * 32}",
                   f"https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json",
                   f"https://api.twilio.com.evil.example/2010-04-01/Accounts/{sid}/Recordings/RE{'a' * 32}"):
        assert recording_source(twilio_settings, forged) is None, forged
