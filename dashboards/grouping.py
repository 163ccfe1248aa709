"""Many GROUP BYs in one pass over the cases (PostgreSQL GROUPING SETS).

The ORM has no GROUPING SETS, so the query is compiled by Django (joins, the scope's WHERE, every
FILTER clause come from the same expressions the portable path uses) and only its GROUP BY clause is
swapped. One scan replaces one scan per dimension, which is what keeps the dashboards fast at city scale."""

from django.db import connections, transaction
from django.db.models import QuerySet

WORK_MEM = "64MB"


def grouping_sets(queryset: QuerySet, sets: dict[str, list[str]], keys: list[str]) -> dict[str, list[dict]]:
    """Rows of `queryset.values(...).annotate(...)` grouped by each set of value aliases in `sets`.

    `keys` are the aliases that tell the sets apart (one per non-empty set, in the same order); the empty
    set is the grand total. Returns {set name: [row dict, …]}."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    columns = {alias: column_sql for _expression, (column_sql, _params), alias in compiler.select}
    head, _group_by = sql.rsplit(" GROUP BY ", 1)
    if not head.startswith("SELECT ") or " ORDER BY " in _group_by or " HAVING " in _group_by:
        raise ValueError("grouping_sets needs a plain values().annotate() query without ordering")
    # GROUPING(k1, k2, …) has a 1 bit for each key NOT grouped in the row's set: it names the set.
    mask_sql = "GROUPING({}) AS grouping_mask".format(", ".join(columns[key] for key in keys))
    sets_sql = ", ".join("({})".format(", ".join(columns[alias] for alias in aliases)) for aliases in sets.values())
    sql = f"SELECT {mask_sql}, {head[len('SELECT ') :]} GROUP BY GROUPING SETS ({sets_sql})"

    full = (1 << len(keys)) - 1
    set_of_mask = {}
    for name, aliases in sets.items():
        grouped = [index for index, key in enumerate(keys) if key in aliases]
        mask = full
        for index in grouped:
            mask &= ~(1 << (len(keys) - 1 - index))
        set_of_mask[mask] = name
    result = {name: [] for name in sets}
    with transaction.atomic(using=queryset.db), connections[queryset.db].cursor() as cursor:
        # The hash tables of all sets, and the sorts of percentile_cont, in memory rather than on disk.
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            result[set_of_mask[row.pop("grouping_mask")]].append(row)
    return result
