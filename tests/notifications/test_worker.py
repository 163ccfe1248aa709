"""A real worker: a dispatch made through the API reaches the gateway's local HTTP server, signed, retried."""

import pytest
from django.urls import reverse

from notifications.models import Channel, Delivery, DeliveryStatus
from tests.conftest import redis_available, require, start_worker, stop_worker, wait_for
from tests.notifications.conftest import SECRET


@pytest.fixture
def notify_worker(transactional_db, tmp_path, settings, gateway):
    """A `celery worker` process that knows the gateway's address and secret."""
    require(redis_available(), "Redis at CELERY_BROKER_URL is not reachable")
    from governance.celery import app

    worker = start_worker(tmp_path, extra_env={"NOTIFY_WEBHOOK_URL": gateway.url, "NOTIFY_WEBHOOK_SECRET": SECRET})
    previous_queue = app.conf.task_default_queue
    app.conf.task_always_eager = False
    app.conf.task_default_queue = worker.queue
    yield worker
    app.conf.task_default_queue = previous_queue
    stop_worker(worker)


def test_a_dispatch_reaches_the_gateway_through_the_worker_and_a_refusal_is_retried(
    notify_worker, gateway, client, case, staff_user, worker_user
):
    gateway.statuses = [503, 200]
    client.force_login(staff_user)
    response = client.post(
        reverse("api:case-move", args=[case.pk]),
        {"action": "dispatch", "assignee": worker_user.pk},
        content_type="application/json",
    )
    assert response.status_code == 200
    wait_for(lambda: gateway.accepted(), timeout=90, message=f"the gateway\n{notify_worker.output()}")
    first, second = gateway.received
    assert first["status"] == 503 and second["status"] == 200
    assert second["signature_valid"]
    assert second["payload"]["kind"] == "dispatched"
    assert second["payload"]["case"]["id"] == case.pk
    assert second["payload"]["user"]["username"] == "xiaoli"
    delivery = wait_for(
        lambda: Delivery.objects.filter(channel=Channel.WEBHOOK, status=DeliveryStatus.SENT).first(),
        message="the delivery marked sent",
    )
    assert delivery.attempts == 2
