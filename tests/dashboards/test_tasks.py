"""The snapshot refresh runs on a real worker (the periodic job an operator schedules)."""

import pytest

from dashboards.models import DashboardSnapshot
from dashboards.tasks import refresh_dashboard
from tests.conftest import wait_for


@pytest.mark.worker
def test_worker_recomputes_a_neighbourhoods_snapshot(celery_worker, neighbourhood, staff_user, elevator_category):
    from tests.conftest import make_case

    make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category)
    refresh_dashboard.delay(neighbourhood.pk)
    snapshot = wait_for(
        lambda: DashboardSnapshot.objects.filter(key__startswith=f"{neighbourhood.pk}:").first(),
        message="the snapshot",
    )
    assert snapshot.data["totals"]["total"] == 1
