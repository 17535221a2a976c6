"""The flow engine, tested as data (goflow style) and by the properties every step must keep.

Each file in ``tests/cases/<node type>/`` is a small flow (nodes over ``tests/cases/base_flow.yaml``), a
starting state and inputs, each with the exact actions and the state expected. Every node type in the registry
must have a folder of cases. After a deliberate behaviour change, ``UPDATE_EXPECTED=1`` rewrites the
expectations: read the diff before committing it.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from helpline.engine import (
    End,
    Enrich,
    Event,
    Flow,
    Listen,
    RequestCallback,
    Say,
    State,
    Transfer,
    interrupt,
    load_flow,
    step,
)
from helpline.engine.nodes import REGISTRY

CASES = Path(__file__).resolve().parent / "cases"
TODAY = dt.date(2026, 11, 25)
VARIABLES = {"org_name": "Example Recovery Center", "org_phone": "(555) 555-0100", "org_hours": "9am-5pm",
             "helpline_number": "(555) 555-0199"}


def _yaml() -> YAML:
    yaml = YAML()
    yaml.width = 4096
    return yaml


def build_flow(tmp_path: Path, nodes: dict[str, Any] | None = None, **top: Any) -> Flow:
    """The base flow with ``nodes`` added or replaced and top-level keys overridden, loaded as a real flow."""
    data = YAML(typ="safe").load((CASES / "base_flow.yaml").read_text(encoding="utf-8"))
    data.update(copy.deepcopy(top))
    for node_id, node in (nodes or {}).items():
        if node is None:
            data["nodes"].pop(node_id, None)
        else:
            data["nodes"][node_id] = copy.deepcopy(node)
    path = tmp_path / "flow.yaml"
    buf = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, buf)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return load_flow(path, VARIABLES, today=TODAY)


def plain(action: Any) -> Any:
    """An action as the case files write it."""
    if isinstance(action, Say):
        return {"say": action.text}
    if isinstance(action, Listen):
        return {"listen": action.node}
    if isinstance(action, RequestCallback):
        out = {k: v for k, v in asdict(action).items() if v or k in ("reason", "priority", "node")}
        if out.get("ask") is True:  # the default: a new ask
            out.pop("ask")
        if "topics" in out:
            out["topics"] = list(out["topics"])
        return {"callback": out}
    if isinstance(action, Enrich):
        return {"enrich": dict(action.gathered)}
    if isinstance(action, Transfer):
        return {"transfer": action.node}
    if isinstance(action, End):
        return "end"
    raise AssertionError(f"unknown action {action!r}")


def plain_state(state: State, keys: list[str]) -> dict[str, Any]:
    data = asdict(state)
    return {k: data[k] for k in keys}


# -- the case files --------------------------------------------------------------------------------
CASE_FILES = sorted(p.relative_to(CASES).as_posix() for p in CASES.glob("*/*.yaml"))


def test_every_node_type_has_cases() -> None:
    """A node type added to the registry without cases fails here."""
    missing = [t.value for t in REGISTRY if not list((CASES / t.value).glob("*.yaml"))]
    assert not missing, f"node types without cases in tests/cases/: {missing}"


def test_no_case_folder_for_an_unknown_type() -> None:
    folders = {p.name for p in CASES.iterdir() if p.is_dir()}
    assert folders <= {t.value for t in REGISTRY}


@pytest.mark.parametrize("name", CASE_FILES)
def test_case(name: str, tmp_path: Path) -> None:
    path = CASES / name
    yaml = _yaml()
    case = yaml.load(path.read_text(encoding="utf-8"))  # round-trip, so UPDATE_EXPECTED keeps the comments
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    flow = build_flow(tmp_path, data.get("nodes"), **(data.get("flow") or {}))
    state = State(**dict(case.get("state") or {}))
    update = bool(os.environ.get("UPDATE_EXPECTED"))
    for i, turn in enumerate(case["steps"]):
        before = copy.deepcopy(state)
        if "interrupt" in turn:
            state, actions = interrupt(flow, state, turn["interrupt"], turn.get("channel", "sms"))
        else:
            event = Event(turn.get("channel", "sms"), str(turn.get("input", "")), turn.get("digits"))
            state, actions = step(flow, state, event)
        got = [plain(a) for a in actions]
        keys = list(turn.get("state") or {}) or ["node"]
        got_state = plain_state(state, keys)
        if update:
            turn["actions"] = got
            turn["state"] = got_state
            continue
        where = f"{name} step {i + 1} ({turn.get('input', turn.get('interrupt'))!r})"
        assert got == list(turn["actions"]), where
        assert got_state == dict(turn["state"]), where
        assert state != before or got, where  # every step does something
    if update:
        with path.open("w", encoding="utf-8") as f:
            yaml.dump(case, f)


# -- properties of every step ----------------------------------------------------------------------
INPUTS = ["hi", "1", "more", "back", "menu", "help", "call me", "Sam", "is kratom safe", "banana", "no",
          "yes", "2"]
STATES = [
    State(),
    State(node="main"),
    State(node="kratom", history=["main"], part=1, topics=["kratom"]),
    State(node="ask_name", history=["main", "kratom"], vars={"x": "y"}),
    State(node="safe_now", misses=1),
    State(node="urgent"),
    State(node="fallback", misses=2),
]


@pytest.fixture()
def flow(tmp_path: Path) -> Flow:
    return build_flow(tmp_path)


@pytest.mark.parametrize("state", STATES, ids=lambda s: str(s.node))
def test_step_does_not_modify_its_input_state(flow: Flow, state: State) -> None:
    for text in INPUTS:
        before = copy.deepcopy(state)
        step(flow, state, Event("sms", text))
        assert state == before, text


@pytest.mark.parametrize("state", STATES, ids=lambda s: str(s.node))
def test_step_is_idempotent_given_the_same_state_and_event(flow: Flow, state: State) -> None:
    for text in INPUTS:
        first = step(flow, state, Event("sms", text))
        again = step(flow, state, Event("sms", text))
        assert first == again, text


def test_interrupt_does_not_modify_its_input_state(flow: Flow) -> None:
    state = State(node="ask_name", history=["main"], vars={"name": "Sam"})
    before = copy.deepcopy(state)
    interrupt(flow, state, "safe_now", "sms")
    assert state == before


@pytest.mark.parametrize("state", STATES, ids=lambda s: str(s.node))
def test_every_step_waits_somewhere_or_ends(flow: Flow, state: State) -> None:
    """After a step the person is never left hanging: the last action is a Listen here, or an End."""
    for text in INPUTS:
        new, actions = step(flow, state, Event("voice", text))
        assert actions, text
        last = actions[-1]
        assert isinstance(last, (Listen, End)), (text, actions)
        if isinstance(last, Listen):
            assert last.node == new.node
        assert any(isinstance(a, Say) for a in actions), text


def test_state_round_trips_through_json(flow: Flow) -> None:
    state, _ = step(flow, State(node="ask_name", topics=["kratom"]), Event("sms", "Sam"))
    assert State.from_json(state.to_json()) == state
    assert State.from_json(None) == State()
    assert State.from_json('{"node": "main", "unknown": 1}') == State(node="main")


def test_turns_are_counted(flow: Flow) -> None:
    state, _ = step(flow, State(), Event("sms", "hi"))
    state, _ = step(flow, state, Event("sms", "1"))
    assert state.turns == 2


def test_history_is_bounded(flow: Flow) -> None:
    state = State(node="main")
    for _ in range(30):
        state, _ = step(flow, state, Event("sms", "1"))
        state, _ = step(flow, state, Event("sms", "help"))
        state, _ = step(flow, state, Event("sms", "1"))
    assert len(state.history) <= 10


# -- channels and languages ------------------------------------------------------------------------
VOICE_NODES = {
    "main": {
        "type": "menu",
        "text": {"en": {"sms": "Reply 1 for kratom.", "voice": "Press 1 or say kratom."}},
        "options": [{"key": 1, "words": ["kratom"], "goto": "kratom"}, {"key": 2, "words": ["call"],
                                                                        "goto": "ask_name"}],
    },
}


def test_the_voice_variant_is_chosen_on_voice(tmp_path: Path) -> None:
    flow = build_flow(tmp_path, VOICE_NODES)
    _, sms = step(flow, State(), Event("sms", "hi"))
    _, voice = step(flow, State(), Event("voice", ""))
    assert sms[0] == Say("Reply 1 for kratom.")
    assert voice[0] == Say("Press 1 or say kratom.")


def test_a_text_without_a_voice_variant_is_said_as_written(tmp_path: Path) -> None:
    flow = build_flow(tmp_path, VOICE_NODES)
    _, actions = step(flow, State(node="main"), Event("voice", "", digits="1"))
    assert actions[0] == Say("Kratom part 1")


def test_voice_listen_carries_keys_and_speech_hints(tmp_path: Path) -> None:
    flow = build_flow(tmp_path, VOICE_NODES)
    _, actions = step(flow, State(), Event("voice", ""))
    assert actions[-1] == Listen("main", ("1", "2"), ("kratom", "call"))


def test_digits_win_over_speech(tmp_path: Path) -> None:
    flow = build_flow(tmp_path, VOICE_NODES)
    state, _ = step(flow, State(node="main"), Event("voice", "call", digits="1"))
    assert state.node == "kratom"


SPANISH = {
    "languages": ["en", "es"],
    "keywords": {"menu": {"en": ["menu"], "es": ["menu", "inicio"]}, "back": ["back", "atras"],
                 "help": {"en": ["help"], "es": ["ayuda"]}, "more": {"en": ["more"], "es": ["mas"]},
                 "person": {"en": ["call me"], "es": ["llamenme"]}},
    "messages": {"no_match": {"en": "Sorry?", "es": "Perdon?"}},
}
SPANISH_NODES = {
    "main": {"type": "menu", "text": {"en": "Main", "es": "Inicio"},
             "options": [{"key": 1, "words": {"en": ["kratom"], "es": ["kratom"]}, "goto": "kratom"},
                         {"key": 2, "goto": "ask_name"}]},
    "help": {"type": "menu", "text": {"en": "Help", "es": "Ayuda"}, "options": [{"key": 1, "goto": "main"}]},
    "fallback": {"type": "menu", "text": {"en": "Fallback", "es": "Alternativa"},
                 "options": [{"key": 1, "goto": "ask_name"}, {"key": 2, "goto": "main"}]},
    "kratom": {"type": "answer", "match": {"en": ["kratom"], "es": ["kratom"]},
               "text": {"en": "K", "es": "K es"},
               "review": {"sources": ["FDA"], "reviewed_by": "clinical team", "reviewed_on": "2026-06-01"}},
    "ask_name": {"type": "question", "text": {"en": "Name?", "es": {"sms": "Nombre?", "voice": "Su nombre?"}},
                 "save_as": "name", "goto": "request", "on_fail": "request"},
    "request": {"type": "callback", "reason": "asked",
                "text": {"en": "We will call.", "es": "Le llamaremos."},
                "options": [{"key": 1, "goto": "main"}]},
    "safe_now": {"type": "question", "text": {"en": "Safe?", "es": "Seguro?"}, "save_as": "safe",
                 "expect": "yes_no", "branches": {"yes": "main", "no": "urgent"}, "on_fail": "urgent"},
    "urgent": {"type": "handoff", "text": {"en": "Call 911.", "es": "Llame al 911."}},
}


def test_each_language_gets_its_own_text_and_keywords(tmp_path: Path) -> None:
    flow = build_flow(tmp_path, SPANISH_NODES, **SPANISH)
    state, actions = step(flow, State(lang="es"), Event("sms", "hola"))
    assert actions[0] == Say("Inicio")
    state, actions = step(flow, state, Event("sms", "llamenme"))
    assert (state.node, actions[0]) == ("ask_name", Say("Nombre?"))
    _, actions = step(flow, state, Event("voice", "ayuda"))
    assert actions[0] == Say("Ayuda")


def test_a_voice_variant_in_one_language_only(tmp_path: Path) -> None:
    flow = build_flow(tmp_path, SPANISH_NODES, **SPANISH)
    _, es = step(flow, State(node="main", lang="es"), Event("voice", "", digits="2"))
    _, en = step(flow, State(node="main", lang="en"), Event("voice", "", digits="2"))
    assert (es[0], en[0]) == (Say("Su nombre?"), Say("Name?"))


def test_a_language_the_flow_lacks_falls_back_to_its_first(tmp_path: Path) -> None:
    flow = build_flow(tmp_path, SPANISH_NODES, **SPANISH)
    state, actions = step(flow, State(lang="fr"), Event("sms", "bonjour"))
    assert actions[0] == Say("Main")
    assert state.lang == "en"


def test_a_keyword_of_another_language_is_not_a_keyword(tmp_path: Path) -> None:
    flow = build_flow(tmp_path, SPANISH_NODES, **SPANISH)
    state, _ = step(flow, State(node="kratom", lang="en"), Event("sms", "ayuda"))
    assert state.node == "kratom" and state.misses == 1
