"""The outside channels: e-mail, the signed webhook to a real local HTTP server, choices, digests, outages."""

from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from cases.services import case_transition
from notifications import services
from notifications.channels import DeliveryFailed
from notifications.models import Channel, Delivery, DeliveryStatus, Kind, Notification, Preferences
from notifications.tasks import deliver


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def dispatch(case, staff_user, worker_user, on_commit):
    with on_commit():
        case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=worker_user)


def test_a_dispatch_is_e_mailed_with_a_link_to_the_case(case, staff_user, worker_user, on_commit, mailoutbox):
    dispatch(case, staff_user, worker_user, on_commit)
    [mail] = mailoutbox
    assert mail.to == ["xiaoli@example.gov.cn"]
    assert mail.subject == f"【孺子牛】新派单：{case.reference} {case.title}"
    assert f"/cases/{case.pk}/" in mail.body
    assert Delivery.objects.get(channel=Channel.EMAIL).status == DeliveryStatus.SENT


def test_a_dispatch_reaches_the_gateway_signed(case, staff_user, worker_user, on_commit, gateway):
    dispatch(case, staff_user, worker_user, on_commit)
    [request] = gateway.received
    assert request["signature_valid"]
    payload = request["payload"]
    assert payload["kind"] == "dispatched"
    assert payload["user"]["username"] == "xiaoli"
    assert payload["case"] == {"id": case.pk, "reference": case.reference}
    assert "13812345678" not in str(payload) and case.reporter_name not in str(payload)
    delivery = Delivery.objects.get(channel=Channel.WEBHOOK)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)
    assert request["headers"]["X-Ruziniu-Delivery"] == str(delivery.pk)


def test_a_gateway_error_leaves_the_delivery_to_be_tried_again(case, staff_user, worker_user, on_commit, gateway):
    gateway.statuses = [503, 200]
    dispatch(case, staff_user, worker_user, on_commit)  # in-process the task's retry is not run: the sweep's is
    delivery = Delivery.objects.get(channel=Channel.WEBHOOK)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert "503" in delivery.last_error
    assert services.deliveries_sweep(at=timezone.now() + timedelta(minutes=5)) == 0  # its retry is still due
    assert services.deliveries_sweep(at=timezone.now() + timedelta(minutes=15)) == 1
    assert [r["status"] for r in gateway.received] == [503, 200]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 2, "")


def test_a_delivery_that_keeps_failing_is_given_up_after_its_attempts(
    case, staff_user, worker_user, on_commit, gateway
):
    gateway.statuses = [500]
    dispatch(case, staff_user, worker_user, on_commit)
    delivery = Delivery.objects.get(channel=Channel.WEBHOOK)
    for _attempt in range(services.MAX_ATTEMPTS - 2):
        with pytest.raises(DeliveryFailed):
            services.delivery_send(delivery_id=delivery.pk)
    assert services.delivery_send(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, services.MAX_ATTEMPTS)
    assert services.deliveries_sweep(at=timezone.now() + timedelta(hours=1)) == 0


def test_a_delivery_already_sent_is_not_sent_again(case, staff_user, worker_user, on_commit, gateway):
    dispatch(case, staff_user, worker_user, on_commit)
    delivery = Delivery.objects.get(channel=Channel.WEBHOOK)
    assert deliver.delay(delivery.pk).get() == "skipped"
    assert len(gateway.received) == 1


def test_with_the_broker_down_nothing_is_lost_and_the_sweep_sends_it(
    case, staff_user, worker_user, on_commit, gateway, mailoutbox, monkeypatch
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(deliver, "apply_async", broker_down)
    dispatch(case, staff_user, worker_user, on_commit)
    assert Notification.objects.filter(user=worker_user, kind=Kind.DISPATCHED).exists()
    assert (len(gateway.received), len(mailoutbox)) == (0, 0)
    monkeypatch.undo()
    assert services.deliveries_sweep(at=timezone.now() + timedelta(minutes=3)) == 2
    assert (len(gateway.received), len(mailoutbox)) == (1, 1)
    assert services.deliveries_sweep(at=timezone.now() + timedelta(minutes=30)) == 0


def test_a_person_who_turned_a_channel_off_gets_only_the_in_app_notification(
    case, staff_user, worker_user, on_commit, gateway, mailoutbox, client
):
    client.force_login(worker_user)
    form = {f"{kind}__{channel}": "on" for kind in Kind.values for channel in Channel.values}
    form.pop("dispatched__email")
    form.pop("dispatched__webhook")
    assert client.post("/notifications/settings/", form).status_code == 302
    dispatch(case, staff_user, worker_user, on_commit)
    assert Notification.objects.filter(user=worker_user).count() == 1
    assert (len(gateway.received), len(mailoutbox)) == (0, 0)
    assert Preferences.objects.get(user=worker_user).channels_for(Kind.OVERDUE) == ["email", "webhook"]


def test_the_daily_digest_sends_one_e_mail_a_day_instead_of_one_per_notification(
    case, staff_user, worker_user, on_commit, mailoutbox
):
    Preferences.objects.create(user=worker_user, digest=True)
    dispatch(case, staff_user, worker_user, on_commit)
    with on_commit():
        case_transition(case_id=case.pk, actor=staff_user, action="remind", note="居民催问")
    assert mailoutbox == []
    today = timezone.localtime().replace(hour=7, minute=0)
    assert services.digests_send(at=today) == 0  # before NOTIFY_DIGEST_HOUR
    evening = timezone.localtime().replace(hour=23, minute=0)
    assert services.digests_send(at=evening) == 1
    assert services.digests_send(at=evening + timedelta(minutes=5)) == 0
    [mail] = mailoutbox
    assert mail.subject == "【孺子牛】每日汇总：2 条消息"
    assert f"新派单：{case.reference}" in mail.body and f"催办：{case.reference}" in mail.body


def test_a_person_without_an_e_mail_address_still_gets_the_in_app_notification(
    case, staff_user, worker_user, on_commit, mailoutbox
):
    worker_user.email = ""
    worker_user.save()
    dispatch(case, staff_user, worker_user, on_commit)
    assert Notification.objects.filter(user=worker_user).count() == 1
    assert mailoutbox == [] and Delivery.objects.count() == 0
