"""The dashboard's figures: each one is a filter on cases AND the case-list GET parameters that select
exactly the same cases, side by side, so that a figure and its drill-down can never disagree."""

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Aggregate, Count, F, FloatField, Q, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import ANSWERED_RESULTS, DONE_STATUSES, OPEN_STATUSES, SATISFIED_RESULTS


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def month_end(first: date) -> date:
    """The last day of the month that starts on `first`."""
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Scope:
    """Which cases the figures count: one neighbourhood or all, received within [after, before] (local dates,
    inclusive, either may be open); `month` is the month whose resolutions count as "resolved this month"."""

    neighbourhood_id: int | None = None
    after: date | None = None
    before: date | None = None
    month: date = field(default_factory=lambda: timezone.localdate().replace(day=1))
    now: datetime = field(default_factory=timezone.now)

    def q(self, prefix: str = "") -> Q:
        """The scope as a filter on cases, or on the case at the end of `prefix` (such as "memberships__case__")."""
        query = Q()
        if self.neighbourhood_id:
            query &= Q(**{f"{prefix}neighbourhood_id": self.neighbourhood_id})
        if self.after:
            query &= Q(**{f"{prefix}received_at__gte": local_midnight(self.after)})
        if self.before:
            query &= Q(**{f"{prefix}received_at__lt": local_midnight(self.before + timedelta(days=1))})
        return query

    def params(self) -> dict:
        params = {}
        if self.neighbourhood_id:
            params["neighbourhood"] = self.neighbourhood_id
        if self.after:
            params["received_after"] = self.after.isoformat()
        if self.before:
            params["received_before"] = self.before.isoformat()
        return params


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    definition: str
    q: Q
    params: dict


def figures(scope: Scope) -> list[Figure]:
    """The counted figures. `q` and `params` are two spellings of the same set of cases."""
    now, month = scope.now, scope.month
    # 满意率 counts only visits made by someone other than the case's handlers (cases/visits.py).
    all_results = list(ANSWERED_RESULTS)
    return [
        Figure("total", _("受理量"), _("受理时间在统计期间内的案件（已并单的重复件不计：同一件事只计一次）"), Q(), {}),
        Figure(
            "responded",
            _("按时响应"),
            _("签收时间不晚于首次联系时限"),
            Q(accepted_at__isnull=False, first_contact_due__isnull=False, accepted_at__lte=F("first_contact_due")),
            {"responded_in_time": 1},
        ),
        Figure(
            "late",
            _("未按时响应"),
            _("签收晚于首次联系时限，或已过时限仍未签收"),
            Q(first_contact_due__isnull=False)
            & (Q(accepted_at__isnull=True, first_contact_due__lt=now) | Q(accepted_at__gt=F("first_contact_due"))),
            {"responded_in_time": 0},
        ),
        Figure(
            "resolved",
            _("已办结"),
            _("状态为“已办结”或“已回访”"),
            Q(status__in=DONE_STATUSES),
            {"status": list(DONE_STATUSES)},
        ),
        Figure(
            "satisfied",
            _("满意"),
            _("独立回访结果为满意或基本满意"),
            Q(visit_result__in=SATISFIED_RESULTS, visit_independent=True),
            {"visit_result": list(SATISFIED_RESULTS), "visit_independent": 1},
        ),
        Figure(
            "visited",
            _("已回访"),
            _(
                "由办理人以外的人员独立回访、有回访结果（满意、基本满意或不满意）的案件；"
                "办理人本人记录的回访和三次未接通按“无法联系”结案的案件不计入"
            ),
            Q(visit_result__in=all_results, visit_independent=True),
            {"visit_result": all_results, "visit_independent": 1},
        ),
        Figure("open", _("在办"), _("尚未办结的案件"), Q(status__in=OPEN_STATUSES), {"status": list(OPEN_STATUSES)}),
        Figure(
            "overdue",
            _("超期"),
            _("尚未办结且已过办结时限"),
            Q(status__in=OPEN_STATUSES, due_at__lt=now),
            {"overdue": 1},
        ),
        Figure(
            "resolved_month",
            _("本月办结"),
            _("办结时间在所选月份内"),
            Q(resolved_at__gte=local_midnight(month), resolved_at__lt=local_midnight(add_months(month, 1))),
            {"resolved_after": month.isoformat(), "resolved_before": month_end(month).isoformat()},
        ),
        Figure("rework", _("重办"), _("回访不满意后重新办理过的案件"), Q(rework_count__gt=0), {"rework": 1}),
    ]


