"""Daily and monthly roll-ups of the dashboards' figures, so that any period is counted without scanning cases.

A roll-up row holds, for the cases received in one month in one neighbourhood (grain "M") or on one day in all
neighbourhoods (grain "D"), and one value of one dimension (category 12, team 3, …; "all" for every case), the
counts that never change with the time of reading: intake, responded in time, accepted late, resolved, visited,
satisfied, reworked, the other residents visited and satisfied, and the resolved cases per duration bin (the
median is estimated from these: dashboards/bins.py). Merged duplicates are not counted, as on the live path.

What changes with the clock or concerns few cases is read live (dashboards/selectors.py): open, overdue and
not-yet-accepted cases from the open cases only, "resolved this month" from the resolution-date index, and, on a
neighbourhood's dashboard, the days of a period that do not fill a whole month (from that neighbourhood's cases
of those days). So a period is whole months of rows plus at most two part-months of days.

Kept current by deltas: each case service reports the case as it was and as it is (cases.hooks.cases_written)
and `apply` adds the difference of their contributions to the rows, inside the service's transaction. Additions
commute, so concurrent writers need no lock beyond the rows' own, held to their commit: a day's rows are shared by
every case received that day, so writes to such cases queue on them for the rest of each other's transaction (the
services report last, just before they write their timeline line). One upsert takes its rows in key order; a
transaction that reports twice (merging) could in principle deadlock with another that does the same in the other
order, which PostgreSQL breaks by failing one of them. Bulk paths that bypass the services call `rebuild()`
(`manage.py rebuild_rollups`), which recounts every row from the cases; so does a change of TIME_ZONE (the rows are
local days). LiveCase, the narrow copy of open and recently resolved cases, is kept by the same listener."""

import io
import operator
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import reduce

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from cases.models import ANSWERED_RESULTS, DONE_STATUSES, OPEN_STATUSES, SATISFIED_RESULTS, Case, Status
from dashboards.bins import bin_of
from dashboards.figures import add_months, local_midnight, month_end
from dashboards.models import BIN_FIELDS, COUNTS, Grain, LiveCase, Rollup

# dimension → the case column that keys it
DIMENSION_COLUMNS = {
    "neighbourhood": "neighbourhood_id",
    "category": "category_id",
    "method": "method_id",
    "team": "team_id",
    "channel": "channel_id",
    "request_type": "request_type_id",
    "estate": "estate_id",
}
ALL = "all"
FIELDS = COUNTS + BIN_FIELDS
INDEX = {name: index for index, name in enumerate(FIELDS)}
BIN_START = len(COUNTS)
# The case columns a contribution reads.
FACTS = [
    "received_at",
    "status",
    "accepted_at",
    "first_contact_due",
    "resolved_at",
    "visit_result",
    "visit_independent",
    "rework_count",
    "residents_visited",
    "residents_satisfied",
    *DIMENSION_COLUMNS.values(),
]
_DONE = set(DONE_STATUSES)
_OPEN = set(OPEN_STATUSES)
_SATISFIED = set(SATISFIED_RESULTS)
_ANSWERED = set(ANSWERED_RESULTS)

Bucket = tuple[str, date, int, str, int]  # grain, start, neighbourhood_id, dimension, key


def counted(facts: dict) -> list[tuple[int, int]]:
    """What one case adds to each of its rows: (field index, amount) pairs; none for a merged duplicate."""
    status = facts["status"]
    if status == Status.MERGED:
        return []
    accepted, due = facts["accepted_at"], facts["first_contact_due"]
    done = status in _DONE
    result = [(0, 1)]
    if accepted is not None and due is not None:
        result.append((INDEX["responded"] if accepted <= due else INDEX["accepted_late"], 1))
    elif accepted is None and due is not None and done:
        result.append((INDEX["unaccepted_done"], 1))
    if done:
        result.append((INDEX["resolved"], 1))
        if facts["resolved_at"] is not None:
            seconds = (facts["resolved_at"] - facts["received_at"]).total_seconds()
            result.append((BIN_START + bin_of(seconds), 1))
    if facts["visit_independent"] and facts["visit_result"] in _ANSWERED:
        result.append((INDEX["visited"], 1))
        if facts["visit_result"] in _SATISFIED:
            result.append((INDEX["satisfied"], 1))
    if facts["rework_count"]:
        result.append((INDEX["rework"], 1))
    if facts["residents_visited"]:
        result.append((INDEX["co_visited"], facts["residents_visited"]))
    if facts["residents_satisfied"]:
        result.append((INDEX["co_satisfied"], facts["residents_satisfied"]))
    return result


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def groups(facts: dict) -> list[tuple[str, int]]:
    """The (dimension, key) groups a case counts in: "all", and its value of each dimension it has."""
    result = [(ALL, 0)]
    for dimension, column in DIMENSION_COLUMNS.items():
        if facts[column] is not None:
            result.append((dimension, facts[column]))
    return result


