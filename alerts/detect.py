"""The detector's four rules, each a few set-based queries: the database groups and counts, and only the groups
that fire (or the few thousand cases of the last days) come back to Python. No per-case query."""

import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q
from scipy.stats import poisson

from alerts.models import WarningKind
from cases.models import DONE_STATUSES, Case, Complainant
from matters.models import CaseLink, ClassStatus, LinkKind, LinkStatus
from matters.selectors import link_components

SCOPES = (
    # (scope, the case column grouped on); narrower first: a wider surge only counts if it adds cases.
    ("estate", "estate_id"),
    ("neighbourhood", "neighbourhood_id"),
    ("matter_class", "class_memberships__matter_class_id"),
)


@dataclass
class Finding:
    kind: str
    subject: str
    case_ids: list[int]
    window_days: int
    neighbourhood_id: int | None = None
    estate_id: int | None = None
    category_id: int | None = None
    matter_class_id: int | None = None
    facts: dict = field(default_factory=dict)


def phone_key(phone: str) -> str:
    """A keyed hash of a phone number (HMAC-SHA256 with SECRET_KEY): equal numbers match, no number is shown."""
    return hmac.new(settings.SECRET_KEY.encode(), phone.encode(), hashlib.sha256).hexdigest()[:32]


def _one(values) -> int | None:
    """The common value of `values`, or None when they differ."""
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def surge_p(recent: int, baseline: int, *, days: int, weeks: int, prior: float) -> tuple[float, float]:
    """(expected cases in `days`, P(X ≥ recent)) under a Poisson model of the smoothed baseline rate."""
    expected = (baseline + prior) / (weeks * 7) * days
    return expected, float(poisson.sf(recent - 1, expected))


def surges(at: datetime) -> list[Finding]:
    """One category at one estate / neighbourhood / class of matters, improbably many in the last days."""
    days, weeks = settings.ALERTS_SURGE_DAYS, settings.ALERTS_SURGE_BASELINE_WEEKS
    start = at - timedelta(days=days)
    window = Case.objects.filter(received_at__gte=start - timedelta(weeks=weeks), received_at__lt=at)
    counts = {
        "recent": Count("id", filter=Q(received_at__gte=start)),
        "baseline": Count("id", filter=Q(received_at__lt=start)),
    }
    prior, limit = settings.ALERTS_SURGE_PRIOR_CASES, settings.ALERTS_SURGE_P
    findings: list[Finding] = []
    covered: dict[int | None, set[int]] = defaultdict(set)
    for scope, column in SCOPES:
        rows = window.exclude(**{f"{column}__isnull": True})
        if scope == "matter_class":
            active = [ClassStatus.PROPOSED, ClassStatus.CONFIRMED]
            rows = rows.filter(class_memberships__matter_class__status__in=active)
            groups = rows.values(column).annotate(**counts)
        else:
            groups = rows.values(column, "category_id").annotate(**counts)
        for group in groups.filter(recent__gte=settings.ALERTS_SURGE_MIN_CASES).order_by(column):
            expected, p = surge_p(group["recent"], group["baseline"], days=days, weeks=weeks, prior=prior)
            if p >= limit:
                continue
            category_id = group.get("category_id")
            members = Case.objects.filter(received_at__gte=start, received_at__lt=at, **{column: group[column]})
            if category_id:
                members = members.filter(category_id=category_id)
            rows_of = list(members.values_list("id", "neighbourhood_id", "estate_id", "category_id"))
            ids = {row[0] for row in rows_of}
            seen = covered[category_id] if category_id else set().union(*covered.values())
            # A wider scope warns only of what a narrower one has not: its cases outside the narrower warnings
            # must be a surge by themselves (six at one estate are not also a surge of its neighbourhood).
            rest = len(ids - seen)
            if rest < settings.ALERTS_SURGE_MIN_CASES:
                continue
            if rest < len(ids) and surge_p(rest, group["baseline"], days=days, weeks=weeks, prior=prior)[1] >= limit:
                continue
            covered[category_id or _one(row[3] for row in rows_of)] |= ids
            findings.append(
                Finding(
                    kind=WarningKind.SURGE,
                    subject=f"surge:{scope}:{group[column]}:{category_id or ''}",
                    case_ids=sorted(ids),
                    window_days=days,
                    neighbourhood_id=_one(row[1] for row in rows_of),
                    estate_id=group[column] if scope == "estate" else _one(row[2] for row in rows_of),
                    category_id=category_id or _one(row[3] for row in rows_of),
                    matter_class_id=group[column] if scope == "matter_class" else None,
                    facts={
                        "scope": scope,
                        "recent": group["recent"],
                        "baseline": group["baseline"],
                        "days": days,
                        "weeks": weeks,
                        "expected": round(expected, 3),
                        "p": p,
                    },
                )
            )
    return findings