RATES = [
    # (key, label, numerator, denominator, definition)
    ("response_rate", _("响应率"), "responded", "due", _("按时响应件数 ÷ 已到首次联系时限或已签收的件数")),
    (
        "resolution_rate",
        _("解决率"),
        "resolved",
        "total",
        _("已办结（含已回访）件数 ÷ 受理量；同一件事并单后只计主案件一次，拆单的母案件和子案件各计一件"),
    ),
    (
        "satisfaction_rate",
        _("满意率"),
        "residents_satisfied",
        "residents_visited",
        _(
            "独立回访中满意与基本满意的诉求人数 ÷ 独立回访的诉求人数（不含无法联系）：并单的案件，主案件的"
            "诉求人、每位共同诉求人和并入案件的诉求人各计一人"
        ),
    ),
]


# The columns of a figures table: (row key, header, the figure whose cases a click on the cell lists).
TABLE_COLUMNS = [
    ("total", _("受理量"), "total"),
    ("response_rate", _("响应率"), "responded"),
    ("resolution_rate", _("解决率"), "resolved"),
    ("satisfaction_rate", _("满意率"), "satisfied"),
    ("open", _("在办"), "open"),
    ("overdue", _("超期"), "overdue"),
    ("resolved_month", _("本月办结"), "resolved_month"),
    ("median_days", _("办结用时中位数（天）"), "resolved"),
    ("rework", _("重办"), "rework"),
]
RATE_PARTS = {key: (numerator, denominator) for key, _label, numerator, denominator, _definition in RATES}


def display(row: dict, key: str) -> str:
    value = row.get(key)
    if value is None:
        return "—"
    if key in RATE_PARTS:
        return f"{value * 100:.1f}%"
    if key == "median_days":
        return f"{value:.1f}"
    return str(value)


def cells(row: dict) -> list[dict]:
    """What each cell of a figures-table row shows and where a click on it leads."""
    result = []
    for key, _label, link in TABLE_COLUMNS:
        cell = {"key": key, "text": display(row, key), "url": row["links"].get(link)}
        if key in RATE_PARTS:
            numerator, denominator = RATE_PARTS[key]
            cell["detail"] = f"{row[numerator]}/{row[denominator]}"
        result.append(cell)
    return result


class MedianDuration(Aggregate):
    """Median of `end - start` in seconds, computed by the database.

    PostgreSQL has percentile_cont; SQLite has no median, so `dash_median` is registered on each
    SQLite connection (see apps.py) and runs inside SQLite's aggregation step."""

    name = "MedianDuration"
    arg_joiner = " - "
    template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (%(expressions)s))::float8)"
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        clone = self.copy()
        clone.template = "dash_median((julianday(%(expressions)s)) * 86400.0)"
        clone.arg_joiner = ") - julianday("
        return super(MedianDuration, clone).as_sql(compiler, connection, **extra_context)


class SQLiteMedian:
    """The `dash_median` aggregate for SQLite."""

    def __init__(self):
        self.values = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return statistics.median(self.values) if self.values else None


def aggregates(scope: Scope) -> dict:
    """Conditional aggregates for every figure, plus the median time to resolve (in seconds)."""
    result = {figure.key: Count("pk", filter=figure.q) if figure.q else Count("pk") for figure in figures(scope)}
    result["median_seconds"] = MedianDuration("resolved_at", "received_at", filter=Q(status__in=DONE_STATUSES))
    # The other residents of a matter reached by its return visit (co-complainants, merged cases' residents).
    result["co_visited"] = Sum("residents_visited")
    result["co_satisfied"] = Sum("residents_satisfied")
    return result


def finish(row: dict) -> dict:
    """Add the rates (None when there is nothing to divide by) and the median in days to one aggregate row."""
    row["due"] = row["responded"] + row["late"]
    # 满意率 counts residents: each case's own plus the other residents of a merged matter (cases.merging).
    row["residents_visited"] = row["visited"] + (row.get("co_visited") or 0)
    row["residents_satisfied"] = row["satisfied"] + (row.get("co_satisfied") or 0)
    for key, _label, numerator, denominator, _definition in RATES:
        row[key] = row[numerator] / row[denominator] if row[denominator] else None
    seconds = row.get("median_seconds")
    row["median_days"] = None if seconds is None else seconds / 86400
    return row


def case_list_url(*parts: dict) -> str | None:
    """The case list filtered by the merged GET parameters; None until the case list exists."""
    try:
        base = reverse("cases:list")
    except NoReverseMatch:
        return None
    params = {}
    for part in parts:
        params.update(part)
    return f"{base}?{urlencode(params, doseq=True)}" if params else base