def buckets(facts: dict) -> list[Bucket]:
    """The rows one case counts in: its month in its neighbourhood and its day in all, per group."""
    day = local_day(facts["received_at"])
    month, hood = day.replace(day=1), facts["neighbourhood_id"]
    result = []
    for dimension, key in groups(facts):
        result.append((Grain.MONTH, month, hood, dimension, key))
        result.append((Grain.DAY, day, 0, dimension, key))
    return result


def add(table: dict, facts: dict, sign: int = 1, *, keys=buckets) -> None:
    """Add (or with sign -1 take away) one case's contribution to `table`, in the rows `keys(facts)` names."""
    amounts = counted(facts)
    if not amounts:
        return
    for bucket in keys(facts):
        row = table.get(bucket)
        if row is None:
            row = table[bucket] = [0] * len(FIELDS)
        for index, amount in amounts:
            row[index] += sign * amount


def deltas(changes: Iterable[tuple[dict | None, dict | None]]) -> dict[Bucket, list[int]]:
    """The non-zero row differences of a set of case writes (before None: created; after None: deleted)."""
    table: dict[Bucket, list[int]] = {}
    for before, after in changes:
        if before is not None:
            add(table, before, -1)
        if after is not None:
            add(table, after, +1)
    return {bucket: row for bucket, row in table.items() if any(row)}


_KEY = ["grain", "start", "neighbourhood_id", "dimension", "key"]


def apply(changes: list[tuple[dict | None, dict | None]]) -> None:
    """Add the differences of these case writes to the roll-up rows: one upsert, rows in key order, naming only the
    counts that change (a move changes two or three of the sixty)."""
    table = deltas(changes)
    if not table:
        return
    quoted = connection.ops.quote_name
    name = quoted(Rollup._meta.db_table)
    used = [field for index, field in enumerate(FIELDS) if any(row[index] for row in table.values())]
    updates = ", ".join(
        f"{quoted(field)} = NULLIF(COALESCE({name}.{quoted(field)}, 0) + COALESCE(excluded.{quoted(field)}, 0), 0)"
        for field in used
    )
    upsert = f"ON CONFLICT ({', '.join(quoted(column) for column in _KEY)}) DO UPDATE SET {updates}"
    _insert(sorted(table.items()), upsert, Rollup._meta.db_table, used)


def _insert(rows: list[tuple[Bucket, list[int]]], tail: str, table: str, fields: list[str] = FIELDS) -> None:
    """INSERT the rows (bucket, counts) in statements of a few hundred, each followed by `tail`; the counts not in
    `fields` are all zero (NULL)."""
    quoted = connection.ops.quote_name
    columns = ", ".join(quoted(column) for column in _KEY + fields)
    one = "(" + ", ".join(["%s"] * (len(_KEY) + len(fields))) + ")"
    indexes = [INDEX[field] for field in fields]
    # SQLite takes at most 32,766 parameters a statement: 500 rows of 65 columns stay below it.
    for start in range(0, len(rows), 500):
        part = rows[start : start + 500]
        params = [value for bucket, counts in part for value in (*bucket, *(counts[i] or None for i in indexes))]
        sql = f"INSERT INTO {quoted(table)} ({columns}) VALUES {', '.join([one] * len(part))} {tail}"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def on_case_writes(*, changes) -> None:
    """The cases.hooks listener (registered in DashboardsConfig.ready)."""
    apply(changes)
    # A case written twice in one transaction (hooks.together) is kept as it is last.
    now = {(after or before)["id"]: after if after is not None else {"id": before["id"]} for before, after in changes}
    keep_live(list(now.values()))


