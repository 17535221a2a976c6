"""The engine's actions as TwiML for a call, built with twilio's ``VoiceResponse``. Pure: no Redis, no clock.

Rules every document follows, so a caller never falls off the end of one:
- a prompt is read inside its ``<Gather>`` (keys and speech barge in), and a ``<Redirect>`` follows every
  ``<Gather>`` (silence re-prompts, and after a few silences puts the caller through to a person);
- a ``<Dial>`` always has an action URL (no answer leads to voicemail, a crisis line that fails to the numbers);
- a ``<Record>`` is followed by a ``<Redirect>`` (Twilio skips the action URL when the recording is empty);
- a ``<Hangup>`` only comes after the emergency numbers and the helpline's number have been said.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from twilio.twiml.voice_response import Gather, VoiceResponse

from helpline.config import Settings
from helpline.crisis import Lexicon
from helpline.dialogue import Outcome
from helpline.engine import Action, End, Flow, Listen, Say, State, Transfer
from helpline.voice_turn import MULTI_DIGIT, OPERATOR, more_key_applies

MAX_SILENCES = 3  # unanswered prompts in a row before the caller is put through to a person
GATHER_TIMEOUT = 6  # seconds of silence after a prompt before the <Redirect> runs
MAX_HINTS = 80
NAV_HINTS = ("main menu", "repeat", "operator", "more", "yes", "no", "call me")
_DIGIT_RUN = re.compile(r"\b\d(?:[\d-]*\d)?\b")


@dataclass(frozen=True)
class Context:
    """What rendering needs besides the outcome: settings, content, and whether admissions is open now."""

    settings: Settings
    flow: Flow
    lexicon: Lexicon
    open_now: bool

    def url(self, path: str, **params: object) -> str:
        """An action URL: absolute from PUBLIC_URL when set (what Twilio signs), else relative to this host."""
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return (self.settings.public_url or "") + path + (f"?{query}" if query else "")

    def org(self, name: str) -> str:
        return self.settings.variables[name]


def speakable(text: str) -> str:
    """Numbers read digit by digit ("988" -> "9 8 8", "1-800-222-1222" -> "1, 8 0 0, ..."); lists on one line.

    Runs of one or two digits ("8-24 hours", "press 1") are left for the voice to read as numbers.
    """
    def digits(match: re.Match[str]) -> str:
        run = match.group(0)
        if sum(c.isdigit() for c in run) < 3 or re.fullmatch(r"\d{1,2}-\d{1,2}", run):
            return run
        return ", ".join(" ".join(group) for group in run.split("-") if group)

    text = re.sub(r"\((\d{3})\)\s*", r"\1-", text)  # "(555) 555-0100" -> "555-555-0100"
    text = _DIGIT_RUN.sub(digits, text)
    return " ".join(text.split())


def say(parent: VoiceResponse | Gather, ctx: Context, text: str) -> None:
    parent.say(speakable(text), voice=ctx.settings.voice, language=ctx.settings.voice_language)


def emergency_numbers(ctx: Context) -> str:
    return (f"If you need us again, call {ctx.org('org_phone')}. In an emergency, dial 911. For thoughts of "
            f"suicide, call or text 988. Poison Control: 1-800-222-1222.")


def render(outcome: Outcome, ctx: Context, *, silence: int = 0) -> VoiceResponse:
    """The TwiML for one step's outcome."""
    resp = VoiceResponse()
    state, actions = outcome.state, outcome.actions
    says = [a.text for a in actions if isinstance(a, Say)]
    if outcome.path == "crisis" and outcome.verdict.category:
        # The category's reply, then straight to the crisis line; "are you safe?" waits until that call ends.
        say(resp, ctx, says[0])
        crisis_line(resp, ctx, state, outcome.verdict.category)
        return resp
    transfer = next((a for a in actions if isinstance(a, Transfer)), None)
    if transfer is not None:
        for text in says:
            say(resp, ctx, text)
        if transfer.node != OPERATOR and transfer.node in crisis_nodes(ctx.flow):
            crisis_line(resp, ctx, state, None)
        else:
            person(resp, ctx, state)
        return resp
    if any(isinstance(a, End) for a in actions):
        for text in says:
            say(resp, ctx, text)
        say(resp, ctx, "Goodbye.")
        resp.hangup()
        return resp
    listen = next((a for a in actions if isinstance(a, Listen)), None)
    if listen is None:  # nothing to wait for: never leave the caller in silence
        for text in says:
            say(resp, ctx, text)
        resp.redirect(ctx.url("/voice/silence", step=state.turns, silence=silence + 1), method="POST")
        return resp
    gather(resp, ctx, state, listen, says, silence=silence)
    return resp


def gather(resp: VoiceResponse, ctx: Context, state: State, listen: Listen, says: Iterable[str], *,
           silence: int = 0) -> None:
    """The prompt inside a ``<Gather>`` for keys and speech, the keys announced, and a ``<Redirect>`` for
    silence."""
    node = ctx.flow.nodes[listen.node]
    multi = node.expect in MULTI_DIGIT and node.type.value == "question"
    g = resp.gather(
        input="dtmf speech", action=ctx.url("/voice/gather", step=state.turns), method="POST",
        timeout=GATHER_TIMEOUT, speech_timeout="auto", language=ctx.settings.voice_language,
        hints=", ".join(hints(ctx.flow, listen, state.lang)), action_on_empty_result=False,
        **({"finish_on_key": "#"} if multi else {"num_digits": 1}),
    )
    for text in says:
        say(g, ctx, text)
    say(g, ctx, keys_announcement(ctx.flow, node.id, state))
    resp.redirect(ctx.url("/voice/silence", step=state.turns, silence=silence + 1), method="POST")


