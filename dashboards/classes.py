"""The hot classes of matters (一类事) in a dashboard's scope, with their progress against target."""

from django.db.models import Count, F, Q
from django.utils import timezone

from dashboards.figures import Scope, local_midnight
from matters.models import ClassStatus, MatterClass

HOT_CLASSES = 8


def hot_classes(scope: Scope) -> list[MatterClass]:
    """Classes ranked by their member cases in the scope, then by this month's growth; one query.

    Progress counts done members (resolved or closed cases, or members marked through the route) in the
    class's target year when it has one, as matters.selectors.class_progress does."""
    in_scope = scope.q("memberships__case__")
    this_month = Q(memberships__case__received_at__gte=local_midnight(timezone.localdate(scope.now).replace(day=1)))
    done = Q(memberships__completed=True) | Q(memberships__case__status__in=["resolved", "closed"])
    in_year = (
        Q(target_year__isnull=True)
        | Q(memberships__case__resolved_at__year=F("target_year"))
        | Q(memberships__case__resolved_at__isnull=True, memberships__case__received_at__year=F("target_year"))
    )
    classes = (
        MatterClass.objects.exclude(status__in=[ClassStatus.DISMISSED, ClassStatus.MERGED])
        .annotate(
            in_scope=Count("memberships", filter=in_scope, distinct=True),
            growth=Count("memberships", filter=in_scope & this_month, distinct=True),
            members=Count("memberships", distinct=True),
            done=Count("memberships", filter=done & in_year, distinct=True),
        )
        .filter(in_scope__gt=0)
        .select_related("category__parent")
        .order_by("-in_scope", "-growth", "-pk")[:HOT_CLASSES]
    )
    result = []
    for matter_class in classes:
        target = matter_class.target_count or 0
        matter_class.percent = min(100, round(100 * matter_class.done / target)) if target else None
        matter_class.bar_width = matter_class.percent * 2 if matter_class.percent is not None else 0
        result.append(matter_class)
    return result
