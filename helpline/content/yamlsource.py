"""YAML content files read with their line numbers, so every error can say ``file:line``.

Flows, the crisis lexicon and transcripts are edited by people who are not programmers; an error that says
``flows/main.yaml:42: node 'kratom': 'text' is a required property`` gets fixed, a traceback does not.
ruamel.yaml's round-trip loader keeps the position of every key and item; schema errors from ``jsonschema``
are walked back to them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema
from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from helpline.errors import ContentError, Problem

_CONSTRUCTS = {"a flow mapping": "the { }", "a flow sequence": "the [ ]", "a block mapping": "the block",
               "a block collection": "the list", "a quoted scalar": "the quoted text"}


class _Constructor(RoundTripConstructor):
    """Round-trip loading, except that a date that is not a real date ("2026-02-30") stays a string, for the
    validator to report with its line, instead of crashing the parser with a bare ``ValueError``."""

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError:
            return self.construct_scalar(node)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


def load(path: str | Path) -> Any:
    """Read a YAML file keeping positions; a syntax error becomes a :class:`ContentError` with its line."""
    path = Path(path)
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContentError([Problem(str(path), None, f"cannot read: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise ContentError([Problem(str(path), None, f"not UTF-8 text: {exc.reason}")]) from None
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = f" (column {mark.column + 1})" if mark else ""
        what = exc.problem or exc.context or "invalid YAML"
        # The parser notices a problem where it gets stuck, often lines after the mistake; say where the
        # construct it was reading began: "while parsing a flow mapping" -> "in the { } that starts on line 16".
        ctx = exc.context_mark
        if exc.problem_mark and ctx and ctx.line != exc.problem_mark.line and exc.context:
            inside = exc.context.replace("while parsing ", "")
            inside = _CONSTRUCTS.get(inside, inside)
            what += f" (in {inside} that starts on line {ctx.line + 1})"
        raise ContentError([Problem(str(path), line, f"YAML syntax error{col}: {what}")]) from None
    except YAMLError as exc:
        raise ContentError([Problem(str(path), None, f"YAML error: {exc}")]) from None


def line_of(data: Any, path: Sequence[Any]) -> int | None:
    """The 1-based line of the item at ``path`` inside ``data`` (or of the nearest parent that has one)."""
    line = _own_line(data)
    node = data
    for key in path:
        lc = getattr(node, "lc", None)
        try:
            if isinstance(node, dict) and key in node:
                if lc is not None:
                    line = lc.key(key)[0] + 1
                node = node[key]
            elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
                if lc is not None:
                    line = lc.item(key)[0] + 1
                node = node[key]
            else:
                break
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    return line


def _own_line(data: Any) -> int | None:
    lc = getattr(data, "lc", None)
    return lc.line + 1 if lc is not None and lc.line is not None else None


def schema_problems(
    data: Any,
    schema: dict[str, Any],
    file: str,
    node_of: Callable[[Sequence[Any]], str | None] = lambda path: None,
    hints: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Every way ``data`` breaks ``schema``, in file order, each with its line and (when known) node.

    Messages are written for people who are not programmers: "missing 'review'", "unknown property 'reveiw'
    (did you mean 'review'?)" on the line of that property, the path shown from the node (when there is one).
    ``hints`` adds a sentence about a property by name: what 'review' must hold, which nodes take 'retries'.
    """
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in validator.iter_errors(data):
        # For oneOf/anyOf, the most specific sub-error says more than "is not valid under any of the given schemas".
        error = jsonschema.exceptions.best_match([error]) or error
        path = list(error.absolute_path)
        node = node_of(path)
        for where, message in _describe(error, path, hints or {}):
            problems.append(Problem(file, line_of(data, where), _shorten(message), node))
    problems.sort(key=lambda p: (p.line or 0, p.message))
    return problems


def _describe(error: Any, path: list[Any], hints: Mapping[str, str]) -> list[tuple[list[Any], str]]:
    """(path for the line, message) for one schema error; one per unknown property, each at its own line."""
    shown = _relative(path)
    prefix = f"{'.'.join(str(p) for p in shown)}: " if shown else ""
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(schema.get("properties", {}))
        out = []
        for key in error.instance:
            if key in allowed or any(re.search(p, str(key)) for p in schema.get("patternProperties", {})):
                continue
            message = f"{prefix}unknown property '{key}'"
            close = difflib.get_close_matches(str(key), allowed, n=1)
            if str(key) in hints:  # a real property, in the wrong place
                message += f"; {hints[str(key)]}"
            elif close:
                message += f" (did you mean '{close[0]}'?)"
            out.append((path + [key], message))
        if out:
            return out
    if error.validator == "required":
        match = re.match(r"'(.+)' is a required property", error.message)
        if match:
            name = match.group(1)
            message = f"{prefix}missing '{name}'"
            if name in hints:
                message += f": {hints[name]}"
            return [(path, message)]
    if error.validator == "enum" and isinstance(error.instance, str):
        choices = [str(c) for c in error.validator_value]
        message = f"{prefix}{error.instance!r} is not one of {', '.join(choices)}"
        close = difflib.get_close_matches(error.instance, choices, n=1)
        if close:
            message += f" (did you mean '{close[0]}'?)"
        return [(path, message)]
    wanted = error.validator_value
    if error.validator == "type" and isinstance(wanted, str) and wanted in _TYPES:
        return [(path, f"{prefix}{error.instance!r} should be {_TYPES[wanted]}")]
    return [(path, f"{prefix}{error.message}")]


_TYPES = {"integer": "a whole number", "number": "a number", "string": "text", "boolean": "true or false",
          "array": "a list", "object": "a mapping of names to values"}


def _relative(path: list[Any]) -> list[Any]:
    """The path from the node when it is inside ``nodes``, the whole path otherwise."""
    return path[2:] if len(path) >= 2 and path[0] == "nodes" else path


def _shorten(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."


def raise_if(problems: list[Problem]) -> None:
    """Raise a :class:`ContentError` carrying ``problems`` if there are any."""
    if problems:
        raise ContentError(problems)