def _resident(row) -> str:
    """Who called: the phone's key, else the name, else the case itself (an anonymous caller counts once)."""
    case_id, phone, name = row[0], row[1], row[2]
    return f"p:{phone}" if phone else (f"n:{name}" if name else f"c:{case_id}")


def many_residents(at: datetime) -> list[Finding]:
    """At least N different residents about one matter within the days: cases joined by same-matter links, cases
    merged into one work order (并单), and the co-complainants added to a case (共同诉求人)."""
    days = settings.ALERTS_MANY_RESIDENTS_DAYS
    since = at - timedelta(days=days)
    links = (
        CaseLink.objects.filter(kind=LinkKind.SAME_MATTER)
        .exclude(status=LinkStatus.REJECTED)
        .filter(case_a__received_at__gte=since, case_a__received_at__lt=at)
        .filter(case_b__received_at__gte=since, case_b__received_at__lt=at)
        .values_list("case_a_id", "case_b_id")
    )
    # A case merged into a master is the master's matter, whenever the master was received.
    merged = Case.objects.filter(merged_into__isnull=False, received_at__gte=since, received_at__lt=at).values_list(
        "id", "merged_into_id"
    )
    callers: dict[int, list[tuple]] = defaultdict(list)
    for case_id, phone, name in Complainant.objects.filter(received_at__gte=since, received_at__lt=at).values_list(
        "case_id", "phone", "name"
    ):
        callers[case_id].append((f"co:{case_id}:{len(callers[case_id])}", phone, name))
    pairs = [*links.iterator(), *merged.iterator(), *((case_id, case_id) for case_id in callers)]
    wanted_size = settings.ALERTS_MANY_RESIDENTS
    groups = [g for g in link_components(pairs) if len(g) + sum(len(callers[pk]) for pk in g) >= wanted_size]
    if not groups:
        return []
    wanted = set().union(*groups)
    rows = {
        row[0]: row
        for row in Case.objects.filter(pk__in=wanted).values_list(
            "id", "reporter_phone", "reporter_name", "neighbourhood_id", "estate_id", "category_id"
        )
    }
    findings = []
    for group in groups:
        members = [rows[pk] for pk in sorted(group) if pk in rows]
        residents = {_resident(row) for row in members}
        residents |= {_resident(caller) for pk in group for caller in callers[pk]}
        if len(residents) < settings.ALERTS_MANY_RESIDENTS:
            continue
        findings.append(
            Finding(
                kind=WarningKind.MANY_RESIDENTS,
                subject=f"many_residents:{members[0][0]}",
                case_ids=[row[0] for row in members],
                window_days=days,
                neighbourhood_id=_one(row[3] for row in members),
                estate_id=_one(row[4] for row in members),
                category_id=_one(row[5] for row in members),
                facts={"residents": len(residents), "cases": len(members), "days": days},
            )
        )
    return findings


