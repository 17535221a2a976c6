"""``helpline flows eval`` and ``helpline crisis eval``: how well the helpline understands people, measured.

Cross-validation on the training data (``--cv``) and the blind sets in ``tests/blind/`` (written before the change
they judge, by authors who never saw the rules, scored once: see docs/understanding.md).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from helpline.cli import PROJECT_DIR, _lexicon, _settings, crisis, flows
from helpline.errors import ContentError

BLIND = PROJECT_DIR / "tests" / "blind"


def _blind(pattern: str) -> list[Path]:
    return sorted(BLIND.glob(pattern)) if BLIND.is_dir() else []


@flows.command("eval")
@click.argument("sets", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--cv/--no-cv", default=True, help="Cross-validate the router on the flow's examples (default on).")
@click.option("--json", "as_json", is_flag=True, help="The reports as JSON.")
@click.option("--min-right", type=float, default=0.90, show_default=True)
@click.option("--max-wrong", type=float, default=0.03, show_default=True)
def flows_eval(sets: tuple[Path, ...], cv: bool, as_json: bool, min_right: float, max_wrong: float) -> None:
    """Topic routing: k-fold cross-validation (per-node precision and recall, the most confused pairs, the
    wrong-answer rate) and the blind topic sets (default tests/blind/topics_*.jsonl), each message sent through
    the real dialogue. Exits non-zero when any report is below --min-right or above --max-wrong."""
    from helpline.app import load_content
    from helpline.understanding import evaluate

    try:
        flow, lexicon = load_content(_settings())
    except ContentError as exc:
        raise click.ClickException(str(exc)) from None
    reports = [evaluate.topics_cv(flow)] if cv else []
    reports += [evaluate.topics_blind(flow, lexicon, p) for p in (sets or _blind("topics_*.jsonl"))]
    if as_json:
        click.echo(json.dumps([r.as_json() for r in reports], indent=2, ensure_ascii=False))
    else:
        click.echo("\n\n".join(r.format() for r in reports))
    if any(r.rate("right") < min_right or r.rate("wrong") > max_wrong for r in reports):
        sys.exit(1)


@crisis.command("eval")
@click.argument("sets", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--cv", is_flag=True, help="Also cross-validate rules + model on flows/crisis_data/ (slow: 5 fits).")
@click.option("--json", "as_json", is_flag=True, help="The reports as JSON.")
@click.option("--min-recall", type=float, default=0.95, show_default=True)
@click.option("--max-false-alarms", type=float, default=0.05, show_default=True)
def crisis_eval(sets: tuple[Path, ...], cv: bool, as_json: bool, min_recall: float, max_false_alarms: float) -> None:
    """The crisis screen (lexicon + model) on labelled sets (default: the blind sets tests/blind/crisis_*.jsonl):
    recall per category, language and channel, and false alarms on hard negatives and everyday texts. Exits
    non-zero when any recall is below --min-recall or false alarms above --max-false-alarms."""
    from helpline.understanding import data, evaluate
    from helpline.understanding.crisis import model as crisis_model

    settings = _settings()
    lexicon = _lexicon(settings)
    reports = []
    if cv:
        examples = data.read_corpora(crisis_model.training_files(settings.flows_dir))
        reports += list(evaluate.crisis_cv(lexicon, examples).values())
    reports += [evaluate.crisis_blind(lexicon, p) for p in (sets or _blind("crisis_*.jsonl"))]
    if as_json:
        click.echo(json.dumps([r.as_json() for r in reports], indent=2, ensure_ascii=False))
    else:
        click.echo("\n\n".join(r.format() for r in reports))
    failing = [r for r in reports if (r.rate("crisis") or 0) < min_recall
               or max((r.rate(k) or 0) for k in ("hard", "everyday")) > max_false_alarms]
    if failing:
        sys.exit(1)


@flows.command("train")
def flows_train() -> None:
    """Train (or load) the topic router and the crisis model for the current content, and keep them in the model
    cache, so the next start is warm (the production image runs this at build time)."""
    import time

    from helpline.app import load_content
    from helpline.understanding.cache import default_folder

    settings = _settings()
    started = time.perf_counter()
    try:
        flow, lexicon = load_content(settings)
    except ContentError as exc:
        raise click.ClickException(str(exc)) from None
    where = default_folder(settings.data_dir)
    click.echo(f"topic router {flow.router.version} ({len(flow.router.classes)} classes) and crisis model "
               f"{lexicon.model.version[:12] if lexicon.model else '(none)'} ready in "
               f"{time.perf_counter() - started:.1f} s; kept in {where or 'memory only'}")