def keys_announcement(flow: Flow, node_id: str, state: State) -> str:
    """The keys that work here, said after every prompt."""
    node = flow.nodes[node_id]
    options = []
    if more_key_applies(node) and state.part < len(node.more):
        options.append("press 1 or say more to keep listening")
    options.append("press star to hear this again")
    if node_id != flow.start:
        options.append("9 for the main menu")
    options.append("0 to talk to a person")
    return "You can " + ", ".join(options[:-1]) + ", or " + options[-1] + "."


def hints(flow: Flow, listen: Listen, lang: str) -> list[str]:
    """Speech hints: this node's option words, the navigation words, then every menu's words."""
    menu_words = [p.text for n in flow.nodes.values() for o in n.options for p in o.words.get(lang, ())]
    seen: dict[str, str] = {}
    for word in [*listen.hints, *NAV_HINTS, *menu_words]:
        word = word.strip()[:100]
        if word:
            seen.setdefault(word.lower(), word)
    return list(seen.values())[:MAX_HINTS]


def crisis_nodes(flow: Flow) -> set[str]:
    """The crisis follow-up and the nodes it leads to: a transfer from these goes to the crisis line."""
    return {flow.crisis, *flow.nodes[flow.crisis].targets()}


def crisis_line(resp: VoiceResponse, ctx: Context, state: State, category: str | None) -> None:
    """Overdose: hang up and dial 911 first, else Poison Control; any other crisis: the crisis line (988)."""
    s = ctx.settings
    if category == "overdose":
        say(resp, ctx, "If someone may have overdosed, hang up now and dial 911. If you cannot, stay on the line "
                       "and we will connect you to Poison Control.")
        resp.pause(length=2)
        line = s.overdose_line
    else:
        say(resp, ctx, "Please stay on the line. We are connecting you to a crisis counselor now.")
        line = s.crisis_line
    dial = resp.dial(action=ctx.url("/voice/dial-done", step=state.turns, to="crisis"), method="POST",
                     timeout=s.dial_timeout, answer_on_bridge=True)
    dial.number(line)


def person(resp: VoiceResponse, ctx: Context, state: State) -> None:
    """In business hours, dial admissions (no answer: voicemail); after hours, voicemail."""
    s = ctx.settings
    if ctx.open_now:
        say(resp, ctx, f"Please hold while we connect you to the {ctx.org('org_name')} admissions team.")
        dial = resp.dial(action=ctx.url("/voice/dial-done", step=state.turns, to="admissions"), method="POST",
                         timeout=s.dial_timeout, answer_on_bridge=True)
        dial.number(s.admissions_line or s.org_phone)
    else:
        voicemail(resp, ctx, state, "after hours",
                  f"Our admissions team is not available right now. They return calls {ctx.org('org_hours')}.")


def voicemail(resp: VoiceResponse, ctx: Context, state: State, reason: str, lead: str) -> None:
    say(resp, ctx, f"{lead} Please leave your name, the best number to reach you, and a short message after the "
                   f"tone. Press pound when you are done. In an emergency, hang up and dial 911.")
    resp.record(action=ctx.url("/voice/voicemail", step=state.turns, reason=reason), method="POST",
                max_length=ctx.settings.voicemail_seconds, timeout=5, finish_on_key="#", play_beep=True)
    # An empty recording skips the action URL: still make the callback request.
    say(resp, ctx, "We did not hear a message, but we will still call you back at this number.")
    resp.redirect(ctx.url("/voice/voicemail", step=state.turns, reason=reason, empty=1), method="POST")


def dial_done(ctx: Context, state: State, actions: list[Action], to: str, answered: bool) -> VoiceResponse:
    """After a ``<Dial>``: admissions answered (thanks, goodbye), did not (voicemail); the crisis line
    answered or not (the crisis follow-up question, with the numbers if the call did not connect)."""
    resp = VoiceResponse()
    if to == "crisis":
        if not answered:
            say(resp, ctx, "We could not connect your call. Please hang up and dial 988 now, or 911 in an "
                           "emergency. Poison Control is 1-800-222-1222.")
        says = [a.text for a in actions if isinstance(a, Say)]
        listen = next((a for a in actions if isinstance(a, Listen)), None)
        if listen is None:
            for text in says:
                say(resp, ctx, text)
            resp.redirect(ctx.url("/voice/silence", step=state.turns, silence=1), method="POST")
        else:
            gather(resp, ctx, state, listen, says)
        return resp
    if answered:
        say(resp, ctx, f"Thank you for calling {ctx.org('org_name')}. {emergency_numbers(ctx)}")
        resp.hangup()
        return resp
    voicemail(resp, ctx, state, "transfer failed", "Sorry, no one could take your call right now.")
    return resp


def voicemail_done(ctx: Context) -> VoiceResponse:
    resp = VoiceResponse()
    say(resp, ctx, f"Thank you. Someone from {ctx.org('org_name')} will call you back, "
                   f"{ctx.org('org_hours')}. {emergency_numbers(ctx)} Goodbye.")
    resp.hangup()
    return resp

