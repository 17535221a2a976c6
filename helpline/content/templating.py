"""Content texts with the organisation's settings in them: ``"Call {org_name} at {org_phone}"``.

Only plain ``{name}`` fields are allowed (no attribute access, indexing or format specs), so a content file cannot
reach into Python objects, and values are substituted once: a value is never itself read as a template.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

_FORMATTER = string.Formatter()


def fields(template: str) -> list[str]:
    """The field names used in ``template``. Raises ``ValueError`` for a malformed template or a complex field."""
    names = []
    for _literal, name, spec, conversion in _FORMATTER.parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            written = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            raise ValueError(f"only plain {{name}} fields are allowed, not {{{written}}}")
        names.append(name)
    return names


def problems(template: str, variables: Mapping[str, str]) -> list[str]:
    """What is wrong with ``template`` given the known ``variables`` (empty when it renders)."""
    try:
        names = fields(template)
    except ValueError as exc:
        return [f"bad template: {exc} (write {{{{ and }}}} for literal braces)"]
    unknown = sorted(set(names) - set(variables))
    if unknown:
        return [f"unknown template variable(s) {', '.join('{' + n + '}' for n in unknown)}; "
                f"known: {', '.join(sorted(variables))}"]
    return []


def render(template: str, variables: Mapping[str, str]) -> str:
    """Fill ``template``'s fields from ``variables``. Call :func:`problems` first; this raises on bad input."""
    out = []
    for literal, name, _spec, _conv in _FORMATTER.parse(template):
        out.append(literal)
        if name is not None:
            out.append(str(variables[name]))
    return "".join(out)
