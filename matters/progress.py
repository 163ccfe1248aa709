"""One definition of a class's progress against its target, read by the class list, the class page, the
dashboard, the API and the export.

A member counts as done when its case is resolved or closed, or when staff marked it as through the route
(Membership.completed). A target is a year's target and its year follows the calendar: this year's progress
counts the members done this year (resolved this year, or marked through the route while their case is not yet
resolved). A stale target year stored on the class (an earlier year) is not shown.
"""

from django.db.models import Q
from django.utils import timezone

from cases.models import DONE_STATUSES


def target_year() -> int:
    """The year a target counts in: the current calendar year."""
    return timezone.localdate().year


def done_q(prefix: str = "", year: int | None = None) -> Q:
    """The memberships done in `year` (this year by default); `prefix` leads from the queried model to the
    membership ("memberships__" from a class, "" from a membership)."""
    year = year or target_year()
    resolved = Q(**{f"{prefix}case__status__in": DONE_STATUSES, f"{prefix}case__resolved_at__year": year})
    marked = Q(**{f"{prefix}completed": True}) & (
        Q(**{f"{prefix}case__resolved_at__isnull": True}) | Q(**{f"{prefix}case__resolved_at__year": year})
    )
    return resolved | marked


def percent(done: int, target: int | None) -> int | None:
    return min(100, round(100 * done / target)) if target else None
