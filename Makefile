# Two commands: `make run` and `make test`. See README.md.
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint worker beat serve messages venv clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

venv: $(VENV)/.installed

run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo "Ruziniu on http://$(HOST):$(PORT)/ — logins admin, staff, handbook, committee, haifang; password ruziniu-demo"
	@if [ -n "$$CELERY_BROKER_URL" ]; then \
	  $(VENV)/bin/celery -A governance worker --beat --loglevel=info & WORKER=$$!; \
	  trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver $(HOST):$(PORT); \
	else \
	  $(PY) manage.py runserver $(HOST):$(PORT); \
	fi

lint: venv
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
