# Two commands matter: `make sandbox` (try the bot in a local web chat) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: help install browser sandbox cluster run migrate test lint format pytest bench clean

help:
	@echo "make sandbox  - install, then run the bot against the built-in Telegram emulator (web chat)"
	@echo "make run      - install, then run the bot against real Telegram (BOT_TOKEN in config.env)"
	@echo "make test     - install, then ruff, mypy and pytest"
	@echo "make lint     - ruff and mypy only"
	@echo "make migrate  - apply database migrations (DATABASE_URL)"
	@echo "make bench    - run the benchmarks into bench/results.json"
	@echo "make cluster  - webhook replicas on PostgreSQL and Redis behind a balancer, with the emulator"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# The browser tests (tests/browser) drive the sandbox page in the system's Chromium:
# installed when missing (as root), else they skip and say how (in CI they fail).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
	  || { [ "$$(id -u)" = 0 ] && (apt-get install -y -q chromium || (apt-get update -q && apt-get install -y -q chromium)); } \
	  || echo "no Chromium: the browser tests will skip (install it: apt-get install -y chromium)"

sandbox: install
	$(BIN)/python -m bot sandbox

cluster: install
	$(BIN)/python -m bot.cluster

run: install
	$(BIN)/python -m bot run

migrate: install
	$(BIN)/python -m bot migrate

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

pytest: install browser
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint pytest

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
