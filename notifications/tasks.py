"""Thin task shells around notifications.services (acks_late is global: a lost worker's task runs again)."""

from celery import shared_task

from notifications import services


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=5, retry_backoff_max=600, max_retries=8)
def deliver(self, delivery_id: int) -> str:
    return services.delivery_send(delivery_id=delivery_id)


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def send_reminders(self) -> dict:
    return services.reminders_run()
