"""Load a flow file: the schema first, then build the nodes, then the cross-checks; every error with file:line.

Building checks what one node can show: template variables known; every text in each declared language; SMS texts
within the segment budget; menu keys and words unique in a node; regexes compile; review dates are dates. The
checks across nodes (links, reachability, a way to a person, ...) are in :mod:`helpline.engine.checks`.

Per language: a variable ``{org_hours}`` in an ``es:`` text takes the value of ``org_hours_es`` when the variables
have one (settings in both languages), else ``org_hours``; ``max_segments_by_language: {es: 4}`` (flow or node)
gives a language its own SMS budget, since a text with á, í, ó or ú is sent as UCS-2, 70 characters a segment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from helpline.content import segments, templating, yamlsource
from helpline.engine import checks
from helpline.engine.matching import Phrase, Vocabulary, normalise
from helpline.engine.model import Channel, Flow, Node, NodeType, Option, Priority, Review, Text
from helpline.engine.schema import FLOW_SCHEMA, NODE_KINDS
from helpline.errors import ContentError, Problem
from helpline.understanding.topics import Policy
from helpline.variables import variables_in

DEFAULT_MAX_SEGMENTS = 2
# Messages with fields the engine fills when it says them: "did you mean 1 {first} or 2 {second}?"
RUNTIME_FIELDS = {("messages", "clarify"): ("first", "second")}


def load_flow(path: str | Path, variables: Mapping[str, str], *, today: dt.date | None = None) -> Flow:
    """Read, validate and build the flow at ``path``; raise :class:`ContentError` listing every problem.

    ``today`` is the date reviews are judged stale against (tests freeze it); the real date by default.
    """
    path = Path(path)
    data = yamlsource.load(path)
    file = str(path)
    if not isinstance(data, dict):
        raise ContentError([Problem(file, 1, "a flow file is a mapping with 'flow', 'start', 'nodes', ...")])

    def node_of(p: Sequence[Any]) -> str | None:
        return str(p[1]) if len(p) > 1 and p[0] == "nodes" else None

    yamlsource.raise_if(yamlsource.schema_problems(data, FLOW_SCHEMA, file, node_of, SCHEMA_HINTS))
    builder = _Builder(data, file, variables, today or dt.date.today())
    flow = builder.build()
    yamlsource.raise_if(builder.problems)
    flow.version = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return flow


def _schema_hints() -> dict[str, str]:
    """For a property missing or out of place, say which node types take it."""
    hints = {}
    for spec in NODE_KINDS.values():
        for name in spec["props"]:
            kinds = [k for k, s in NODE_KINDS.items() if name in s["props"]]
            hints[name] = f"'{name}' belongs in {', '.join(kinds)} nodes"
    hints["review"] = "health answers (answer nodes) carry 'review:' with sources, reviewed_by, reviewed_on"
    return hints


SCHEMA_HINTS = _schema_hints()


class _Builder:
    """Builds the :class:`Flow` from the file's data, collecting every problem (it is the checks' report)."""

    def __init__(self, data: Any, file: str, variables: Mapping[str, str], today: dt.date):
        self.today = today
        self.structural = False  # a broken link, which explains any dead end it causes
        self.data = data
        self.file = file
        self.variables = variables
        self.languages = [str(x) for x in data["languages"]]
        self.lang_variables = {lang: variables_in(variables, lang, self.languages) for lang in self.languages}
        self.max_segments = int(data.get("max_segments", DEFAULT_MAX_SEGMENTS))
        self.max_segments_by_language = {str(k): int(v) for k, v in
                                         (data.get("max_segments_by_language") or {}).items()}
        self.vocabulary = Vocabulary({k: list(v) for k, v in (data.get("synonyms") or {}).items()})
        self.problems: list[Problem] = []

    def problem(self, path: list[Any], message: str, node: str | None = None) -> None:
        self.problems.append(Problem(self.file, yamlsource.line_of(self.data, path), message, node))

    # -- pieces ---------------------------------------------------------------------------------------------
    def segment_limit(self, lang: str, node_raw: Any = None) -> int:
        """The SMS budget of a text in ``lang``: the node's per-language budget, the node's, the flow's per-language
        budget, then the flow's."""
        raw = node_raw if isinstance(node_raw, dict) else {}
        by_lang = raw.get("max_segments_by_language") or {}
        if lang in by_lang:
            return int(by_lang[lang])
        if raw.get("max_segments") is not None:
            return int(raw["max_segments"])
        return self.max_segments_by_language.get(lang, self.max_segments)

    def text(self, raw: Any, path: list[Any], node: str | None, node_raw: Any = None) -> Text:
        variants: dict[str, dict[str, str]] = {}
        for lang in self.languages:
            if lang not in raw:
                declared = ", ".join(self.languages)
                self.problem(path, f"text has no '{lang}' version (the flow declares languages {declared})", node)
                continue
        for lang, value in raw.items():
            if lang not in self.languages:
                self.problem(path + [lang], f"language '{lang}' is not declared in 'languages'", node)
                continue
            by_channel = {"sms": value} if isinstance(value, str) else dict(value)
            rendered = {}
            variables = self.lang_variables[lang]
            runtime = RUNTIME_FIELDS.get(tuple(path))
            if runtime:  # filled per message by the engine: kept as written here
                variables = {**variables, **{name: "{" + name + "}" for name in runtime}}
            for channel, template in by_channel.items():
                where = path + [lang] if isinstance(value, str) else path + [lang, channel]
                bad = templating.problems(template, variables)
                for message in bad:
                    self.problem(where, message, node)
                if bad:
                    continue
                rendered[channel] = _tidy(templating.render(template, variables))
                if channel == Channel.SMS:
                    self.check_sms(rendered[channel], where, node, self.segment_limit(lang, node_raw))
            if rendered:
                rendered.setdefault(Channel.SMS, next(iter(rendered.values())))
                variants[lang] = rendered
        if not variants:
            variants = {self.languages[0]: {"sms": "?"}}
        return Text(variants)

    def check_sms(self, text: str, where: list[Any], node: str | None, limit: int) -> None:
        odd = segments.non_gsm_chars(text)
        count = segments.segments(text)
        if count > limit:
            extra = ""
            if odd:
                named = ", ".join(f"{ch} ({unicodedata.name(ch, hex(ord(ch)))})" for ch in odd)
                verb = "is" if len(odd) == 1 else "are"
                fix = ("use straight quotes ' \" and a plain dash -" if not all(ch.isalpha() for ch in odd) else
                       "letters like these are needed in Spanish, so write shorter, or set max_segments_by_language")
                extra = (f"; {named} {verb} not in the GSM alphabet and send the whole text as UCS-2, "
                         f"70 characters a segment instead of 160: {fix}")
            self.problem(where, f"SMS text is {count} segments ({len(text)} characters), more than {limit}{extra}; "
                                f"shorten it, split it with 'more', or raise the node's max_segments", node)

    def lang_value(self, name: str, lang: str) -> str:
        return self.lang_variables.get(lang, self.variables).get(name, "")

    def phrases(self, raw: Any, path: list[Any], node: str | None) -> dict[str, tuple[Phrase, ...]]:
        if raw is None:
            return {}
        by_lang = {lang: list(raw) for lang in self.languages} if isinstance(raw, list) else dict(raw)
        out = {}
        for lang, items in by_lang.items():
            if lang not in self.languages:
                self.problem(path + [lang], f"language '{lang}' is not declared in 'languages'", node)
                continue
            out[lang] = tuple(self.vocabulary.phrase(str(s)) for s in items)
            for i, phrase in enumerate(out[lang]):
                if not phrase.words:
                    self.problem(path, f"phrase {items[i]!r} has no words to match", node)
        return out

    def examples(self, raw: Any, path: list[Any], node: str | None) -> dict[str, tuple[str, ...]]:
        """Router examples per language; an example that reads as the other language is an error."""
        from helpline.understanding.language import clearly_other

        out: dict[str, tuple[str, ...]] = {}
        for lang, items in (raw or {}).items():
            if lang not in self.languages:
                self.problem(path + [lang], f"language '{lang}' is not declared in 'languages'", node)
                continue
            out[lang] = tuple(str(s) for s in items)
            for i, text in enumerate(out[lang]):
                other = clearly_other(text, lang)
                if other:
                    self.problem(path + [lang, i], f"example {text!r} reads as '{other}', not '{lang}'", node)
        return out

    def options(self, raw: Any, path: list[Any], node: str) -> list[Option]:
        opts: list[Option] = []
        keys: dict[str, int] = {}
        words: dict[tuple[str, tuple[str, ...]], int] = {}
        for i, item in enumerate(raw or []):
            key = str(item["key"]).strip()
            if key in keys:
                self.problem(path + [i, "key"], f"menu key '{key}' is used by two options "
                                                f"({keys[key] + 1} and {i + 1}): each option needs its own key", node)
            keys.setdefault(key, i)
            phrases = self.phrases(item.get("words"), path + [i, "words"], node)
            for lang, items in phrases.items():
                for p in items:
                    if (lang, p.words) in words:
                        self.problem(path + [i, "words"],
                                     f"menu word '{p.text}' is used by two options ({words[(lang, p.words)] + 1} "
                                     f"and {i + 1})", node)
                    words.setdefault((lang, p.words), i)
            opts.append(Option(key, str(item["goto"]), phrases, yamlsource.line_of(self.data, path + [i])))
        return opts

    def review(self, raw: Any, path: list[Any], node: str) -> Review:
        when = raw["reviewed_on"]
        if isinstance(when, str):
            try:
                when = dt.date.fromisoformat(when)
            except ValueError:
                self.problem(path + ["reviewed_on"], f"reviewed_on {when!r} is not a date (YYYY-MM-DD)", node)
                when = None
        elif not isinstance(when, dt.date):
            self.problem(path + ["reviewed_on"], "reviewed_on must be a date (YYYY-MM-DD)", node)
            when = None
        return Review(tuple(str(s) for s in raw["sources"]), str(raw["reviewed_by"]),
                      when.isoformat() if when else "")

    # -- the whole flow ----------------------------------------------------------------------------------------
    def build(self) -> Flow:
        data = self.data
        nodes: dict[str, Node] = {}
        for node_id, raw in data["nodes"].items():
            nodes[str(node_id)] = self.node(str(node_id), raw)
        keywords = {}
        for name, raw in data["keywords"].items():
            phrases = self.phrases(raw, ["keywords", name], None)
            keywords[name] = {lang: tuple(normalise(p.text) for p in ps) for lang, ps in phrases.items()}
        messages = {k: self.text(v, ["messages", k], None) for k, v in data["messages"].items()}
        flow = Flow(
            name=str(data["flow"]), path=self.file, version="", languages=self.languages,
            start=str(data["start"]), person=str(data["person"]), help=str(data["help"]),
            fallback=str(data["fallback"]), crisis=str(data["crisis"]), nodes=nodes, keywords=keywords,
            messages=messages, vocabulary=self.vocabulary, max_misses=int(data.get("max_misses", 2)),
            intents={name: self.examples(raw.get("examples"), ["intents", name, "examples"], None)
                     for name, raw in (data.get("intents") or {}).items()},
            policy=Policy(**(data.get("routing") or {})),
            crisis_paths={str(k): str(v) for k, v in (data.get("crisis_paths") or {}).items()},
            lifeline=data.get("lifeline"),
        )
        checks.cross_check(flow, self)
        return flow

    def node(self, node_id: str, raw: Any) -> Node:
        path = ["nodes", node_id]
        kind = NodeType(raw["type"])
        node = Node(id=node_id, type=kind, line=yamlsource.line_of(self.data, path))
        node.text = self.text(raw["text"], path + ["text"], node_id, raw)
        node.options = self.options(raw.get("options"), path + ["options"], node_id)
        node.goto = raw.get("goto")
        node.more = [self.text(t, path + ["more", i], node_id, raw) for i, t in enumerate(raw.get("more") or [])]
        node.match = self.phrases(raw.get("match"), path + ["match"], node_id)
        if "retry" in raw:
            node.retry = self.text(raw["retry"], path + ["retry"], node_id, raw)
        if "review" in raw:
            node.review = self.review(raw["review"], path + ["review"], node_id)
        node.save_as = raw.get("save_as")
        node.expect = raw.get("expect", "text")
        node.retries = int(raw.get("retries", 2))
        node.on_fail = raw.get("on_fail")
        node.branches = dict(raw.get("branches") or {})
        node.reason = raw.get("reason")
        node.priority = Priority(raw.get("priority", "routine"))
        node.topic = raw.get("topic")
        node.title = {str(k): str(v) for k, v in (raw.get("title") or {}).items()}
        node.examples = self.examples(raw.get("examples"), path + ["examples"], node_id)
        node.hold = bool(raw.get("hold", False))
        if "request" in raw:
            node.request_reason = str(raw["request"]["reason"])
            node.request_priority = Priority(raw["request"].get("priority", "routine"))
        if "pattern" in raw:
            try:
                re.compile(raw["pattern"])
                node.pattern = raw["pattern"]
            except re.error as exc:
                self.problem(path + ["pattern"], f"pattern does not compile: {exc}", node_id)
        if kind is NodeType.QUESTION and node.goto is None and not node.branches:
            self.problem(path, "a question needs 'goto' (or 'branches') for where to go once answered", node_id)
            self.structural = True
        if node.branches and node.expect != "yes_no":
            self.problem(path + ["branches"], "'branches' needs expect: yes_no", node_id)
        return node

def _tidy(text: str) -> str:
    """Folded YAML leaves stray spaces; keep the line breaks a menu is laid out with, drop the rest."""
    lines = (" ".join(line.split()) for line in text.strip().splitlines())
    return "\n".join(line for line in lines if line)
