"""Rules the clinical content keeps (issue 13): never a dose, a way forward on every first page, the answers other
engineers rely on by id, and the centre's own facts taken from settings rather than written into the flow."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from helpline.config import load_settings
from helpline.engine import Flow, load_flow
from helpline.engine.model import NodeType
from helpline.errors import SettingsError

ROOT = Path(__file__).resolve().parent.parent
NEW_ANSWERS = ("dosing", "mixing", "bupe_start", "ran_out", "xylazine", "test_strips", "tolerance", "police_fear",
               "pregnancy", "kratom_pregnancy", "teen", "family_help", "waiting", "walk_in", "hours")
KEPT_ANSWERS = ("kratom_what", "kratom_withdrawal", "kratom_risks", "kratom_quit", "kratom_legal",
                "withdrawal_symptoms", "withdrawal_duration", "withdrawal_danger", "naloxone", "detox", "moud",
                "admission", "insurance", "cost", "confidential")
# An amount of a drug: "4 mg", "2mg", "8 milligrams", "1 gram", "5 g", "10 ml", "2 miligramos", "3 gramos".
DOSE = re.compile(r"\b\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|milligrams?|micrograms?|grams?|g|ml|cc|milliliters?|"
                  r"miligramos?|microgramos?|gramos?|mililitros?)\b", re.IGNORECASE)


def flow_with(tmp_path: Path, **env: str) -> Flow:
    settings = load_settings(dotenv=None, environ={"HELPLINE_DATA_DIR": str(tmp_path), **env})
    return load_flow(ROOT / "flows" / "main.yaml", settings.variables)


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> Flow:
    return flow_with(tmp_path_factory.mktemp("data"))


def every_text(flow: Flow):  # type: ignore[no-untyped-def]
    for node in flow.nodes.values():
        for text in [node.text, node.retry, *node.more]:
            if text is not None:
                for lang, by_channel in text.variants.items():
                    for channel, value in by_channel.items():
                        yield node.id, lang, channel, value
    for name, text in flow.messages.items():
        for lang, by_channel in text.variants.items():
            for channel, value in by_channel.items():
                yield name, lang, channel, value


def test_no_text_anywhere_gives_a_dose(flow: Flow) -> None:
    for where, lang, channel, text in every_text(flow):
        assert not DOSE.search(text), (where, lang, channel, DOSE.search(text))
    for source in (ROOT / "flows" / "main.yaml", ROOT / "flows" / "crisis.yaml"):
        replies = [line for line in source.read_text(encoding="utf-8").splitlines()
                   if line.strip().startswith(("sms:", "voice:"))]
        assert not [line for line in replies if DOSE.search(line)], source.name


def test_the_dose_pattern_finds_doses() -> None:
    for text in ("take 4 mg", "2mg of it", "8 milligrams", "a 1 gram dose", "5 g", "tome 2 miligramos", "3 gramos"):
        assert DOSE.search(text), text
    for text in ("8-24 hours", "1-800-222-1222", "age 16", "2-3 minutes", "7-OH", "18+"):
        assert not DOSE.search(text), text


def test_every_first_page_of_an_answer_offers_a_way_forward(flow: Flow) -> None:
    for node in flow.nodes.values():
        if node.type is not NodeType.ANSWER:
            continue
        assert node.text is not None
        english, spanish = node.text.get("en", "sms"), node.text.get("es", "sms")
        assert "CALL ME" in english or "Reply 1" in english, (node.id, english)
        assert "LLÁMENME" in spanish or "Responda 1" in spanish, (node.id, spanish)
        if node.more:
            assert "MORE" in english and "MÁS" in spanish, node.id


def test_the_answers_others_train_on_exist_with_topic_phrases_and_a_draft_review(flow: Flow) -> None:
    for node_id in NEW_ANSWERS + KEPT_ANSWERS:
        node = flow.nodes[node_id]
        assert node.type is NodeType.ANSWER and node.topic, node_id
        assert node.match.get("en") and node.match.get("es"), node_id
        assert node.review and node.review.sources, node_id
    for node_id in NEW_ANSWERS:
        assert "draft" in flow.nodes[node_id].review.reviewed_by.lower(), node_id  # type: ignore[union-attr]


def test_the_centres_facts_come_from_settings(tmp_path: Path) -> None:
    closed = flow_with(tmp_path)
    walk_in = closed.nodes["walk_in"].text
    teen = closed.nodes["teen"].text
    assert walk_in is not None and teen is not None
    assert "we don't take walk-ins" in walk_in.get("en", "sms") and "sin cita" in walk_in.get("es", "sms")
    assert "adults (18+)" in teen.get("en", "sms") and "adultos (18+)" in teen.get("es", "sms")
    open_flow = flow_with(tmp_path, ORG_WALK_INS="yes", ORG_ADMITS_MINORS="yes", ORG_ADDRESS="12 Elm St, Troy",
                          ORG_OPEN_HOURS="every day 7am-11pm", ORG_OPEN_HOURS_ES="todos los días de 7am a 11pm")
    walk_in, teen, hours = (open_flow.nodes[n].text for n in ("walk_in", "teen", "hours"))
    assert walk_in is not None and teen is not None and hours is not None
    english = walk_in.get("en", "sms")
    assert "walk in without an appointment" in english and "12 Elm St, Troy" in english
    assert "sin cita en ese horario" in walk_in.get("es", "sms")
    assert "every day 7am-11pm" in hours.get("en", "sms") and "todos los días de 7am a 11pm" in hours.get("es", "sms")
    assert "We treat teens too" in teen.get("en", "sms") and "adolescentes" in teen.get("es", "sms")
    # What the flow says (not the examples of what people ask, "do you take walk-ins?") holds none of them.
    data = YAML(typ="safe").load((ROOT / "flows" / "main.yaml").read_text(encoding="utf-8"))
    data.pop("intents", None)
    for node in data["nodes"].values():
        node.pop("examples", None)
        node.pop("match", None)
    text = json.dumps(data, ensure_ascii=False, default=str)
    assert "Example Street" not in text and "take walk-ins" not in text and "(18+)" not in text


def test_yes_no_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(dotenv=None, environ={"HELPLINE_DATA_DIR": str(tmp_path), "ORG_WALK_INS": "sometimes",
                                            "ORG_ADMITS_MINORS": "maybe"})
    assert "ORG_WALK_INS: 'sometimes' must be 'yes' or 'no'" in str(raised.value)
    assert "ORG_ADMITS_MINORS: 'maybe' must be 'yes' or 'no'" in str(raised.value)
