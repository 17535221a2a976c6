"""One step of a call, as a pure function: the keypad and spoken words a phone menu needs, then the same dialogue
turn as SMS (crisis screen first, then the flow).

A caller is always one key or one word away from a person: ``0`` or "operator" puts them through (or, after hours,
to voicemail with a callback request made at once). ``*`` or "repeat" says the prompt again, ``9`` is the main menu,
and on an answer read in parts ``1`` means "more". On a yes/no question ``1`` is yes and ``2`` is no.

Opting out of texts (STOP) is about texts: a caller who once texted STOP is still answered on a call, and any
callback request they make is marked call-only.
"""

from __future__ import annotations

import dataclasses

from helpline.crisis import Lexicon
from helpline.dialogue import Inbound, Outcome
from helpline.dialogue import turn as dialogue_turn
from helpline.engine import Action, Flow, Listen, RequestCallback, Say, State, Transfer, interrupt
from helpline.engine.matching import normalise
from helpline.engine.model import Node, NodeType
from helpline.engine.step import Run

PERSON_KEY, REPEAT_KEY, MENU_KEY, MORE_KEY = "0", "*", "9", "1"
YES_KEY, NO_KEY = "1", "2"
OPERATOR = "operator"  # the Transfer node name for "put me through to a person"
# Words that ask for a person *now* on a call (the flow's own "call me" words still lead to a callback request).
PERSON_WORDS = frozenset({
    "operator", "person", "a person", "human", "a human", "agent", "representative", "real person",
    "talk to a person", "speak to a person", "talk to someone", "speak to someone", "talk to somebody",
    "someone", "somebody", "staff", "receptionist", "zero", "0", "live person", "talk to a human",
})
# ...and those that ask for a person anywhere in what the caller says.
CONTAINED_PERSON_WORDS = frozenset({
    "operator", "representative", "talk to a person", "speak to a person", "talk to someone", "speak to someone",
    "talk to somebody", "talk to a human", "real person", "live person",
})
REPEAT_WORDS = frozenset({"repeat", "repeat that", "say again", "say that again", "again", "pardon", "what",
                          "come again", "sorry what", "star"})
MULTI_DIGIT = ("number", "phone")  # questions whose answer is typed as several digits


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
    crisis = bool(inbound.text) and lexicon.screen(inbound.text).crisis
    outcome: Outcome | None = None
    if not crisis:
        if digits == PERSON_KEY or (not digits and wants_person(inbound.text, node)):
            outcome = person(state, open_now)
        elif digits == REPEAT_KEY or (not digits and normalise(inbound.text) in REPEAT_WORDS):
            new_state, actions = prompt(flow, state)
            outcome = Outcome(new_state, actions, path="repeat")
        elif digits == MENU_KEY:
            inbound = dataclasses.replace(inbound, digits=None, text=flow.keywords["menu"][state.lang][0])
        elif digits == MORE_KEY and more_key_applies(node):
            inbound = dataclasses.replace(inbound, digits=None, text=flow.keywords["more"][state.lang][0])
        elif digits in (YES_KEY, NO_KEY) and is_yes_no(node):
            inbound = dataclasses.replace(inbound, digits=None, text="yes" if digits == YES_KEY else "no")
    if outcome is None:
        outcome = dialogue_turn(flow, lexicon, state, inbound)
    if opted_out:
        outcome.actions = [dataclasses.replace(a, call_only=True) if isinstance(a, RequestCallback) else a
                           for a in outcome.actions]
    # Every step moves the step counter on: it names the next <Gather>'s action URL, which dedupes retries.
    outcome.state.turns = max(outcome.state.turns, state.turns + 1)
    return outcome


def person(state: State, open_now: bool) -> Outcome:
    """Put the caller through; after hours the callback request is made now, before the voicemail, so it exists
    even if they hang up at the beep."""
    new_state = dataclasses.replace(state)
    actions: list[Action] = [Transfer(OPERATOR)]
    if not open_now:
        actions.append(RequestCallback(reason="called after hours, asked for a person", priority="routine",
                                       node="voicemail", gathered=dict(state.vars), topics=tuple(state.topics)))
    return Outcome(new_state, actions, path="person")


def listen_of(actions: list[Action]) -> Listen | None:
    return next((a for a in actions if isinstance(a, Listen)), None)
