"""The reads behind the dashboards. Every figure is aggregated in the database, a fixed number of
queries per page whatever the number of cases.

The dashboards read roll-ups (dashboards/rollups.py) plus the open cases; the monthly report, and a user whose
visible cases in the scope are not all of them, count the cases themselves (`grouped`)."""

from dataclasses import replace
from functools import lru_cache

from django.db import connections
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts import roles
from cases.models import DONE_STATUSES, OPEN_STATUSES, Case, Category, Channel, RequestType, Status, Team
from dashboards import rollups
from dashboards.bins import median_seconds
from dashboards.classes import hot_classes
from dashboards.figures import (
    MedianDuration,
    Scope,
    add_months,
    aggregates,
    case_list_url,
    cells,
    figures,
    finish,
    local_midnight,
    month_end,
)
from dashboards.grouping import grouping_sets
from dashboards.models import LiveCase
from methods.models import Method
from places.models import Estate, Neighbourhood

# dimension: (the grouping column, the case-list parameter)
DIMENSIONS = {
    "neighbourhood": ("neighbourhood_id", "neighbourhood"),
    "category": ("category_id", "category"),
    "method": ("method_id", "method"),
    "team": ("team_id", "team"),
    "channel": ("channel_id", "channel"),
    "request_type": ("request_type_id", "request_type"),
    "estate": ("estate_id", "estate"),
}
# The dimensions with every figure (and a median); the others only need a few counts.
FULL = ["neighbourhood", "category", "method", "team"]
# What names and orders the groups: looked up after grouping by id, so that the big query joins nothing.
NAMES = {
    "neighbourhood": lambda ids: Neighbourhood.objects.filter(pk__in=ids).values("id", "name", "sort_order"),
    "category": lambda ids: Category.objects.filter(pk__in=ids).values(
        "id", "name", "sort_order", "parent_id", "parent__name", "parent__sort_order"
    ),
    "method": lambda ids: Method.objects.filter(pk__in=ids).values("id", "name", "number"),
    "team": lambda ids: Team.objects.filter(pk__in=ids).values("id", "name"),
    "channel": lambda ids: Channel.objects.filter(pk__in=ids).values("id", "name", "sort_order"),
    "request_type": lambda ids: RequestType.objects.filter(pk__in=ids).values("id", "name", "sort_order"),
    "estate": lambda ids: Estate.objects.filter(pk__in=ids).values("id", "name", "neighbourhood__name"),
}
ORDERING = {
    "neighbourhood": lambda m: (m["sort_order"], m["name"]),
    "category": lambda m: (m["parent__sort_order"], m["parent__name"], m["sort_order"], m["name"]),
    "method": lambda m: m["number"],
    "team": lambda m: m["name"],
    "channel": lambda m: (m["sort_order"], m["name"]),
    "request_type": lambda m: (m["sort_order"], m["name"]),
    "estate": lambda m: m["name"],
}
LABEL = {
    "category": lambda m: f"{m['parent__name']}›{m['name']}",
}
MONTHS_OF_INTAKE = 24
TOP_ESTATES = 10
OVERDUE_LIST = 20


def scoped_cases(user, scope: Scope) -> QuerySet[Case]:
    """The cases `user` may see that the scope counts. A committee member never gets beyond their own.

    `user` None is the snapshot task, which computes a scope the views hand out only after their checks."""
    cases = Case.objects.all() if user is None else Case.objects.visible_to(user)
    # A merged duplicate counts once, as its master (its resident counts in the master's residents_* figures).
    return cases.filter(scope.q()).exclude(status=Status.MERGED)


@lru_cache(maxsize=16)
def _figures(scope: Scope) -> list:
    """figures(scope), made once for the many rows of a page (a scope is immutable, its figures too)."""
    return figures(scope)


def links(row: dict, scope: Scope, extra: dict | None = None) -> dict:
    """The drill-down URL of each counted figure of `row`."""
    return {
        figure.key: case_list_url(scope.params(), extra or {}, figure.params)
        for figure in _figures(scope)
        if figure.key in row
    }


def dress(row: dict, scope: Scope, extra: dict | None = None) -> dict:
    """Give a figures row its drill-down links and its table cells."""
    row["links"] = links(row, scope, extra)
    if "median_days" in row:
        row["cells"] = cells(row)
    return row


