# Two commands: `make run` and `make test`. See README.md.
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint worker beat serve messages venv clean

# Bash with pipefail: pip's output is filtered to one line a package, and its failure must still stop make.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
# pip prints a line per package being fetched; keep those and the summary, drop the rest.
PIP_PROGRESS := awk '/^Collecting /{n++; sub(/^Collecting /, "  · "); sub(/ \(from .*/, ""); print; fflush()} \
	/^Requirement already satisfied/{kept++} /^(Successfully installed|ERROR)/{print; fflush()} \
	END {if (!n) print "  already installed (" kept " packages)"}'

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Ruziniu needs Python 3.11 or newer; this is " + sys.version.split()[0] + ". Run: make PYTHON=python3.11 …")'
	@echo "==> Making the virtual environment $(VENV) with $$($(PYTHON) --version)"
	$(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip

# What running needs (requirements.txt); make test adds requirements-dev.txt.
$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	@echo "==> Installing what Ruziniu needs to run (requirements.txt: $$(grep -cE '^[A-Za-z]' requirements.txt) packages and their dependencies)"
	@$(PY) -m pip install --disable-pip-version-check -r requirements.txt | $(PIP_PROGRESS)
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	@echo "==> Installing the test, lint, fuzzing and browser packages (requirements-dev.txt)"
	@$(PY) -m pip install --disable-pip-version-check -r requirements-dev.txt | $(PIP_PROGRESS)
	@touch $@

venv: $(VENV)/.installed

# The demo runs as production does (DEBUG off: the friendly error pages, static files through whitenoise), over
# plain HTTP on this machine: no HTTPS redirect, no Secure-only cookies. Its secret key is made once in .venv.
DEMO_ENV = DEBUG=false SECRET_KEY="$$(cat $(VENV)/demo-secret-key)" ALLOWED_HOSTS="$${ALLOWED_HOSTS:-$(HOST),localhost,127.0.0.1}" \
	SECURE_SSL_REDIRECT=false SECURE_COOKIES=false SECURE_HSTS_SECONDS=0

$(VENV)/demo-secret-key: | $(VENV)/bin/python
	@$(PY) -c 'import secrets; print(secrets.token_urlsafe(64))' > $@

run: venv $(VENV)/demo-secret-key
	@echo "==> Preparing the database ($${DATABASE_URL:-SQLite file db.sqlite3})"
	@$(DEMO_ENV) $(PY) manage.py migrate --noinput | awk '/^  Applying/{n++} END {print "  " (n ? n " migrations applied" : "already up to date")}'
	@echo "==> Collecting the static files (served by the app through whitenoise)"
	@$(DEMO_ENV) $(PY) manage.py collectstatic --noinput -v 0
	@echo "==> Loading the handbook and the demo data"
	@$(DEMO_ENV) $(PY) manage.py load_demo
	@echo "==> Ruziniu on http://$(HOST):$(PORT)/ — logins admin, staff, director, huifang, handbook, committee, haifang; password ruziniu-demo (Ctrl-C stops it)"
	@if [ -n "$$CELERY_BROKER_URL" ]; then \
	  $(DEMO_ENV) $(VENV)/bin/celery -A governance worker --beat --loglevel=info & WORKER=$$!; \
	  trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	  $(DEMO_ENV) $(PY) manage.py runserver $(HOST):$(PORT); \
	else \
	  $(DEMO_ENV) $(PY) manage.py runserver $(HOST):$(PORT); \
	fi

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Two processes (pytest-xdist): the suite is I/O-bound (browser, worker, databases); each process gets its own test database.
test: lint
	$(VENV)/bin/pytest -n 2

worker: venv
	$(VENV)/bin/celery -A governance worker --loglevel=info

beat: venv
	$(VENV)/bin/celery -A governance beat --loglevel=info

serve: venv
	$(PY) manage.py collectstatic --noinput
	$(VENV)/bin/gunicorn governance.wsgi -c deploy/gunicorn.conf.py --bind $(HOST):$(PORT) --access-logfile -

messages: venv
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=staticfiles --ignore=bench --ignore=tests
	$(PY) manage.py compilemessages -l en --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
