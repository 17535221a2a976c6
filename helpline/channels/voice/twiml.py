"""The engine's actions as TwiML for a call, built with twilio's ``VoiceResponse``. Pure: no Redis, no clock.

Rules every document follows, so a caller never falls off the end of one:
- a prompt is read inside its ``<Gather>`` (keys and speech barge in), and a ``<Redirect>`` follows every
  ``<Gather>`` (silence re-prompts, and after a few silences puts the caller through to a person);
- a ``<Dial>`` always has an action URL (no answer leads to voicemail, a crisis line that fails to the numbers);
- a ``<Record>`` is followed by a ``<Redirect>`` (Twilio skips the action URL when the recording is empty);
- a ``<Hangup>`` only comes after the emergency numbers and the helpline's number have been said.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from twilio.twiml.voice_response import Gather, VoiceResponse

from helpline.channels.voice.turn import LANG_NODE, MULTI_DIGIT, OPERATOR, more_key_applies
from helpline.config import Settings
from helpline.engine import Action, End, Flow, Listen, Say, State, Transfer
from helpline.engine.crisis_paths import SUICIDE_INGESTION
from helpline.engine.dialogue import Outcome
from helpline.understanding.crisis import Lexicon

MAX_SILENCES = 3  # unanswered prompts in a row before the caller is put through to a person
GATHER_TIMEOUT = 6  # seconds of silence after a prompt before the <Redirect> runs
MAX_HINTS = 80
NAV_HINTS = {
    "en": ("main menu", "repeat", "operator", "more", "yes", "no", "call me", "español"),
    "es": ("menú principal", "repetir", "operadora", "más", "sí", "no", "llámenme", "English"),
}
# What the call itself says (the flow's texts come from flows/main.yaml), per language.
PHRASES = {
    "en": {
        "goodbye": "Goodbye.",
        "keys_more": "press 1 or say more to keep listening",
        "keys_repeat": "press star to hear this again",
        "keys_menu": "9 for the main menu",
        "keys_person": "0 to talk to a person",
        "keys": "You can {first}, or {last}.",
        "numbers": "If you need us again, call {org_phone}. In an emergency, dial {emergency_number}. For thoughts "
                   "of suicide, call the crisis line, {crisis_line}. Poison Control: {overdose_line}.",
        "overdose": "If someone may have overdosed, hang up now and dial {emergency_number}. If you cannot, stay on "
                    "the line and we will connect you to Poison Control, {overdose_line}.",
        "crisis": "Please stay on the line. We are connecting you to a crisis counselor now, at {crisis_line}.",
        "ingestion": "If you have taken something, hang up now and dial {emergency_number}. If you cannot, stay on "
                     "the line: we are connecting you to a crisis counselor at {crisis_line}.",
        "on_call": "Please stay on the line. We are trying a member of our team for you now.",
        "on_call_missed": "We could not reach our team just now. They have been asked to call you back right away.",
        "hold": "Please hold while we connect you to the {org_name} admissions team.",
        "after_hours": "Our admissions team is not available right now. They return calls {org_hours}.",
        "voicemail": "{lead} Please leave your name, the best number to reach you, and a short message after the "
                     "tone. Press pound when you are done. In an emergency, hang up and dial {emergency_number}.",
        "no_message": "We did not hear a message, but we will still call you back at this number.",
        "not_connected": "We could not connect your call. Please hang up and dial {crisis_line} now, or "
                         "{emergency_number} in an emergency. Poison Control is {overdose_line}.",
        "thanks": "Thank you for calling {org_name}.",
        "no_one": "Sorry, no one could take your call right now.",
        "voicemail_done": "Thank you. Someone from {org_name} will call you back, {org_hours}.",
        "silence": "Sorry, I didn't hear anything.",
        "put_through": "Let me put you through to a person.",
    },
    "es": {
        "goodbye": "Adiós.",
        "keys_more": "oprimir 1 o decir más para seguir escuchando",
        "keys_repeat": "oprimir asterisco para escuchar esto de nuevo",
        "keys_menu": "9 para el menú principal",
        "keys_person": "0 para hablar con una persona",
        "keys": "Puede {first}, o {last}.",
        "numbers": "Si nos necesita de nuevo, llame al {org_phone}. En una emergencia, marque {emergency_number}. "
                   "Si tiene pensamientos de suicidio, llame a la línea de crisis, {crisis_line}, y marque 2 para "
                   "español. Poison Control, el centro de toxicología: {overdose_line}.",
        "overdose": "Si alguien pudo haber tenido una sobredosis, cuelgue ahora y marque {emergency_number}. Si no "
                    "puede, quédese en la línea y le comunicaremos con Poison Control, el centro de toxicología, "
                    "{overdose_line}.",
        "crisis": "Por favor, no cuelgue. Le estamos comunicando ahora con un consejero de crisis, al "
                  "{crisis_line}. Cuando le contesten, oprima 2 para español.",
        "ingestion": "Si tomó algo, cuelgue ahora y marque {emergency_number}. Si no puede, no cuelgue: le "
                     "comunicamos con un consejero de crisis al {crisis_line}. Cuando le contesten, oprima 2 para "
                     "español.",
        "on_call": "Por favor, no cuelgue. Estamos llamando ahora a alguien de nuestro equipo.",
        "on_call_missed": "No pudimos comunicarnos con nuestro equipo en este momento. Le pedimos que le devuelva "
                          "la llamada de inmediato.",
        "hold": "Por favor, espere mientras le comunicamos con el equipo de admisiones de {org_name}.",
        "after_hours": "Nuestro equipo de admisiones no está disponible en este momento. Devuelve las llamadas "
                       "{org_hours}.",
        "voicemail": "{lead} Por favor, deje su nombre, el mejor número para comunicarnos con usted y un mensaje "
                     "corto después del tono. Oprima la tecla numeral cuando termine. En una emergencia, cuelgue y "
                     "marque {emergency_number}.",
        "no_message": "No escuchamos ningún mensaje, pero de todos modos le llamaremos a este número.",
        "not_connected": "No pudimos comunicar su llamada. Por favor, cuelgue y marque {crisis_line} ahora, y luego "
                         "el 2 para español, o {emergency_number} en una emergencia. Poison Control, el centro de "
                         "toxicología: {overdose_line}.",
        "thanks": "Gracias por llamar a {org_name}.",
        "no_one": "Lo sentimos, nadie pudo atender su llamada en este momento.",
        "voicemail_done": "Gracias. Alguien de {org_name} le devolverá la llamada, {org_hours}.",
        "silence": "Perdone, no escuché nada.",
        "put_through": "Le comunico con una persona.",
    },
}


def phrase(lang: str, name: str, **values: str) -> str:
    """One of the call's own sentences in ``lang`` (English when a language has none)."""
    template = PHRASES.get(lang, PHRASES["en"]).get(name) or PHRASES["en"][name]
    return template.format(**values)
