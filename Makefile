# The two commands of the README. Each sets up what it needs on a fresh machine
# with Python 3.11, 3.12 or 3.13 (a virtual environment in .venv, pinned by constraints.txt).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-fast test-pythons lint bench clean browser constraints messages

## Set up and evaluate the sample tender: prints the ranking, writes sample_bids/reports/CITY-ICT-2026-014/.
demo: $(VENV)/.installed
	$(BIN)/tenderscore evaluate sample_bids/city-computers-2026

## Set up and run the test suite (report.html is checked in a real headless Chromium), with coverage and its floor.
## The tests import the installed package (pytest's own script: the repository root is not on sys.path).
test: $(VENV)/.installed-test browser
	$(BIN)/pytest --cov --cov-report=term

## The inner loop: everything but the slow tests (real Prefect server, Chromium, the command in a subprocess).
test-fast: $(VENV)/.installed-test
	$(BIN)/pytest -m "not slow"

## The inner loop on every other supported Python found here (python3.12, python3.13), each in .venv-<version>.
test-pythons:
	@for v in 3.12 3.13; do \
	  command -v python$$v >/dev/null || { echo "python$$v: not installed, skipped"; continue; }; \
	  test -x .venv-$$v/bin/python || python$$v -m venv .venv-$$v; \
	  .venv-$$v/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]' && \
	  .venv-$$v/bin/pytest -q -m "not slow" -p no:cacheprovider || exit 1; \
	done

## Lint, format and type checks, as CI runs them before the tests.
lint: $(VENV)/.installed-lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

browser:
	@{ command -v chromium && command -v chromedriver; } >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run.py

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	touch $@

$(VENV)/.installed-lint: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[lint]'
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@

## Re-pin every dependency after a change in pyproject.toml (delete a package's line first to upgrade it).
## Extract the letters' and reports' messages into scoring/locale/tenderscore.pot and update every catalogue
## (new messages come in empty: translate them in scoring/locale/<language>/LC_MESSAGES/tenderscore.po).
messages: $(VENV)/.installed
	$(BIN)/python -m scoring.reports.i18n

constraints:
	rm -rf .venv-pin && $(PYTHON) -m venv .venv-pin
	.venv-pin/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test,lint]'
	.venv-pin/bin/python -m pip freeze --exclude-editable > constraints.txt
	rm -rf .venv-pin

clean:
	rm -rf $(VENV) reports *.egg-info
