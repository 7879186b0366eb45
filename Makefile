# Everything a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FIXTURES := speakers corpus topics targets demo_annotations
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install compile migrate demo run serve backup restore test lint format fixtures browser-deps probe clean bench bench-pages bench-import

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed compile

# The project's modules compiled ahead into __pycache__ (only those changed since): where
# PYTHONDONTWRITEBYTECODE is set, every command would compile them all as it starts (~0.15 s).
compile: $(VENV)/.installed
	$(PY) -m compileall -q corpus_app annotations dashboard desk > /dev/null

migrate: install
	$(PY) manage.py migrate --noinput

# Demo data and accounts: the fixtures, then one account per role, printed.
demo: migrate
	$(PY) manage.py loaddata $(FIXTURES)
	$(PY) manage.py populate_history --auto
	$(PY) manage.py setup_demo --url http://$(HOST):$(PORT)/

# The task worker (big import batches, README "The worker") runs beside the server; Ctrl-C stops both.
# With TASKS_BACKEND=rq it is an RQ worker on REDIS_URL, else the database backend's.
TASK_WORKER = $(if $(filter rq,$(TASKS_BACKEND)),rqworker --job-class django_tasks_rq.Job default,db_worker --no-reload)

run: demo
	@$(PY) manage.py $(TASK_WORKER) & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# Production-style serving: gunicorn, DEBUG off, PostgreSQL, static files through whitenoise.
# Needs DATABASE_URL=postgres://…, SECRET_KEY and ALLOWED_HOSTS in the environment.
WORKERS ?= 3
serve: install
	@case "$$DATABASE_URL" in postgres://*|postgresql://*) ;; \
	  *) echo "make serve runs on PostgreSQL: set DATABASE_URL=postgres://user@host:5432/name" >&2; exit 2;; esac
	@test -n "$$SECRET_KEY" || { echo "make serve needs SECRET_KEY (python -c 'import secrets; print(secrets.token_urlsafe(50))')" >&2; exit 2; }
	DEBUG=false $(PY) manage.py check --deploy
	DEBUG=false $(PY) manage.py migrate --noinput
	DEBUG=false $(PY) manage.py collectstatic --noinput -v 0
	@DEBUG=false $(PY) manage.py $(TASK_WORKER) & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=false $(VENV)/bin/gunicorn desk.wsgi --bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile -

# make backup [BACKUP=backups/desk-YYYY-MM-DD.json.gz]; make restore BACKUP=… (into a new, migrated database)
BACKUP ?= backups/desk-$(shell date +%Y-%m-%d-%H%M).json.gz
backup: install
	mkdir -p $(dir $(BACKUP))
	$(PY) manage.py backup_data $(BACKUP)

restore: migrate
	$(PY) manage.py restore_backup $(BACKUP)

browser-deps:
	bash scripts/ensure-chromium

test: install browser-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Rebuild fixtures/*.json from fixtures/transcripts/ through the importer, in a throwaway database.
fixtures: install
	rm -f .fixtures.sqlite3 .fixtures.sqlite3-wal .fixtures.sqlite3-shm
	DATABASE_URL=sqlite:///$(CURDIR)/.fixtures.sqlite3 $(PY) manage.py migrate --noinput -v 0
	DATABASE_URL=sqlite:///$(CURDIR)/.fixtures.sqlite3 $(PY) manage.py build_fixtures
	rm -f .fixtures.sqlite3 .fixtures.sqlite3-wal .fixtures.sqlite3-shm

# `make bench`: both benchmarks below, in turn.
bench: bench-pages bench-import

# Pages, exports and the importer on a generated corpus, on PostgreSQL in its own database
# (desk_bench, dropped and re-created): `make bench-pages` for 2,000 and 20,000 documents,
# `make bench-pages BENCH_ARGS="--sizes 200,2000"` for a quick run.
bench-pages: install
	$(PY) bench/run.py $(BENCH_ARGS)

# import_transcripts (one file per item) and import_documents (one JSONL, 3 spans per item as
# annotations) on the peer workload (../shared/bench/peer_workload.py) at 2,000 and 20,000 items,
# on SQLite and PostgreSQL (its own desk_bench_ic database): items/s and peak memory.
# `make bench-import IMPORT_BENCH_ARGS="--sizes 2000 --commands transcripts"` for a part.
bench-import: install
	$(PY) bench/imports.py $(IMPORT_BENCH_ARGS)

# 20 concurrent editors against gunicorn on 127.0.0.1, in its own database (desk_load).
load: install
	$(PY) bench/load.py $(LOAD_ARGS)

# The hostile-input probe of issue 15: the app on 127.0.0.1 (own SQLite database in a temporary
# folder, a free port), bad and hostile requests and files, a table of how each class was answered.
probe: install
	$(PY) scripts/probe.py $(PROBE_ARGS)
	FUZZ_SCALE=10 SCHEMATHESIS_MAX_EXAMPLES=300 $(VENV)/bin/pytest -q -p no:cacheprovider \
		tests/annotations/test_api_schema.py tests/corpus_app/test_extract_fuzz.py tests/corpus_app/test_parsing_properties.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles test-artifacts
