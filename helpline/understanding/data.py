"""Labelled messages: the crisis corpora (JSON Lines or YAML lists) and what each line says.

A corpus line is ``{"text": ..., "label": "suicide" | "overdose" | "violence" | "harm_others" | "none", "lang":
"en" | "es", "channel": "sms" | "speech", "voice": ..., "kind": ...}``. ``label`` may be a list when either answer
is right (``[overdose, suicide]``); ``also`` names a second category. The older YAML sets say ``style: speech``
for the channel. Lines that break these rules are reported with file and line, never skipped in silence.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from helpline.errors import ContentError, Problem

NONE = "none"
CATEGORIES = ("suicide", "overdose", "violence", "harm_others")
LABELS = (NONE, *CATEGORIES)
CHANNELS = ("sms", "speech")


@dataclass(frozen=True)
class Labelled:
    """One labelled message. ``labels``: every category that is a right answer (``("none",)`` for a negative)."""

    text: str
    labels: tuple[str, ...]
    lang: str = "en"
    channel: str = "sms"
    kind: str = ""
    source: str = ""
    line: int = 0

    @property
    def label(self) -> str:
        """The one label a model trains on: the first one given."""
        return self.labels[0]

    @property
    def is_crisis(self) -> bool:
        return NONE not in self.labels


def _lang_of(path: Path) -> str:
    return "es" if "_es" in path.stem or path.stem.startswith("es") else "en"


def _rows(path: Path) -> Iterator[tuple[int, object]]:
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        yield number, json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise ContentError([Problem(str(path), number, f"not a JSON object: {exc.msg}")]) from exc
    else:
        from helpline.content import yamlsource

        data = yamlsource.load(path) or []
        if not isinstance(data, list):
            raise ContentError([Problem(str(path), 1, "a corpus must be a list of messages")])
        for index, row in enumerate(data):
            yield yamlsource.line_of(data, [index]) or 0, row


def read_corpus(path: str | Path, *, default_lang: str | None = None) -> list[Labelled]:
    """Every labelled message in one corpus file; raises :class:`ContentError` naming file:line on a bad line."""
    path = Path(path)
    lang_default = default_lang or _lang_of(path)
    out: list[Labelled] = []
    problems: list[Problem] = []
    for number, row in _rows(path):
        if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not row["text"].strip():
            problems.append(Problem(str(path), number, "each line needs a non-empty 'text'"))
            continue
        raw = row.get("label")
        labels = tuple(raw) if isinstance(raw, list) else (raw,)
        if not labels or any(lab not in LABELS for lab in labels):
            bad = next(lab for lab in labels if lab not in LABELS)
            problems.append(Problem(str(path), number, f"unknown label {bad!r}; labels are {', '.join(LABELS)}"))
            continue
        also = row.get("also")
        if also in CATEGORIES and also not in labels:
            labels = (*labels, also)
        channel = row.get("channel") or row.get("style") or "sms"
        if channel not in CHANNELS:
            problems.append(Problem(str(path), number, f"channel {channel!r} is not sms or speech"))
            continue
        out.append(Labelled(row["text"].strip(), labels, str(row.get("lang") or lang_default), channel,
                            str(row.get("kind") or ""), path.name, number))
    if problems:
        raise ContentError(problems)
    return out


def read_corpora(paths: Iterable[str | Path]) -> list[Labelled]:
    out: list[Labelled] = []
    for path in paths:
        out.extend(read_corpus(path))
    return out


def corpus_files(folder: str | Path) -> list[Path]:
    """The corpus files of a folder (``*.jsonl`` and ``*.yaml``), in name order."""
    folder = Path(folder)
    return sorted(p for p in folder.iterdir() if p.suffix in (".jsonl", ".yaml") and p.is_file())
