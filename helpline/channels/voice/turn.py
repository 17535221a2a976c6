"""One step of a call, as a pure function: the keypad and spoken words a phone menu needs, then the same dialogue
turn as SMS (crisis screen first, then the flow).

A caller is always one key or one word away from a person: ``0`` or "operator" puts them through (or, after hours,
to voicemail with a callback request made at once). ``*`` or "repeat" says the prompt again, ``9`` is the main menu,
and on an answer read in parts ``1`` means "more". On a yes/no question ``1`` is yes and ``2`` is no.

Language: a caller whose number has no remembered language first hears "For English, press 1. Para español,
oprima 2." (each in its own voice) and chooses by key or by word; the choice is kept for the number. A caller whose
language is known is greeted in it, with "press 8" for the other one; ``8``, "español" or "English" switch at any
time.

Opting out of texts (STOP) is about texts: a caller who once texted STOP is still answered on a call, and any
callback request they make is marked call-only.
"""

from __future__ import annotations

import dataclasses

from helpline.engine import Action, Flow, Listen, RequestCallback, Say, State, Transfer, interrupt
from helpline.engine.dialogue import Inbound, Outcome, detect_language, switch_word
from helpline.engine.dialogue import turn as dialogue_turn
from helpline.engine.matching import normalise
from helpline.engine.model import Node, NodeType
from helpline.engine.step import Run
from helpline.understanding.crisis import NO_CRISIS, Lexicon

PERSON_KEY, REPEAT_KEY, MENU_KEY, MORE_KEY = "0", "*", "9", "1"
YES_KEY, NO_KEY = "1", "2"
OPERATOR = "operator"  # the Transfer node name for "put me through to a person"
ON_CALL = "on_call"  # ...and for "ring the person on call" (a caller on the crisis path)
# Words that ask for a person *now* on a call (the flow's own "call me" words still lead to a callback request).
PERSON_WORDS = frozenset({
    "operator", "person", "a person", "human", "a human", "agent", "representative", "real person",
    "talk to a person", "speak to a person", "talk to someone", "speak to someone", "talk to somebody",
    "someone", "somebody", "staff", "receptionist", "zero", "0", "live person", "talk to a human",
    # Spanish, without accents
    "operadora", "operador", "persona", "una persona", "humano", "agente", "representante", "alguien",
    "hablar con alguien", "hablar con una persona", "persona real", "cero", "recepcionista",
})
# ...and those that ask for a person anywhere in what the caller says.
CONTAINED_PERSON_WORDS = frozenset({
    "operator", "representative", "talk to a person", "speak to a person", "talk to someone", "speak to someone",
    "talk to somebody", "talk to a human", "real person", "live person",
    "operadora", "operador", "representante", "hablar con una persona", "hablar con alguien", "persona real",
})
REPEAT_WORDS = frozenset({"repeat", "repeat that", "say again", "say that again", "again", "pardon", "what",
                          "come again", "sorry what", "star",
                          "repetir", "repita", "repitalo", "otra vez", "de nuevo", "como", "que", "perdon",
                          "asterisco", "mande"})
MULTI_DIGIT = ("number", "phone")  # questions whose answer is typed as several digits

# -- language ------------------------------------------------------------------------------------------------------
LANG_NODE = "_language"  # where a call waits while the caller chooses a language (not a node of the flow)
LANG_KEYS = {"1": "en", "2": "es"}  # at the choice
SWITCH_KEY = "8"  # anywhere else: the other language
CHOICE = {"en": "For English, press 1.", "es": "Para español, oprima 2."}
OFFER = {"en": "For English, press 8.", "es": "Para español, oprima 8."}  # said in the offered language's voice
CHOICE_HINTS = ("English", "Spanish", "español", "inglés")
SWITCH_TEXT = {"en": "english", "es": "español"}  # what key 8 stands for
MAX_CHOICE_MISSES = 2  # keys that mean nothing at the choice, then English (with the offer of Spanish)


def more_key_applies(node: Node | None) -> bool:
    """``1`` means "more" on an answer read in parts, unless the node has its own option 1."""
    return bool(node and node.more and not any(o.key == MORE_KEY for o in node.options))


def is_yes_no(node: Node | None) -> bool:
    return bool(node and node.type is NodeType.QUESTION and node.expect == "yes_no")


