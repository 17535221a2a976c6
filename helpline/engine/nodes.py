"""What each node type does when the conversation enters it, and with the input that arrives while it waits.

A registry from the YAML ``type:`` to its behaviour; every type has transcript cases in ``tests/cases/``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol

import phonenumbers

from helpline.engine import matching
from helpline.engine.actions import End, RequestCallback, Transfer
from helpline.engine.model import Node, NodeType

if TYPE_CHECKING:
    from helpline.engine.step import Run

YES = frozenset("yes y yeah yea yep yup ya sure ok okay k si correct right affirmative fine alright safe good"
                .split()
                # Spanish, without accents ("sí" is "si"): "claro", "estoy bien", "estoy a salvo", "dale".
                + "claro bien bueno vale dale correcto salvo seguro segura cierto afirmativo".split())
# Negations count as "no" wherever they come first: "not really", "i dont feel safe", "im not ok";
# in Spanish "no" is already here ("no estoy bien"), and "nunca", "tampoco", "nel" join it.
NO = frozenset("no n nope nah not negative never dont cant isnt arent wont unsafe".split()
               + "nunca tampoco nel negativo".split())
YES_NO_WORDS = 4  # a yes or no is looked for in the first few words only


class Behaviour(Protocol):
    def enter(self, run: Run, node: Node) -> str | None:
        """Say what the node says; return the next node for nodes that do not wait."""

    def handle(self, run: Run, node: Node, text: str) -> bool:
        """React to input while waiting here; False when the input meant nothing to this node."""


class WithOptions:
    """Nodes that offer options: by key ("1") or by the option's words ("kratom")."""

    def enter(self, run: Run, node: Node) -> str | None:
        run.say(node.text)
        return None

    def handle(self, run: Run, node: Node, text: str) -> bool:
        if not node.options:
            return False
        norm = matching.normalise(text)
        norm = matching.NUMBER_WORDS.get(norm, norm)
        for option in node.options:
            if norm == option.key.lower() or norm.rstrip(" )") == option.key.lower():
                run.enter(option.goto)
                return True
        words = run.flow.vocabulary.message(text)
        candidates = [(o.goto, p) for o in node.options for p in o.words.get(run.state.lang, ())]
        found = matching.rank(candidates, words)
        if not found:
            return False
        # An option's word loses to a confident topic when the message says more than the option's words: "how
        # long does withdrawal last" at the main menu is the withdrawal timeline, not the withdrawal menu.
        if len(found[1].words) < len(set(words) - matching.STOPWORDS):
            route = run.topic_for(text)
            if route.kind == "answer" and route.targets[0] != found[0]:
                return run.find_topic(text, route)
        run.enter(found[0])
        return True


class Menu(WithOptions):
    pass


class Answer(WithOptions):
    def enter(self, run: Run, node: Node) -> str | None:
        run.say(node.text)
        run.note_topic(node.topic or node.id)
        return None


class Callback(WithOptions):
    def enter(self, run: Run, node: Node) -> str | None:
        state = run.state
        run.do(RequestCallback(reason=node.reason or node.id, priority=str(node.priority), node=node.id,
                               gathered=dict(state.vars), topics=tuple(state.topics)))
        run.say(node.text)
        return node.goto


class Handoff(WithOptions):
    def enter(self, run: Run, node: Node) -> str | None:
        run.say(node.text)
        run.do(Transfer(node.id))
        return node.goto


class EndNode:
    def enter(self, run: Run, node: Node) -> str | None:
        run.say(node.text)
        run.do(End())
        return None

    def handle(self, run: Run, node: Node, text: str) -> bool:
        return False


class Question:
    def enter(self, run: Run, node: Node) -> str | None:
        run.say(node.text)
        return None

    def handle(self, run: Run, node: Node, text: str) -> bool:
        value = self.parse(node, text)
        if node.expect == "yes_no" and value == "yes" and not self.plain_yes(text) and run.find_topic(text):
            return True  # "is kratom safe?" asks about kratom; it does not answer yes
        if value is None:
            if run.find_topic(text):
                return True
            run.state.misses += 1
            if run.state.misses > node.retries:
                run.enter(node.on_fail or run.flow.fallback)
            else:
                # Ask again (the flow's generic "reply with a number" would be wrong here), and wait again:
                # on a call, a retry without a <Gather> would hang up.
                run.say(node.retry or node.text)
                run.do(run.listen(node))
            return True
        assert node.save_as
        run.state.vars[node.save_as] = value
        target = node.branches.get(value) or node.goto
        if target:
            run.enter(target)
        return True

    @staticmethod
    def plain_yes(text: str) -> bool:
        """True when the message starts with a yes ("yes", "yeah, what is kratom"): a clear answer."""
        words = matching.normalise(text).split()
        return bool(words) and words[0] in YES

    @staticmethod
    def parse(node: Node, text: str) -> str | None:
        clean = " ".join(text.split())[:200]
        if not clean:
            return None
        if node.expect == "yes_no":
            # A negation among the first words means no, even after a yes ("yeah im not safe"): when asking
            # "are you safe?" (or "may we leave a voicemail?"), taking a no for a yes is the costly mistake.
            first = matching.normalise(clean).split()[:YES_NO_WORDS]
            if any(w in NO for w in first):
                return "no"
            if any(w in YES for w in first):
                return "yes"
            return None
        if node.expect == "number":
            digits = re.sub(r"[^\d]", "", clean)
            return digits or None
        if node.expect == "phone":
            try:
                number = phonenumbers.parse(clean, "US")
            except phonenumbers.NumberParseException:
                return None
            if not phonenumbers.is_valid_number(number):
                return None
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if node.pattern and not re.fullmatch(node.pattern, clean, flags=re.IGNORECASE):
            return None
        return clean


REGISTRY: dict[NodeType, Behaviour] = {
    NodeType.MENU: Menu(),
    NodeType.ANSWER: Answer(),
    NodeType.QUESTION: Question(),
    NodeType.CALLBACK: Callback(),
    NodeType.HANDOFF: Handoff(),
    NodeType.END: EndNode(),
}
