# The two commands a new user needs: `make demo` runs the helpline, `make test` runs the tests.
# Each builds its own virtualenv in .venv the first time (only Python 3.11+ is needed).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test serve worker chat check lint clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

demo: $(BIN)/.installed
	$(BIN)/helpline demo

test: $(BIN)/.installed
	$(BIN)/helpline flows check
	$(BIN)/ruff check helpline workers tests bench
	$(BIN)/pytest

serve: $(BIN)/.installed
	$(BIN)/helpline serve

worker: $(BIN)/.installed
	$(BIN)/helpline worker

chat: $(BIN)/.installed
	$(BIN)/helpline chat

lint: $(BIN)/.installed
	$(BIN)/ruff check helpline workers tests bench

clean:
	rm -rf $(VENV) var
