"""Thin task shells around matters.services (acks_late is global: a lost worker's task runs again)."""

from celery import shared_task

from matters import services

# Stale cases one sweep takes on. Many at once are flagged in bulk (matters.bulk), whose fixed cost is reading
# the index, when they are also at least 1 in 100 of the indexed cases (services.BULK_SHARE), else one by one
# (measured at a million cases: 60-140 ms a case, so a full batch would take some 5-12 minutes; not run as one).
# A sweep that found a full batch (an import) queues the next one at once instead of waiting for beat.
SWEEP_BATCH = 5000


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=300, max_retries=8)
def flag_similar(self, case_id: int) -> dict:
    return services.flag_case(case_id=case_id)


# A bulk sweep reads the whole index first (measured: 13 s at 100,000 cases; it grows with the index),
# so it may run longer than the other tasks; still well under the broker's visibility timeout (1 hour).
@shared_task(
    bind=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=25 * 60,
    time_limit=30 * 60,
)
def sweep_similarity(self, limit: int = SWEEP_BATCH) -> int:
    count = services.similarity_sweep(limit=limit)
    if count >= limit:
        sweep_similarity.delay(limit)
    return count
