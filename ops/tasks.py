from celery import shared_task

from ops.services import heartbeat_record


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def record_heartbeat(self) -> str:
    hostname = self.request.hostname or "in-process"
    heartbeat_record(hostname=hostname)
    return hostname
