VENV ?= .venv
PYTHON ?= python3.11
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run demo test test-pythons bench eval contract lint fmt clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# `make run PORT=9000 HOST=0.0.0.0` serves elsewhere.
HOST ?= 127.0.0.1
PORT ?= 8000

run: install
	$(VENV)/bin/replydesk serve --host $(HOST) --port $(PORT)

# Sample buyer messages in six languages, drafted into the database `make run` serves.
demo: install
	$(VENV)/bin/replydesk demo

test: install lint
	$(PY) -m pytest -q

# The test suite again on Python 3.12 and 3.13, each in a venv of its own (.venv-3.12, .venv-3.13).
test-pythons:
	bash .ci/pythons 3.12 3.13

bench: install
	$(PY) -m bench

# Quality floors on labelled data (pytest -m eval), then every figure printed.
eval: install
	$(PY) -m pytest -q -m eval
	$(PY) -m evals

# schemathesis against a running server: every operation, with keys, a fixed seed, about 90 s.
contract: install
	$(PY) -m tests.contract

lint: install
	$(VENV)/bin/ruff check service guardrails tests bench evals examples
	$(VENV)/bin/ruff format --check service guardrails tests bench evals examples
	$(VENV)/bin/mypy

fmt: install
	$(VENV)/bin/ruff format service guardrails tests bench evals examples
	$(VENV)/bin/ruff check --fix service guardrails tests bench evals

clean:
	rm -rf $(VENV) .venv-3.* .pytest_cache .mypy_cache .ruff_cache
