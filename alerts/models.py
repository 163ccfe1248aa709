"""Early warnings raised by the detector (alerts/detect.py) and what staff do with them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles


class WarningKind(models.TextChoices):
    SURGE = "surge", _("异动")
    MANY_RESIDENTS = "many_residents", _("多人同诉")
    REPEAT_CALLER = "repeat_caller", _("一人多诉")
    RECURRENCE = "recurrence", _("重复诉求")


class WarningQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every warning; a committee member those of their own neighbourhood; others none."""
        if roles.is_staff_member(user):
            return self
        hood = roles.committee_neighbourhood_id(user)
        return self.filter(neighbourhood_id=hood) if hood else self.none()

    def unacknowledged(self):
        return self.filter(acknowledged_at__isnull=True)


class Warning(models.Model):
    """One early warning: what fired, where, about which cases, and why (the counts and the baseline)."""

    kind = models.CharField(_("类型"), max_length=20, choices=WarningKind)
    title = models.CharField(_("标题"), max_length=200)
    # What the warning is about, stable across detector runs: a re-run finding the same subject within the
    # kind's window adds to this warning instead of raising a second one. Never holds a phone number.
    subject = models.CharField(max_length=120, editable=False)
    neighbourhood = models.ForeignKey(
        "places.Neighbourhood",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    estate = models.ForeignKey(
        "places.Estate", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("小区")
    )
    category = models.ForeignKey(
        "cases.Category", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("类别")
    )
    matter_class = models.ForeignKey(
        "matters.MatterClass",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("一类事"),
    )
    # Why it fired: {"recent": 6, "baseline": 0, "expected": 0.125, "p": 1.2e-9, …} (see detect.py).
    facts = models.JSONField(_("依据"), default=dict)
    cases = models.ManyToManyField("cases.Case", related_name="early_warnings", verbose_name=_("案件"))
    created_at = models.DateTimeField(_("预警时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("最近更新"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    acknowledgement = models.TextField(_("处理说明"), blank=True)

    objects = WarningQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        indexes = [
            models.Index(fields=["subject", "-updated_at"], name="warning_subject"),
            models.Index(fields=["neighbourhood", "-created_at"], name="warning_hood_created"),
        ]

    def __str__(self):
        return self.title

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class MonthlyTopic(models.Model):
    """每月一题: the one theme of a month, picked from a warning."""

    month = models.DateField(_("月份"), unique=True, help_text=_("该月的第一天"))
    warning = models.ForeignKey(Warning, on_delete=models.CASCADE, related_name="topics", verbose_name=_("预警"))
    note = models.TextField(_("说明"), blank=True)
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    chosen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("每月一题")
        verbose_name_plural = _("每月一题")
        constraints = [models.CheckConstraint(condition=Q(month__day=1), name="topic_month_first_day")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.warning}"


class DetectorRun(models.Model):
    """A single row locked while the detector runs, so that two runs never raise the same warning twice."""

    last_at = models.DateTimeField(null=True, blank=True)
    last_duration = models.FloatField(null=True, blank=True)
    last_counts = models.JSONField(default=dict)

    def __str__(self):
        return f"{self.last_at}"
