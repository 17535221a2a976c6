"""What a flow is once loaded: nodes, their texts per language and channel, and the flow's global settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from helpline.engine.matching import Phrase, Vocabulary

if TYPE_CHECKING:
    from helpline.understanding.topics import Policy, Route, Router


class Channel(StrEnum):
    SMS = "sms"
    VOICE = "voice"


class NodeType(StrEnum):
    """The kinds of node a flow is made of; each kind's behaviour is in :mod:`helpline.engine.nodes`."""

    MENU = "menu"          # a choice of options, by key or by word
    ANSWER = "answer"      # a reviewed health answer, possibly in parts ("reply MORE")
    QUESTION = "question"  # asks for a value, validates it, retries, saves it
    CALLBACK = "callback"  # records a callback request for a person to call back
    HANDOFF = "handoff"    # puts the person through to a human now (voice dials; SMS gives the number)
    END = "end"            # closes the conversation; the next message starts at the greeting


class Priority(StrEnum):
    CRISIS = "crisis"
    URGENT = "urgent"
    ROUTINE = "routine"


@dataclass(frozen=True)
class Text:
    """One text in every language of the flow, each with an optional voice variant."""

    variants: dict[str, dict[str, str]]  # lang -> {"sms": ..., "voice": ...}

    def get(self, lang: str, channel: str, default_lang: str = "en") -> str:
        by_channel = self.variants.get(lang) or self.variants[default_lang]
        return by_channel.get(channel) or by_channel[Channel.SMS]


@dataclass(frozen=True)
class Option:
    key: str
    goto: str
    words: dict[str, tuple[Phrase, ...]]  # lang -> phrases that choose this option
    line: int | None = None


@dataclass(frozen=True)
class Review:
    """Who checked a health answer, against what, and when: stale clinical content must be visible."""

    sources: tuple[str, ...]
    reviewed_by: str
    reviewed_on: str


@dataclass
class Node:
    id: str
    type: NodeType
    line: int | None
    text: Text | None = None
    options: list[Option] = field(default_factory=list)
    goto: str | None = None
    more: list[Text] = field(default_factory=list)
    match: dict[str, tuple[Phrase, ...]] = field(default_factory=dict)  # lang -> phrases finding it from anywhere
    review: Review | None = None
    retry: Text | None = None
    # question
    save_as: str | None = None
    expect: str = "text"
    pattern: str | None = None
    retries: int = 2
    on_fail: str | None = None
    branches: dict[str, str] = field(default_factory=dict)
    # callback
    reason: str | None = None
    priority: Priority = Priority.ROUTINE
    topic: str | None = None
    title: dict[str, str] = field(default_factory=dict)  # lang -> short name, for "did you mean ...?"
    examples: dict[str, tuple[str, ...]] = field(default_factory=dict)  # lang -> phrasings for the router
    # a question that records a callback request as it is asked (the first ask: the answers only enrich it)
    request_reason: str | None = None
    request_priority: Priority = Priority.ROUTINE
    # a crisis node that keeps the person on the crisis path: every later message gets its resources again
    hold: bool = False

    @property
    def waits(self) -> bool:
        """True when the node waits for the person's next message (an end or a chained node does not)."""
        if self.type is NodeType.END:
            return False
        if self.type in (NodeType.CALLBACK, NodeType.HANDOFF):
            return self.goto is None
        return True

    def targets(self) -> list[str]:
        """Every node this one can lead to directly."""
        out = [o.goto for o in self.options]
        out += [t for t in (self.goto, self.on_fail) if t]
        out += list(self.branches.values())
        return out


