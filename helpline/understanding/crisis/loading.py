"""Loading ``flows/crisis.yaml`` (or already parsed data) into a validated :class:`Lexicon`.

Every problem names the file, the line and the node; all of them are reported at once.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from helpline.content import yamlsource
from helpline.errors import Problem
from helpline.understanding.crisis.engine import Engine
from helpline.understanding.crisis.lexicon import Lexicon
from helpline.understanding.crisis.replies import render_replies
from helpline.understanding.crisis.schema import SCHEMA
from helpline.understanding.crisis.text import words_of
from helpline.understanding.crisis.verdict import IGNORE_REASONS, Category


def load_lexicon(path: str | Path, variables: Mapping[str, str], model: bool = True,
                 cache_dir: Path | None = None) -> Lexicon:
    """Load and validate ``flows/crisis.yaml``; raises :class:`~helpline.errors.ContentError` with
    file:line. ``model``: attach the trained model (from ``crisis_data/`` beside the lexicon; False: rules only,
    for evaluation). ``cache_dir``: where trained models are kept between starts."""
    path = Path(path)
    data = yamlsource.load(path)
    file = str(path)
    if not isinstance(data, dict):
        yamlsource.raise_if(
            [Problem(file, 1, "the crisis lexicon must be a mapping with 'languages' and 'categories'")]
        )
    problems = yamlsource.schema_problems(data, SCHEMA, file)
    yamlsource.raise_if(problems)
    lexicon = build(data, variables, file, hashlib.sha256(path.read_bytes()).hexdigest()[:12])
    if model:
        from helpline.understanding.crisis import model as crisis_model

        settings = data.get("model") or {}
        lexicon.model = crisis_model.model_for(
            path, float(settings.get("threshold", crisis_model.DEFAULT_THRESHOLD)),
            float(settings.get("overrule", crisis_model.DEFAULT_OVERRULE)), cache_dir)
    return lexicon


def build_lexicon(data: Mapping[str, Any], variables: Mapping[str, str], file: str = "<lexicon>") -> Lexicon:
    """Build a lexicon from already parsed data (for tools and benchmarks); validated like
    :func:`load_lexicon`."""
    yamlsource.raise_if(yamlsource.schema_problems(data, SCHEMA, file))
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:12]
    return build(data, variables, file, digest)


def build(data: Mapping[str, Any], variables: Mapping[str, str], file: str, version: str) -> Lexicon:
    problems: list[Problem] = []

    def at(*keys: Any) -> int | None:
        return yamlsource.line_of(data, list(keys))

    languages = tuple(data["languages"])
    context = dict(data.get("context") or {})
    for i, rx in enumerate(context.get("past_patterns") or []):
        try:
            re.compile(rx)
        except re.error as exc:
            problems.append(
                Problem(
                    file,
                    at("context", "past_patterns", i),
                    f"context.past_patterns: regex {rx!r} does not compile: {exc}",
                )
            )
    for kind in ("contractions", "slang"):
        for key in data.get(kind) or {}:
            if len(words_of(key).split()) > 2:
                problems.append(Problem(file, at(kind, key), f"{kind}: '{key}' has more than two words"))

    categories: list[Category] = []
    seen: dict[str, str] = {}
    for name, body in data["categories"].items():
        where = f"category '{name}'"
        replies = render_replies(
            body["reply"], ("categories", name, "reply"), where, languages, variables, file, at, problems
        )
        concern = body.get("concern") or {}
        concern_replies: dict[str, dict[str, str]] = {}
        if concern:
            concern_replies = render_replies(
                concern["reply"],
                ("categories", name, "concern", "reply"),
                f"{where} concern",
                languages,
                variables,
                file,
                at,
                problems,
            )
            clash = set(concern.get("patterns") or {}) & set(body.get("patterns") or {})
            for pname in sorted(clash):
                problems.append(
                    Problem(
                        file,
                        at("categories", name, "concern", "patterns", pname),
                        f"{where}: concern pattern '{pname}' has the name of a pattern of the category",
                    )
                )
        if not (body.get("phrases") or body.get("slang") or body.get("patterns")):
            problems.append(
                Problem(file, at("categories", name), f"{where}: has no phrases, slang or patterns")
            )
        for kind in ("phrases", "slang"):
            for i, phrase in enumerate(body.get(kind) or []):
                norm = words_of(phrase)
                if not norm:
                    problems.append(
                        Problem(
                            file,
                            at("categories", name, kind, i),
                            f"{where}: phrase {phrase!r} has no letters or digits",
                        )
                    )
                elif norm in seen and seen[norm] != name:
                    problems.append(
                        Problem(
                            file,
                            at("categories", name, kind, i),
                            f"{where}: phrase {phrase!r} is also in category '{seen[norm]}'",
                        )
                    )
                else:
                    seen[norm] = name
        for keys, pats in (
            (("categories", name, "patterns"), body.get("patterns") or {}),
            (("categories", name, "concern", "patterns"), concern.get("patterns") or {}),
        ):
            for pname, rx in pats.items():
                try:
                    re.compile(rx)
                except re.error as exc:
                    problems.append(
                        Problem(file, at(*keys, pname), f"{where}: pattern '{pname}' does not compile: {exc}")
                    )
        categories.append(
            Category(
                name=name,
                severity=body["severity"],
                phrases=list(body.get("phrases") or []),
                replies=replies,
                description=str(body.get("description") or ""),
                slang=list(body.get("slang") or []),
                patterns=dict(body.get("patterns") or {}),
                benign=list(body.get("benign") or []),
                ignore_when=tuple(body.get("ignore_when", IGNORE_REASONS)),
                concern_phrases=list(concern.get("phrases") or []),
                concern_patterns=dict(concern.get("patterns") or {}),
                concern_benign=list(concern.get("benign") or []),
                concern_replies=concern_replies,
                firm=list(body.get("firm") or []),
            )
        )
    yamlsource.raise_if(problems)
    words = {k: data.get(k) for k in ("contractions", "slang", "fillers", "fuzzy", "not_fuzzy")}
    context.setdefault(
        "subjects", ["i", "you", "he", "she", "it", "we", "they", "someone", "somebody", "people"]
    )
    context.setdefault(
        "reporting",
        ["think", "thought", "sure", "mean", "say", "saying", "said", "know", "believe", "feel", "guess"],
    )
    engine = Engine(categories, words, context)
    return Lexicon(file, version, {c.name: c for c in categories}, languages, engine)
