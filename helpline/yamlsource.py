"""YAML content files read with their line numbers, so every error can say ``file:line``.

Flows, the crisis lexicon and transcripts are edited by people who are not programmers; an error that says
``flows/main.yaml:42: node 'kratom': 'text' is a required property`` gets fixed, a traceback does not.
ruamel.yaml's round-trip loader keeps the position of every key and item; schema errors from ``jsonschema``
are walked back to them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jsonschema
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from helpline.errors import ContentError, Problem


def load(path: str | Path) -> Any:
    """Read a YAML file keeping positions; a syntax error becomes a :class:`ContentError` with its line."""
    path = Path(path)
    yaml = YAML(typ="rt")
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
) -> list[Problem]:
    """Every way ``data`` breaks ``schema``, in file order, each with its line and (when known) node."""
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in validator.iter_errors(data):
        # For oneOf/anyOf, the most specific sub-error says more than "is not valid under any of the given schemas".
        error = jsonschema.exceptions.best_match([error]) or error
        path = list(error.absolute_path)
        where = ".".join(str(p) for p in path)
        message = f"{where}: {error.message}" if where else error.message
        problems.append(Problem(file, line_of(data, path), _shorten(message), node_of(path)))
    problems.sort(key=lambda p: (p.line or 0, p.message))
    return problems


def _shorten(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."


def raise_if(problems: list[Problem]) -> None:
    """Raise a :class:`ContentError` carrying ``problems`` if there are any."""
    if problems:
        raise ContentError(problems)
