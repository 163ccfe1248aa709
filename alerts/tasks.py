"""Thin task shell around alerts.services."""

from celery import shared_task

from alerts import services


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def detect_warnings(self) -> dict:
    return services.warnings_detect()
