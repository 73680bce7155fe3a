# Two commands for a fresh machine with only Python 3: `make run`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
STAMP := $(VENV)/.installed

.PHONY: run test lint venv bench clean

$(STAMP): requirements.txt requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-test.txt
	touch $(STAMP)

venv: $(STAMP)

# Starts the embedded database (when MONGODB_URI is unset), creates indexes,
# loads demo data and demo users on an empty database, then serves the app.
# Ctrl-C stops the app and, with it, the embedded database.
run: $(STAMP)
	$(BIN)/flask --app wsgi seed bootstrap
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl-C to stop)"
	$(BIN)/flask --app wsgi run --host 127.0.0.1 --port $(PORT) --no-reload

# Lint first: CI fails on a lint error before it spends time on the suite.
test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check webapp tests bench wsgi.py

clean:
	rm -rf $(VENV) var .pytest_cache