def _light_aggregates(scope: Scope, dimension: str) -> dict:
    """Channels and request types need only the intake; estates the intake, open and overdue."""
    if dimension != "estate":
        return {"total": Count("pk")}
    overdue = Q(status__in=OPEN_STATUSES, due_at__lt=scope.now)
    return {
        "total": Count("pk"),
        "open": Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        "overdue": Count("pk", filter=overdue),
    }


def grouped(cases: QuerySet[Case], scope: Scope, dimensions: list[str]) -> tuple[dict, dict[str, list[dict]]]:
    """The figures over all `cases` and per group of each dimension (groups without a value left out)."""
    if connections[cases.db].vendor == "postgresql":
        return _grouped_in_one_pass(cases, scope, dimensions)
    overall = cases.aggregate(**aggregates(scope))
    per = {}
    for dimension in dimensions:
        column, _param = DIMENSIONS[dimension]
        wanted = aggregates(scope) if dimension in FULL else _light_aggregates(scope, dimension)
        rows = cases.filter(**{f"{column}__isnull": False}).values(column).annotate(**wanted).order_by()
        per[dimension] = list(rows)
    return overall, per


def _grouped_in_one_pass(cases: QuerySet[Case], scope: Scope, dimensions: list[str]) -> tuple[dict, dict]:
    """PostgreSQL: the counts of every dimension in one scan, the medians in a second one over resolved cases."""
    counted = aggregates(scope)
    counted.pop("median_seconds")
    keys = [DIMENSIONS[dimension][0] for dimension in dimensions]
    sets = {"": []} | {dimension: [DIMENSIONS[dimension][0]] for dimension in dimensions}
    rows = grouping_sets(cases.values(*keys).annotate(**counted).order_by(), sets, keys)

    full = [dimension for dimension in dimensions if dimension in FULL]
    median_keys = [DIMENSIONS[dimension][0] for dimension in full]
    resolved = cases.filter(status__in=DONE_STATUSES).values(*median_keys)
    resolved = resolved.annotate(median_seconds=MedianDuration("resolved_at", "received_at")).order_by()
    median_sets = {"": []} | {dimension: [DIMENSIONS[dimension][0]] for dimension in full}
    medians = grouping_sets(resolved, median_sets, median_keys)

    overall = rows[""][0] if rows[""] else dict.fromkeys(counted, 0)
    overall["median_seconds"] = medians[""][0]["median_seconds"] if medians[""] else None
    per = {}
    for dimension in dimensions:
        column = DIMENSIONS[dimension][0]
        found = {row[column]: row["median_seconds"] for row in medians.get(dimension, [])}
        per[dimension] = [row for row in rows[dimension] if row[column] is not None]
        if dimension in FULL:
            for row in per[dimension]:
                row["median_seconds"] = found.get(row[column])
    return overall, per


def uses_rollups(user, scope: Scope) -> bool:
    """Roll-ups count every case of a scope: they serve only a user who sees every case of it (staff, the task
    behind snapshots, a committee member in their own neighbourhood), so that no role sees more than before."""
    if user is None or roles.is_staff_member(user):
        return True
    hood = roles.committee_neighbourhood_id(user)
    return hood is not None and scope.neighbourhood_id == hood


def _counts_by_group(cases: QuerySet[Case], dimensions: list[str], counted: dict) -> dict[tuple[str, int], dict]:
    """`counted` aggregates over `cases`, overall ("all", 0) and per (dimension, id); one query on PostgreSQL."""
    columns = [DIMENSIONS[dimension][0] for dimension in dimensions]
    result = {}
    if connections[cases.db].vendor == "postgresql":
        sets = {"": []} | {dimension: [DIMENSIONS[dimension][0]] for dimension in dimensions}
        rows = grouping_sets(cases.values(*columns).annotate(**counted).order_by(), sets, columns)
        if rows[""]:
            result[(rollups.ALL, 0)] = rows[""][0]
        for dimension in dimensions:
            column = DIMENSIONS[dimension][0]
            result |= {(dimension, row[column]): row for row in rows[dimension] if row[column] is not None}
        return result
    # Elsewhere: one row per combination of the columns (these cases are few), summed here per group.
    for row in cases.values(*columns).annotate(**counted).order_by():
        groups = [(rollups.ALL, 0)] + [
            (dimension, row[column])
            for dimension, column in zip(dimensions, columns, strict=True)
            if row[column] is not None
        ]
        for group in groups:
            sums = result.setdefault(group, dict.fromkeys(counted, 0))
            for name in counted:
                sums[name] += row[name]
    return result


