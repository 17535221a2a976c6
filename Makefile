# The two commands a new user needs: `make demo` runs the helpline, `make test` runs the tests.
# Each builds its own virtualenv in .venv the first time (only Python 3.11+ is needed), installing the exact
# versions pinned in requirements/dev.txt; `make lock` refreshes the pins from pyproject.toml.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LOCK_FLAGS := --quiet --strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host

.PHONY: demo test serve worker chat check lint lock clean

$(BIN)/.installed: pyproject.toml requirements/dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

demo: $(BIN)/.installed
	$(BIN)/helpline demo

test: $(BIN)/.installed
	$(BIN)/helpline flows check
	$(BIN)/ruff check helpline workers tests bench
	$(BIN)/mypy
	$(BIN)/pytest

serve: $(BIN)/.installed
	$(BIN)/helpline serve

worker: $(BIN)/.installed
	$(BIN)/helpline worker

chat: $(BIN)/.installed
	$(BIN)/helpline chat

lint: $(BIN)/.installed
	$(BIN)/ruff check helpline workers tests bench

# The lock files: requirements/main.txt (the production image) and requirements/dev.txt (make, CI: plus the
# `local` and `dev` extras, held to main.txt's versions). Run after changing a dependency in pyproject.toml, or to take newer versions.
lock: $(BIN)/.installed
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile $(LOCK_FLAGS) --upgrade --output-file requirements/main.txt pyproject.toml
	$(BIN)/pip-compile $(LOCK_FLAGS) --upgrade --extra local --extra dev --constraint requirements/main.txt \
		--output-file requirements/dev.txt pyproject.toml

clean:
	rm -rf $(VENV) var
