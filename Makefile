# `make run` and `make test` work on a fresh machine: they create .venv/ when missing and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# Every extra, so that every backend is tested.
ALL_EXTRAS := st,llm,llamacpp,dev

.PHONY: install install-test run test test-fast lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[$(ALL_EXTRAS)]'
	touch $@ $(STAMP)

install: $(STAMP)

install-test: $(TEST_STAMP)

run: $(STAMP)
	$(BIN)/vankien ingest data/samples --if-empty
	$(BIN)/vankien serve

test: $(TEST_STAMP)
	$(BIN)/pytest

# The fast layer (pure logic, fake embeddings): seconds. Of the third-party pytest plugins it loads only
# pytest-asyncio (pyproject configures it): importing the others (hypothesis, schemathesis, langsmith…)
# costs more than its tests.
test-fast: $(TEST_STAMP)
	PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 $(BIN)/pytest -p pytest_asyncio.plugin tests/fast

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: $(TEST_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(TEST_STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
