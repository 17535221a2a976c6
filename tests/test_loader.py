"""Broken flows, each paired with the exact error it must produce (goflow style), and the loader's good paths.

``tests/broken_flows/expected.yaml`` maps each file to its error lines. After a deliberate change to a
message, run with ``UPDATE_EXPECTED=1`` to rewrite the file, then read the diff.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from helpline.engine import load_flow
from helpline.errors import ContentError

ROOT = Path(__file__).resolve().parent.parent
BROKEN = Path(__file__).resolve().parent / "broken_flows"
EXPECTED = BROKEN / "expected.yaml"
TODAY = dt.date(2026, 11, 25)  # a frozen clock: review staleness must not depend on when the tests run
VARIABLES = {"org_name": "Example Recovery Center", "org_phone": "(555) 555-0100", "org_hours": "9am-5pm",
             "helpline_number": "(555) 555-0199", "crisis_line": "988", "overdose_line": "1-800-222-1222",
             "emergency_number": "911"}
# The real flow also uses the centre's own facts (settings in helpline/config.py).
MAIN_VARIABLES = {**VARIABLES, "org_address": "100 Example Street", "org_open_hours": "9am-5pm",
                  "org_walk_in": "Call first.", "org_minors": "Adults only."}


def _expected() -> dict[str, list[str]]:
    return dict(YAML(typ="safe").load(EXPECTED.read_text(encoding="utf-8")) or {})


def _errors(name: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(BROKEN)  # errors name the file as a content editor sees it: "missing_goto.yaml:17: ..."
    with pytest.raises(ContentError) as raised:
        load_flow(name, VARIABLES, today=TODAY)
    return [str(p) for p in raised.value.problems]


BROKEN_FILES = sorted(p.name for p in BROKEN.glob("*.yaml") if p != EXPECTED)


def test_every_broken_flow_has_an_expected_error() -> None:
    assert sorted(_expected()) == BROKEN_FILES


@pytest.mark.parametrize("name", BROKEN_FILES)
def test_broken_flow_gives_its_exact_error(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    got = _errors(name, monkeypatch)
    if os.environ.get("UPDATE_EXPECTED"):
        data = _expected()
        data[name] = got
        yaml = YAML()
        yaml.width = 4096
        with EXPECTED.open("w", encoding="utf-8") as f:
            yaml.dump(dict(sorted(data.items())), f)
        return
    assert got == _expected()[name]


def test_the_real_flow_loads() -> None:
    flow = load_flow(ROOT / "flows" / "main.yaml", MAIN_VARIABLES)
    assert flow.start in flow.nodes
    assert all(n.review for n in flow.nodes.values() if n.type == "answer")


def test_the_real_flow_uses_settings_not_literal_numbers() -> None:
    text = (ROOT / "flows" / "main.yaml").read_text(encoding="utf-8")
    for literal in ("555", "Example Recovery"):
        assert literal not in text


def test_texts_are_filled_with_settings() -> None:
    flow = load_flow(ROOT / "flows" / "main.yaml", MAIN_VARIABLES)
    greeting = flow.nodes[flow.start].text
    assert greeting is not None and "Example Recovery Center" in greeting.get("en", "sms")


def test_the_version_is_a_content_hash(tmp_path: Path) -> None:
    source = (ROOT / "flows" / "main.yaml").read_text(encoding="utf-8")
    a = tmp_path / "a.yaml"
    a.write_text(source, encoding="utf-8")
    b = tmp_path / "b.yaml"
    b.write_text(source.replace("Free and confidential.", "Free and private."), encoding="utf-8")
    assert load_flow(a, MAIN_VARIABLES).version != load_flow(b, MAIN_VARIABLES).version
    assert load_flow(a, MAIN_VARIABLES).version == load_flow(a, MAIN_VARIABLES).version


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = (BROKEN / "unknown_variable.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "two.yaml"
    bad.write_text(text.replace("{key: 2, goto: call}", "{key: 2, goto: cal}"), encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        load_flow(bad, VARIABLES, today=TODAY)
    messages = [p.message for p in raised.value.problems]
    assert any("{org_number}" in m for m in messages) and any("'cal'" in m for m in messages)


def test_a_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    bad = tmp_path / "list.yaml"
    bad.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ContentError, match="list.yaml:1: a flow file is a mapping"):
        load_flow(bad, VARIABLES)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="cannot read"):
        load_flow(tmp_path / "nope.yaml", VARIABLES)
