"""The helpline's exceptions, one line each where possible."""

from __future__ import annotations

from dataclasses import dataclass


class HelplineError(Exception):
    """Base class for the helpline's own errors."""


class SettingsError(HelplineError):
    """A setting is missing or malformed; the message names the variable and what is wrong."""


class RedisUnavailable(HelplineError):
    """No Redis server could be reached or started."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a content file (a flow, the crisis lexicon, a transcript), with where it is."""

    file: str
    line: int | None
    message: str
    node: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.node:
            return f"{where}: node '{self.node}': {self.message}"
        return f"{where}: {self.message}"


class ContentError(HelplineError):
    """A content file is invalid. ``problems`` lists every problem found, each with file, line and node."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
