"""The outside channels: e-mail through Django's mail framework, and the signed webhook of the SMS/IM gateway."""

import hashlib
import hmac
import json
import time
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from notifications.models import Notification

SIGNATURE_HEADER = "X-Ruziniu-Signature"
TIMESTAMP_HEADER = "X-Ruziniu-Timestamp"


class DeliveryFailed(Exception):
    pass


def link(notification: Notification) -> str:
    """The page a notification opens: its case, its warning, or the notification centre."""
    if notification.case_id:
        path = reverse("cases:detail", args=[notification.case_id])
    elif notification.warning_id:
        path = reverse("alerts:detail", args=[notification.warning_id])
    else:
        path = reverse("notifications:list")
    return settings.SITE_URL + path


def send_email(notification: Notification) -> None:
    user = notification.user
    if not user.email:
        raise DeliveryFailed("the user has no e-mail address")
    body = f"{notification.title}\n\n{link(notification)}\n"
    send_mail(f"【孺子牛】{notification.title}", body, None, [user.email])


def payload(notification: Notification, delivery_id: int) -> dict:
    """What the gateway receives: who, what, where to look. No resident's personal data."""
    user, case = notification.user, notification.case
    return {
        "delivery": delivery_id,
        "notification": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "created_at": notification.created_at.isoformat(),
        "url": link(notification),
        "user": {"username": user.get_username(), "name": user.get_full_name(), "email": user.email},
        "case": {"id": case.pk, "reference": case.reference} if case else None,
        "warning": notification.warning_id,
    }


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 of "<timestamp>.<body>" with the shared secret, as "sha256=<hex>" (the timestamp binds the
    signature to its moment, so a gateway can refuse replays)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def post_webhook(notification: Notification, delivery_id: int) -> None:
    url = settings.NOTIFY_WEBHOOK_URL
    if not url:
        raise DeliveryFailed("NOTIFY_WEBHOOK_URL is not set")
    body = json.dumps(payload(notification, delivery_id), ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(settings.NOTIFY_WEBHOOK_SECRET, timestamp, body),
            "X-Ruziniu-Delivery": str(delivery_id),
            "User-Agent": "ruziniu-notify/1",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.NOTIFY_WEBHOOK_TIMEOUT) as response:
            status = response.status
    except OSError as error:  # URLError, HTTPError (4xx/5xx), timeouts
        raise DeliveryFailed(f"webhook: {error}") from error
    if not 200 <= status < 300:
        raise DeliveryFailed(f"webhook answered {status}")
