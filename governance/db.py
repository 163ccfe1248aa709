"""Database helpers shared by the apps' bulk writes (PostgreSQL only)."""

import contextlib

from django.db import connection, transaction


@contextlib.contextmanager
def indexes_rebuilt(table: str, names: list[str] | None = None):
    """Around a bulk insert into `table`: drop the indexes `names` (with None: every index and the primary key),
    then build them again once the caller's block is done. Building an index once is faster than maintaining it
    row by row. All of it is one transaction, so a failure restores them; meanwhile other sessions' reads and
    writes of the table wait for it (DROP INDEX locks the table until commit)."""
    quote = connection.ops.quote_name
    with transaction.atomic():
        key = None
        with connection.cursor() as cursor:
            if names is None:
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'p'",
                    [table],
                )
                key = cursor.fetchone()
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname <> %s",
                    [table, key[0]],
                )
            else:
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname = ANY(%s)",
                    [table, names],
                )
            indexes = cursor.fetchall()
            if key:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(key[0])}")
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
        yield
        with connection.cursor() as cursor:
            # An index cannot be built while the new rows' foreign keys wait to be checked at commit (Django
            # declares them deferred): check them now, and defer what follows as before.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            if key:
                cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(key[0])} {key[1]}")
            for _, definition in indexes:
                cursor.execute(definition)