# --- the live cases ------------------------------------------------------------------------------


def live_since(now: datetime | None = None) -> datetime:
    """The first moment of last month (local): a case resolved since then is kept in LiveCase."""
    return local_midnight(add_months(timezone.localdate(now).replace(day=1), -1))


def is_live(facts: dict, since: datetime) -> bool:
    if facts.get("status") in (None, Status.MERGED):
        return False
    return facts["status"] in _OPEN or (facts["resolved_at"] is not None and facts["resolved_at"] >= since)


_LIVE_COLUMNS = ["received_at", *DIMENSION_COLUMNS.values(), "first_contact_due", "due_at", "resolved_at"]


_LIVE_UPDATED = [field.name for field in LiveCase._meta.concrete_fields if field.name != "case_id"]


def keep_live(cases: list[dict]) -> None:
    """Insert, update or remove the LiveCase rows of these cases (facts as they are now)."""
    since = live_since()
    kept, gone = [], []
    for facts in cases:
        if not is_live(facts, since):
            gone.append(facts["id"])
            continue
        kept.append(
            LiveCase(
                case_id=facts["id"],
                is_open=facts["status"] in _OPEN,
                accepted=facts["accepted_at"] is not None,
                **{column: facts[column] for column in _LIVE_COLUMNS},
            )
        )
    if gone:
        LiveCase.objects.filter(case_id__in=gone).delete()
    if kept:
        LiveCase.objects.bulk_create(
            kept, update_conflicts=True, unique_fields=["case_id"], update_fields=_LIVE_UPDATED
        )


def prune_live() -> int:
    """Remove the rows of cases resolved before last month (they can no longer be resolved "this month")."""
    stale = LiveCase.objects.filter(is_open=False).exclude(resolved_at__gte=live_since())
    return stale.delete()[0]


def _rebuild_live(cases, live) -> None:
    """Copy every live case in one INSERT … SELECT."""
    quoted = connection.ops.quote_name
    source, target = quoted(cases._meta.db_table), quoted(live._meta.db_table)
    columns = ", ".join(quoted(column) for column in _LIVE_COLUMNS)
    open_list = ", ".join(["%s"] * len(OPEN_STATUSES))
    sql = (
        f"INSERT INTO {target} (case_id, is_open, accepted, {columns}) "
        f"SELECT id, status IN ({open_list}), accepted_at IS NOT NULL, {columns} FROM {source} "
        f"WHERE status <> %s AND (status IN ({open_list}) OR resolved_at >= %s)"
    )
    params = [*OPEN_STATUSES, Status.MERGED, *OPEN_STATUSES, live_since()]
    with connection.cursor() as cursor:
        cursor.execute(sql, [str(value) if isinstance(value, Status) else value for value in params])


@transaction.atomic
def rebuild(*, cases=Case, rows=Rollup, live=LiveCase, batch: int = 20_000) -> int:
    """Recount every roll-up row, and copy the live cases again, from the cases (idempotent); returns the number of
    roll-up rows. (`cases`, `rows` and `live` are the models, which a migration passes as they were then.)"""
    if connection.vendor == "postgresql":
        # Writers' deltas wait until the new rows are in: none lands on a row about to be replaced, and none that
        # committed before this point is missed (the count below starts after the lock).
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {rows._meta.db_table}, {live._meta.db_table} IN EXCLUSIVE MODE")
    table: dict[Bucket, list[int]] = defaultdict(lambda: [0] * len(FIELDS))
    for facts in cases.objects.exclude(status=Status.MERGED).values(*FACTS).order_by().iterator(chunk_size=batch):
        add(table, facts)
    if connection.vendor == "postgresql":
        # TRUNCATE rather than DELETE: no dead rows for a period's reads to wade through. Readers wait from here
        # to the commit (the COPY: seconds at a million cases), not during the count above.
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {rows._meta.db_table}, {live._meta.db_table}")
        _copy(table, rows._meta.db_table)
    else:
        rows.objects.all().delete()
        live.objects.all().delete()
        _insert(sorted(table.items()), "", rows._meta.db_table)
    _rebuild_live(cases, live)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {rows._meta.db_table}, {live._meta.db_table}")
    return len(table)


