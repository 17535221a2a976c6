"""A local stand-in for Twilio's Messages API, for tests, benchmarks and offline demos.

It answers the real ``twilio`` client the way ``api.twilio.com`` does for ``POST`` and ``GET``
``/2010-04-01/Accounts/{AccountSid}/Messages.json``: HTTP basic auth with the account SID and auth token,
form-encoded ``To``/``From``/``Body``, a JSON message resource back (201), Twilio-shaped errors (e.g. 21610 for
an opted-out recipient), and paged lists filtered by ``To``/``From``. Failures and slowness can be injected.
Point the helpline at it with ``TWILIO_API_BASE=http://127.0.0.1:PORT``.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

PREFIX = "/2010-04-01/Accounts/"


@dataclass
class FakeTwilio:
    """The server's state: accepted messages, plus knobs for failures and delays."""

    account_sid: str
    auth_token: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)  # POST .../Calls.json (click-to-call), recorded only
    opted_out: set[str] = field(default_factory=set)
    recordings: dict[str, bytes] = field(default_factory=dict)  # RecordingSid -> MP3 bytes, for GET .../RE....mp3
    fail_next: int = 0            # answer this many POSTs with a 500 before accepting again
    delay: float = 0.0            # seconds to wait before answering a POST (after recording it)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None
    accepted: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    def start(self, port: int = 0) -> FakeTwilio:
        fake = self

        class Handler(_Handler):
            state = fake

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until at least ``count`` messages were accepted."""
        deadline = time.monotonic() + timeout
        with self.accepted:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.accepted.wait(left)
        return True


class _Handler(BaseHTTPRequestHandler):
    state: FakeTwilio

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: int, message: str) -> None:
        self._json(status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                            "status": status})

    def _authorised(self, account: str) -> bool:
        expected = base64.b64encode(f"{self.state.account_sid}:{self.state.auth_token}".encode()).decode()
        return account == self.state.account_sid and self.headers.get("Authorization") == f"Basic {expected}"

    def _route(self, resource: str = "/Messages.json") -> str | None:
        path = urlparse(self.path).path
        if not (path.startswith(PREFIX) and path.endswith(resource)):
            self._error(404, 20404, "The requested resource was not found")
            return None
        account = path[len(PREFIX):-len(resource)]
        if not self._authorised(account):
            self._error(401, 20003, "Authenticate")
            return None
        return account

    def _create_call(self) -> None:
        """``POST .../Calls.json``: record the call (To, From, Twiml or Url) and answer like Twilio; nothing rings."""
        account = self._route("/Calls.json")
        if account is None:
            return
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if not form.get("To") or not form.get("From") or not (form.get("Twiml") or form.get("Url")):
            self._error(400, 21205, "A 'To', a 'From' and 'Twiml' or 'Url' are required")
            return
        call = {"sid": "CA" + secrets.token_hex(16), "account_sid": account, "to": form["To"], "from": form["From"],
                "twiml": form.get("Twiml"), "url": form.get("Url"), "status": "queued", "direction": "outbound-api",
                "api_version": "2010-04-01", "date_created": formatdate(usegmt=True),
                "uri": f"{PREFIX}{account}/Calls/x.json", "received_at": time.time()}
        with self.state.accepted:
            self.state.calls.append(call)
            self.state.accepted.notify_all()
        self._json(201, call)

    def do_POST(self) -> None:  # noqa: N802
        if urlparse(self.path).path.endswith("/Calls.json"):
            self._create_call()
            return
        account = self._route()
        if account is None:
            return
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        st = self.state
        with st.lock:
            st.requests += 1
            if st.fail_next > 0:
                st.fail_next -= 1
                self._error(500, 20500, "Internal Server Error")
                return
        to, body = form.get("To", ""), form.get("Body", "")
        if not to or not (form.get("From") or form.get("MessagingServiceSid")) or not body:
            self._error(400, 21604 if not to else 21602, "A 'To', 'From' and 'Body' are required")
            return
        if to in st.opted_out:
            self._error(400, 21610, "Attempt to send to unsubscribed recipient")
            return
        message = {
            "sid": "SM" + secrets.token_hex(16), "account_sid": account, "to": to, "from": form.get("From"),
            "body": body, "status": "queued", "direction": "outbound-api", "num_segments": "1",
            "date_created": formatdate(usegmt=True), "date_updated": formatdate(usegmt=True), "date_sent": None,
            "api_version": "2010-04-01", "price": None, "error_code": None, "error_message": None,
            "uri": f"{PREFIX}{account}/Messages/x.json", "received_at": time.time(),
        }
        with st.accepted:
            st.messages.append(message)
            st.accepted.notify_all()
        if st.delay:
            time.sleep(st.delay)
        self._json(201, message)

    def _recording(self) -> None:
        """``GET .../Recordings/{RecordingSid}.mp3``: the recording's bytes, to the account's credentials only."""
        path = urlparse(self.path).path
        sid = path.rsplit("/", 1)[-1][: -len(".mp3")]
        account = self._route(f"/Recordings/{sid}.mp3")
        if account is None:
            return
        data = self.state.recordings.get(sid)
        if data is None:
            self._error(404, 20404, "The requested resource was not found")
            return
        self.send_response(200)
        self.send_header("Content-Type", "audio/mpeg")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        if "/Recordings/" in urlparse(self.path).path and self.path.endswith(".mp3"):
            self._recording()
            return
        account = self._route()
        if account is None:
            return
        query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
        size = int(query.get("PageSize", "50"))
        found = [m for m in reversed(self.state.messages)
                 if m["account_sid"] == account and query.get("To", m["to"]) == m["to"]
                 and query.get("From", m["from"]) == m["from"]][:size]
        uri = f"{PREFIX}{account}/Messages.json"
        self._json(200, {"messages": found, "first_page_uri": uri, "next_page_uri": None, "previous_page_uri": None,
                         "page": 0, "page_size": size, "start": 0, "end": max(len(found) - 1, 0), "uri": uri})


if __name__ == "__main__":  # python -m helpline.sim.faketwilio: run one on port 8765 with a demo account
    fake = FakeTwilio("AC" + "f" * 32, "f" * 32).start(8765)
    print(f"fake Twilio Messages API on {fake.url} (account {fake.account_sid}, token {fake.auth_token})")
    threading.Event().wait()
