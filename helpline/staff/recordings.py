"""A voicemail's recording, played on the request page for the staff member holding the claim.

The browser never sees Twilio's credentials or the recording's URL: it asks ``/staff/requests/<id>/recording``,
which checks the login and the claim, then fetches the MP3 from Twilio with the account's credentials (HTTP basic
auth, as Twilio requires for recordings) and streams it back, uncached. Only a Twilio recording URL of this
account is ever fetched, so a forged ``RecordingUrl`` in a webhook cannot make the app fetch anything else.
"""

from __future__ import annotations

import logging
import re

import requests
from flask import Response, abort, g, stream_with_context

from helpline.config import Settings
from helpline.context import helpline_of
from helpline.queue import callbacks
from helpline.staff.bp import bp

log = logging.getLogger(__name__)
TWILIO_API = "https://api.twilio.com"
_RECORDING = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/Recordings/(RE[0-9a-fA-F]{32})(?:\.mp3|\.wav)?$")
FETCH_TIMEOUT = 15


def recording_source(settings: Settings, url: str) -> str | None:
    """The URL to fetch a request's recording from, or None when ``url`` is not a recording of this account."""
    if not url.startswith(TWILIO_API + "/"):
        return None
    path = url[len(TWILIO_API):]
    match = _RECORDING.match(path)
    if match is None or match.group(1) != settings.twilio_account_sid:
        return None
    base = (settings.twilio_api_base or TWILIO_API).rstrip("/")
    return f"{base}/2010-04-01/Accounts/{match.group(1)}/Recordings/{match.group(2)}.mp3"


@bp.get("/requests/<request_id>/recording")
def recording(request_id: str) -> Response:
    hl = helpline_of()
    found = callbacks.load(hl.conn, request_id)
    if found is None:
        abort(404)
    if found.status != callbacks.Status.CLAIMED or found.claimed_by != g.account.name:
        abort(403, description="claim the request to hear its voicemail")
    url = found.gathered.get("recording_url") or ""
    source = recording_source(hl.settings, url) if hl.settings.twilio_configured else None
    if source is None:
        abort(404, description="no recording that can be fetched from Twilio")
    auth = (hl.settings.twilio_account_sid or "", hl.settings.twilio_auth_token or "")
    try:
        upstream = requests.get(source, auth=auth, stream=True, timeout=FETCH_TIMEOUT)
    except requests.RequestException as exc:
        log.warning("recording for %s could not be fetched: %s", request_id, type(exc).__name__)
        abort(502, description="Twilio did not answer; try again")
    if upstream.status_code != 200:
        upstream.close()
        log.warning("recording for %s: Twilio answered %d", request_id, upstream.status_code)
        abort(502, description=f"Twilio answered {upstream.status_code}")
    callbacks.add_audit(hl.conn, request_id, g.account.name, "played voicemail")
    headers = {"Cache-Control": "no-store", "Content-Disposition": "inline", "X-Content-Type-Options": "nosniff"}
    if upstream.headers.get("Content-Length"):
        headers["Content-Length"] = upstream.headers["Content-Length"]
    return Response(stream_with_context(upstream.iter_content(16384)), status=200, mimetype="audio/mpeg",
                    headers=headers)