def _copy(table: dict[Bucket, list[int]], name: str) -> None:
    """COPY the rows in (PostgreSQL): binding sixty parameters a row took most of a rebuild's time."""
    text = io.StringIO()
    for bucket, counts in sorted(table.items()):  # a period's month rows lie together on disk
        text.write("\t".join((*map(str, bucket), *(str(count) if count else "\\N" for count in counts))))
        text.write("\n")
    text.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {name} ({', '.join(_KEY + FIELDS)}) FROM STDIN", text)


# --- reading -------------------------------------------------------------------------------------


def split(after: date | None, before: date | None) -> tuple[tuple[date | None, date | None] | None, list]:
    """A period of received dates (inclusive, either end open) as its whole months (first month, last day; None if
    there are none) and the day ranges of its part-months at either end."""
    edges = []
    first, last = after, before
    if after is not None and after.day != 1:
        end = month_end(after.replace(day=1))
        if before is not None and before <= end:
            return None, [(after, before)]
        edges.append((after, end))
        first = end + timedelta(days=1)
    if before is not None and before != month_end(before.replace(day=1)):
        start = before.replace(day=1)
        edges.append((max(start, first) if first else start, before))
        last = start - timedelta(days=1)
    if first is not None and last is not None and first > last:
        return None, edges
    return (first, last), edges


def stored(neighbourhood_id: int | None, months, days: list[tuple[date, date]]) -> dict[tuple[str, int], list[int]]:
    """The summed rows per (dimension, key): month rows of the whole months (of one neighbourhood or all), and day
    rows of the ranges `days` (day rows cover every neighbourhood)."""
    parts = []
    if months is not None:
        first, last = months
        query = Q(grain=Grain.MONTH)
        if first is not None:
            query &= Q(start__gte=first)
        if last is not None:
            query &= Q(start__lte=last)
        if neighbourhood_id:
            query &= Q(neighbourhood_id=neighbourhood_id)
        parts.append(query)
    parts += [Q(grain=Grain.DAY, start__gte=start, start__lte=end) for start, end in days]
    if not parts:
        return {}
    rows = (
        Rollup.objects.filter(reduce(operator.or_, parts))
        .values("dimension", "key")
        .annotate(**{f: Sum(f) for f in FIELDS})
        .order_by()
    )
    return {(row["dimension"], row["key"]): [row[f] or 0 for f in FIELDS] for row in rows}


def counted_live(cases) -> dict[tuple[str, int], list[int]]:
    """The same sums as `stored`, counted from a (small) set of cases: a neighbourhood's part-month days."""
    table: dict[tuple[str, int], list[int]] = {}
    for facts in cases.values(*FACTS).order_by().iterator(chunk_size=5000):
        add(table, facts, keys=groups)
    return table


def merge(into: dict, more: dict) -> dict:
    for key, row in more.items():
        if key in into:
            into[key] = [a + b for a, b in zip(into[key], row, strict=True)]
        else:
            into[key] = list(row)
    return into


def intake_by_month(neighbourhood_id: int | None, first: date, last: date) -> dict[date, int]:
    """Cases received per month from the month rows, for the whole months between `first` and `last`."""
    rows = Rollup.objects.filter(grain=Grain.MONTH, dimension=ALL, start__gte=first, start__lte=last)
    if neighbourhood_id:
        rows = rows.filter(neighbourhood_id=neighbourhood_id)
    return dict(rows.values("start").annotate(n=Sum("total")).order_by().values_list("start", "n"))


def day_total(start: date, end: date) -> int:
    """Cases received from `start` to `end` in every neighbourhood, from the day rows."""
    rows = Rollup.objects.filter(grain=Grain.DAY, dimension=ALL, start__gte=start, start__lte=end)
    return rows.aggregate(n=Sum("total"))["n"] or 0
