"""``helpline call``: call the running helpline as Twilio would, following the TwiML it answers with.

:class:`Caller` plays Twilio's part: it posts signed, Twilio-shaped requests to ``/voice`` and the action URLs, runs
``<Say>``, ``<Pause>``, ``<Gather>``, ``<Redirect>``, ``<Dial>``, ``<Record>`` and ``<Hangup>`` in order, and stops
where Twilio would wait for the caller. Every document it gets is checked with :func:`twiml_problems`, the rules
Twilio enforces (and ours: no document leaves a caller without a way forward). Tests drive the same class.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

from twilio.request_validator import RequestValidator

from helpline.config import Settings
from helpline.errors import HelplineError

# What Twilio accepts where (the verbs this helpline uses, and what may nest in them).
TOP_LEVEL = {"Say", "Play", "Pause", "Gather", "Dial", "Record", "Redirect", "Hangup", "Reject"}
NESTED = {"Gather": {"Say", "Play", "Pause"}, "Dial": {"Number", "Client", "Sip", "Conference", "Queue"},
          "Say": set(), "Play": set(), "Pause": set(), "Record": set(), "Redirect": set(), "Hangup": set(),
          "Reject": set(), "Number": set()}
URL_ATTRIBUTES = ("action", "statusCallback", "recordingStatusCallback")
GATHER_INPUTS = {"dtmf", "speech", "dtmf speech", "speech dtmf"}
DIAL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")
Transport = Callable[[str, dict[str, str], dict[str, str]], tuple[int, str]]


def twiml_problems(root: ET.Element) -> list[str]:
    """What Twilio would refuse in a voice TwiML document, and any way it could leave a caller stranded."""
    problems: list[str] = []
    if root.tag != "Response":
        return [f"the root is <{root.tag}>, not <Response>"]
    verbs = list(root)
    if not verbs:
        problems.append("an empty <Response> hangs up without a word")
    for i, verb in enumerate(verbs):
        if verb.tag not in TOP_LEVEL:
            problems.append(f"<{verb.tag}> is not a voice verb")
            continue
        problems += _nesting(verb)
        for name in URL_ATTRIBUTES:
            if name in verb.attrib and not _resolvable(verb.attrib[name]):
                problems.append(f"<{verb.tag} {name}={verb.attrib[name]!r}> is not an absolute or root URL")
        rest = verbs[i + 1:]
        if verb.tag == "Say" and not (verb.text or "").strip():
            problems.append("an empty <Say>")
        if verb.tag == "Redirect" and not _resolvable(verb.text or ""):
            problems.append(f"<Redirect> to {verb.text!r} is not an absolute or root URL")
        if verb.tag in ("Redirect", "Hangup", "Reject") and rest:
            problems.append(f"<{verb.tag}> is followed by unreachable verbs")
        if verb.tag == "Gather":
            if verb.get("input") not in GATHER_INPUTS:
                problems.append(f"<Gather input={verb.get('input')!r}> is not dtmf and/or speech")
            if not verb.get("action"):
                problems.append("a <Gather> without an action URL posts back to the same document")
            if not rest or rest[0].tag != "Redirect":
                problems.append("a <Gather> is not followed by a <Redirect>: silence would end the call")
            if len([h for h in verb.get("hints", "").split(",") if h.strip()]) > 500:
                problems.append("more than 500 speech hints")
        if verb.tag == "Dial":
            if not verb.get("action") and not rest:
                problems.append("a <Dial> without an action URL and nothing after it: the call ends with it")
            elif verb.get("action") and rest:
                problems.append("verbs after a <Dial> with an action URL are unreachable")
        if verb.tag == "Record":
            if not verb.get("action"):
                problems.append("a <Record> without an action URL records back to the same document")
            if not rest or rest[-1].tag not in ("Redirect", "Hangup"):
                problems.append("nothing follows a <Record> for an empty recording")
    last = verbs[-1].tag if verbs else None
    if last == "Hangup":
        said = " ".join(" ".join(v.itertext()) for v in verbs if v.tag == "Say")
        if "9 1 1" not in said and "911" not in said:
            problems.append("a <Hangup> without the emergency numbers said before it")
    elif last is not None and last not in ("Redirect", "Dial"):
        problems.append(f"the document ends with <{last}>: the call would hang up")
    return problems


def _nesting(element: ET.Element) -> list[str]:
    problems = []
    for child in element:
        if child.tag not in NESTED.get(element.tag, set()):
            problems.append(f"<{child.tag}> may not be inside <{element.tag}>")
        problems += _nesting(child)
    return problems


def _resolvable(url: str) -> bool:
    parts = urlsplit(url.strip())
    return (parts.scheme in ("http", "https") and bool(parts.netloc)) or (not parts.scheme and url.startswith("/"))


class Caller:
    """One call to the helpline. Each method returns what the caller heard until the call waits again."""

    def __init__(self, base_url: str, settings: Settings, number: str = "+15555550123",
                 transport: Transport | None = None, strict: bool = True):
        self.base_url = base_url.rstrip("/")
        self.settings = settings
        self.number = number
        self.call_sid = "CA" + secrets.token_hex(16)
        self.transport = transport or self._http
        self.strict = strict
        self.verbs: list[ET.Element] = []
        self.waiting: ET.Element | None = None  # the <Gather>, <Dial> or <Record> waiting for the caller
        self.ended = False
        self.documents: list[ET.Element] = []
        self.problems: list[str] = []

    # -- what the caller does --------------------------------------------------------------------------------
    def dial(self) -> list[str]:
        return self._request("/voice", {"CallStatus": "ringing"})

    def press(self, digits: str) -> list[str]:
        return self._answer({"Digits": digits})

    def say(self, words: str) -> list[str]:
        return self._answer({"SpeechResult": words, "Confidence": "0.9"})

    def silence(self) -> list[str]:
        """Say nothing: the <Gather> times out and Twilio goes on to the next verb."""
        self._expect("Gather")
        self.waiting = None
        return self._run()

    def dial_result(self, status: str = "no-answer") -> list[str]:
        """How the <Dial> ended: completed, busy, no-answer, failed or canceled."""
        dial = self._expect("Dial")
        self.waiting = None
        return self._request(dial.get("action", ""), {"DialCallStatus": status,
                                                     "DialCallDuration": "30" if status == "completed" else "0"})

    def leave_message(self, words: str) -> list[str]:
        """Speak after the beep; an empty message is an empty recording (Twilio skips the action URL)."""
        record = self._expect("Record")
        self.waiting = None
        if not words.strip():
            return self._run()
        sid = "RE" + secrets.token_hex(16)
        return self._request(record.get("action", ""), {
            "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/"
                            f"{self.settings.twilio_account_sid or 'AC' + '0' * 32}/Recordings/{sid}",
            "RecordingSid": sid, "RecordingDuration": str(max(1, len(words.split()) // 2)), "Digits": "#"})

    def hang_up(self) -> None:
        """The caller hangs up: Twilio's status callback."""
        self.ended = True
        self._post("/voice/status", {"CallStatus": "completed", "CallDuration": "60"})

    # -- Twilio's part ---------------------------------------------------------------------------------------
    def params(self, **extra: str) -> dict[str, str]:
        return {"CallSid": self.call_sid, "AccountSid": self.settings.twilio_account_sid or "AC" + "0" * 32,
                "From": self.number, "To": self.settings.helpline_number, "CallStatus": "in-progress",
                "Direction": "inbound", "ApiVersion": "2010-04-01", **extra}

    def _answer(self, values: dict[str, str]) -> list[str]:
        gather = self._expect("Gather")
        self.waiting = None
        return self._request(gather.get("action", ""), values)

    def _expect(self, tag: str) -> ET.Element:
        if self.ended:
            raise HelplineError("the call has ended")
        if self.waiting is None or self.waiting.tag != tag:
            now = self.waiting.tag if self.waiting is not None else "nothing"
            raise HelplineError(f"the call is not waiting at a <{tag}> (it waits at {now})")
        return self.waiting

    def _request(self, url: str, values: dict[str, str]) -> list[str]:
        text = self._post(url, values)
        root = ET.fromstring(text)
        self.documents.append(root)
        problems = twiml_problems(root)
        if problems:
            self.problems += problems
            if self.strict:
                raise HelplineError("the helpline answered TwiML Twilio would refuse or that strands the "
                                    "caller:\n  " + "\n  ".join(problems) + "\n" + text)
        self.verbs = list(root)
        return self._run()

    def _post(self, url: str, values: dict[str, str]) -> str:
        signed = urljoin((self.settings.public_url or self.base_url) + "/", url)
        parts = urlsplit(signed)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        params = self.params(**values)
        signature = RequestValidator(self.settings.signing_token).compute_signature(signed, params)
        status, text = self.transport(target, params, {"X-Twilio-Signature": signature})
        if status == 204 and url.endswith("/voice/status"):
            return ""
        if status != 200:
            raise HelplineError(f"the helpline answered {status} to {target}: {text.strip()[:200]}")
        return text

    def _http(self, target: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        import requests

        try:
            response = requests.post(self.base_url + target, data=params, headers=headers, timeout=20)
        except requests.RequestException as exc:
            raise HelplineError(f"cannot reach the helpline at {self.base_url}: is it running? ({exc})") from None
        return response.status_code, response.text

    def _run(self) -> list[str]:
        heard: list[str] = []
        for _ in range(50):  # a guard against a Redirect loop
            if not self.verbs:
                self.ended = True  # Twilio hangs up at the end of a document
                return heard
            verb = self.verbs.pop(0)
            if verb.tag == "Say":
                heard.append(" ".join((verb.text or "").split()))
            elif verb.tag == "Gather":
                heard += [" ".join((s.text or "").split()) for s in verb if s.tag == "Say"]
                self.waiting = verb
                return heard
            elif verb.tag in ("Dial", "Record"):
                self.waiting = verb
                return heard
            elif verb.tag == "Redirect":
                return heard + self._request((verb.text or "").strip(), {})
            elif verb.tag == "Hangup":
                self.ended = True
                return heard
        raise HelplineError("more than 50 verbs without waiting for the caller: a Redirect loop?")


def dial_target(dial: ET.Element) -> str:
    number = dial.find("Number")
    return ((number.text if number is not None else dial.text) or "").strip()


def speaker() -> Callable[[str], None] | None:
    """Read prompts aloud with espeak-ng (or espeak) when installed."""
    program = shutil.which("espeak-ng") or shutil.which("espeak")
    if program is None:
        return None

    def speak(text: str) -> None:
        subprocess.run([program, "-s", "165", text], check=False, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    return speak
