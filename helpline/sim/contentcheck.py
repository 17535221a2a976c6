"""``helpline flows check``: validate every content file in a folder, or one file, by what it is."""

from __future__ import annotations

from pathlib import Path

from helpline.config import Settings
from helpline.content import yamlsource
from helpline.engine import load_flow
from helpline.errors import ContentError, Problem
from helpline.sim import transcripts
from helpline.understanding import data
from helpline.understanding.crisis import load_lexicon


def kind_of(path: Path) -> str:
    """'flow', 'lexicon', 'transcript' or 'corpus' (labelled messages), from the file's top-level keys."""
    if path.suffix == ".jsonl":
        return "corpus"
    data = yamlsource.load(path)
    if isinstance(data, list):
        return "corpus"
    keys = set(data) if isinstance(data, dict) else set()
    if "nodes" in keys:
        return "flow"
    if "categories" in keys:
        return "lexicon"
    if "turns" in keys:
        return "transcript"
    raise ContentError([Problem(str(path), 1, "not a flow ('nodes'), crisis lexicon ('categories') or "
                                              "transcript ('turns')")])


def check(path: Path, settings: Settings) -> tuple[list[Problem], int]:
    """Every problem in the content at ``path`` and how many files were checked."""
    files = sorted([*path.rglob("*.yaml"), *path.rglob("*.jsonl")]) if path.is_dir() else [path]
    problems: list[Problem] = []
    for file in files:
        try:
            kind = kind_of(file)
            if kind == "flow":
                load_flow(file, settings.variables)
            elif kind == "lexicon":
                load_lexicon(file, settings.variables, model=False)  # its training corpora are checked as files
            elif kind == "corpus":
                data.read_corpus(file)
            else:
                transcripts.load(file)
        except ContentError as exc:
            problems.extend(exc.problems)
    return problems, len(files)
