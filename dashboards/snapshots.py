"""Snapshots of the default dashboards, for city scale.

Live aggregation stays exact and is used for any chosen period. The default views (the overview and each
neighbourhood over the default period) are what everyone opens; at a million cases computing them takes
seconds, so they are served from a snapshot no older than DASHBOARD_SNAPSHOT_MINUTES. A stale snapshot is
still served (the page says when it was computed) while a task recomputes it; `manage.py refresh_dashboards`
recomputes them all (run it from cron or Celery beat). DASHBOARD_SNAPSHOT_MINUTES = 0 turns snapshots off."""

import json
from datetime import date, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from dashboards import rollups, selectors
from dashboards.figures import Scope
from dashboards.forms import default_start
from dashboards.models import DashboardSnapshot
from places.models import Neighbourhood

# The parts of a dashboard kept in a snapshot; the overdue list and the classes are always read live.
KEPT = [
    "totals",
    "categories",
    "methods",
    "teams",
    "intake_by_month",
    "intake_by_group",
    "intake_by_channel",
    "intake_by_type",
    "estates",
    "neighbourhoods",
    "median_estimated",
]


def minutes() -> int:
    return settings.DASHBOARD_SNAPSHOT_MINUTES


def is_default(scope: Scope) -> bool:
    return minutes() > 0 and scope.after == default_start() and scope.before is None


def key_of(neighbourhood_id: int | None) -> str:
    return f"{neighbourhood_id or 'all'}:{default_start().isoformat()}"


def compute(neighbourhood_id: int | None) -> DashboardSnapshot:
    """Recompute and store the default dashboard of one neighbourhood (or of the whole sub-district)."""
    scope = Scope(neighbourhood_id=neighbourhood_id, after=default_start())
    compare = list(Neighbourhood.objects.all()) if neighbourhood_id is None else None
    data = selectors.dashboard(None, scope, compare_neighbourhoods=compare)
    kept = json.loads(json.dumps({name: data[name] for name in KEPT if name in data}, cls=DjangoJSONEncoder))
    snapshot, _ = DashboardSnapshot.objects.update_or_create(
        key=key_of(neighbourhood_id), defaults={"data": kept, "computed_at": scope.now}
    )
    return snapshot


def refresh_all() -> int:
    """Recompute every default dashboard; returns how many. (Also drops the live-case rows of cases resolved before
    last month, which this periodic job is the natural place for.)"""
    rollups.prune_live()
    ids = [None, *Neighbourhood.objects.values_list("pk", flat=True)]
    for neighbourhood_id in ids:
        compute(neighbourhood_id)
    DashboardSnapshot.objects.exclude(key__in=[key_of(pk) for pk in ids]).delete()
    return len(ids)


def dashboard(user, scope: Scope, *, compare_neighbourhoods=None) -> dict:
    """The dashboard for `scope`: from a snapshot for the default period, otherwise computed live.

    `computed_at` in the result is None for live figures."""
    if not is_default(scope):
        return {**selectors.dashboard(user, scope, compare_neighbourhoods=compare_neighbourhoods), "computed_at": None}
    snapshot = DashboardSnapshot.objects.filter(key=key_of(scope.neighbourhood_id)).first()
    if snapshot is None:
        snapshot = compute(scope.neighbourhood_id)
    elif snapshot.computed_at < timezone.now() - timedelta(minutes=minutes()):
        from dashboards.tasks import refresh_dashboard

        transaction.on_commit(lambda: refresh_dashboard.delay(scope.neighbourhood_id))
    data = dict(snapshot.data)
    for bar in data["intake_by_month"]:
        bar["month"] = date.fromisoformat(bar["month"])
    data.update(overdue=selectors.overdue_list(user, scope), classes=selectors.hot_classes(scope))
    data["computed_at"] = snapshot.computed_at
    return data
