"""Permission-aware reads of warnings."""

from django.db.models import QuerySet
from django.http import Http404

from alerts.models import MonthlyTopic, Warning
from cases.models import Case


def warnings_for(user, *, kind: str = "", unacknowledged: bool = False) -> QuerySet[Warning]:
    """The warnings `user` may see, newest first (a committee: its neighbourhood's)."""
    warnings = Warning.objects.visible_to(user).select_related("neighbourhood", "estate", "category__parent")
    if kind:
        warnings = warnings.filter(kind=kind)
    if unacknowledged:
        warnings = warnings.unacknowledged()
    return warnings


def warning_for(user, warning_id: int) -> Warning:
    """One warning, or 404 for a warning of another neighbourhood."""
    try:
        return warnings_for(user).get(pk=warning_id)
    except Warning.DoesNotExist:
        raise Http404 from None


def warning_cases(user, warning: Warning) -> QuerySet[Case]:
    """Exactly the warning's cases that `user` may see."""
    return (
        Case.objects.visible_to(user)
        .filter(early_warnings=warning)
        .select_related(
            "category__parent", "neighbourhood", "estate", "building", "assignee", "team", "lead_department"
        )
        .order_by("-received_at", "-id")
    )


def case_ids_of(warnings) -> dict[int, list[int]]:
    """{warning id: [case ids]} in one query."""
    ids: dict[int, list[int]] = {w.pk: [] for w in warnings}
    through = Warning.cases.through.objects.filter(warning_id__in=ids).order_by("case_id")
    for warning_id, case_id in through.values_list("warning_id", "case_id"):
        ids[warning_id].append(case_id)
    return ids


def current_topics(limit: int = 12) -> QuerySet[MonthlyTopic]:
    return MonthlyTopic.objects.select_related("warning")[:limit]
