"""Reads about the handbook: each method's record, method suggestions for a case, the version history."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from statistics import median

import rjieba
from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from cases.models import ANSWERED_RESULTS, DONE_STATUSES, SATISFIED_RESULTS, Case, Category, Status
from methods.models import Method

# --- a method's record ---------------------------------------------------------------------------

DONE = Q(status__in=DONE_STATUSES)
# A case was resolved at least once if it is done now or was sent back for rework after a resolve.
EVER_RESOLVED = DONE | Q(rework_count__gt=0)
COUNTS = {
    "resolved": Count("pk", filter=DONE),
    "ever_resolved": Count("pk", filter=EVER_RESOLVED),
    "reworked": Count("pk", filter=Q(rework_count__gt=0)),
    "visited": Count("pk", filter=Q(visit_result__in=ANSWERED_RESULTS)),
    "satisfied": Count("pk", filter=Q(visit_result__in=SATISFIED_RESULTS)),
}
TOOK = ExpressionWrapper(F("resolved_at") - F("received_at"), output_field=DurationField())


@dataclass
class Figures:
    """The record of a set of cases handled with one method."""

    resolved: int = 0
    ever_resolved: int = 0
    reworked: int = 0
    visited: int = 0
    satisfied: int = 0
    median_days: float | None = None

    @property
    def satisfaction_rate(self) -> float | None:
        """(满意 + 基本满意) / cases with a return-visit result."""
        return self.satisfied / self.visited if self.visited else None

    @property
    def rework_rate(self) -> float | None:
        """Cases sent back after an unsatisfied visit / cases resolved at least once."""
        return self.reworked / self.ever_resolved if self.ever_resolved else None


@dataclass
class MethodRecord:
    total: Figures
    by_category: list[tuple[str, Figures]]
    by_year: list[tuple[int, Figures]]


class Median(Aggregate):
    """PostgreSQL's ordered-set median; works on intervals."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def _grouped(cases: QuerySet, **keys) -> dict[tuple, Figures]:
    """Counts and the median time to resolve per group. PostgreSQL computes all of it in one query;
    SQLite has no percentile aggregate, so there the durations are fetched and the median taken here."""
    names = list(keys)
    in_database = connection.vendor == "postgresql"
    aggregates = {**COUNTS, "median": Median(TOOK, filter=DONE)} if in_database else COUNTS
    rows = cases.annotate(**keys).values(*names).annotate(**aggregates).order_by()
    figures = {}
    for row in rows:
        figures[tuple(row[name] for name in names)] = Figures(**{k: row[k] for k in COUNTS})
        if in_database and row["median"] is not None:
            figures[tuple(row[name] for name in names)].median_days = round(row["median"].total_seconds() / 86400, 1)
    if in_database:
        return figures
    took = defaultdict(list)
    done = cases.filter(DONE, resolved_at__isnull=False).annotate(**keys, took=TOOK)
    for *key, duration in done.values_list(*names, "took"):
        took[tuple(key)].append(duration.total_seconds() / 86400)
    for key, days in took.items():
        figures[key].median_days = round(median(days), 1)
    return figures


def method_cases(method: Method, user) -> QuerySet:
    """The cases handled with `method` that `user` may see."""
    return Case.objects.visible_to(user).filter(method=method)


def _counted(user) -> QuerySet:
    # Figures are counts without any resident's details, so by default they cover the whole sub-district:
    # the handbook is for everyone to learn from, and a handbook admin may see no single case at all.
    return Case.objects.all() if user is None else Case.objects.visible_to(user)


def method_record(method: Method, user=None) -> MethodRecord:
    """Cases resolved, median days to resolve, satisfaction and rework rates: overall, by category, by year.

    Over the whole sub-district, or over the cases `user` may see when a user is given."""
    cases = _counted(user).filter(method=method)
    total = _grouped(cases, one=F("method_id")).get((method.pk,), Figures())
    by_category = _grouped(cases, cat=F("category_id"))
    labels = {
        c.pk: str(c) for c in Category.objects.filter(pk__in=[k[0] for k in by_category]).select_related("parent")
    }
    by_year = _grouped(cases, year=ExtractYear("received_at"))
    return MethodRecord(
        total=total,
        by_category=sorted(((labels[k[0]], f) for k, f in by_category.items()), key=lambda item: -item[1].resolved),
        by_year=sorted(((k[0], f) for k, f in by_year.items()), reverse=True),
    )


def handbook_comparison(user=None) -> dict[int, Figures]:
    """Every method's overall record keyed by method id, for the side-by-side index (scoped as method_record)."""
    cases = _counted(user).filter(method__isnull=False)
    return {key[0]: figures for key, figures in _grouped(cases, method_key=F("method_id")).items()}


# --- suggestions ---------------------------------------------------------------------------------

LOOKBACK = timedelta(days=365)
MAX_EVIDENCE = 2000  # the most recent resolved cases of the category considered
SIMILAR = 0.3  # a past case whose text covers this share of the bigrams is "内容相近"


@dataclass
class Suggestion:
    method: Method
    reason: str
    score: float
    cases: int = 0
    similar: int = 0
    satisfaction_rate: float | None = None


@dataclass
class _Tally:
    score: float = 0.0
    cases: int = 0
    similar: int = 0
    visited: int = 0
    satisfied: int = 0


def bigrams(text: str) -> set[str]:
    """Character bigrams of the letters and digits in `text` (Chinese has no spaces between words)."""
    chars = [c for c in text.lower() if c.isalnum()]
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}


