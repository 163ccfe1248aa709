"""At city scale the default dashboards are served from a snapshot that says how fresh it is."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from dashboards.models import DashboardSnapshot
from tests.conftest import make_case
from tests.dashboards.conftest import shown


@pytest.fixture
def snapshots_on(settings):
    settings.DASHBOARD_SNAPSHOT_MINUTES = 10


def total_shown(client, url, **params) -> int:
    return int(shown(client.get(url, params)).found[("kpi", None, "total")][0])


def test_default_dashboard_is_served_from_a_snapshot_until_it_is_stale(
    snapshots_on,
    committee_client,
    cases,
    staff_user,
    neighbourhood,
    elevator_category,
    django_capture_on_commit_callbacks,
):
    url = reverse("dashboards:neighbourhood", args=[neighbourhood.pk])
    first = total_shown(committee_client, url)
    assert DashboardSnapshot.objects.count() == 1
    make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category)

    response = committee_client.get(url)
    assert "数据更新于" in response.content.decode()
    assert total_shown(committee_client, url) == first
    assert total_shown(committee_client, url, received_after="") == first + 2  # live: a chosen period

    DashboardSnapshot.objects.update(computed_at=timezone.now() - timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert total_shown(committee_client, url) == first  # stale is served while the task recomputes
    assert len(callbacks) == 1
    assert total_shown(committee_client, url) == first + 1


def test_refresh_command_recomputes_every_default_dashboard(snapshots_on, cases, neighbourhood, other_neighbourhood):
    call_command("refresh_dashboards")
    keys = set(DashboardSnapshot.objects.values_list("key", flat=True))
    assert len(keys) == 3
    snapshot = DashboardSnapshot.objects.get(key__startswith="all:")
    assert snapshot.data["totals"]["total"] == sum(
        1 for case in cases if timezone.localdate(case.received_at) >= timezone.localdate() - timedelta(days=366)
    )
