"""``helpline chat``: text the running helpline as Twilio would, signed, over HTTP."""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET

import requests
from twilio.request_validator import RequestValidator

from helpline.config import Settings
from helpline.errors import HelplineError


class Texter:
    """A phone number texting the helpline: each :meth:`send` is one Twilio-shaped, signed POST to /sms."""

    def __init__(self, base_url: str, settings: Settings, number: str, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.sms_url = self.base_url + "/sms"
        self.settings = settings
        self.number = number
        self.session = session or requests.Session()
        self.account_sid = settings.twilio_account_sid or "AC" + "0" * 32

    def params(self, body: str, **extra: str) -> dict[str, str]:
        return {
            "MessageSid": "SM" + secrets.token_hex(16),
            "SmsSid": "",
            "AccountSid": self.account_sid,
            "MessagingServiceSid": "",
            "From": self.number,
            "To": self.settings.helpline_number,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
            "ApiVersion": "2010-04-01",
            **extra,
        }

    def sign(self, params: dict[str, str], path: str = "/sms") -> str:
        """Sign as Twilio does, for the URL it was configured with: PUBLIC_URL when behind a proxy."""
        url = (self.settings.public_url or self.base_url) + path
        return self.sign_url(url, params)

    def sign_url(self, url: str, params: dict[str, str]) -> str:
        return RequestValidator(self.settings.signing_token).compute_signature(url, params)

    def send(self, body: str, **extra: str) -> list[str]:
        """Send one text; return the helpline's replies (one string per SMS)."""
        params = self.params(body, **extra)
        params["SmsSid"] = params["MessageSid"]
        try:
            response = self.session.post(self.sms_url, data=params, timeout=20,
                                         headers={"X-Twilio-Signature": self.sign(params)})
        except requests.RequestException as exc:
            raise HelplineError(f"cannot reach the helpline at {self.sms_url}: is it running? ({exc})") from None
        if response.status_code != 200:
            raise HelplineError(f"the helpline answered {response.status_code}: {response.text.strip()[:200]}")
        return replies(response.text)


def replies(twiml: str) -> list[str]:
    """The text of each ``<Message>`` in a TwiML document."""
    root = ET.fromstring(twiml)
    out = []
    for message in root.iter("Message"):
        body = message.find("Body")
        out.append((body.text if body is not None else message.text) or "")
    return out