_DIGIT_RUN = re.compile(r"\b\d(?:[\d-]*\d)?\b")


@dataclass(frozen=True)
class Context:
    """What rendering needs besides the outcome: settings, content, and whether admissions is open now."""

    settings: Settings
    flow: Flow
    lexicon: Lexicon
    open_now: bool
    lang: str = "en"  # the language the call is in: voice, speech recognition, the call's own sentences

    def speaking(self, lang: str) -> Context:
        return dataclasses.replace(self, lang=lang) if lang != self.lang else self

    def phrase(self, name: str, **values: str) -> str:
        return phrase(self.lang, name, **{**self.settings.variables_in(self.lang), **values})

    def url(self, path: str, **params: object) -> str:
        """An action URL: absolute from PUBLIC_URL when set (what Twilio signs), else relative to this host."""
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return (self.settings.public_url or "") + path + (f"?{query}" if query else "")

    def org(self, name: str) -> str:
        return self.settings.variables_in(self.lang)[name]


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


def say(parent: VoiceResponse | Gather, ctx: Context, text: str, lang: str | None = None) -> None:
    """A ``<Say>`` in the call's language (or ``lang``): its voice and its language tag."""
    voice, language = ctx.settings.voice_for(lang or ctx.lang)
    parent.say(speakable(text), voice=voice, language=language)


def say_action(parent: VoiceResponse | Gather, ctx: Context, action: Say) -> None:
    say(parent, ctx, action.text, action.lang)


def emergency_numbers(ctx: Context) -> str:
    return ctx.phrase("numbers")


