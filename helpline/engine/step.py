"""The engine's one entry point: ``step(flow, state, event) -> (new state, actions)``. Pure: no I/O at all."""

from __future__ import annotations

import copy

from helpline.engine import matching
from helpline.engine.actions import Action, Listen, Say
from helpline.engine.model import Flow, Node, NodeType, Text
from helpline.engine.nodes import REGISTRY, Question
from helpline.engine.state import HISTORY_LIMIT, Event, State
from helpline.understanding.normalise import normalise
from helpline.understanding.topics import Route

MAX_CHAIN = 8  # nodes entered in one step; a longer chain is a loop the validator should have caught


def step(flow: Flow, state: State, event: Event) -> tuple[State, list[Action]]:
    """React to one inbound message. ``state`` is not modified; the new state is returned."""
    run = Run(flow, copy.deepcopy(state), event.channel)
    run.state.turns += 1
    if run.state.lang not in flow.languages:
        run.state.lang = flow.default_lang
    text = event.digits if event.digits else event.text
    node = flow.nodes.get(run.state.node or "")
    choices, run.state.choices = run.state.choices, []
    if choices and run.choose(choices, text):
        return run.state, run.actions
    if node is None:
        run.start(text)
    else:
        run.react(node, text)
    return run.state, run.actions


def interrupt(flow: Flow, state: State, node_id: str, channel: str) -> tuple[State, list[Action]]:
    """Move the conversation to ``node_id`` whatever it was doing (the crisis screen does this)."""
    run = Run(flow, copy.deepcopy(state), channel)
    run.enter(node_id)
    return run.state, run.actions


def reprompt(flow: Flow, state: State, channel: str) -> tuple[State, list[Action]]:
    """Say again what the conversation waits on (the part of an answer last shown), e.g. in a language just
    chosen; a conversation not yet started gets the greeting."""
    run = Run(flow, copy.deepcopy(state), channel)
    run.state.misses = 0  # what was not understood may have been the language
    node = flow.nodes.get(run.state.node or "")
    if node is None:
        run.enter(flow.start, remember=False)
        return run.state, run.actions
    run.say(node.more[run.state.part - 1] if 0 < run.state.part <= len(node.more) else node.text)
    if node.waits:
        run.actions.append(run.listen(node))
    return run.state, run.actions


