# The two commands of the README: `make run` and `make test`. Both build .venv from the pinned requirements.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MDM_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export MDM_TEST_POSTGRES_URL

.PHONY: install browser native run test lint bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed browser native

# The hottest pure-Python modules compiled to C (native.py): a no-op while the copies in .native/ are current; where
# nothing can be compiled, the hub runs its sources and says so.
native: $(VENV)/.installed
	$(PY) -m native

# The browser tests (tests/e2e/test_console_pages.py) drive Debian's chromium through Playwright: Playwright's own
# browser download is not reachable from our machines. CI runs as root and installs it; elsewhere, say how.
CHROMIUM := /usr/bin/chromium
browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then export DEBIAN_FRONTEND=noninteractive; apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }; \
	else echo "NOTE: $(CHROMIUM) is missing and installing it needs root: run 'sudo apt-get install -y chromium'," \
	          "else the browser tests are skipped."; fi

run: install
	$(PY) -m mdm migrate
	$(PY) -m mdm demo --if-empty
	@echo "Demo access tokens, one per role (valid one day; send 'Authorization: Bearer <token>', or sign in at /login):"
	@$(PY) -m mdm token demo
	@echo "Serving on http://127.0.0.1:5000  (sign in: http://127.0.0.1:5000/login, API docs: /api/docs)"
	$(VENV)/bin/gunicorn --config gunicorn.conf.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# One pytest worker per core (two on our machines). Each worker has its own databases; --dist loadscope keeps a
# module's tests on one worker, so the hub a module builds once for its tests is built once.
PYTEST_WORKERS ?= 2
test: lint
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadscope

clean:
	rm -rf $(VENV) .native .pytest_cache .mypy_cache .ruff_cache
