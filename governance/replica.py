"""Reads that may come from a PostgreSQL read replica (DATABASE_REPLICA_URL): the dashboards and the exports.

    with replica.reads():
        figures = selectors.dashboard(…)

Inside the block every read goes to the "replica" database when one is configured; writes, and everything
outside such a block, go to the primary. Without DATABASE_REPLICA_URL nothing changes. A replica is a few
seconds behind at most (streaming replication): good for figures and exports, never for a page that shows what
its user has just saved. Tests mirror it onto the test database (settings.py).
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

_reading = ContextVar("reading_from_replica", default=False)
ALIAS = "replica"


@contextmanager
def reads():
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def configured() -> bool:
    return ALIAS in settings.DATABASES


class ReplicaRouter:
    """Send the reads of a `reads()` block to the replica; leave everything else to the default database."""

    def db_for_read(self, model, **hints):
        return ALIAS if _reading.get() and configured() else None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: its rows are the same rows

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"