class Run:
    """One step in progress: the state being changed and the actions gathered."""

    def __init__(self, flow: Flow, state: State, channel: str):
        self.flow = flow
        self.state = state
        self.channel = channel
        self.actions: list[Action] = []
        self._chain = 0

    # -- what nodes call ------------------------------------------------------------------------------------
    def say(self, text: Text | None) -> None:
        if text is not None:
            self.actions.append(Say(text.get(self.state.lang, self.channel, self.flow.default_lang)))

    def do(self, action: Action) -> None:
        self.actions.append(action)

    def note_topic(self, topic: str) -> None:
        if topic not in self.state.topics:
            self.state.topics = (self.state.topics + [topic])[-10:]

    def enter(self, node_id: str, *, remember: bool = True) -> None:
        """Go to ``node_id``, following nodes that do not wait, and stop at the first that does."""
        current = self.state.node
        if remember and current and current != node_id:
            self.state.history = (self.state.history + [current])[-HISTORY_LIMIT:]
        target: str | None = node_id
        while target is not None:
            self._chain += 1
            if self._chain > MAX_CHAIN:
                raise RuntimeError(f"flow '{self.flow.name}': more than {MAX_CHAIN} nodes in one step at '{target}'")
            node = self.flow.nodes[target]
            self.state.misses = 0
            self.state.part = 0
            self.state.node = node.id
            target = REGISTRY[node.type].enter(self, node)
            if node.waits:
                self.actions.append(self.listen(node))
                return
            if target is None:  # an end: the next message starts a new conversation
                self.state.node = None
                self.state.history = []
                self.state.vars = {}
                self.state.topics = []
                return

    def context(self) -> tuple[list[str], str]:
        """What the conversation is about now: the answers the current menu (or the menu an answer was reached
        from) offers, and the words of the option that led to that menu ("kratom"). The router weighs them ("how
        long does it last" in the kratom menu is about quitting kratom)."""
        for node_id in (self.state.node, *(self.state.history[-1:])):
            node = self.flow.nodes.get(node_id or "")
            if node is not None and node.options:
                return [o.goto for o in node.options], self.named(node.id)
        return [], ""

    def named(self, menu: str) -> str:
        """The first words, in this language, of an option elsewhere that leads to ``menu``."""
        for node in self.flow.nodes.values():
            for option in node.options:
                phrases = option.words.get(self.state.lang, ())
                if option.goto == menu and phrases:
                    return phrases[0].text
        return ""

    def topic_for(self, text: str) -> Route:
        """The router's decision on the person's own words: an answer, two to choose from, or unknown."""
        targets, about = self.context()
        return self.flow.router.route(normalise(text), targets, about, lang=self.state.lang)

    def node_for(self, target: str) -> str:
        """The node a router class leads to: the ``person`` intent is the flow's person node."""
        return self.flow.person if target == "person" else target

    def find_topic(self, text: str, route: Route | None = None) -> bool:
        """Answer a question asked in the person's own words, from anywhere: the answer when the router is
        confident, "did you mean 1 ... or 2 ...?" when two are close; False when it does not know."""
        route = route or self.topic_for(text)
        if route.kind == "answer":
            target = route.targets[0]
            self.enter(self.node_for(target))
            return True
        if route.kind == "clarify" and "clarify" in self.flow.messages:
            self.clarify(route.targets)
            return True
        return False

    def clarify(self, targets: tuple[str, ...]) -> None:
        lang = self.state.lang
        titles = [self.flow.title_of(self.node_for(t), lang) for t in targets]
        template = self.flow.messages["clarify"].get(lang, self.channel, self.flow.default_lang)
        self.actions.append(Say(template.replace("{first}", titles[0]).replace("{second}", titles[1])))
        self.state.choices = list(targets)
        if self.state.node is None:
            self.state.node = self.flow.start
        node = self.flow.nodes[self.state.node]
        self.actions.append(Listen(node.id, ("1", "2"), tuple(titles)))

    def choose(self, choices: list[str], text: str) -> bool:
        """The answer to "did you mean 1 ... or 2 ...?": its key (1 or 2, or the word); anything else is read
        afresh."""
        norm = matching.NUMBER_WORDS.get(normalise(text), normalise(text)).rstrip(" )")
        index = {"1": 0, "2": 1}.get(norm)
        if index is None:
            return False
        self.enter(self.node_for(choices[index]))
        return True

    def listen(self, node: Node) -> Listen:
        keys = tuple(o.key for o in node.options)
        hints = tuple(p.text for o in node.options for p in o.words.get(self.state.lang, ()))
        return Listen(node.id, keys, hints)

    # -- the step itself ------------------------------------------------------------------------------------
    def start(self, text: str) -> None:
        """A new conversation: a first message that asks something specific gets its answer straight away."""
        keyword = self.keyword(text, None)
        if keyword == "person":
            self.enter(self.flow.person)
        elif keyword == "lifeline" and self.flow.lifeline:
            self.enter(self.flow.lifeline)
        elif keyword == "help":
            self.enter(self.flow.help)
        elif not (keyword is None and self.find_topic(text)):
            self.enter(self.flow.start)

    def react(self, node: Node, text: str) -> None:
        if node.hold:
            self.hold(node, text)
            return
        keyword = self.keyword(text, node)
        if keyword == "lifeline" and self.flow.lifeline:
            self.enter(self.flow.lifeline)
        elif keyword == "menu":
            self.state.history = []
            self.enter(self.flow.start, remember=False)
        elif keyword == "back":
            previous = self.state.history.pop() if self.state.history else self.flow.start
            self.enter(previous, remember=False)
        elif keyword == "help":
            self.enter(self.flow.help)
        elif keyword == "more":
            self.more(node)
        elif keyword == "person":
            self.enter(self.flow.person)
        elif not REGISTRY[node.type].handle(self, node, text) and not self.find_topic(text):
            self.miss(node, text)

    def keyword(self, text: str, node: Node | None) -> str | None:
        """A global keyword: MENU, BACK, HELP, MORE as the whole message; a request for a person anywhere in it
        (but as the whole message while a question waits for free text, where "call me at 5" is an answer)."""
        norm = matching.normalise(text)
        if not norm:
            return None
        lang = self.state.lang
        for name in ("menu", "back", "lifeline", "help", "more", "person"):
            phrases = self.flow.keywords.get(name, {}).get(lang, ())
            if norm in phrases:
                return name
        if node is not None and node.type.value == "question":
            return None
        padded = f" {norm} "
        if any(f" {p} " in padded for p in self.flow.keywords["person"].get(lang, ())):
            return "person"
        return None

    def hold(self, node: Node, text: str) -> None:
        """On the crisis path: an answer the node asks for moves along it ("is the person breathing?" - "no");
        anything else, keywords included, gets the node's resources again. Never "sorry, I didn't understand",
        never the menu: the dialogue lets go only when staff have closed the request."""
        behaviour = REGISTRY[node.type]
        if node.type is NodeType.QUESTION:
            if Question.parse(node, text) is not None and behaviour.handle(self, node, text):
                return
        elif node.options and any(matching.normalise(text) == o.key.lower() for o in node.options):
            if behaviour.handle(self, node, text):
                return
        self.state.misses = 0
        self.say(node.retry or node.text)
        self.actions.append(self.listen(node))

    def more(self, node: Node) -> None:
        if self.state.part < len(node.more):
            self.state.part += 1
            self.say(node.more[self.state.part - 1])
            self.actions.append(self.listen(node))
        elif node.more and "no_more" in self.flow.messages:
            # They read it all: say so, rather than "sorry, I didn't understand" (and it is not a miss).
            self.say(self.flow.messages["no_more"])
            self.actions.append(self.listen(node))
        else:
            self.miss(node)

    def miss(self, node: Node, text: str = "") -> None:
        """Not understood. A question in several words that no topic answers gets an honest "I don't have an
        answer to that" (with a call offer); anything else the node's retry or "sorry, I didn't understand"."""
        self.state.misses += 1
        if self.state.misses > self.flow.max_misses:
            self.enter(self.flow.fallback)
            return
        asked = len(normalise(text).split()) >= 3 and "no_answer" in self.flow.messages and node.retry is None
        self.say(self.flow.messages["no_answer"] if asked else node.retry or self.flow.messages["no_match"])
        self.actions.append(self.listen(node))
