"""One inbound message, start to finish, as a pure function: opt-out keywords, the crisis screen, the flow step.

``turn(flow, lexicon, state, inbound) -> Outcome``. No Redis, no Flask, no Twilio: the webhook stores the state and
carries out the actions; ``helpline flows test`` runs transcripts through exactly this function.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from helpline.crisis import NO_CRISIS, Lexicon, Verdict
from helpline.engine import Action, Event, Flow, RequestCallback, Say, State, interrupt, step
from helpline.engine.matching import normalise
from helpline.engine.step import reprompt
from helpline.understanding.language import detect_language, language_scores  # noqa: F401 - re-exported

# Twilio's standard opt-out and opt-in keywords (the whole message, any case).
OPT_OUT_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"})
OPT_IN_WORDS = frozenset({"start", "unstop"})
OPT_IN_WHEN_OPTED_OUT = frozenset({"yes"})


# -- language: the explicit switch words, and a small detector --------------------------------------------------
# The whole message (accents and case ignored) switches the conversation's language, at any time, on both channels.
SWITCH_WORDS = {
    "es": frozenset({"espanol", "en espanol", "spanish", "in spanish", "espanol por favor", "espanol porfavor",
                     "hablo espanol", "habla espanol", "castellano", "en castellano", "spanish please"}),
    "en": frozenset({"english", "in english", "ingles", "en ingles", "english please", "i speak english",
                     "habla ingles", "hablo ingles"}),
}
def switch_word(text: str) -> str | None:
    """The language an explicit switch ("ESPAÑOL", "ENGLISH", "inglés") asks for, else None."""
    norm = normalise(text)
    return next((lang for lang, words in SWITCH_WORDS.items() if norm in words), None)


def choose_language(flow: Flow, state: State, inbound: Inbound) -> tuple[State, str | None, bool]:
    """The state in the language this message should be answered in, the language to remember for the number
    (None when nothing was chosen), and whether the message was itself a switch word.

    A new conversation starts in the number's remembered language; then a switch word decides, or else (texts
    only: speech is heard by a recogniser set to one language) a message clearly in the other language. A
    free-text answer (a name, a time) never switches by itself: "Maria de la Cruz" is a name."""
    lang = state.lang
    if state.node is None and state.turns == 0 and inbound.lang in flow.languages:
        lang = inbound.lang
    explicit = switch_word(inbound.text) if inbound.text and not inbound.digits else None
    remember = None
    if explicit in flow.languages:
        lang = remember = explicit
    elif inbound.channel == "sms" and inbound.text:
        node = flow.nodes.get(state.node or "")
        free_text = node is not None and node.type.value == "question" and node.expect != "yes_no"
        if not free_text:
            found = detect_language(inbound.text, first=node is None)
            if found in flow.languages and (found != lang or node is None):
                lang = remember = found
    if lang != state.lang:
        state = dataclasses.replace(state, lang=lang)
    return state, remember, explicit in flow.languages


@dataclass(frozen=True)
class OptOut:
    """The person texted STOP: record it; no outbound path may text them again until START."""


@dataclass(frozen=True)
class OptIn:
    """The person texted START: they may be texted again."""


@dataclass(frozen=True)
class Inbound:
    """One inbound message as the dialogue sees it."""

    text: str
    channel: str = "sms"
    opted_out: bool = False
    opt_out_type: str | None = None  # Twilio Advanced Opt-Out's OptOutType: STOP, START or HELP
    digits: str | None = None
    lang: str | None = None  # the language remembered for this number (None: not known)


@dataclass
class Outcome:
    state: State
    actions: list[Action | OptOut | OptIn] = field(default_factory=list)
    verdict: Verdict = NO_CRISIS
    path: str = "flow"  # flow, crisis, opt-out, opt-in, twilio-help, silenced, language
    remember_lang: str | None = None  # the person chose (or clearly wrote in) this language: keep it for the number

    @property
    def texts(self) -> list[str]:
        return [a.text for a in self.actions if isinstance(a, Say)]


def opt_keyword(inbound: Inbound) -> str | None:
    """'stop', 'start' or 'help' when Twilio treats the message as an opt-out keyword; else None."""
    if inbound.opt_out_type:
        return inbound.opt_out_type.strip().lower() or None
    if inbound.channel != "sms":
        return None
    word = normalise(inbound.text)
    if word in OPT_OUT_WORDS:
        return "stop"
    if word in OPT_IN_WORDS or (inbound.opted_out and word in OPT_IN_WHEN_OPTED_OUT):
        return "start"
    return None


def crisis_request(verdict: Verdict, state: State, *, call_only: bool) -> RequestCallback:
    # A "concern" (passive ideation, ambiguous distress) still goes to the top of the queue: a missed suicide
    # risk is the worst failure; the reason tells staff which it was.
    tier = f" ({verdict.severity})" if verdict.severity == "concern" else ""
    return RequestCallback(reason=f"crisis: {verdict.category}{tier}", priority="crisis", node="crisis",
                           gathered=dict(state.vars), topics=tuple(state.topics), call_only=call_only)


def turn(flow: Flow, lexicon: Lexicon, state: State, inbound: Inbound, verdict: Verdict | None = None) -> Outcome:
    """Handle one inbound message. The crisis screen runs on the whole of every message, STOP included;
    ``verdict`` is its result when the caller has screened the message already (it must be for this text)."""
    if verdict is None:
        verdict = lexicon.screen(inbound.text) if inbound.text else NO_CRISIS
    state, remember, switched = choose_language(flow, state, inbound)
    outcome = _turn(flow, lexicon, state, inbound, verdict, switched)
    outcome.remember_lang = remember
    return outcome


def _turn(flow: Flow, lexicon: Lexicon, state: State, inbound: Inbound, verdict: Verdict, switched: bool) -> Outcome:
    keyword = opt_keyword(inbound)
    prefix: list[Action | OptOut | OptIn] = []
    if keyword in ("stop", "start", "help") or inbound.opted_out:
        # Twilio answers these itself, and cannot text someone who opted out (error 21610): a crisis from them
        # reaches staff as a call-only callback request, never as a text.
        outcome = Outcome(state, verdict=verdict)
        if keyword == "stop":
            outcome.actions.append(OptOut())
            outcome.path = "opt-out"
        elif keyword == "start":
            outcome.actions.append(OptIn())
            outcome.path = "opt-in"
            outcome.state = State(lang=state.lang)
        elif keyword == "help":
            outcome.path = "twilio-help"
        else:
            outcome.path = "silenced"
        still_out = keyword == "stop" or (inbound.opted_out and keyword != "start")
        if verdict.crisis and not still_out:
            # Someone who may be texted (just opted in, or a HELP keyword) and is in crisis gets the crisis
            # reply as well: Twilio's own keyword reply carries no emergency numbers.
            prefix, state = outcome.actions, outcome.state
        else:
            if verdict.crisis:
                outcome.actions.append(crisis_request(verdict, state, call_only=still_out))
            return outcome
    if verdict.crisis:
        assert verdict.category is not None
        reply = lexicon.reply(verdict.category, inbound.channel, state.lang, severity=verdict.severity)
        new_state, actions = interrupt(flow, state, flow.crisis, inbound.channel)
        new_state.turns += 1
        actions = [Say(reply), *actions, crisis_request(verdict, state, call_only=False)]
        return Outcome(new_state, [*prefix, *actions], verdict, "crisis")
    if switched:
        # "ESPAÑOL" / "ENGLISH": say so in the new language, then where they were, again, in it.
        new_state, actions = reprompt(flow, state, inbound.channel)
        new_state.turns += 1
        note = flow.messages.get("language_switched")
        if note is not None and state.node is not None:
            actions.insert(0, Say(note.get(state.lang, inbound.channel, flow.default_lang)))
        return Outcome(new_state, [*prefix, *actions], verdict, "language")
    new_state, actions = step(flow, state, Event(inbound.channel, inbound.text, inbound.digits))
    return Outcome(new_state, list(actions), verdict, "flow")
