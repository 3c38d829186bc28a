# The two set-up commands are `make run` and `make test`; see README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
PIP := $(PY) -m pip install --quiet --disable-pip-version-check

.PHONY: run test lint format schema schemathesis bench requirements upgrade

$(VENV)/.runtime-installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	touch $@

# requirements-dev.txt holds the test and lint tools only (constrained by requirements.txt):
# install both sets in one go, so that pip sees them together.
$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.runtime-installed
	$(PIP) -r requirements.txt -r requirements-dev.txt
	touch $@

## run: install, migrate the local SQLite database, make the demo users and data, serve on :8000
run: export DJANGO_DEBUG = 1
run: $(VENV)/.runtime-installed
	@$(PY) -c "import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); \
	sys.exit(s.connect_ex(('127.0.0.1', $(PORT))) == 0)" \
	|| { echo "Port $(PORT) is busy: stop what is using it, or run 'make run PORT=8001'."; exit 1; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_demo --base-url http://127.0.0.1:$(PORT)
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## test: install the test dependencies and run the whole suite (DATABASE_URL picks the database)
test: $(VENV)/.dev-installed
	$(BIN)/pytest $(PYTEST_ARGS)

## lint: ruff check, ruff format --check, and mypy (type hints of services and selectors; mypy.ini)
lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_DEBUG=1 $(BIN)/mypy

## format: apply ruff's fixes and formatting
format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## schemathesis: fuzz the running API against its own OpenAPI document (DATABASE_URL: a throw-away database)
schemathesis: $(VENV)/.dev-installed
	bash .ci/schemathesis

## schema: regenerate docs/openapi.yaml from the code
schema: export DJANGO_DEBUG = 1
schema: $(VENV)/.dev-installed
	$(PY) manage.py spectacular --validate --fail-on-warn --file docs/openapi.yaml

## requirements: compile requirements.txt and requirements-dev.txt from the .in files (pip-tools), keeping current pins
## upgrade: the same, moving every package to its newest release the .in files allow
# No index or find-links lines in the output: they would name this machine's package sources.
# Extras are stripped (psycopg[binary] becomes psycopg and psycopg-binary), as pip refuses them
# in requirements.txt when requirements-dev.in reads it as a constraint file.
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make requirements" $(BIN)/pip-compile --quiet --strip-extras \
	--no-emit-index-url --no-emit-find-links $(PIP_COMPILE_ARGS)
requirements:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/pip-compile || $(PIP) pip-tools
	$(PIP_COMPILE) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) --output-file requirements-dev.txt requirements-dev.in

upgrade: PIP_COMPILE_ARGS = --upgrade
upgrade: requirements

## bench: seed PostgreSQL (BENCH_DATABASE_URL), serve with gunicorn -w 2, load with wrk; see docs/performance.md
bench: $(VENV)/.runtime-installed
	$(PY) bench/run.py $(BENCH_ARGS)