def _rolled_up(user, scope: Scope, dimensions: list[str]) -> tuple[dict, dict[str, list[dict]]]:
    """The figures of `grouped`, from roll-ups and the few cases whose figures move with the clock."""
    months, edges = rollups.split(scope.after, scope.before)
    if scope.neighbourhood_id:
        # Day rows cover every neighbourhood: one neighbourhood's part-months are counted from its cases.
        sums = rollups.stored(scope.neighbourhood_id, months, [])
        for start, end in edges:
            rollups.merge(sums, rollups.counted_live(scoped_cases(user, replace(scope, after=start, before=end))))
    else:
        sums = rollups.stored(None, months, edges)

    cases = scoped_cases(user, scope)
    now, month = scope.now, scope.month
    in_month = Q(resolved_at__gte=local_midnight(month), resolved_at__lt=local_midnight(add_months(month, 1)))
    if local_midnight(month) >= rollups.live_since(now):
        # The open cases and those resolved this month, from their narrow copies (LiveCase) rather than from case
        # rows spread over the whole table: same filters, same scope (LiveCase has no merged duplicate).
        is_open = Q(is_open=True)
        found = LiveCase.objects.filter(scope.q()).filter(is_open | in_month)
        late = is_open & Q(accepted=False, first_contact_due__lt=now)
    else:
        is_open = Q(status__in=OPEN_STATUSES)
        found = cases.filter(is_open | in_month)
        late = is_open & Q(accepted_at__isnull=True, first_contact_due__lt=now)
    counted = {
        "open": Count("pk", filter=is_open),
        "overdue": Count("pk", filter=is_open & Q(due_at__lt=now)),
        "late_open": Count("pk", filter=late),
        "resolved_month": Count("pk", filter=in_month),
    }
    live = _counts_by_group(found, dimensions, counted)
    unaccepted = rollups.INDEX["unaccepted_done"]
    pending = {}
    if sums.get((rollups.ALL, 0), [0] * len(rollups.FIELDS))[unaccepted]:
        # A resolved case never accepted (the workflow never makes one; kept exact all the same) is late only once
        # its first-contact deadline has passed: those still before it are counted here and taken away.
        waiting = Q(status__in=DONE_STATUSES, accepted_at__isnull=True, first_contact_due__gte=now)
        pending = _counts_by_group(cases.filter(waiting), dimensions, {"pending": Count("pk")})

    def figures_of(group: tuple[str, int]) -> dict:
        counts = dict(zip(rollups.FIELDS, sums.get(group) or [0] * len(rollups.FIELDS), strict=True))
        now_counts, waiting = live.get(group) or {}, (pending.get(group) or {}).get("pending", 0)
        late = counts["accepted_late"] + now_counts.get("late_open", 0) + counts["unaccepted_done"] - waiting
        row = {key: counts[key] for key in ("total", "responded", "resolved", "satisfied", "visited", "rework")}
        row.update(
            late=late,
            open=now_counts.get("open", 0),
            overdue=now_counts.get("overdue", 0),
            resolved_month=now_counts.get("resolved_month", 0),
            co_visited=counts["co_visited"],
            co_satisfied=counts["co_satisfied"],
            median_seconds=median_seconds(sums.get(group, [0] * len(rollups.FIELDS))[rollups.BIN_START :]),
        )
        return row

    overall = figures_of((rollups.ALL, 0))
    per = {}
    for dimension in dimensions:
        column = DIMENSIONS[dimension][0]
        keys = sorted(key for (name, key), counts in sums.items() if name == dimension and counts[0] > 0)
        rows = [{column: key, **figures_of((dimension, key))} for key in keys]
        if dimension not in FULL:
            kept = ["total", "open", "overdue"] if dimension == "estate" else ["total"]
            rows = [{column: row[column], **{key: row[key] for key in kept}} for row in rows]
        per[dimension] = rows
    return overall, per


