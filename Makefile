# Bastion developer commands. Every target creates .venv itself when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PKG := src/bastion

.PHONY: install demo test lint typecheck security-lint pytest bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -rf src/*.egg-info  # its file list would make pytest try to rewrite 'types', 'app'...
	touch $(STAMP)

install: $(STAMP)

## Create or update the demo's SQLite tables, then serve it at http://127.0.0.1:8000 (DEBUG).
demo: install
	$(BIN)/bastion --app examples.demo.wsgi:application migrate
	$(BIN)/bastion --app examples.demo.wsgi:application runserver 127.0.0.1:8000

## Every quality gate, then the whole test suite with branch coverage (fails under 85%).
test: lint typecheck security-lint pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

security-lint: install
	$(BIN)/bandit -q -c pyproject.toml -r $(PKG)

# coverage starts before pytest so that modules the pytest plugin imports are measured too.
pytest: install
	rm -f .coverage .coverage.*
	$(BIN)/coverage run -m pytest -p no:cacheprovider
	$(BIN)/coverage combine --quiet
	$(BIN)/coverage report

## Side-by-side benchmarks against Django, Flask and a bare WSGI app, then the auth section
## (login password verify, has_perm and for_user against Django/django-guardian).
bench: install
	bash bench/ensure_wrk.sh || true
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .coverage .coverage.* .mypy_cache .ruff_cache build dist