def wants_person(text: str, node: Node | None) -> bool:
    """True when the caller asks for a person now: one of :data:`PERSON_WORDS` as the whole answer, or one of
    :data:`CONTAINED_PERSON_WORDS` inside it (except while a question waits for free text)."""
    norm = normalise(text)
    if not norm:
        return False
    if norm in PERSON_WORDS:
        return True
    if node is not None and node.type is NodeType.QUESTION:
        return False
    padded = f" {norm} "
    return any(f" {p} " in padded for p in CONTAINED_PERSON_WORDS)


def prompt(flow: Flow, state: State) -> tuple[State, list[Action]]:
    """What the caller hears again where they wait (the part of an answer they were on), and the wait itself."""
    if state.node == LANG_NODE:
        return dataclasses.replace(state), choice_actions()
    node = flow.nodes.get(state.node or "")
    if node is None:
        return interrupt(flow, State(lang=state.lang, turns=state.turns), flow.start, "voice")
    text = node.more[state.part - 1] if 0 < state.part <= len(node.more) else node.text
    actions: list[Action] = []
    if text is not None:
        actions.append(Say(text.get(state.lang, "voice", flow.default_lang)))
    actions.append(Run(flow, state, "voice").listen(node))
    return dataclasses.replace(state), actions


def turn(flow: Flow, lexicon: Lexicon, state: State, inbound: Inbound, *, open_now: bool = True) -> Outcome:
    """One caller input (keys in ``inbound.digits``, a speech transcript in ``inbound.text``)."""
    opted_out = inbound.opted_out
    inbound = dataclasses.replace(inbound, channel="voice", opted_out=False, opt_out_type=None)
    digits = (inbound.digits or "").strip() or None
    node = flow.nodes.get(state.node or "")
    heard = inbound.text
    verdict = lexicon.screen(heard) if heard else NO_CRISIS  # once: the dialogue reuses it for the same words
    crisis = verdict.crisis

    def decide(state: State, inbound: Inbound) -> Outcome:
        return dialogue_turn(flow, lexicon, state, inbound, verdict if inbound.text == heard else None)

    outcome: Outcome | None = None
    greeting = state.node is None and state.turns == 0 and not inbound.text and not digits
    if greeting and inbound.lang not in flow.languages:
        # A number we do not know yet: the choice of language, before anything else (it takes no step).
        return Outcome(State(node=LANG_NODE), list(choice_actions()), path="language-choice")
    if state.node == LANG_NODE:
        chosen, state, inbound, outcome = choose(flow, state, inbound, digits, crisis, open_now)
        if outcome is None:
            outcome = decide(state, inbound)
        if chosen:
            outcome.remember_lang = chosen
        return _finish(outcome, state, opted_out)
    if not crisis:
        if digits == PERSON_KEY or (not digits and wants_person(inbound.text, node)):
            outcome = person(state, open_now)
        elif digits == REPEAT_KEY or (not digits and normalise(inbound.text) in REPEAT_WORDS):
            new_state, actions = prompt(flow, state)
            outcome = Outcome(new_state, list(actions), path="repeat")
        elif digits == MENU_KEY:
            inbound = dataclasses.replace(inbound, digits=None, text=flow.keywords["menu"][state.lang][0])
        elif digits == MORE_KEY and more_key_applies(node):
            inbound = dataclasses.replace(inbound, digits=None, text=flow.keywords["more"][state.lang][0])
        elif digits in (YES_KEY, NO_KEY) and is_yes_no(node):
            inbound = dataclasses.replace(inbound, digits=None, text="yes" if digits == YES_KEY else "no")
        elif digits == SWITCH_KEY and not any(o.key == SWITCH_KEY for o in (node.options if node else [])):
            other = next((lang for lang in flow.languages if lang != state.lang), state.lang)
            inbound = dataclasses.replace(inbound, digits=None, text=SWITCH_TEXT.get(other, other))
    if outcome is None:
        outcome = decide(state, inbound)
    if greeting:
        # A number whose language we know: greeted in it, with the other language offered in its own voice.
        outcome.actions = [*offer_actions(flow, outcome.state.lang), *outcome.actions]
    return _finish(outcome, state, opted_out)