def render(outcome: Outcome, ctx: Context, *, silence: int = 0) -> VoiceResponse:
    """The TwiML for one step's outcome."""
    resp = VoiceResponse()
    state, actions = outcome.state, outcome.actions
    ctx = ctx.speaking(state.lang)
    says = [a for a in actions if isinstance(a, Say)]
    if outcome.path == "crisis" and outcome.verdict.category:
        # The category's reply, then straight to the crisis line; "are you safe?" waits until that call ends.
        say_action(resp, ctx, says[0])
        crisis_line(resp, ctx, state, outcome.verdict.category, state.crisis_path)
        return resp
    if outcome.path == "hold":
        # On the crisis path: the resources again, then a person on call (never the menu). If no one answers,
        # /voice/dial-done reads the numbers and waits here again.
        for text in says:
            say_action(resp, ctx, text)
        on_call(resp, ctx, state)
        return resp
    transfer = next((a for a in actions if isinstance(a, Transfer)), None)
    if transfer is not None:
        for text in says:
            say_action(resp, ctx, text)
        if transfer.node != OPERATOR and transfer.node in crisis_nodes(ctx.flow):
            crisis_line(resp, ctx, state, None)
        else:
            person(resp, ctx, state)
        return resp
    if any(isinstance(a, End) for a in actions):
        for text in says:
            say_action(resp, ctx, text)
        say(resp, ctx, ctx.phrase("goodbye"))
        resp.hangup()
        return resp
    listen = next((a for a in actions if isinstance(a, Listen)), None)
    if listen is None:  # nothing to wait for: never leave the caller in silence
        for text in says:
            say_action(resp, ctx, text)
        resp.redirect(ctx.url("/voice/silence", step=state.turns, silence=silence + 1), method="POST")
        return resp
    gather(resp, ctx, state, listen, says, silence=silence)
    return resp


def gather(resp: VoiceResponse, ctx: Context, state: State, listen: Listen, says: Iterable[Say], *,
           silence: int = 0) -> None:
    """The prompt inside a ``<Gather>`` for keys and speech, the keys announced, and a ``<Redirect>`` for
    silence."""
    ctx = ctx.speaking(state.lang)
    if listen.node == LANG_NODE:
        # The choice of language: each sentence in its own voice; one key; "español" or "English" heard too.
        g = resp.gather(input="dtmf speech", action=ctx.url("/voice/gather", step=state.turns), method="POST",
                        timeout=GATHER_TIMEOUT, speech_timeout="auto", language=ctx.settings.voice_language,
                        hints=", ".join(listen.hints), action_on_empty_result=False, num_digits=1)
        for text in says:
            say_action(g, ctx, text)
        resp.redirect(ctx.url("/voice/silence", step=state.turns, silence=silence + 1), method="POST")
        return
    node = ctx.flow.nodes[listen.node]
    multi = node.expect in MULTI_DIGIT and node.type.value == "question"
    g = resp.gather(
        input="dtmf speech", action=ctx.url("/voice/gather", step=state.turns), method="POST",
        timeout=GATHER_TIMEOUT, speech_timeout="auto", language=ctx.settings.voice_for(ctx.lang)[1],
        hints=", ".join(hints(ctx.flow, listen, state.lang)), action_on_empty_result=False,
        **({"finish_on_key": "#"} if multi else {"num_digits": 1}),
    )
    for text in says:
        say_action(g, ctx, text)
    say(g, ctx, keys_announcement(ctx.flow, node.id, state))
    resp.redirect(ctx.url("/voice/silence", step=state.turns, silence=silence + 1), method="POST")


def keys_announcement(flow: Flow, node_id: str, state: State) -> str:
    """The keys that work here, said after every prompt."""
    node = flow.nodes[node_id]
    lang = state.lang
    options = []
    if more_key_applies(node) and state.part < len(node.more):
        options.append(phrase(lang, "keys_more"))
    options.append(phrase(lang, "keys_repeat"))
    if node_id != flow.start:
        options.append(phrase(lang, "keys_menu"))
    options.append(phrase(lang, "keys_person"))
    return phrase(lang, "keys", first=", ".join(options[:-1]), last=options[-1])


def hints(flow: Flow, listen: Listen, lang: str) -> list[str]:
    """Speech hints: this node's option words, the navigation words, then every menu's words."""
    menu_words = [p.text for n in flow.nodes.values() for o in n.options for p in o.words.get(lang, ())]
    seen: dict[str, str] = {}
    for word in [*listen.hints, *NAV_HINTS.get(lang, NAV_HINTS["en"]), *menu_words]:
        word = word.strip()[:100]
        if word:
            seen.setdefault(word.lower(), word)
    return list(seen.values())[:MAX_HINTS]


def crisis_nodes(flow: Flow) -> set[str]:
    """The crisis follow-up, the crisis path nodes and the nodes they lead to: a transfer from these goes to
    the crisis line."""
    roots = {flow.crisis, *flow.crisis_paths.values()}
    return {*roots, *(t for r in roots for t in flow.nodes[r].targets())}


