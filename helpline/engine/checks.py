"""The cross-checks a schema cannot express, run on a built :class:`Flow` by :func:`helpline.engine.loader.load_flow`.

Every ``goto`` target exists; every node is reachable; no dead end without a way to a person; topic phrases not
claimed by two nodes; enough router examples, none under two classes; health answers reviewed within the year.
Each problem goes to the loader's report with the path of the YAML line it is about, so it names file, line and
node.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any, Protocol

from helpline.engine.matching import normalise
from helpline.engine.model import Flow, Node, NodeType

REVIEW_STALE_AFTER = dt.timedelta(days=365)
NUMBER_FIELDS = ("org_phone", "helpline_number")


class Report(Protocol):
    """Where the checks put what they find (the loader's builder): the flow file's data and languages, the date
    reviews are judged against, and whether the nodes already had a broken link."""

    data: Any
    languages: list[str]
    today: dt.date
    structural: bool

    def problem(self, path: list[Any], message: str, node: str | None = None) -> None: ...

    def lang_value(self, name: str, lang: str) -> str: ...


def cross_check(flow: Flow, report: Report) -> None:
    """Every cross-check, in the order their problems are listed."""
    check_entry_points(flow, report)
    broken = check_links(flow, report)
    check_person(flow, report)
    check_reachable(flow, report)
    check_way_to_person(flow, report, explained=report.structural or broken > 0)
    check_topic_phrases(flow, report)
    check_examples(flow, report)
    check_reviews(flow, report)


def check_entry_points(flow: Flow, report: Report) -> None:
    nodes = flow.nodes
    for name in ("start", "person", "help", "fallback", "crisis"):
        target = getattr(flow, name)
        if target not in nodes:
            report.problem([name], f"'{name}' names node '{target}', which does not exist")
    for path_name, target in flow.crisis_paths.items():
        if target not in nodes:
            report.problem(["crisis_paths", path_name], f"names node '{target}', which does not exist")
    if flow.lifeline is not None and flow.lifeline not in nodes:
        report.problem(["lifeline"], f"'lifeline' names node '{flow.lifeline}', which does not exist")


def check_links(flow: Flow, report: Report) -> int:
    """Every ``goto``, ``on_fail`` and branch names a node; how many do not."""
    broken = 0
    for node in flow.nodes.values():
        for where, target in targets_with_paths(node):
            if target not in flow.nodes:
                close = difflib.get_close_matches(target, list(flow.nodes), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                report.problem(["nodes", node.id] + where, f"goes to node '{target}', which does not exist{hint}",
                               node.id)
                broken += 1
    return broken


def check_person(flow: Flow, report: Report) -> None:
    nodes = flow.nodes
    if flow.person in nodes and nodes[flow.person].type not in (NodeType.CALLBACK, NodeType.HANDOFF,
                                                                 NodeType.MENU, NodeType.QUESTION):
        report.problem(["person"], f"'person' node '{flow.person}' must lead to a callback or hand-off")


def check_reachable(flow: Flow, report: Report) -> None:
    """From the entry points, plus every node a texter can find by its topic phrases."""
    nodes = flow.nodes
    roots = [flow.start, flow.person, flow.help, flow.fallback, flow.crisis, *flow.crisis_paths.values()]
    roots += [flow.lifeline] if flow.lifeline else []
    roots += [n.id for n in nodes.values() if n.match or n.examples]
    seen = reach(nodes, [r for r in roots if r in nodes])
    for node in nodes.values():
        if node.id not in seen:
            report.problem(["nodes", node.id], "is not reachable from the start, a keyword or a topic phrase", node.id)


def check_way_to_person(flow: Flow, report: Report, explained: bool) -> None:
    """Every node leads to a callback or hand-off, or to an end that gives a number; waiting nodes also lead to
    the fallback after repeated misses. ``explained``: a broken link already explains any dead end it causes."""
    nodes = flow.nodes

    def personal(n: Node) -> bool:
        if n.type in (NodeType.CALLBACK, NodeType.HANDOFF) or n.request_reason or n.hold:
            return True
        return n.type is NodeType.END and gives_number(n, report)

    good = {n.id for n in nodes.values() if personal(n)}
    changed = True
    while changed:
        changed = False
        for n in nodes.values():
            if n.id in good:
                continue
            nexts = n.targets() + ([flow.fallback] if n.waits else [])
            if any(t in good for t in nexts):
                good.add(n.id)
                changed = True
    if explained:
        return
    for n in nodes.values():
        if n.id not in good:
            why = ("an end node must give a phone number ({org_phone}, 988 or 911)" if n.type is NodeType.END
                   else "no path from here reaches a person (a callback or hand-off node)")
            report.problem(["nodes", n.id], f"dead end: {why}", n.id)


def check_topic_phrases(flow: Flow, report: Report) -> None:
    """A topic phrase found from anywhere must point at one node only."""
    owners: dict[tuple[str, tuple[str, ...]], str] = {}
    for node in flow.nodes.values():
        for lang, phrases in node.match.items():
            for p in phrases:
                other = owners.setdefault((lang, p.words), node.id)
                if other != node.id:
                    report.problem(["nodes", node.id, "match"],
                                   f"topic phrase '{p.text}' also belongs to node '{other}'", node.id)


def check_examples(flow: Flow, report: Report) -> None:
    """Enough examples for every answer and intent in every language; no example under two classes."""
    minimum = int(report.data.get("min_examples", 0))
    owners: dict[str, tuple[str, list[Any]]] = {}
    classes: list[tuple[str, list[Any], dict[str, tuple[str, ...]]]] = [
        (n.id, ["nodes", n.id], n.examples) for n in flow.nodes.values() if n.type is NodeType.ANSWER]
    classes += [(name, ["intents", name], ex) for name, ex in flow.intents.items()]
    for name, path, examples in classes:
        node = name if path[0] == "nodes" else None
        for lang in report.languages:
            have = len(examples.get(lang, ()))
            if have < minimum:
                report.problem(path, f"has {have} '{lang}' examples; the router needs at least {minimum} "
                                     f"(min_examples)", node)
            for i, text in enumerate(examples.get(lang, ())):
                key = normalise(text)
                other = owners.setdefault(key, (name, path + ["examples", lang, i]))
                if other[0] != name:
                    report.problem(path + ["examples", lang, i],
                                   f"example {text!r} is also an example of '{other[0]}': one class each", node)
    if minimum and "none" not in flow.intents:
        report.problem(["intents"], "needs a 'none' intent: examples of what this helpline has no answer for")


def check_reviews(flow: Flow, report: Report) -> None:
    """A health answer reviewed over a year ago is re-reviewed before it ships."""
    for node in flow.nodes.values():
        if node.type is NodeType.ANSWER and node.review and node.review.reviewed_on:
            if report.today - dt.date.fromisoformat(node.review.reviewed_on) > REVIEW_STALE_AFTER:
                report.problem(["nodes", node.id, "review", "reviewed_on"],
                               f"review from {node.review.reviewed_on} is over a year old: re-review this answer",
                               node.id)


def gives_number(node: Node, report: Report) -> bool:
    """Every text of ``node``, in every language and channel, gives a phone number a person answers."""
    assert node.text is not None
    for lang, by_channel in node.text.variants.items():
        numbers = [report.lang_value(f, lang) for f in NUMBER_FIELDS] + ["988", "911"]
        if not all(any(num and num in t for num in numbers) for t in by_channel.values()):
            return False
    return True


def targets_with_paths(node: Node) -> list[tuple[list[Any], str]]:
    """Each node this one leads to, with the path (inside the node) of the line that says so."""
    out: list[tuple[list[Any], str]] = [(["options", i, "goto"], o.goto) for i, o in enumerate(node.options)]
    out += [([name], t) for name, t in (("goto", node.goto), ("on_fail", node.on_fail)) if t]
    out += [(["branches", answer], t) for answer, t in node.branches.items()]
    return out


def reach(nodes: dict[str, Node], roots: list[str]) -> set[str]:
    """The nodes reachable from ``roots``."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        current = todo.pop()
        if current in seen or current not in nodes:
            continue
        seen.add(current)
        todo.extend(nodes[current].targets())
    return seen
