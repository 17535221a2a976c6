"""``POST /voice``, Twilio's Voice webhook, its follow-up URLs, and ``POST /voice/status``.

- ``/voice``            a call comes in: the greeting and main menu in a ``<Gather>``
- ``/voice/gather``     keys or speech for the prompt of step ``step`` (the step names the dedupe key)
- ``/voice/silence``    no input after a prompt: say it again; after a few, put the caller through to a person
- ``/voice/dial-done``  a ``<Dial>`` ended (``to`` = admissions or crisis); no answer leads to voicemail
- ``/voice/voicemail``  a ``<Record>`` ended: the recording becomes a callback request
- ``/voice/status``     the call ended: close its session; a callback request left half-way is still made

The conversation state is keyed by ``CallSid``. Every step that changes something is one Redis transaction
(``Conversations.handle``) deduped by ``CallSid`` plus the step, and stores its TwiML, so a retried request gets
the same document and advances the call once. Whatever fails inside, the caller hears the emergency numbers and is
put through to the helpline's staffed number (:func:`helpline.channels.failsafe.voice_twiml`).

Every URL shares one prologue, :func:`voice_webhook`: Twilio's signature, the call (``CallSid``, the caller's
number), the Helpline and the call's context (hours, language), and that fail-safe around the rest.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import re
import time
from collections.abc import Callable

from flask import Blueprint, Response, request
from twilio.twiml.voice_response import VoiceResponse

from helpline.channels import failsafe
from helpline.channels.journal import Entry
from helpline.channels.twilio_io import TWIML, twilio_signed
from helpline.channels.voice import turn as voice_turn
from helpline.channels.voice.twiml import MAX_SILENCES, Context, dial_done, phrase, render, voicemail_done
from helpline.context import Helpline, helpline_of
from helpline.engine import Flow, RequestCallback, Say, State, Transfer
from helpline.engine.dialogue import Inbound, Outcome
from helpline.engine.model import Node, NodeType
from helpline.logs import mask
from helpline.ops.metrics import noting_crisis
from helpline.phones import e164
from helpline.queue.conversations import state_key

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__)
CALL_SID = re.compile(r"^CA[0-9a-fA-F]{32}$")
ENDED = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
ANSWERED = frozenset({"completed", "answered"})
VOICEMAIL_REASONS = {"after hours": "routine", "transfer failed": "urgent"}
Decide = Callable[[State, Inbound], Outcome]


def clock() -> dt.datetime:
    """Now, for business hours (tests replace it)."""
    return dt.datetime.now(dt.UTC)


@dataclasses.dataclass(frozen=True)
class Call:
    sid: str
    number: str  # E.164, or "unknown:<CallSid>" for a withheld number (staff still get the voicemail)


def call_of(hl: Helpline) -> Call | Response:
    sid = request.form.get("CallSid", "")
    if not CALL_SID.match(sid):
        return Response("400 Bad Request: CallSid is missing or malformed\n", status=400, mimetype="text/plain")
    number = e164(request.form.get("From", ""), hl.settings.default_region)
    return Call(sid, number or f"unknown:{sid}")


def context(hl: Helpline) -> Context:
    return Context(hl.settings, hl.flow, hl.lexicon, hl.settings.hours.is_open(clock()))


def twiml(document: VoiceResponse | str) -> Response:
    return Response(str(document), status=200, mimetype=TWIML)


def safe(hl: Helpline, call: Call, exc: Exception, speech: str = "") -> Response:
    log.error("voice failed, answered with the safe TwiML: %s sid=%s from=%s path=%s", type(exc).__name__,
              call.sid, mask(call.number), request.path, exc_info=exc)
    return twiml(failsafe.voice_twiml(hl.settings, hl.lexicon, speech))


def run_step(hl: Helpline, call: Call, dedupe: str, inbound: Inbound, decide: Decide,
             to_twiml: Callable[[Outcome], VoiceResponse], kind: str = "step",
             extra: dict[str, str] | None = None) -> Response:
    """One transaction: decide, store state and side effects, and store the TwiML a retry will get. What cannot
    be stored goes to the outage journal (``kind`` and ``extra`` say what it was: a step, a voicemail...)."""
    started = time.perf_counter()
    try:
        handled = hl.conversations.handle("voice", call.number, dedupe, inbound, decide, session=call.sid,
                                          render=lambda outcome: [str(to_twiml(outcome))])
    except Exception as exc:  # noqa: BLE001 - whatever broke, the caller still hears the emergency numbers
        verdict = failsafe.screen(hl.lexicon, inbound.text)
        journal = failsafe.journal(hl, Entry("voice", call.number, dedupe, kind, body=inbound.text,
                                             session=call.sid, extra=dict(extra or {})), verdict)
        log.error("voice step could not be stored: crisis=%s journal=%s sid=%s",
                  verdict.category if verdict.crisis else "no", journal, call.sid)
        return safe(hl, call, exc, inbound.text)
    outcome = handled.outcome
    log.info(
        "voice sid=%s step=%s from=%s path=%s node=%s->%s crisis=%s input=%s flow=%s lexicon=%s ms=%.1f%s",
        call.sid, dedupe.split(":", 1)[1], mask(call.number), outcome.path if outcome else "replay",
        handled.before or "-", (outcome.state.node if outcome else None) or "-",
        (outcome.verdict.category if outcome and outcome.verdict.crisis else "no"),
        "keys" if inbound.digits else "speech" if inbound.text else "none", hl.flow.version, hl.lexicon.version,
        (time.perf_counter() - started) * 1000, f" callback={handled.request_id}" if handled.request_id else "",
    )
    if not handled.texts:  # a replay of an older step (a call long over): nothing to do again, no dead air
        ctx = context(hl)
        return twiml(voicemail_done(ctx.speaking(hl.conversations.load("voice", call.sid).lang)))
    return twiml(handled.texts[0])


VoiceView = Callable[[Helpline, Call, Context], Response]


def voice_webhook(view: VoiceView) -> Callable[[], Response]:
    """The prologue every voice URL shares, so the views hold only what differs: refuse an unsigned request
    (403), read the call (a malformed ``CallSid`` is a 400), then ``view(hl, call, ctx)``; whatever it raises,
    the caller hears the safe TwiML (logged, without the number). Steps that store something also journal
    what could not be stored (:func:`run_step`)."""

    @functools.wraps(view)
    @twilio_signed
    def endpoint() -> Response:
        hl = helpline_of()
        call = call_of(hl)
        if isinstance(call, Response):
            return call
        try:
            return view(hl, call, context(hl))
        except Exception as exc:  # noqa: BLE001 - whatever broke, the caller still hears the emergency numbers
            return safe(hl, call, exc)

    return endpoint


def flow_decide(hl: Helpline, ctx: Context) -> Decide:
    def decide(state: State, inbound: Inbound) -> Outcome:
        return noting_crisis(voice_turn.turn(hl.flow, hl.lexicon, state, inbound, open_now=ctx.open_now))

    return decide


@bp.post("/voice")
@voice_webhook
def incoming_call(hl: Helpline, call: Call, ctx: Context) -> Response:
    return run_step(hl, call, f"{call.sid}:start", Inbound("", "voice"), flow_decide(hl, ctx),
                    lambda outcome: render(outcome, ctx))


@bp.post("/voice/gather")
@voice_webhook
def gathered(hl: Helpline, call: Call, ctx: Context) -> Response:
    step = request.args.get("step", "")[:12]
    inbound = Inbound(request.form.get("SpeechResult", "")[:500], "voice",
                      digits=request.form.get("Digits", "")[:20] or None)
    return run_step(hl, call, f"{call.sid}:{step}", inbound, flow_decide(hl, ctx),
                    lambda outcome: render(outcome, ctx))


@bp.post("/voice/silence")
@voice_webhook
def silence(hl: Helpline, call: Call, ctx: Context) -> Response:
    """No input: nothing changes, so no transaction; the prompt again, or a person after a few silences."""
    count = int(request.args.get("silence", "1"))
    state = hl.conversations.load("voice", call.sid)
    if count > MAX_SILENCES and state.node in hl.flow.hold_nodes():
        # Silent on the crisis path: the person on call, never admissions' voicemail.
        outcome = Outcome(state, [Say(phrase(state.lang, "put_through")),
                                  Transfer(voice_turn.ON_CALL)], path="hold")
    elif count > MAX_SILENCES:
        # Someone who stays silent may be unable to speak: a person is the safest next step.
        outcome = Outcome(state, [Say(phrase(state.lang, "put_through")),
                                  Transfer(voice_turn.OPERATOR)], path="silence")
    else:
        new_state, actions = voice_turn.prompt(hl.flow, state)
        if state.node != voice_turn.LANG_NODE:  # the choice of language is simply asked again, in both
            actions = [Say(phrase(state.lang, "silence")), *actions]
        outcome = Outcome(new_state, [*actions], path="silence")
    document = render(outcome, ctx, silence=count)
    log.info("voice sid=%s silence=%d node=%s", call.sid, count, state.node or "-")
    return twiml(document)


@bp.post("/voice/dial-done")
@voice_webhook
def dial_ended(hl: Helpline, call: Call, ctx: Context) -> Response:
    status = request.form.get("DialCallStatus", "")
    answered = status in ANSWERED
    to = request.args.get("to") if request.args.get("to") in ("crisis", "oncall") else "admissions"
    log.info("voice sid=%s dial to=%s status=%s", call.sid, to, status or "-")
    if to != "admissions" or answered:
        state = hl.conversations.load("voice", call.sid)
        new_state, actions = voice_turn.prompt(hl.flow, state) if to != "admissions" else (state, [])
        return twiml(dial_done(ctx, new_state, actions, to, answered))

    def decide(state: State, inbound: Inbound) -> Outcome:
        request_cb = callback_request(state, "asked for a person; no one answered", "urgent", inbound.opted_out)
        return Outcome(dataclasses.replace(state), [request_cb], path="transfer-failed")

    step = request.args.get("step", "")[:12]
    return run_step(hl, call, f"{call.sid}:dial:{step}", Inbound("", "voice"), decide,
                    lambda outcome: dial_done(ctx, outcome.state, [], to, answered=False), kind="transfer-failed")


@bp.post("/voice/voicemail")
@voice_webhook
def voicemail(hl: Helpline, call: Call, ctx: Context) -> Response:
    reason = request.args.get("reason", "")
    priority = VOICEMAIL_REASONS.get(reason, "routine")
    recording = request.form.get("RecordingUrl", "")[:500]
    seconds = request.form.get("RecordingDuration", "")[:8]
    recording_sid = request.form.get("RecordingSid", "")[:64] or ("empty" if not recording else "unknown")

    def decide(state: State, inbound: Inbound) -> Outcome:
        extra = {"recording_url": recording, "recording_seconds": seconds} if recording else {"voicemail": "none"}
        request_cb = callback_request(state, f"voicemail ({reason or 'left a message'})", priority,
                                      inbound.opted_out, extra)
        return Outcome(dataclasses.replace(state), [request_cb], path="voicemail")

    extra = {"reason": reason, **({"recording_url": recording, "recording_seconds": seconds} if recording else {})}
    return run_step(hl, call, f"{call.sid}:vm:{recording_sid}", Inbound("", "voice"), decide,
                    lambda outcome: voicemail_done(ctx.speaking(outcome.state.lang)), kind="voicemail", extra=extra)


@bp.post("/voice/status")
@voice_webhook
def call_status(hl: Helpline, call: Call, ctx: Context) -> Response:
    """The call ended: a callback request left half-way (name asked, time not yet) is still made; the call's
    session is closed."""
    status = request.form.get("CallStatus", "")
    if status not in ENDED:
        return Response(status=204)

    def decide(state: State, inbound: Inbound) -> Outcome:
        pending = pending_callback(hl.flow, state)
        actions = []
        if pending is not None:
            # Normally made already at the first ask: this only adds what was gathered since.
            actions.append(dataclasses.replace(
                callback_request(state, "call ended while asking for a callback", str(pending.priority),
                                 inbound.opted_out, node=pending.id), ask=False))
        return Outcome(State(lang=state.lang, turns=state.turns), list(actions), path="call-ended")

    try:
        handled = hl.conversations.handle("voice", call.number, f"{call.sid}:status", Inbound("", "voice"),
                                          decide, session=call.sid)
        hl.conn.delete(state_key("voice", call.sid))
    except Exception as exc:  # noqa: BLE001 - Twilio does not retry status callbacks: make the loss visible
        log.error("voice status failed: %s sid=%s from=%s", type(exc).__name__, call.sid, mask(call.number),
                  exc_info=exc)
        return Response("503 Service Unavailable\n", status=503, mimetype="text/plain")
    log.info("voice sid=%s ended status=%s duration=%s%s", call.sid, status,
             request.form.get("CallDuration", "-")[:8],
             f" callback={handled.request_id}" if handled.request_id else "")
    return Response(status=204)


def callback_request(state: State, reason: str, priority: str, call_only: bool,
                     extra: dict[str, str] | None = None, node: str = "voicemail") -> RequestCallback:
    return RequestCallback(reason=reason, priority=priority, node=node, gathered={**state.vars, **(extra or {})},
                           topics=tuple(state.topics), call_only=call_only)


def pending_callback(flow: Flow, state: State) -> Node | None:
    """The callback node a caller was on the way to when the call ended (answering its questions), if any."""
    node = flow.nodes.get(state.node or "")
    for _ in range(len(flow.nodes)):
        if node is None or node.type is not NodeType.QUESTION or not node.goto:
            return None
        node = flow.nodes.get(node.goto)
        if node is not None and node.type is NodeType.CALLBACK:
            return node
    return None
