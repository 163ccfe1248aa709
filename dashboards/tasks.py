from celery import shared_task

from dashboards import snapshots


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def refresh_dashboard(neighbourhood_id: int | None) -> str:
    """Recompute one default dashboard's snapshot (idempotent: a second run stores the same figures)."""
    return snapshots.compute(neighbourhood_id).key


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def refresh_all_dashboards() -> int:
    """The periodic job behind `manage.py refresh_dashboards`: recompute every default dashboard."""
    return snapshots.refresh_all()
