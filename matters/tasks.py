"""Thin task shells around matters.services (acks_late is global: a lost worker's task runs again)."""

from celery import shared_task

from matters import services


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=300, max_retries=8)
def flag_similar(self, case_id: int) -> dict:
    return services.flag_case(case_id=case_id)


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def sweep_similarity(self, limit: int = 2000) -> int:
    return services.similarity_sweep(limit=limit)
