# ntm-forecast — `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

.PHONY: install
install: $(VENV)/.installed ## Create .venv and install the package

.PHONY: run
run: $(VENV)/.installed ## Set up, then run the main job: every locality in params/
	$(BIN)/ntm-forecast check
	$(BIN)/ntm-forecast run --jobs $(JOBS)

.PHONY: test
test: $(VENV)/.installed-dev ## Set up with the dev extra, then lint and run the tests
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

.PHONY: test-browser
test-browser: $(VENV)/.installed-dev ## The notebooks in JupyterLab and the web app, in headless Chromium (apt-get install chromium)
	$(BIN)/python -m pytest -m browser tests/test_browser.py tests/test_app_browser.py

.PHONY: serve
serve: $(VENV)/.installed ## The web app for planners on http://127.0.0.1:8866 (PORT=, LANG_APP=en)
	$(BIN)/ntm-forecast serve --port $(or $(PORT),8866) --lang $(or $(LANG_APP),vi)

.PHONY: lint
lint: $(VENV)/.installed-dev ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

.PHONY: bench
bench: $(VENV)/.installed-dev ## Run the benchmarks in benchmarks/
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_batch.py
	$(BIN)/python benchmarks/bench_extract.py
	$(BIN)/python benchmarks/bench_input.py
	$(BIN)/python benchmarks/bench_app.py

TABLES := data/public/public_observations.csv data/public/provinces_to_2021.csv \
          data/public/figures_2022_2025.csv data/public/units_2025.csv \
          $(wildcard data/found/*.csv) data/public/mergers_2025.csv

.PHONY: params
params: $(VENV)/.installed ## Add the figures of data/ to params/ (ntm-forecast import; idempotent)
	$(BIN)/ntm-forecast import $(TABLES) --into params --origin-year 2025
	$(BIN)/python data/annotate.py
	$(BIN)/ntm-forecast hindcast params --format csv --output /dev/null --write-layer params/probability_layer.json

.PHONY: clean
clean: ## Remove the virtual environment and the outputs
	rm -rf $(VENV) outputs/*/ outputs/summary.* outputs/run.json
