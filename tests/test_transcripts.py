"""Every conversation transcript in flows/tests/ played through the real flow and crisis lexicon."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpline.config import load_settings
from helpline.engine import Flow, load_flow
from helpline.errors import ContentError
from helpline.sim import transcripts
from helpline.understanding.crisis import Lexicon, load_lexicon

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "flows" / "tests"
FILES = [p.name for p in transcripts.discover(FOLDER)]


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> tuple[Flow, Lexicon]:
    settings = load_settings(dotenv=None, environ={"HELPLINE_DATA_DIR": str(tmp_path_factory.mktemp("data"))})
    flow = load_flow(ROOT / "flows" / "main.yaml", settings.variables)
    lexicon = load_lexicon(ROOT / "flows" / "crisis.yaml", settings.variables)
    return flow, lexicon


def test_there_are_transcripts() -> None:
    assert len(FILES) >= 24


@pytest.mark.parametrize("name", FILES)
def test_transcript(name: str, content: tuple[Flow, Lexicon]) -> None:
    flow, lexicon = content
    try:
        problems = transcripts.run(transcripts.load(FOLDER / name), flow, lexicon)
    except ContentError as exc:  # a transcript that is not valid YAML or breaks the format
        problems = exc.problems
    if problems:
        pytest.fail("\n".join(str(p) for p in problems), pytrace=False)