@dataclass
class Flow:
    """A validated flow, its texts already filled with the organisation's settings."""

    name: str
    path: str
    version: str
    languages: list[str]
    start: str
    person: str
    help: str
    fallback: str
    crisis: str
    nodes: dict[str, Node]
    keywords: dict[str, dict[str, tuple[str, ...]]]  # keyword -> lang -> normalised phrases
    messages: dict[str, Text]
    vocabulary: Vocabulary
    max_misses: int = 2
    intents: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)  # person / none -> lang -> texts
    policy: Policy | None = None
    model_cache: Path | None = field(default=None, repr=False, compare=False)  # where a trained router is kept
    _router: Router | PhraseRouter | None = field(default=None, repr=False, compare=False)
    crisis_paths: dict[str, str] = field(default_factory=dict)  # crisis path (see helpline.engine.crisis_paths) -> node
    lifeline: str | None = None  # where the "lifeline" keyword (AYUDA, 988) leads: how to reach 988

    def crisis_node(self, path: str | None) -> str:
        """The node a crisis of ``path`` (a category, or a finer path such as ``overdose_self``) leads to."""
        if path and path in self.crisis_paths:
            return self.crisis_paths[path]
        return self.crisis

    def hold_nodes(self) -> set[str]:
        return {n.id for n in self.nodes.values() if n.hold}

    @property
    def default_lang(self) -> str:
        return self.languages[0]

    def training_examples(self) -> dict[str, dict[str, list[str]]]:
        """Every router class and its examples per language: answer nodes (``examples`` and ``match`` phrases,
        ``title``), the ``person`` intent (with the person keywords) and ``none``."""
        out: dict[str, dict[str, list[str]]] = {}
        for node in self.nodes.values():
            if node.type is not NodeType.ANSWER:
                continue
            by_lang = out.setdefault(node.id, {})
            for lang in self.languages:
                texts = list(node.examples.get(lang, ())) + [p.text for p in node.match.get(lang, ())]
                if lang in node.title:
                    texts.append(node.title[lang])
                by_lang[lang] = texts
        for name, intent in self.intents.items():
            for lang, said in intent.items():
                out.setdefault(name, {}).setdefault(lang, []).extend(said)
        for lang, phrases in self.keywords.get("person", {}).items():
            out.setdefault("person", {}).setdefault(lang, []).extend(phrases)
        return out

    @property
    def router(self) -> Router | PhraseRouter:
        """The topic router trained from this flow's examples (built on first use; cached by their hash). A flow
        with no ``examples:`` at all (a small test flow) routes by its ``match:`` phrases instead: a classifier
        learnt from two phrases a node would guess, where the phrases are exact."""
        if self._router is None:
            from helpline.understanding import topics

            if not any(n.examples for n in self.nodes.values()):
                self._router = PhraseRouter(self)
                return self._router
            examples = topics.flow_examples(self.training_examples())
            everyday = Path(self.path).parent / topics.EVERYDAY
            self._router = topics.router_for(examples, self.policy or topics.Policy(), everyday, self.model_cache)
        return self._router

    def title_of(self, node_id: str, lang: str) -> str:
        node = self.nodes.get(node_id)
        if node is None:
            return node_id
        return node.title.get(lang) or node.title.get(self.default_lang) or node.topic or node_id.replace("_", " ")

    def topics(self, lang: str) -> list[tuple[str, Phrase]]:
        """Every (node id, phrase) that can be found from anywhere in the conversation, in file order."""
        return [(node.id, p) for node in self.nodes.values() for p in node.match.get(lang, ())]


class PhraseRouter:
    """Routing by ``match:`` phrases (every word of a phrase found in the message), for flows without examples."""

    version = "phrases"  # what `helpline understanding` reports, as for a trained Router

    def __init__(self, flow: Flow):
        self.flow = flow
        self.classes = [n.id for n in flow.nodes.values() if n.type is NodeType.ANSWER]

    def route(self, norm: str, context: object = (), about: str = "", lang: str | None = None) -> Route:
        """The same call as :meth:`Router.route`; a menu's context does not apply to exact phrases."""
        from helpline.engine.matching import rank
        from helpline.understanding.topics import Route

        lang = lang or self.flow.default_lang
        found = rank(self.flow.topics(lang), self.flow.vocabulary.message(norm))
        return Route("answer", (found[0],), 1.0) if found else Route("unknown")