def repeat_callers(at: datetime) -> list[Finding]:
    """One phone number on at least N cases within the days; the warning keeps only the number's keyed hash."""
    days = settings.ALERTS_REPEAT_CALLER_DAYS
    window = Case.objects.filter(received_at__gte=at - timedelta(days=days), received_at__lt=at).exclude(
        reporter_phone=""
    )
    phones = (
        window.values("reporter_phone")
        .annotate(n=Count("id"))
        .filter(n__gte=settings.ALERTS_REPEAT_CALLER_CASES)
        .values("reporter_phone")
    )
    by_phone: dict[str, list] = defaultdict(list)
    rows = window.filter(reporter_phone__in=phones).order_by("id")
    for row in rows.values_list("id", "reporter_phone", "neighbourhood_id", "estate_id", "category_id"):
        by_phone[row[1]].append(row)
    return [
        Finding(
            kind=WarningKind.REPEAT_CALLER,
            subject=f"repeat_caller:{phone_key(phone)}",
            case_ids=[row[0] for row in members],
            window_days=days,
            neighbourhood_id=_one(row[2] for row in members),
            estate_id=_one(row[3] for row in members),
            category_id=_one(row[4] for row in members),
            facts={"cases": len(members), "days": days, "categories": len({row[4] for row in members})},
        )
        for phone, members in by_phone.items()
    ]


def recurrences(at: datetime) -> list[Finding]:
    """A case of the last days about a matter resolved in the days before it: the same phone and category, or a
    same-matter link."""
    days, back = settings.ALERTS_SURGE_DAYS, timedelta(days=settings.ALERTS_RECURRENCE_DAYS)
    since = at - timedelta(days=days)
    recent = Case.objects.filter(received_at__gte=since, received_at__lt=at)
    done = Case.objects.filter(status__in=DONE_STATUSES, resolved_at__gte=since - back, resolved_at__lt=at)
    pairs: set[tuple[int, int]] = set()  # (new case, earlier resolved case)
    received: dict[int, datetime] = {}
    resolved: dict[int, datetime] = {}
    same_matter = CaseLink.objects.filter(kind=LinkKind.SAME_MATTER).exclude(status=LinkStatus.REJECTED)
    for new, old in (("a", "b"), ("b", "a")):
        linked = same_matter.filter(
            **{
                f"case_{new}__received_at__gte": since,
                f"case_{new}__received_at__lt": at,
                f"case_{old}__status__in": DONE_STATUSES,
                f"case_{old}__resolved_at__gte": since - back,
                f"case_{old}__resolved_at__lt": at,
            }
        ).values_list(f"case_{new}_id", f"case_{new}__received_at", f"case_{old}_id", f"case_{old}__resolved_at")
        for new_id, new_at, old_id, old_at in linked:
            pairs.add((new_id, old_id))
            received[new_id], resolved[old_id] = new_at, old_at
    phoned = recent.exclude(reporter_phone="").values_list("id", "reporter_phone", "category_id", "received_at")
    earlier = done.filter(reporter_phone__in=recent.exclude(reporter_phone="").values("reporter_phone"))
    by_key: dict[tuple, list] = defaultdict(list)
    for old_id, phone, category_id, old_at in earlier.values_list("id", "reporter_phone", "category_id", "resolved_at"):
        by_key[(phone, category_id)].append((old_id, old_at))
        resolved[old_id] = old_at
    for new_id, phone, category_id, new_at in phoned:
        received[new_id] = new_at
        for old_id, _old_at in by_key.get((phone, category_id), ()):
            pairs.add((new_id, old_id))
    earlier_of: dict[int, set[int]] = defaultdict(set)
    for new_id, old_id in pairs:
        if new_id != old_id and received[new_id] - back <= resolved[old_id] < received[new_id]:
            earlier_of[new_id].add(old_id)
    if not earlier_of:
        return []
    places = {
        row[0]: row
        for row in Case.objects.filter(pk__in=earlier_of.keys()).values_list(
            "id", "neighbourhood_id", "estate_id", "category_id"
        )
    }
    return [
        Finding(
            kind=WarningKind.RECURRENCE,
            subject=f"recurrence:{new_id}",
            case_ids=sorted({new_id, *olds}),
            window_days=settings.ALERTS_RECURRENCE_DAYS,
            neighbourhood_id=places[new_id][1],
            estate_id=places[new_id][2],
            category_id=places[new_id][3],
            facts={"case": new_id, "earlier": sorted(olds), "days": settings.ALERTS_RECURRENCE_DAYS},
        )
        for new_id, olds in sorted(earlier_of.items())
    ]


def findings(at: datetime) -> list[Finding]:
    """Everything the four rules find at `at`."""
    return [*surges(at), *many_residents(at), *repeat_callers(at), *recurrences(at)]
