"""The hot classes of matters (一类事) in a dashboard's scope, with their progress against target."""

from django.db.models import Count, Q
from django.utils import timezone

from dashboards.figures import Scope, local_midnight
from matters import progress
from matters.models import ClassStatus, MatterClass

HOT_CLASSES = 8


def hot_classes(scope: Scope) -> list[MatterClass]:
    """Classes ranked by their member cases in the scope, then by this month's growth; one query.

    Progress is matters.progress's: the members done this year against the target."""
    in_scope = scope.q("memberships__case__")
    this_month = Q(memberships__case__received_at__gte=local_midnight(timezone.localdate(scope.now).replace(day=1)))
    classes = (
        MatterClass.objects.exclude(status__in=[ClassStatus.DISMISSED, ClassStatus.MERGED])
        .annotate(
            in_scope=Count("memberships", filter=in_scope, distinct=True),
            growth=Count("memberships", filter=in_scope & this_month, distinct=True),
            members=Count("memberships", distinct=True),
            done=Count("memberships", filter=progress.done_q("memberships__"), distinct=True),
        )
        .filter(in_scope__gt=0)
        .select_related("category__parent")
        .order_by("-in_scope", "-growth", "-pk")[:HOT_CLASSES]
    )
    result = []
    for matter_class in classes:
        matter_class.percent = progress.percent(matter_class.done, matter_class.target_count)
        matter_class.year = progress.target_year()
        matter_class.bar_width = matter_class.percent * 2 if matter_class.percent is not None else 0
        result.append(matter_class)
    return result
