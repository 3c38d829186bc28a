# The two set-up commands are `make run` and `make test`; see README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
PIP := $(PY) -m pip install --quiet --disable-pip-version-check

.PHONY: run test lint format schema schemathesis bench

$(VENV)/.runtime-installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.runtime-installed
	$(PIP) -r requirements-dev.txt
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

## lint: ruff check and ruff format --check
lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

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

## bench: seed PostgreSQL (BENCH_DATABASE_URL), serve with gunicorn -w 2, load with wrk; see docs/performance.md
bench: $(VENV)/.runtime-installed
	$(PY) bench/run.py $(BENCH_ARGS)