def _finish(outcome: Outcome, state: State, opted_out: bool) -> Outcome:
    if outcome.path == "hold":
        # On the crisis path a call never falls back to the menu: the numbers again, and a person on call.
        outcome.actions.append(Transfer(ON_CALL))
    if opted_out:
        outcome.actions = [dataclasses.replace(a, call_only=True) if isinstance(a, RequestCallback) else a
                           for a in outcome.actions]
    # Every step moves the step counter on: it names the next <Gather>'s action URL, which dedupes retries.
    outcome.state.turns = max(outcome.state.turns, state.turns + 1)
    return outcome


def choice_actions() -> list[Action]:
    """ "For English, press 1. Para español, oprima 2.", each in its own voice, and the wait for the choice."""
    return [Say(CHOICE["en"], lang="en"), Say(CHOICE["es"], lang="es"),
            Listen(LANG_NODE, tuple(LANG_KEYS), CHOICE_HINTS)]


def offer_actions(flow: Flow, lang: str) -> list[Action]:
    return [Say(OFFER[other], lang=other) for other in flow.languages if other != lang and other in OFFER]


def choose(flow: Flow, state: State, inbound: Inbound, digits: str | None, crisis: bool,
           open_now: bool) -> tuple[str | None, State, Inbound, Outcome | None]:
    """At the choice of language: (the language chosen, the state and input to go on with, or the outcome
    already decided). A key chooses; words choose by name ("español") or by being clearly in a language, and
    are then heard as the caller's first words (a question, or a crisis); 0 and "operator" reach a person."""
    fresh = State(lang=flow.default_lang, turns=state.turns)
    if crisis:  # the crisis screen comes first, in the language the words seem to be in
        found = switch_word(inbound.text) or detect_language(inbound.text, first=True)
        lang = found if found in flow.languages else flow.default_lang
        return found, dataclasses.replace(fresh, lang=lang), dataclasses.replace(inbound, lang=lang), None
    if digits in LANG_KEYS and LANG_KEYS[digits] in flow.languages:
        lang = LANG_KEYS[digits]
        new_state, actions = interrupt(flow, dataclasses.replace(fresh, lang=lang), flow.start, "voice")
        return lang, fresh, inbound, Outcome(new_state, list(actions), path="language")
    if digits == PERSON_KEY or (not digits and wants_person(inbound.text, None)):
        return None, fresh, inbound, person(fresh, open_now)
    if digits == REPEAT_KEY or (not digits and normalise(inbound.text) in REPEAT_WORDS):
        return None, state, inbound, Outcome(dataclasses.replace(state), list(choice_actions()), path="repeat")
    if not digits and inbound.text:
        named = switch_word(inbound.text)
        if named in flow.languages:
            new_state, actions = interrupt(flow, dataclasses.replace(fresh, lang=named), flow.start, "voice")
            return named, fresh, inbound, Outcome(new_state, list(actions), path="language")
        # Words that are not a choice: the caller's first question, in the language they seem to speak.
        found = detect_language(inbound.text, first=True)
        lang = found if found in flow.languages else flow.default_lang
        return found, dataclasses.replace(fresh, lang=lang), dataclasses.replace(inbound, lang=lang), None
    misses = state.misses + 1
    if misses >= MAX_CHOICE_MISSES:
        new_state, actions = interrupt(flow, fresh, flow.start, "voice")
        return None, fresh, inbound, Outcome(new_state, [*offer_actions(flow, fresh.lang), *actions],
                                             path="language")
    return None, state, inbound, Outcome(dataclasses.replace(state, misses=misses), list(choice_actions()),
                                         path="language-choice")


def person(state: State, open_now: bool) -> Outcome:
    """Put the caller through; after hours the callback request is made now, before the voicemail, so it exists
    even if they hang up at the beep."""
    new_state = dataclasses.replace(state)
    actions: list[Action] = [Transfer(OPERATOR)]
    if not open_now:
        actions.append(RequestCallback(reason="called after hours, asked for a person", priority="routine",
                                       node="voicemail", gathered=dict(state.vars), topics=tuple(state.topics)))
    return Outcome(new_state, list(actions), path="person")


def listen_of(actions: list[Action]) -> Listen | None:
    return next((a for a in actions if isinstance(a, Listen)), None)
