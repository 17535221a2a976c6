"""Flow load and validation time for generated flows of 100, 1,000 and 10,000 nodes.

    .venv/bin/python bench/flow_load.py

Each generated flow is valid: menus of 9 options leading to reviewed answers with topic phrases, so every
cross-check (targets, reachability, ways to a person, duplicate phrases, SMS segments) has work to do. The
baseline is ruamel.yaml's round-trip parse of the same file alone (which the loader needs for file:line errors),
timed in the same run: the rest of the ratio is our schema and cross-checks.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ruamel.yaml import YAML  # noqa: E402

from helpline.engine import load_flow  # noqa: E402

VARIABLES = {"org_name": "Example", "org_phone": "(555) 555-0100", "org_hours": "9-5", "helpline_number": "x"}
HEAD = """flow: generated
languages: [en]
start: main
person: callback
help: main
fallback: callback
crisis: callback
keywords:
  menu: [menu]
  back: [back]
  help: [help]
  more: [more]
  person: [call me]
messages:
  no_match: {en: "Sorry, I didn't understand."}
nodes:
  callback:
    type: callback
    reason: asked
    text: {en: "We will call you at {org_phone}."}
"""


def generate(nodes: int) -> str:
    answers = nodes - 1
    menus = max(1, -(-answers // 10))
    answers = nodes - 1 - menus
    out = [HEAD]
    out.append("  main:\n    type: menu\n    text: {en: \"Pick a topic: reply with its number.\"}\n    options:\n")
    top = list(range(min(menus, 9)))
    out += [f"      - {{key: {k + 1}, goto: menu{m}}}\n" for k, m in enumerate(top)]
    for m in range(menus):
        out.append(f"  menu{m}:\n    type: menu\n    text: {{en: \"Menu {m}: reply 1-9.\"}}\n    options:\n")
        children = [a for a in range(answers) if a % menus == m][:9]
        out += [f"      - {{key: {k + 1}, goto: answer{a}}}\n" for k, a in enumerate(children)]
        nxt = m + 9
        if nxt < menus:
            out.append(f"      - {{key: 0, goto: menu{nxt}}}\n")
    for a in range(answers):
        out.append(f"  answer{a}:\n    type: answer\n    match: [topic{a} word{a}]\n"
                   f"    text: {{en: \"Answer {a}: reply CALL ME for a call back at {{org_phone}}.\"}}\n"
                   f"    review: {{sources: [s], reviewed_by: r, reviewed_on: 2026-11-01}}\n")
    return "".join(out)


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    print(f"{'nodes':>7} {'parse ms':>10} {'load+validate ms':>17} {'ratio':>6} {'growth vs 10x fewer':>20}")
    previous = None
    with tempfile.TemporaryDirectory() as tmp:
        for nodes in (100, 1000, 10000):
            path = Path(tmp) / f"flow{nodes}.yaml"
            path.write_text(generate(nodes))
            repeat = 5 if nodes <= 1000 else 2
            parse = timed(lambda p=path: YAML(typ="rt").load(p.read_text()), repeat)
            load = timed(lambda p=path: load_flow(p, VARIABLES), repeat)
            growth = f"{load / previous:.1f}x" if previous else "-"
            print(f"{nodes:>7} {parse * 1000:>10.1f} {load * 1000:>17.1f} {load / parse:>6.2f} {growth:>20}")
            previous = load


if __name__ == "__main__":
    main()