def similarity(query: set[str], other: set[str]) -> float:
    """The overlap coefficient of two bigram sets, 0 to 1."""
    if not query or not other:
        return 0.0
    return len(query & other) / min(len(query), len(other))


def _outcome(status: str, visit_result: str, rework_count: int) -> float:
    # What "worked" means: a satisfied return visit counts fully, a resolve awaiting its visit counts
    # less, and a case that had to be reworked before it was resolved counts half.
    worth = 1.0 if status == Status.CLOSED and visit_result in SATISFIED_RESULTS else 0.6
    return worth / 2 if rework_count else worth


def suggest_methods(*, category, text: str = "", limit: int = 3, now: datetime | None = None) -> list[Suggestion]:
    """Rank the methods in use by what resolved similar cases (same category, similar text) in the past year.

    No resolved case of the category in that year, no suggestion."""
    if category is None:
        return []
    since = (now or timezone.now()) - LOOKBACK
    evidence = (
        Case.objects.filter(category=category, status__in=DONE_STATUSES, resolved_at__gte=since)
        .filter(method__isnull=False, method__is_active=True)
        .order_by("-resolved_at")
        .values_list("method_id", "title", "description", "status", "visit_result", "rework_count")[:MAX_EVIDENCE]
    )
    query = bigrams(text)
    tallies: dict[int, _Tally] = defaultdict(_Tally)
    for method_id, title, description, status, visit_result, rework_count in evidence:
        tally = tallies[method_id]
        alike = similarity(query, bigrams(f"{title} {description}")) if query else 1.0
        tally.score += (0.2 + 0.8 * alike) * _outcome(status, visit_result, rework_count)
        tally.cases += 1
        tally.similar += bool(query) and alike >= SIMILAR
        tally.visited += visit_result in ANSWERED_RESULTS
        tally.satisfied += visit_result in SATISFIED_RESULTS
    ranked = sorted(tallies.items(), key=lambda item: (-item[1].score, -item[1].cases))[:limit]
    methods = Method.objects.in_bulk([method_id for method_id, _tally in ranked])
    return [_suggestion(methods[method_id], tally, category, bool(query)) for method_id, tally in ranked]


def _suggestion(method: Method, tally: _Tally, category, with_text: bool) -> Suggestion:
    rate = tally.satisfied / tally.visited if tally.visited else None
    reason = _("近一年同类“%(category)s”案件 %(count)s 件用此方法办结") % {
        "category": category.name,
        "count": tally.cases,
    }
    if with_text:
        reason += _("，其中 %(similar)s 件内容相近") % {"similar": tally.similar}
    if rate is None:
        reason += _("，尚无回访结果")
    else:
        reason += _("，满意率 %(rate)s%%") % {"rate": round(rate * 100)}
    return Suggestion(
        method=method,
        reason=reason,
        score=round(tally.score, 3),
        cases=tally.cases,
        similar=tally.similar,
        satisfaction_rate=rate,
    )


# --- versions ------------------------------------------------------------------------------------


@dataclass
class FieldChange:
    label: str
    diff: SafeString


@dataclass
class Version:
    record: object  # a HistoricalMethod row
    number: int
    changes: list[FieldChange] = field(default_factory=list)
    is_current: bool = False


def diff_html(old: str, new: str) -> SafeString:
    """Word-level diff of two texts as escaped HTML with <del> and <ins>.

    Chinese has no spaces: the texts are cut into words by rjieba (the segmentation of the similarity index), so
    a changed phrase shows as one struck-out phrase and one inserted phrase, not interleaved single characters."""
    old_words, new_words = _words(old), _words(new)
    matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
    parts = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(old_words[a0:a1])))
            continue
        if a1 > a0:
            parts.append(f"<del>{escape(''.join(old_words[a0:a1]))}</del>")
        if b1 > b0:
            parts.append(f"<ins>{escape(''.join(new_words[b0:b1]))}</ins>")
    return mark_safe("".join(parts))  # every piece is escaped above


def _words(text: str) -> list[str]:
    """The words of `text` and what lies between them, which join back into `text`."""
    return rjieba.cut(text) if text else []


def _shown(value) -> str:
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return "" if value is None else str(value)


def _categories_diff(old_rows: list[dict], new_rows: list[dict]) -> SafeString:
    """Removed categories struck out, added ones inserted, kept ones plain, in category order."""
    old, new = {row["category"] for row in old_rows}, {row["category"] for row in new_rows}
    parts = []
    for category in Category.objects.filter(pk__in=old | new).select_related("parent"):
        name = escape(str(category))
        if category.pk not in new:
            parts.append(f"<del>{name}</del>")
        elif category.pk not in old:
            parts.append(f"<ins>{name}</ins>")
        else:
            parts.append(name)
    return mark_safe("、".join(parts))  # every name is escaped above


def method_versions(method: Method) -> list[Version]:
    """Every saved version of `method`, newest first, each with a readable diff against the one before."""
    records = list(method.history.select_related("history_user").order_by("history_date", "history_id"))
    versions, previous = [], None
    for number, record in enumerate(records, start=1):
        version = Version(record=record, number=number)
        if previous is not None:
            for change in record.diff_against(previous).changes:
                label = str(Method._meta.get_field(change.field).verbose_name)
                if change.field == "categories":
                    diff = _categories_diff(change.old, change.new)
                else:
                    diff = diff_html(_shown(change.old), _shown(change.new))
                version.changes.append(FieldChange(label, diff))
        versions.append(version)
        previous = record
    if versions:
        versions[-1].is_current = True
    return versions[::-1]
