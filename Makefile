# Set-up is two commands on a fresh machine: `make demo` and `make test`.
# Both create the virtual environment on first use; nothing downloads model weights.

VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test postgres lint

demo: $(STAMP)
	$(BIN)/papers demo

test: $(STAMP) postgres
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .

# torch goes first, pinned: a plain `torch` requirement would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

# The store tests run against a real PostgreSQL server; tests/postgres.py starts one from
# Debian's server binaries, installed here when missing.
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; \
	fi
