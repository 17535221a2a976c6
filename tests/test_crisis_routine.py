"""The crisis screen on the helpline's own routine traffic: every topic phrase the flow answers, asked the ways
people ask, and every non-crisis line of the conversation transcripts, must stay quiet. An alarm here would
send 988 to someone asking about insurance, and put them at the top of the staff queue."""

from __future__ import annotations

import pytest

from helpline.app import load_content
from helpline.config import load_settings
from helpline.sim.transcripts import discover, load
from tests.conftest import ROOT

FRAMES = ("{}", "can you tell me about {}", "i want to know {} please", "{}?", "my son asked about {}")
# Topic phrases are keyword fragments ("signs overdose", "kratom seizure"); written bare, the few that hold a crisis
# word are ambiguous and the screen errs to safety on them. Real questions about them stay quiet (tested below).
EMERGENCY_WORDS = ("overdose", "seizure", "sobredosis", "convulsion")


@pytest.fixture(scope="module")
def routine(tmp_path_factory):  # type: ignore[no-untyped-def]
    settings = load_settings(environ={"HELPLINE_DATA_DIR": str(tmp_path_factory.mktemp("d"))}, dotenv=None)
    flow, lexicon = load_content(settings)
    texts = {frame.format(p.text) for node in flow.nodes.values() for phrases in node.match.values()
             for p in phrases for frame in FRAMES if not any(w in p.text for w in EMERGENCY_WORDS)}
    for file in discover(ROOT / "flows" / "tests"):
        texts |= {t.get("user", "") for t in load(file).turns if t.get("callback") != "crisis"}
    return lexicon, sorted(t for t in texts if t)


def test_routine_helpline_questions_raise_no_crisis(routine) -> None:  # type: ignore[no-untyped-def]
    lexicon, texts = routine
    alarms = [(t, lexicon.screen(t).category) for t in texts if lexicon.screen(t).crisis]
    # Questions about overdose itself ("overdose signs") are informational and must stay quiet too.
    assert len(texts) > 500
    assert alarms == []


@pytest.mark.parametrize("text", [
    "what are the signs of an overdose", "signs of an overdose", "can kratom cause a seizure",
    "my son asked about overdose signs", "can you overdose on kratom?", "how do i know if someone is overdosing",
    "where can i get narcan", "is withdrawal dangerous, can you die from it",
    "cuáles son las señales de una sobredosis", "qué hacer en caso de sobredosis",
    "se puede tener sobredosis de kratom",
])
def test_questions_about_emergencies_are_information_not_alarms(routine, text) -> None:  # type: ignore[no-untyped-def]
    lexicon, _ = routine
    assert not lexicon.screen(text).crisis
