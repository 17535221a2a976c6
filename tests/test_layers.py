"""The layers of the house (docs/architecture.md), checked: a lower layer never imports a higher one.

Every module under helpline/ and workers/ is parsed with ``ast``, and every import counts: at the top, inside a
function, under ``if TYPE_CHECKING:``; relative imports are resolved. A rule names the importing modules and the
modules they may not import (a name covers its submodules: ``helpline.queue`` covers ``helpline.queue.stats``).

A rule the code breaks today, where the fix is not a small one in this test's branch, is a KNOWN exception below:
named, with the reason and what would fix it. A known exception that no longer happens fails the test too, so the
list only shrinks. Do not widen a rule to make a new import pass: move the code to the layer it belongs in.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("helpline", "workers")

WEB = ("flask", "flask_wtf", "werkzeug", "twilio")
STORAGE = ("redis", "rq")
ABOVE_THE_ENGINE = tuple(f"helpline.{name}" for name in (
    "queue", "channels", "staff", "ops", "sim", "cli", "app", "context", "redisdb")) + ("workers",)
CLI = ("helpline.cli", "helpline.cli_twilio", "helpline.cli_understanding", "helpline.rostercli")


@dataclass(frozen=True)
class Rule:
    name: str
    importers: tuple[str, ...]  # the modules (and their submodules) the rule applies to
    forbidden: tuple[str, ...]  # what they may not import
    exempt: tuple[str, ...] = ()  # importers the rule does not apply to (inside ``importers``)


RULES = (
    Rule("content, understanding and the engine are pure: no web, no Redis, nothing above them",
         ("helpline.content", "helpline.understanding", "helpline.engine"), WEB + STORAGE + ABOVE_THE_ENGINE),
    Rule("understanding does not import the engine (the engine uses understanding)",
         ("helpline.understanding",), ("helpline.engine",)),
    Rule("the queue is Redis only: no web, no Twilio, nothing above it",
         ("helpline.queue",), ("flask", "flask_wtf", "werkzeug", "twilio", "helpline.channels", "helpline.staff",
                               "helpline.ops", "helpline.sim", "helpline.cli", "helpline.app", "helpline.context")),
    Rule("channels, staff and ops reach the app through helpline.context, never the factory or the cli",
         ("helpline.channels", "helpline.staff", "helpline.ops"), ("helpline.app",) + CLI),
    Rule("nothing imports the cli but the cli", ("helpline", "workers"), CLI, exempt=CLI),
    Rule("workers (RQ jobs) do not import flask", ("workers",), ("flask", "flask_wtf", "werkzeug")),
)

# (importing module, imported module): why it is allowed for now, and what fixes it.
KNOWN: dict[tuple[str, str], str] = {
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # what it imports (for ``from a import b``: ``a.b``, which may name a module or an attribute)
    line: int

    def __str__(self) -> str:
        return f"{self.module} (line {self.line}) imports {self.target}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[Import]:
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    return parse_imports(module, package, path.read_text(encoding="utf-8"))


def parse_imports(module: str, package: str, text: str) -> list[Import]:
    """Every import in ``text`` (the source of ``module``, in ``package``), wherever it is: top level, function,
    class, ``if``."""
    out: list[Import] = []
    for node in ast.walk(ast.parse(text, module)):
        if isinstance(node, ast.Import):
            out += [Import(module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # from . import x, from ..a import b
                parts = package.split(".")
                source = ".".join(parts[: len(parts) - (node.level - 1)] + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                # ``from helpline import app`` imports helpline.app; ``from flask import g``, flask.g, which a
                # rule on flask covers just the same.
                out.append(Import(module, f"{source}.{alias.name}" if alias.name != "*" else source, node.lineno))
    return out


def covers(prefixes: tuple[str, ...], name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def source_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def all_imports() -> list[Import]:
    return [imp for path in source_files() for imp in imports_of(path)]


def broken(imports: list[Import], rule: Rule) -> list[Import]:
    return [imp for imp in imports
            if covers(rule.importers, imp.module) and not covers(rule.exempt, imp.module)
            and covers(rule.forbidden, imp.target)]


def known(imp: Import) -> bool:
    """A known exception: listed by the module it imports (``a.b`` for ``from a import b``, or ``a``)."""
    return (imp.module, imp.target) in KNOWN or (imp.module, imp.target.rpartition(".")[0]) in KNOWN


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    found = all_imports()
    assert len({imp.module for imp in found}) > 50, "the walk should see every module of helpline/ and workers/"
    return found


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_no_layer_imports_a_higher_one(imports: list[Import], rule: Rule) -> None:
    wrong = [imp for imp in broken(imports, rule) if not known(imp)]
    assert not wrong, f"{rule.name}:\n" + "\n".join(f"  {imp}" for imp in wrong) + (
        "\nMove the code to the layer it belongs in (docs/architecture.md), or import it lazily from the layer "
        "that may.")


def test_every_known_exception_still_happens(imports: list[Import]) -> None:
    """When one is fixed, delete its line from KNOWN: the list only shrinks."""
    breaking = {(imp.module, imp.target) for rule in RULES for imp in broken(imports, rule)}
    breaking |= {(module, target.rpartition(".")[0]) for module, target in breaking}
    stale = [f"{module} -> {target}" for module, target in KNOWN if (module, target) not in breaking]
    assert not stale, "fixed, so remove from KNOWN: " + ", ".join(stale)


def test_the_jobs_load_no_flask() -> None:
    """The rule above sees each module's own imports; this one what a worker process loads through them (the
    staff package, the metrics counter): every module under workers/, imported in a fresh interpreter."""
    jobs = sorted(module_name(p) for p in (ROOT / "workers").rglob("*.py"))
    code = (f"import sys\nfor m in {jobs!r}:\n    __import__(m)\n"
            "print(' '.join(sorted(m for m in sys.modules if m in ('flask', 'flask_wtf'))))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"importing the jobs loads {done.stdout.strip()}"


def test_the_check_sees_lazy_relative_and_type_checking_imports() -> None:
    """The walk finds an import inside a function or under TYPE_CHECKING, and resolves ``from ..``."""
    text = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from helpline.app import Helpline\n"
            "def f():\n    from ..channels import sms\n    import flask\n")
    found = parse_imports("helpline.engine.probe", "helpline.engine", text)
    assert [imp.target for imp in found] == ["typing.TYPE_CHECKING", "helpline.app.Helpline",
                                             "helpline.channels.sms", "flask"]
    assert broken(found, RULES[0]) == found[1:]  # all three break the first rule
