"""Evaluating the crisis screen on a labelled corpus: recall per category, false alarms on the rest.

The corpus (``tests/data/crisis_corpus.yaml``) is a list of messages, each with the category a clinician would
give it
or ``none``::

    - {text: "i think my brother od'd hes not waking up", label: overdose, style: sms}
    - {text: "can you overdose on kratom", label: none, kind: question}

``label`` may list several categories when either answer is right (``[overdose, suicide]``). Recall counts a
labelled
message as found when the screen raises *any* crisis for it (the person gets an emergency answer); the report
also
says how often the category itself agreed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpline.content import yamlsource
from helpline.errors import Problem

if TYPE_CHECKING:
    from helpline.understanding.crisis.lexicon import Lexicon
    from helpline.understanding.crisis.verdict import Verdict

NONE = "none"

CORPUS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["text", "label"],
        "additionalProperties": False,
        "properties": {
            "text": {"type": "string", "minLength": 1},
            "label": {
                "oneOf": [
                    {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                    {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                    },
                ]
            },
            "style": {"enum": ["sms", "speech"]},
            "kind": {"type": "string"},
        },
    },
}


@dataclass
class Example:
    line: int | None
    text: str
    labels: tuple[str, ...]
    style: str = "sms"
    kind: str = ""

    @property
    def is_crisis(self) -> bool:
        return NONE not in self.labels


@dataclass
class Outcome:
    example: Example
    verdict: Verdict


@dataclass
class CategoryScore:
    category: str
    total: int = 0
    detected: int = 0
    right_category: int = 0

    @property
    def recall(self) -> float:
        return self.detected / self.total if self.total else 1.0

    @property
    def agreement(self) -> float:
        return self.right_category / self.total if self.total else 1.0


@dataclass
class EvalReport:
    corpus: str
    lexicon_version: str
    scores: dict[str, CategoryScore] = field(default_factory=dict)
    negatives: int = 0
    misses: list[Outcome] = field(default_factory=list)
    false_alarms: list[Outcome] = field(default_factory=list)
    wrong_category: list[Outcome] = field(default_factory=list)

    @property
    def false_alarm_rate(self) -> float:
        return len(self.false_alarms) / self.negatives if self.negatives else 0.0

    @property
    def total(self) -> int:
        return self.negatives + sum(s.total for s in self.scores.values())

    def meets(self, min_recall: float = 0.97, max_false_alarms: float = 0.03) -> bool:
        """Whether every category's recall and the false-alarm rate are within the targets."""
        return (
            all(s.recall >= min_recall for s in self.scores.values())
            and self.false_alarm_rate <= max_false_alarms
        )

    def as_json(self) -> dict[str, Any]:
        def outcome(o: Outcome) -> dict[str, Any]:
            return {
                "line": o.example.line,
                "labels": list(o.example.labels),
                **o.verdict.as_json(o.example.text),
            }

        return {
            "corpus": self.corpus,
            "lexicon_version": self.lexicon_version,
            "recall": {c: s.recall for c, s in self.scores.items()},
            "category_agreement": {c: s.agreement for c, s in self.scores.items()},
            "negatives": self.negatives,
            "false_alarm_rate": self.false_alarm_rate,
            "misses": [outcome(o) for o in self.misses],
            "false_alarms": [outcome(o) for o in self.false_alarms],
            "wrong_category": [outcome(o) for o in self.wrong_category],
        }


def load_corpus(path: str | Path) -> list[Example]:
    """Read a labelled corpus (YAML or JSON Lines); a malformed entry is a :class:`ContentError` with
    ``file:line``."""
    from helpline.understanding.data import read_corpus

    return [Example(ex.line, ex.text, ex.labels, ex.channel, ex.kind) for ex in read_corpus(path)]


def evaluate(lexicon: Lexicon, corpus_path: str | Path) -> EvalReport:
    """Screen every message of the corpus and score the screen against the labels."""
    examples = load_corpus(corpus_path)
    unknown = [
        Problem(
            str(corpus_path),
            e.line,
            f"unknown label '{label}' (categories: {', '.join(lexicon.categories)}, or {NONE})",
        )
        for e in examples
        for label in e.labels
        if label != NONE and label not in lexicon.categories
    ]
    yamlsource.raise_if(unknown)
    return score(lexicon, examples, str(corpus_path))


def score(lexicon: Lexicon, examples: Sequence[Example], corpus: str = "<corpus>") -> EvalReport:
    report = EvalReport(corpus, lexicon.version, {c: CategoryScore(c) for c in lexicon.categories})
    for example in examples:
        verdict = lexicon.screen(example.text)
        outcome = Outcome(example, verdict)
        if not example.is_crisis:
            report.negatives += 1
            if verdict.crisis:
                report.false_alarms.append(outcome)
            continue
        for label in example.labels[:1]:
            s = report.scores[label]
            s.total += 1
            if verdict.crisis:
                s.detected += 1
                if verdict.category in example.labels:
                    s.right_category += 1
                else:
                    report.wrong_category.append(outcome)
            else:
                report.misses.append(outcome)
    return report


def format_report(report: EvalReport, min_recall: float = 0.97, max_false_alarms: float = 0.03) -> str:
    """The report as text for a terminal: figures first, then every miss and false alarm with its line."""
    lines = [f"corpus {report.corpus}: {report.total} messages (lexicon {report.lexicon_version})", ""]
    lines.append(f"{'category':<14}{'messages':>9}{'found':>7}{'recall':>8}{'same category':>15}")
    for s in report.scores.values():
        flag = "" if s.recall >= min_recall else "   << below target"
        lines.append(f"{s.category:<14}{s.total:>9}{s.detected:>7}{s.recall:>8.3f}{s.agreement:>15.3f}{flag}")
    fa = report.false_alarm_rate
    lines.append(
        f"{'none':<14}{report.negatives:>9}  false alarms {len(report.false_alarms)} "
        f"({fa:.1%}){'' if fa <= max_false_alarms else '   << above target'}"
    )
    lines.append("")
    lines.append(
        "targets met"
        if report.meets(min_recall, max_false_alarms)
        else f"TARGETS NOT MET (recall >= {min_recall}, false alarms <= {max_false_alarms:.0%})"
    )

    def where(o: Outcome) -> str:
        return f"  line {o.example.line}: " if o.example.line else "  "

    if report.misses:
        lines += ["", f"missed ({len(report.misses)}):"]
        for o in report.misses:
            why = "; ".join(f"{m.phrase!r} {m.reason}" for m in o.verdict.suppressed)
            lines.append(
                f"{where(o)}[{'/'.join(o.example.labels)}] {o.example.text!r}"
                + (f"  (set aside: {why})" if why else "")
            )
    if report.false_alarms:
        lines += ["", f"false alarms ({len(report.false_alarms)}):"]
        for o in report.false_alarms:
            why = "; ".join(f"{m.phrase!r} via {m.rule}" for m in o.verdict.matches)
            lines.append(f"{where(o)}[{o.verdict.category}] {o.example.text!r}  ({why})")
    if report.wrong_category:
        lines += ["", f"found under another category ({len(report.wrong_category)}):"]
        for o in report.wrong_category:
            lines.append(
                f"{where(o)}[{'/'.join(o.example.labels)} -> {o.verdict.category}] {o.example.text!r}"
            )
    return "\n".join(lines) + "\n"