def dashboard_figures(user, scope: Scope, dimensions: list[str]) -> tuple[dict, dict[str, list[dict]]]:
    """The figures of a dashboard: from roll-ups when they serve `user`, otherwise counted from the cases."""
    if uses_rollups(user, scope):
        return _rolled_up(user, scope, dimensions)
    return grouped(scoped_cases(user, scope), scope, dimensions)


def totals(overall: dict, scope: Scope) -> dict:
    return dress(finish(overall), scope)


def named(rows: list[dict], dimension: str, *, order=None) -> list[dict]:
    """Give each group row its id, label and `meta` (the names), in the dimension's order."""
    column, _param = DIMENSIONS[dimension]
    meta = {item["id"]: item for item in NAMES[dimension]([row[column] for row in rows])}
    label = LABEL.get(dimension, lambda m: m["name"])
    for row in rows:
        row["id"], row["meta"] = row[column], meta[row[column]]
        row["label"] = label(row["meta"])
    return sorted(rows, key=order or (lambda row: ORDERING[dimension](row["meta"])))


def figure_rows(rows: list[dict], scope: Scope, dimension: str) -> list[dict]:
    """Every figure per neighbourhood, category, method or team, in the dimension's order, with links."""
    _column, param = DIMENSIONS[dimension]
    result = []
    for row in named(rows, dimension):
        finish(row)
        row["params"] = {param: row["id"]}
        result.append(dress(row, scope, row["params"]))
    return result


def with_all_neighbourhoods(rows: list[dict], neighbourhoods, scope: Scope) -> list[dict]:
    """Side by side means every neighbourhood, including one without cases in the period."""
    found = {row["id"]: row for row in rows}
    empty = dict.fromkeys(["total", "responded", "late", "resolved", "satisfied", "visited", "open"], 0)
    empty.update(overdue=0, resolved_month=0, rework=0, median_seconds=None)
    result = []
    for hood in neighbourhoods:
        row = found.get(hood.pk)
        if row is None:
            row = finish(dict(empty))
            row.update(id=hood.pk, label=hood.name, params={"neighbourhood": hood.pk})
            dress(row, scope, row["params"])
        result.append(row)
    return result


def by_category_group(category_rows: list[dict], scope: Scope) -> list[dict]:
    """Intake per top-level category, summed from the per-category rows (no extra query)."""
    groups = {}
    for row in category_rows:
        parent_name = row["meta"]["parent__name"]
        group = groups.setdefault(parent_name, {"label": parent_name, "value": 0})
        group["value"] += row["total"]
        group["parent_id"] = row["meta"]["parent_id"]
    return list(groups.values())


def intake_bars(rows: list[dict], scope: Scope, dimension: str) -> list[dict]:
    _column, param = DIMENSIONS[dimension]
    return [
        {"label": row["label"], "value": row["total"], "url": case_list_url(scope.params(), {param: row["id"]})}
        for row in named(rows, dimension)
    ]


def intake_by_month(user, scope: Scope) -> list[dict]:
    """Cases received per month over the two years that end with the period (the period's start is ignored)."""
    last_day = scope.before or timezone.localdate()
    first_month = add_months(last_day.replace(day=1), -(MONTHS_OF_INTAKE - 1))
    window = Scope(neighbourhood_id=scope.neighbourhood_id, after=first_month, before=last_day)
    if uses_rollups(user, window):
        counts = _intake_rolled_up(user, window)
    else:
        counts = dict(
            scoped_cases(user, window)
            .annotate(month=TruncMonth("received_at"))
            .values("month")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("month", "n")
        )
        counts = {timezone.localtime(key).date() if hasattr(key, "hour") else key: n for key, n in counts.items()}
    result = []
    for index in range(MONTHS_OF_INTAKE):
        month = add_months(first_month, index)
        until = min(month_end(month), last_day)
        params = {"received_after": month.isoformat(), "received_before": until.isoformat()}
        hood = {"neighbourhood": scope.neighbourhood_id} if scope.neighbourhood_id else {}
        result.append(
            {
                "month": month,
                "label": f"{month:%Y-%m}",
                "value": counts.get(month, 0),
                "url": case_list_url(hood, params),
            }
        )
    return result


