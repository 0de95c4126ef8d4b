# tallybot — every target creates .venv and installs the pinned dependencies itself.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test lint typecheck layers pytest run demo bench lock clean

$(STAMP): requirements-dev.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "needs $(PYTHON) (set PYTHON=...)"; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

test: lint typecheck layers pytest

lint: $(STAMP)
	$(BIN)/ruff check bot tests $(wildcard bench)
	$(BIN)/ruff format --check bot tests $(wildcard bench)

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

# Most tests wait on servers, subprocesses and timers rather than compute: several workers
# keep the suite well under CI's 10 minutes on 2 cores (PYTEST_ARGS="-n 0" runs serially).
pytest: $(STAMP)
	$(BIN)/python -m pytest -n 3 $(PYTEST_ARGS)

run: $(STAMP)
	$(BIN)/python -m bot run

demo: $(STAMP)
	$(BIN)/python -m bot demo

bench: $(STAMP)
	$(BIN)/python -m bench

# Regenerate the pins after changing pyproject.toml dependencies.
lock:
	$(PYTHON) -m venv /tmp/tallybot-piptools && /tmp/tallybot-piptools/bin/pip install -q pip-tools
	/tmp/tallybot-piptools/bin/pip-compile -q --strip-extras --no-emit-index-url -o requirements.txt pyproject.toml
	/tmp/tallybot-piptools/bin/pip-compile -q --strip-extras --no-emit-index-url --allow-unsafe --extra dev -o requirements-dev.lock pyproject.toml

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache demo-output
