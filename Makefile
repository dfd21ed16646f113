# The two commands of the README: `make run` and `make test`. Both build .venv from the pinned requirements.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MDM_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export MDM_TEST_POSTGRES_URL

.PHONY: install run test lint bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

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

test: lint
	$(VENV)/bin/pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
