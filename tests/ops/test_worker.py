import pytest

from ops.models import WorkerHeartbeat
from ops.tasks import record_heartbeat
from tests.conftest import wait_for


@pytest.mark.worker
def test_a_real_worker_runs_a_task_sent_through_the_broker(celery_worker):
    record_heartbeat.apply_async(queue=celery_worker.queue)
    beat = wait_for(
        lambda: WorkerHeartbeat.objects.filter(hostname__startswith=celery_worker.queue).first(),
        message=f"the worker's heartbeat row; worker log:\n{celery_worker.output()}",
    )
    assert beat.hostname.startswith(celery_worker.queue + ".")


def test_heartbeat_runs_in_process_without_a_broker(db):
    record_heartbeat.delay()
    assert WorkerHeartbeat.objects.count() == 1


def test_healthz_reports_database_and_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] in {"ok", "in-process"}
