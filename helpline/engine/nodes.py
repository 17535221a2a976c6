"""What each node type does when the conversation enters it, and with the input that arrives while it waits.

A registry from the YAML ``type:`` to its behaviour; every type has transcript cases in ``tests/cases/``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol

import phonenumbers

from helpline.engine import matching
from helpline.engine.actions import End, Enrich, RequestCallback, Transfer
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
# expect: name. A name is a few words; these mean "leave it out", and these words never start (or make) a name:
# "please call me, I want to talk to someone about detox" is a request, not what staff should call someone.
SKIP = "-"  # what name_of answers for "leave it out" (nothing is saved)
SKIP_WORDS = frozenset({"skip", "pass", "no name", "none", "no", "nope", "rather not", "prefer not",
                        "prefer not to say", "omitir", "omita", "ninguno", "sin nombre", "paso", "prefiero no"})
NOT_NAME_WORDS = frozenset(
    "i im i'm ive my me you your we can could would please call talk speak help what when where why how "
    "who is are do does did dont need want have get about someone somebody yes hi hello hey thanks thank ok okay "
    "detox treatment withdrawal kratom insurance cost heroin pills asap now today tomorrow morning afternoon "
    "evening tonight after before menu back more stop not sure scared afraid sad tired sick hurting alone lonely "
    "lost confused fine good bad okay here ready busy home sorry worried depressed anxious high drunk dying done "
    "dont know "
    "yo mi me usted quiero necesito puedo puede llamar llamen llameme hablar ayuda por favor que cuando donde como "
    "quien hola gracias si tengo desintoxicacion tratamiento ahora hoy manana tarde noche despues antes".split())
NAME_MAX_WORDS = 4
NAME_MAX_CHARS = 40


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


def request(run: Run, node: Node, reason: str, priority: str) -> None:
    """Record a callback request; asking again for the same thing in one conversation only adds details."""
    state = run.state
    fresh = state.asked != reason
    state.asked = reason
    gathered = dict(state.vars)
    run.do(RequestCallback(reason=reason, priority=priority, node=node.id, gathered=gathered,
                           topics=tuple(state.topics), ask=fresh))


class Callback(WithOptions):
    def enter(self, run: Run, node: Node) -> str | None:
        request(run, node, node.reason or node.id, str(node.priority))
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
        if node.request_reason:  # the first ask makes the request: what is asked next only enriches it
            request(run, node, node.request_reason, str(node.request_priority))
        run.say(node.text)
        return None

    def handle(self, run: Run, node: Node, text: str) -> bool:
        value = self.parse(node, text)
        if node.expect == "name" and value is None:
            return self.again(run, node)  # not a name: ask once more, then go on without one
        if node.expect == "yes_no" and value == "yes" and not self.plain_yes(text) and run.find_topic(text):
            return True  # "is kratom safe?" asks about kratom; it does not answer yes
        if value is None:
            if run.find_topic(text):
                return True
            return self.again(run, node)
        assert node.save_as
        if value != SKIP:  # "SKIP": nothing saved, on to the next question
            run.state.vars[node.save_as] = value
            run.do(Enrich({node.save_as: value}))
        target = node.branches.get(value) or node.goto
        if target:
            run.enter(target)
        return True

    @staticmethod
    def again(run: Run, node: Node) -> bool:
        run.state.misses += 1
        if run.state.misses > node.retries:
            run.enter(node.on_fail or run.flow.fallback)
        else:
            # Ask again (the flow's generic "reply with a number" would be wrong here), and wait again:
            # on a call, a retry without a <Gather> would hang up.
            run.say(node.retry or node.text)
            run.do(run.listen(node))
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
        if node.expect == "name":
            return name_of(clean)
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


def name_of(text: str) -> str | None:
    """``text`` as a name to ask for, :data:`SKIP` to leave it out, or None when it is plainly not a name (a
    sentence, a request, a question)."""
    norm = matching.normalise(text)
    if norm in SKIP_WORDS:
        return SKIP
    if any(c in text for c in "?!:;@/") or re.search(r"\d", text):
        return None
    # "it's Maria", "my name is Sam", "soy Juan": a name after a lead-in is still a name
    lead = _LEAD_IN.match(text.strip().replace("\u2019", "'"))
    candidate = lead.group(1) if lead else text.strip().strip(".")
    words = matching.normalise(candidate).split()
    if not words or len(words) > NAME_MAX_WORDS or len(candidate) > NAME_MAX_CHARS:
        return None
    if any(w in NOT_NAME_WORDS for w in words):
        return None
    return candidate


_LEAD_IN = re.compile(r"(?:my name is|my names|name is|its|it's|im|i'm|this is|me llamo|soy|mi nombre es)\s+"
                      r"([^\W\d_][\w'.-]*(?:\s+[^\W\d_][\w'.-]*){0,3})\.?$", re.IGNORECASE)


REGISTRY: dict[NodeType, Behaviour] = {
    NodeType.MENU: Menu(),
    NodeType.ANSWER: Answer(),
    NodeType.QUESTION: Question(),
    NodeType.CALLBACK: Callback(),
    NodeType.HANDOFF: Handoff(),
    NodeType.END: EndNode(),
}