def on_call_numbers(settings: Settings) -> list[str]:
    """Who is rung for a caller on the crisis path: ON_CALL_LINE, else the on-call staff phones (all at once:
    the first to answer takes it), else the admissions line."""
    if settings.on_call_line:
        return [settings.on_call_line]
    return list(settings.staff_alert_numbers[:10]) or [settings.admissions_line or settings.org_phone]


def on_call(resp: VoiceResponse, ctx: Context, state: State) -> None:
    say(resp, ctx, ctx.phrase("on_call"))
    dial = resp.dial(action=ctx.url("/voice/dial-done", step=state.turns, to="oncall"), method="POST",
                     timeout=ctx.settings.dial_timeout, answer_on_bridge=True)
    for number in on_call_numbers(ctx.settings):
        dial.number(number)


def crisis_line(resp: VoiceResponse, ctx: Context, state: State, category: str | None,
                path: str | None = None) -> None:
    """Overdose: hang up and dial 911 first, else Poison Control; an ingestion with suicidal words: 911 first, else
    a crisis counselor (988); any other crisis: the crisis line (988)."""
    s = ctx.settings
    if path == SUICIDE_INGESTION:
        say(resp, ctx, ctx.phrase("ingestion"))
        resp.pause(length=2)
        line = s.crisis_line
    elif category == "overdose":
        say(resp, ctx, ctx.phrase("overdose"))
        resp.pause(length=2)
        line = s.overdose_line
    else:
        say(resp, ctx, ctx.phrase("crisis"))
        line = s.crisis_line
    dial = resp.dial(action=ctx.url("/voice/dial-done", step=state.turns, to="crisis"), method="POST",
                     timeout=s.dial_timeout, answer_on_bridge=True)
    dial.number(line)


def person(resp: VoiceResponse, ctx: Context, state: State) -> None:
    """In business hours, dial admissions (no answer: voicemail); after hours, voicemail."""
    s = ctx.settings
    if ctx.open_now:
        say(resp, ctx, ctx.phrase("hold"))
        dial = resp.dial(action=ctx.url("/voice/dial-done", step=state.turns, to="admissions"), method="POST",
                         timeout=s.dial_timeout, answer_on_bridge=True)
        dial.number(s.admissions_line or s.org_phone)
    else:
        voicemail(resp, ctx, state, "after hours", ctx.phrase("after_hours"))


def voicemail(resp: VoiceResponse, ctx: Context, state: State, reason: str, lead: str) -> None:
    say(resp, ctx, ctx.phrase("voicemail", lead=lead))
    resp.record(action=ctx.url("/voice/voicemail", step=state.turns, reason=reason), method="POST",
                max_length=ctx.settings.voicemail_seconds, timeout=5, finish_on_key="#", play_beep=True)
    # An empty recording skips the action URL: still make the callback request.
    say(resp, ctx, ctx.phrase("no_message"))
    resp.redirect(ctx.url("/voice/voicemail", step=state.turns, reason=reason, empty=1), method="POST")


def dial_done(ctx: Context, state: State, actions: list[Action], to: str | None, answered: bool) -> VoiceResponse:
    """After a ``<Dial>``: admissions answered (thanks, goodbye), did not (voicemail); the crisis line
    answered or not (the crisis follow-up question, with the numbers if the call did not connect)."""
    resp = VoiceResponse()
    ctx = ctx.speaking(state.lang)
    if to == "oncall" and answered:
        say(resp, ctx, emergency_numbers(ctx))
        resp.hangup()
        return resp
    if to in ("crisis", "oncall"):
        if not answered:
            say(resp, ctx, ctx.phrase("not_connected" if to == "crisis" else "on_call_missed"))
            if to == "oncall":
                say(resp, ctx, emergency_numbers(ctx))
        says = [a for a in actions if isinstance(a, Say)]
        listen = next((a for a in actions if isinstance(a, Listen)), None)
        if listen is None:
            for text in says:
                say_action(resp, ctx, text)
            resp.redirect(ctx.url("/voice/silence", step=state.turns, silence=1), method="POST")
        else:
            gather(resp, ctx, state, listen, says)
        return resp
    if answered:
        say(resp, ctx, f"{ctx.phrase('thanks')} {emergency_numbers(ctx)}")
        resp.hangup()
        return resp
    voicemail(resp, ctx, state, "transfer failed", ctx.phrase("no_one"))
    return resp


def voicemail_done(ctx: Context) -> VoiceResponse:
    resp = VoiceResponse()
    say(resp, ctx, f"{ctx.phrase('voicemail_done')} {emergency_numbers(ctx)} {ctx.phrase('goodbye')}")
    resp.hangup()
    return resp

