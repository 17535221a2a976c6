"""One inbound message end to end, as a pure function: opt-out keywords, the crisis screen, then the flow."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpline.config import load_settings
from helpline.engine import Flow, Listen, RequestCallback, State, load_flow
from helpline.engine.dialogue import Inbound, OptIn, OptOut, opt_keyword, turn
from helpline.understanding.crisis import Lexicon, load_lexicon

ROOT = Path(__file__).resolve().parent.parent
SUICIDE = "i want to kill myself"
OVERDOSE = "my brother took too much and isn't breathing"


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> tuple[Flow, Lexicon]:
    settings = load_settings(dotenv=None, environ={"HELPLINE_DATA_DIR": str(tmp_path_factory.mktemp("data"))})
    return (load_flow(ROOT / "flows" / "main.yaml", settings.variables),
            load_lexicon(ROOT / "flows" / "crisis.yaml", settings.variables))


def callbacks(outcome: object) -> list[RequestCallback]:
    return [a for a in outcome.actions if isinstance(a, RequestCallback)]  # type: ignore[attr-defined]


@pytest.mark.parametrize("text, channel, opted_out, kind", [
    ("STOP", "sms", False, "stop"),
    (" stop ", "sms", False, "stop"),
    ("Unsubscribe", "sms", False, "stop"),
    ("start", "sms", True, "start"),
    ("yes", "sms", True, "start"),
    ("yes", "sms", False, None),          # YES is an ordinary answer unless the person opted out
    ("stop", "voice", False, None),       # "stop" said on a call is not an SMS opt-out
    ("please stop texting me", "sms", False, None),
])
def test_opt_keywords(text: str, channel: str, opted_out: bool, kind: str | None) -> None:
    assert opt_keyword(Inbound(text, channel, opted_out)) == kind


def test_twilio_opt_out_type_wins() -> None:
    assert opt_keyword(Inbound("whatever", opt_out_type="HELP")) == "help"


def test_stop_is_silent_and_opts_out(content: tuple[Flow, Lexicon]) -> None:
    outcome = turn(*content, State(node="main"), Inbound("STOP"))
    assert outcome.texts == [] and any(isinstance(a, OptOut) for a in outcome.actions)
    assert outcome.path == "opt-out"


def test_crisis_from_someone_opted_out_is_a_call_only_crisis_callback(content: tuple[Flow, Lexicon]) -> None:
    outcome = turn(*content, State(node="main"), Inbound(SUICIDE, opted_out=True))
    assert outcome.texts == []
    [request] = callbacks(outcome)
    assert (request.priority, request.call_only) == ("crisis", True)


def test_crisis_flagged_as_stop_is_never_dropped(content: tuple[Flow, Lexicon]) -> None:
    outcome = turn(*content, State(), Inbound(OVERDOSE, opt_out_type="STOP"))
    assert outcome.texts == []
    [request] = callbacks(outcome)
    assert (request.priority, request.call_only, request.reason) == ("crisis", True, "crisis: overdose")


def test_crisis_with_start_gets_the_crisis_reply(content: tuple[Flow, Lexicon]) -> None:
    """Someone who opts back in while in crisis may be texted, so they get the emergency numbers."""
    outcome = turn(*content, State(), Inbound(SUICIDE, opted_out=True, opt_out_type="START"))
    assert any(isinstance(a, OptIn) for a in outcome.actions)
    assert "988" in outcome.texts[0]
    [request] = callbacks(outcome)
    assert (request.priority, request.call_only) == ("crisis", False)


def test_crisis_interrupts_and_carries_what_was_gathered(content: tuple[Flow, Lexicon]) -> None:
    state = State(node="callback_time", vars={"name": "Sam"}, topics=["kratom"])
    outcome = turn(*content, state, Inbound(OVERDOSE))
    assert outcome.path == "crisis" and outcome.state.node == "crisis_overdose"  # a bystander
    assert "911" in outcome.texts[0] and "1-800-222-1222" in outcome.texts[0]
    [request] = callbacks(outcome)
    assert request.gathered == {"name": "Sam"} and request.topics == ("kratom",)
    assert isinstance(outcome.actions[-2], Listen)


def test_crisis_on_voice_interrupts_too(content: tuple[Flow, Lexicon]) -> None:
    outcome = turn(*content, State(node="main"), Inbound(SUICIDE, channel="voice"))
    assert outcome.path == "crisis" and "nine eight eight" in outcome.texts[0]


def test_opted_out_ordinary_message_is_silent(content: tuple[Flow, Lexicon]) -> None:
    outcome = turn(*content, State(node="main"), Inbound("what is kratom", opted_out=True))
    assert (outcome.texts, outcome.actions, outcome.path) == ([], [], "silenced")


def test_start_resets_the_conversation(content: tuple[Flow, Lexicon]) -> None:
    outcome = turn(*content, State(node="kratom_what", vars={"name": "x"}), Inbound("START", opted_out=True))
    assert outcome.state == State() and outcome.texts == []


def test_the_input_state_is_not_modified(content: tuple[Flow, Lexicon]) -> None:
    state = State(node="callback_name", history=["main"])
    for text in ("Sam", SUICIDE, "STOP", "menu"):
        turn(*content, state, Inbound(text))
        assert state == State(node="callback_name", history=["main"])
