"""One inbound message, start to finish, as a pure function: opt-out keywords, the crisis screen, the flow step.

``turn(flow, lexicon, state, inbound) -> Outcome``. No Redis, no Flask, no Twilio: the webhook stores the state and
carries out the actions; ``helpline flows test`` runs transcripts through exactly this function.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from helpline.engine import Action, Event, Flow, RequestCallback, Say, State, crisis_paths, interrupt, step
from helpline.engine.matching import normalise
from helpline.engine.step import reprompt
from helpline.understanding.crisis import NO_CRISIS, Lexicon, Verdict
from helpline.understanding.language import detect_language, language_scores  # noqa: F401 - re-exported

# Twilio's standard opt-out and opt-in keywords (the whole message, any case).
OPT_OUT_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"})
OPT_IN_WORDS = frozenset({"start", "unstop"})
OPT_IN_WHEN_OPTED_OUT = frozenset({"yes"})
# A crisis text within this many seconds of the full crisis reply gets the short one (still 911 and 988).
CRISIS_REPEAT_SECONDS = 300


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
    now: float | None = None  # when it arrived (None: no clock, e.g. a transcript: every crisis gets the full reply)
    request_open: bool | None = None  # the number's callback request is still open (None: not known: assume so)


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


def crisis_request(verdict: Verdict, state: State, *, call_only: bool, path: str | None = None) -> RequestCallback:
    # A "concern" (passive ideation, ambiguous distress) still goes to the top of the queue: a missed suicide
    # risk is the worst failure; the reason tells staff which it was.
    tier = f" ({verdict.severity})" if verdict.severity == "concern" else ""
    what = crisis_paths.label(path, verdict.category) if path else verdict.category
    return RequestCallback(reason=f"crisis: {what}{tier}", priority="crisis", node="crisis",
                           gathered=dict(state.vars), topics=tuple(state.topics), call_only=call_only,
                           latest=str(verdict.category))


def on_crisis_path(flow: Flow, node: str | None) -> bool:
    """True while the conversation waits on a crisis node (the follow-up question or a holding node)."""
    return node is not None and (node in flow.hold_nodes() or node == flow.crisis
                                 or node in flow.crisis_paths.values())


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
    if state.node in flow.hold_nodes() and inbound.request_open is False:
        # Staff have closed the request: the crisis path lets go, and this message starts afresh.
        state = State(lang=state.lang, turns=state.turns)
    if verdict.crisis:
        return crisis_turn(flow, lexicon, state, inbound, verdict, prefix)
    if switched:
        # "ESPAÑOL" / "ENGLISH": say so in the new language, then where they were, again, in it.
        new_state, actions = reprompt(flow, state, inbound.channel)
        new_state.turns += 1
        note = flow.messages.get("language_switched")
        if note is not None and state.node is not None:
            actions.insert(0, Say(note.get(state.lang, inbound.channel, flow.default_lang)))
        return Outcome(new_state, [*prefix, *actions], verdict, "language")
    new_state, actions = step(flow, state, Event(inbound.channel, inbound.text, inbound.digits))
    if state.node in flow.hold_nodes() and new_state.node in flow.hold_nodes():
        # Still on the crisis path: the request shows staff this message came (no crisis words in it).
        held = RequestCallback(reason="crisis: follow-up", priority="crisis", node="crisis", ask=False,
                               latest="none", gathered={}, topics=())
        return Outcome(new_state, [*actions, held], verdict, "hold")
    return Outcome(new_state, list(actions), verdict, "flow")


def crisis_turn(flow: Flow, lexicon: Lexicon, state: State, inbound: Inbound, verdict: Verdict,
                prefix: list[Action | OptOut | OptIn]) -> Outcome:
    """A message the screen flags: the reply for its path (the category's own, or the path node's when that
    says it all), the path's node, and a crisis request. A repeat within a few minutes on the crisis path gets
    the short reply (still 911 and 988) and stays where it is: 40 texts draw 40 short replies, not 80 long ones."""
    assert verdict.category is not None
    path = crisis_paths.path_of(verdict, inbound.text)
    request = crisis_request(verdict, state, call_only=False, path=path)
    now = inbound.now
    repeat = flow.messages.get("crisis_repeat")
    if (repeat is not None and now is not None and inbound.channel == "sms" and state.crisis_at
            and abs(now - state.crisis_at) < CRISIS_REPEAT_SECONDS and state.crisis_path == path
            and on_crisis_path(flow, state.node)):
        new_state = dataclasses.replace(state, turns=state.turns + 1)
        return Outcome(new_state, [*prefix, Say(repeat.get(state.lang, inbound.channel, flow.default_lang)),
                                   request], verdict, "crisis-repeat")
    node_id = flow.crisis_node(path)
    new_state, actions = interrupt(flow, state, node_id, inbound.channel)
    new_state.turns += 1
    new_state.crisis_at = now or 0.0
    new_state.crisis_path = path or ""
    if not (path in crisis_paths.OWN_REPLY and node_id in flow.crisis_paths.values()):
        actions = [Say(lexicon.reply(verdict.category, inbound.channel, state.lang, severity=verdict.severity)),
                   *actions]
    return Outcome(new_state, [*prefix, *actions, request], verdict, "crisis")
