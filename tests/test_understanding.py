"""The understanding layer: one normaliser, the topic router's policy and context, the crisis model's say and its
explanations, the loader's checks on examples, and the fast reading matching scikit-learn's own."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from helpline.app import load_content
from helpline.cli import main
from helpline.config import load_settings
from helpline.engine import State, load_flow
from helpline.engine.dialogue import Inbound, turn
from helpline.errors import ContentError
from helpline.understanding import topics
from helpline.understanding.normalise import normalise
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def content(tmp_path_factory):  # type: ignore[no-untyped-def]
    settings = load_settings(environ={"HELPLINE_DATA_DIR": str(tmp_path_factory.mktemp("d"))}, dotenv=None)
    return load_content(settings)


def test_normalise_folds_case_accents_lookalikes_apostrophes_and_runs() -> None:
    assert normalise("¿Cuánto DURA la abstinencia?") == "cuanto dura la abstinencia"
    assert normalise("I can't   sleeeep!!") == "i cant sleep"
    assert normalise("krаtom") == "kratom"  # a Cyrillic 'а'
    assert normalise("ＫＲＡＴＯＭ") == "kratom"  # fullwidth


def test_policy_answers_when_confident_asks_when_two_are_close_and_admits_when_unsure(content) -> None:
    flow, _ = content
    router = flow.router
    idx = {c: i for i, c in enumerate(router.classes)}

    def probs(**p: float) -> np.ndarray:
        out = np.full(len(router.classes), 0.0)
        for name, value in p.items():
            out[idx[name]] = value
        rest = (1 - out.sum()) / (len(out) - len(p))
        return np.where(out == 0, rest, out)

    assert router.decide(probs(detox=0.8)).targets == ("detox",)
    clarify = router.decide(probs(detox=0.4, admission=0.3))
    assert clarify.kind == "clarify" and set(clarify.targets) == {"detox", "admission"}
    assert router.decide(probs(detox=0.3, admission=0.05)).kind == "unknown"
    assert router.decide(probs(none=0.6, detox=0.3)).kind == "unknown"
    assert router.decide(probs(detox=0.7), words=1).kind == "unknown"  # one word needs more certainty


def test_the_fast_reading_gives_scikit_learns_probabilities(content) -> None:
    flow, lexicon = content
    for linear in (flow.router.linear, lexicon.model.linear):
        for text in ("how long does withdrawal last", "mi hijo no respira", "ok"):
            assert np.allclose(linear.proba(text), linear.proba_many([text])[0], atol=1e-6)


def test_context_inside_the_kratom_menu_means_kratom(content) -> None:
    flow, lexicon = content
    anywhere = turn(flow, lexicon, State(), Inbound("how long does it last"))
    in_menu = turn(flow, lexicon, State(node="kratom_menu", turns=1), Inbound("how long does it last"))
    assert anywhere.state.node == "withdrawal_duration"
    # in the menu, quitting kratom comes first: the answer itself, or first of the two it asks between
    assert in_menu.state.node == "kratom_quit" or in_menu.state.choices[:1] == ["kratom_quit"], in_menu.state


def test_a_question_nobody_answers_gets_an_honest_no_answer_and_a_call_offer(content) -> None:
    flow, lexicon = content
    out = turn(flow, lexicon, State(node="kratom_what", turns=2), Inbound("can you help me fix my car transmission"))
    assert any("don't have an answer" in t and "CALL ME" in t for t in out.texts), out.texts


def test_a_clarifying_question_is_answered_by_its_number(content) -> None:
    flow, lexicon = content
    state = State(node="main", turns=1, choices=["detox", "admission"])
    out = turn(flow, lexicon, state, Inbound("2"))
    assert out.state.node == "admission" and out.state.choices == []


def test_the_model_explains_a_crisis_the_phrases_miss() -> None:
    result = CliRunner().invoke(main, ["crisis", "check"], input="i dont care if i wake up tomorrow\n")
    verdict = json.loads(result.output.splitlines()[0])
    assert verdict["crisis"] and verdict["category"] == "suicide"
    model = [m for m in verdict["matches"] if m["rule"] == "model"]
    assert model and model[0]["phrase"].startswith("model p=") and model[0]["text"]


def test_the_model_says_nothing_on_a_word_or_two_or_a_plain_negation(content) -> None:
    _, lexicon = content
    for text in ("idk", "dunno", "00:00:Y", "no me quiero morir", "im not suicidal i just need detox info"):
        assert not lexicon.screen(text).crisis, text


HEAD = "    examples:\n      en:\n"
NODES = "\nnodes:\n"


def in_nodes(edit):  # type: ignore[no-untyped-def]
    """Apply ``edit`` to the nodes part of the flow only (the intents come before it)."""
    def apply(text: str) -> str:
        head, sep, nodes = text.partition(NODES)
        return head + sep + edit(nodes)
    return apply


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("min_examples: 25\n", "min_examples: 500\n"), "the router needs at least 500"),
    (in_nodes(lambda t: t.replace(HEAD, HEAD + '        - "how much does treatment cost here"\n', 2)),
     "is also an example of"),
    (in_nodes(lambda t: t.replace(HEAD, HEAD + '        - "necesito ayuda con la abstinencia de mi hijo"\n', 1)),
     "reads as 'es', not 'en'"),
])
def test_bad_examples_fail_the_check_with_file_line_and_node(tmp_path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "main.yaml"
    path.write_text(edit((ROOT / "flows" / "main.yaml").read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_flow(path, load_settings({}, dotenv=None).variables)
    found = [str(p) for p in info.value.problems if message in str(p)]
    assert found and found[0].startswith(f"{path}:") and "node '" in found[0], info.value.problems[:3]


def test_router_examples_are_plenty_and_every_class_has_data(content) -> None:
    flow, _ = content
    examples = flow.training_examples()
    for name, by_lang in examples.items():
        for lang in flow.languages:
            assert len(by_lang.get(lang, [])) >= 25, (name, lang)
    assert topics.NONE in flow.router.classes and topics.PERSON in flow.router.classes
