"""For the clinical and content team: ``helpline flows check|test|eval|train`` and ``helpline crisis check|eval``.

``eval`` measures how well the helpline understands people: cross-validation on the training data (``--cv``) and the
blind sets in ``tests/blind/`` (written before the change they judge, by authors who never saw the rules, scored
once: see docs/understanding.md).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import click

from helpline.cli.common import read_content, read_settings
from helpline.config import PROJECT_DIR, Settings
from helpline.errors import ContentError

BLIND = PROJECT_DIR / "tests" / "blind"
_F = TypeVar("_F", bound=Callable[..., Any])


@click.group()
def flows() -> None:
    """Check and test the conversation content in flows/."""


@flows.command("check")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def flows_check(path: Path | None) -> None:
    """Validate a flow file, the crisis lexicon and transcripts (default: the whole flows/ folder)."""
    from helpline.sim.contentcheck import check

    settings = read_settings()
    problems, checked = check(path or settings.flows_dir, settings)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in {checked} file(s)")
    click.echo(f"ok: {checked} file(s) valid")


@flows.command("test")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def flows_test(path: Path | None) -> None:
    """Play the conversation transcripts (default: flows/tests/) against the flows."""
    from helpline.sim import transcripts

    settings = read_settings()
    flow, lexicon = read_content(settings)
    try:
        files = [path] if path and path.is_file() else transcripts.discover(path or settings.flows_dir / "tests")
        failed = 0
        for file in files:
            problems = transcripts.run(transcripts.load(file), flow, lexicon)
            failed += bool(problems)
            mark = click.style("FAIL", fg="red") if problems else click.style("ok  ", fg="green")
            click.echo(f"{mark} {file}")
            for problem in problems:
                click.echo(f"     {problem}")
    except ContentError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{len(files) - failed} passed, {failed} failed")
    if failed or not files:
        sys.exit(1)


@flows.command("train")
def flows_train() -> None:
    """Train (or load) the topic router and the crisis model for the current content, and keep them in the model
    cache, so the next start is warm (the production image runs this at build time)."""
    import time

    from helpline.understanding.cache import default_folder

    settings = read_settings()
    started = time.perf_counter()
    flow, lexicon = read_content(settings)
    where = default_folder(settings.data_dir)
    click.echo(f"topic router {flow.router.version} ({len(flow.router.classes)} classes) and crisis model "
               f"{lexicon.model.version[:12] if lexicon.model else '(none)'} ready in "
               f"{time.perf_counter() - started:.1f} s; kept in {where or 'memory only'}")


@click.group()
def crisis() -> None:
    """Try the crisis screen."""


def _lexicon(settings: Settings):  # type: ignore[no-untyped-def]
    from helpline.understanding.crisis import load_lexicon

    try:
        return load_lexicon(settings.flows_dir / "crisis.yaml", settings.variables)
    except ContentError as exc:
        raise click.ClickException(str(exc)) from None


@crisis.command("check")
def crisis_check() -> None:
    """Read messages, one a line, from stdin; write one JSON verdict a line (text, crisis, category, severity,
    matches, and what was set aside and why)."""
    from helpline.understanding.crisis.stream import check_stream

    check_stream(_lexicon(read_settings()), sys.stdin, sys.stdout)


# -- eval: the same shape for topics and for the crisis screen ---------------------------------------------------
class _Report(Protocol):
    def format(self) -> str: ...
    def as_json(self) -> dict[str, Any]: ...


def _eval_command(group: click.Group, cv: Callable[[_F], _F], lower: tuple[str, float],
                  upper: tuple[str, float]) -> Callable[[_F], click.Command]:
    """``GROUP eval [SETS...]`` with the group's ``cv`` option, ``--json``, and the two limits a report must keep:
    at least ``lower`` and at most ``upper`` (name, default)."""
    def decorate(f: _F) -> click.Command:
        f = click.option(upper[0], type=float, default=upper[1], show_default=True)(f)
        f = click.option(lower[0], type=float, default=lower[1], show_default=True)(f)
        f = click.option("--json", "as_json", is_flag=True, help="The reports as JSON.")(f)
        f = click.argument("sets", nargs=-1, type=click.Path(exists=True, path_type=Path))(cv(f))
        return group.command("eval")(f)
    return decorate


def _blind(sets: tuple[Path, ...], pattern: str) -> Sequence[Path]:
    """The sets named, else the blind sets matching ``pattern``."""
    return sets or (sorted(BLIND.glob(pattern)) if BLIND.is_dir() else [])


def _show(reports: Sequence[_Report], as_json: bool, failing: Callable[[Any], bool]) -> None:
    """Print the reports (as JSON or as text); exit 1 when any of them is ``failing``."""
    if as_json:
        click.echo(json.dumps([r.as_json() for r in reports], indent=2, ensure_ascii=False))
    else:
        click.echo("\n\n".join(r.format() for r in reports))
    if any(failing(r) for r in reports):
        sys.exit(1)


@_eval_command(flows, click.option("--cv/--no-cv", default=True,
                                   help="Cross-validate the router on the flow's examples (default on)."),
               ("--min-right", 0.90), ("--max-wrong", 0.03))
def flows_eval(sets: tuple[Path, ...], cv: bool, as_json: bool, min_right: float, max_wrong: float) -> None:
    """Topic routing: k-fold cross-validation (per-node precision and recall, the most confused pairs, the
    wrong-answer rate) and the blind topic sets (default tests/blind/topics_*.jsonl), each message sent through
    the real dialogue. Exits non-zero when any report is below --min-right or above --max-wrong."""
    from helpline.sim import evaluate

    flow, lexicon = read_content(read_settings())
    reports = [evaluate.topics_cv(flow)] if cv else []
    reports += [evaluate.topics_blind(flow, lexicon, p) for p in _blind(sets, "topics_*.jsonl")]
    _show(reports, as_json, lambda r: r.rate("right") < min_right or r.rate("wrong") > max_wrong)


@_eval_command(crisis, click.option("--cv", is_flag=True,
                                    help="Also cross-validate rules + model on flows/crisis_data/ (slow: 5 fits)."),
               ("--min-recall", 0.95), ("--max-false-alarms", 0.05))
def crisis_eval(sets: tuple[Path, ...], cv: bool, as_json: bool, min_recall: float, max_false_alarms: float) -> None:
    """The crisis screen (lexicon + model) on labelled sets (default: the blind sets tests/blind/crisis_*.jsonl):
    recall per category, language and channel, and false alarms on hard negatives and everyday texts. Exits
    non-zero when any recall is below --min-recall or false alarms above --max-false-alarms."""
    from helpline.sim import evaluate
    from helpline.understanding import data
    from helpline.understanding.crisis import model as crisis_model

    settings = read_settings()
    lexicon = _lexicon(settings)
    reports = []
    if cv:
        examples = data.read_corpora(crisis_model.training_files(settings.flows_dir))
        reports += list(evaluate.crisis_cv(lexicon, examples).values())
    reports += [evaluate.crisis_blind(lexicon, p) for p in _blind(sets, "crisis_*.jsonl")]
    _show(reports, as_json, lambda r: (r.rate("crisis") or 0) < min_recall
          or max((r.rate(k) or 0) for k in ("hard", "everyday")) > max_false_alarms)