def _intake_rolled_up(user, window: Scope) -> dict:
    """Cases received per month in `window` (which starts on the first of a month) from the month rows; the
    last month, if the window ends inside it, from the day rows or the neighbourhood's cases of those days."""
    months, edges = rollups.split(window.after, window.before)
    counts = rollups.intake_by_month(window.neighbourhood_id, *months) if months else {}
    for start, end in edges:
        if window.neighbourhood_id:
            found = scoped_cases(user, replace(window, after=start, before=end)).count()
        else:
            found = rollups.day_total(start, end)
        counts[start.replace(day=1)] = counts.get(start.replace(day=1), 0) + found
    return counts


def top_estates(rows: list[dict], scope: Scope) -> list[dict]:
    """The estates with the most cases in the period, with how many are open and overdue."""
    top = sorted(rows, key=lambda row: (-row["total"], row["estate_id"]))[:TOP_ESTATES]
    result = []
    for rank, row in enumerate(named(top, "estate", order=lambda row: (-row["total"], row["label"])), start=1):
        row.update(rank=rank, params={"estate": row["id"]})
        row["links"] = links(row, scope, row["params"])
        result.append(row)
    return result


def overdue_list(user, scope: Scope) -> list[Case]:
    """The overdue cases of the scope, first due first: found among the live copies when they serve `user` (a
    few thousand narrow rows, rather than the open-cases index walked past every case received before the period)."""
    if not uses_rollups(user, scope):
        return overdue_cases(scoped_cases(user, scope), scope)
    found = LiveCase.objects.filter(scope.q(), is_open=True, due_at__lt=scope.now).order_by("due_at", "case_id")
    ids = list(found.values_list("case_id", flat=True)[:OVERDUE_LIST])
    return overdue_cases(Case.objects.filter(pk__in=ids), scope)


def overdue_cases(cases: QuerySet[Case], scope: Scope) -> list[Case]:
    return list(
        cases.filter(status__in=OPEN_STATUSES, due_at__lt=scope.now)
        .select_related("category__parent", "neighbourhood", "estate", "team", "assignee")
        .order_by("due_at", "pk")[:OVERDUE_LIST]
    )


def dashboard(user, scope: Scope, *, compare_neighbourhoods=None) -> dict:
    """Everything one dashboard page shows. `compare_neighbourhoods` adds the side-by-side table."""
    dimensions = ["category", "method", "team", "channel", "request_type", "estate"]
    if compare_neighbourhoods is not None:
        dimensions.append("neighbourhood")
    overall, per = dashboard_figures(user, scope, dimensions)
    categories = figure_rows(per["category"], scope, "category")
    data = {
        "totals": totals(overall, scope),
        "categories": categories,
        "methods": figure_rows(per["method"], scope, "method"),
        "teams": figure_rows(per["team"], scope, "team"),
        "intake_by_month": intake_by_month(user, scope),
        "intake_by_group": [
            {**group, "url": case_list_url(scope.params(), {"category_group": group["parent_id"]})}
            for group in by_category_group(categories, scope)
        ],
        "intake_by_channel": intake_bars(per["channel"], scope, "channel"),
        "intake_by_type": intake_bars(per["request_type"], scope, "request_type"),
        "estates": top_estates(per["estate"], scope),
        "overdue": overdue_list(user, scope),
        "classes": hot_classes(scope),
        "median_estimated": uses_rollups(user, scope),
    }
    if compare_neighbourhoods is not None:
        rows = figure_rows(per["neighbourhood"], scope, "neighbourhood")
        data["neighbourhoods"] = with_all_neighbourhoods(rows, compare_neighbourhoods, scope)
    return data


def report_cases(user, scope: Scope) -> QuerySet[Case]:
    """The cases of a monthly report, oldest first, with what a report line shows."""
    return (
        scoped_cases(user, scope)
        .select_related("category__parent", "channel", "request_type", "neighbourhood", "estate", "team", "method")
        .order_by("received_at", "pk")
    )
