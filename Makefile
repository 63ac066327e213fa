# Two commands for a newcomer: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV ?= .venv
PORT ?= 5000
# Exported so the portal builds emailed links to the port actually served (config.load_settings).
export PORT
BIN := $(VENV)/bin
FLASK := PORTAL_ENV=development $(BIN)/flask --app wsgi

.PHONY: run test security audit pip-audit install install-test install-bench bench migrate demo-data clean benchmark

# A new virtualenv gets the newest pip and setuptools: the setuptools venv bundles is years old
# (and `make audit`, which audits newest releases only, would name it unaudited).
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.installed-audit: pyproject.toml $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet -e '.[audit]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

install: $(VENV)/.installed

install-bench: $(VENV)/.installed-bench

install-test: $(VENV)/.installed-test

migrate: install
	$(FLASK) db upgrade

demo-data: migrate
	$(FLASK) demo load

# The web server and a job consumer (email delivery, periodic jobs) together; Ctrl-C stops both.
run: demo-data
	PORTAL_ENV=development $(BIN)/python scripts/run_with_consumer.py --host 127.0.0.1 --port $(PORT)

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Static security checks: fails on any medium or high severity finding (-ll); offline and quick.
security: install-test
	$(BIN)/python -m bandit -r portal -ll -q

# Known vulnerabilities in every package of the test environment (the app's and the tools'), from
# the package index's advisory feed for each package's newest release (scripts/audit_packages.py):
# fails on a vulnerability or an unreadable package, and names the packages older than their newest
# release, which it cannot audit (AUDIT_ARGS=--strict fails on those too).
audit: install-test
	$(BIN)/python scripts/audit_packages.py $(AUDIT_ARGS)

# pip-audit itself (--strict: a package it could not look up fails the run too), where its
# vulnerability services answer; from CI's network none does, so it fails on every package there.
pip-audit: $(VENV)/.installed-audit
	$(BIN)/python -m pip_audit --strict --skip-editable --progress-spinner off

# Pages and htmx swaps under load (locust) against gunicorn + PostgreSQL, as production serves
# them; prints a markdown table. BENCH_SECONDS, BENCH_USERS, BENCH_CLIENTS, BENCH_YEARS: scripts/bench.py.
bench: install-bench
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) instance .pytest_cache
