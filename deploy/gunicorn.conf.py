"""gunicorn settings for Ruziniu: `make serve`, deploy/Procfile, the systemd unit and bench/load.py all start
gunicorn with `-c deploy/gunicorn.conf.py`, so the server measured is the server deployed.

A synchronous worker holds its process for the whole request, including the time it waits for PostgreSQL
(on the same host, sharing the cores). In bench/load.py runs with one worker per core plus one, each
worker was busy on the CPU a third of the time while requests queued for it; with two per core plus one
(gunicorn's own rule) another worker uses the core while one waits. Variables are read
through the strict helpers of governance/env.py, like every other setting (see the README's
configuration table).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project root, whatever the current directory
from governance.env import env_int, env_str

# HOST/PORT as in the Makefile; the systemd unit and the load benchmark pass --bind, which wins.
# Pages read a few rows each: no parallel query plans in web processes (see DATABASE_PARALLEL_WORKERS in settings).
os.environ.setdefault("DATABASE_PARALLEL_WORKERS", "0")

bind = f"{env_str('HOST', '127.0.0.1')}:{env_int('PORT', 8000, minimum=1)}"
workers = env_int("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1, minimum=1)
worker_class = "sync"
timeout = 60
graceful_timeout = 30
# Not preloaded: `kill -HUP` (systemctl reload) then loads new code into fresh workers.
preload_app = False


def post_worker_init(worker) -> None:
    """Move what the loaded app keeps for its whole life (modules, the URL map, templates, dictionaries) out of
    the garbage collector's reach: a full collection then no longer walks it, about 2 ms of a case page."""
    import gc

    gc.freeze()
