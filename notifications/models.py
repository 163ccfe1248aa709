"""Notifications (one row per person and event), their deliveries by e-mail and webhook, and preferences."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    DISPATCHED = "dispatched", _("派单")
    RETURNED = "returned", _("退单")
    EXTENSION_DECIDED = "extension_decided", _("延期审批")
    REMINDED = "reminded", _("催办")
    SUPERVISED = "supervised", _("督办")
    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已超期")
    ESCALATED = "escalated", _("超期升级")
    WARNING = "warning", _("预警")


class Channel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    WEBHOOK = "webhook", _("短信/政务通")


# What a person gets besides the in-app centre until they choose otherwise: e-mail for everything, the SMS/IM
# gateway for what should not wait until they next open the app.
DEFAULT_CHANNELS: dict[str, list[str]] = {
    kind: [Channel.EMAIL]
    + ([Channel.WEBHOOK] if kind in {Kind.DISPATCHED, Kind.SUPERVISED, Kind.OVERDUE, Kind.ESCALATED} else [])
    for kind in Kind.values
}


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One thing one person should know, with its link (a case or a warning)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人")
    )
    kind = models.CharField(_("类型"), max_length=30, choices=Kind)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("案件")
    )
    warning = models.ForeignKey(
        "alerts.Warning", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("预警")
    )
    title = models.CharField(_("标题"), max_length=200)
    # What makes it this notification and no other (e.g. "overdue:123:2025-06-01T09:00"): a pass that runs twice
    # finds the key taken and sends nothing.
    key = models.CharField(max_length=120, editable=False)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_user")]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_created"),
            # The bell's count on every page reads this small index only.
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"),
            models.Index(fields=["kind", "case"], name="notification_kind_case"),
        ]

    def __str__(self):
        return self.title

    @property
    def read(self) -> bool:
        return self.read_at is not None


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Delivery(models.Model):
    """One notification on one outside channel. Written with the notification; sent by the worker, which claims
    it with a conditional UPDATE, so a task delivered twice (or the sweep beside it) sends it once."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel)
    status = models.CharField(_("状态"), max_length=20, choices=DeliveryStatus, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("外发记录")
        verbose_name_plural = _("外发记录")
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel")]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="delivery_unsent",
            )
        ]

    def __str__(self):
        return f"{self.notification_id} {self.channel} {self.status}"


class Preferences(models.Model):
    """A person's channels per kind, and whether e-mails come as one daily digest."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_prefs")
    # {kind: ["email", "webhook"]}; a kind left out takes DEFAULT_CHANNELS.
    channels = models.JSONField(default=dict, blank=True)
    digest = models.BooleanField(_("每日汇总邮件"), default=False, help_text=_("邮件每天汇总发送一次，而不是逐条发送"))
    last_digest_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self):
        return str(self.user)

    def channels_for(self, kind: str) -> list[str]:
        return list(self.channels.get(kind, DEFAULT_CHANNELS[kind]))


class UnitContact(models.Model):
    """A person told of the cases dispatched to a unit (主办或协办单位)."""

    department = models.ForeignKey(
        "cases.Department", on_delete=models.CASCADE, related_name="+", verbose_name=_("单位")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unit_contacts", verbose_name=_("联系人")
    )

    class Meta:
        verbose_name = _("单位联系人")
        verbose_name_plural = _("单位联系人")
        constraints = [models.UniqueConstraint(fields=["department", "user"], name="unit_contact_unique")]

    def __str__(self):
        return f"{self.department} · {self.user}"


class EventCursor(models.Model):
    """A single row: the last case timeline event the sweep has turned into notifications (a listener that
    failed after its commit — a crashed process — leaves its event to the sweep)."""

    last_event_id = models.BigIntegerField(default=0)

    def __str__(self):
        return str(self.last_event_id)
