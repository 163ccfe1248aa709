"""What residents do without signing in: progress lookups (and failed ones), online return-visit links."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, VisitChannel, VisitResult


class Lookup(models.Model):
    """One successful progress lookup of a case by a resident (who is not recorded: no address, no number)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="public_lookups", verbose_name=_("案件"))
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("进度查询记录")
        verbose_name_plural = _("进度查询记录")
        indexes = [models.Index(fields=["case", "-at"], name="track_lookup_case_at")]

    def __str__(self):
        return f"{self.case_id} {self.at:%Y-%m-%d %H:%M}"


class LookupFailure(models.Model):
    """A lookup whose reference and phone digits did not match (or that came while the limit held)."""

    at = models.DateTimeField(_("时间"), default=timezone.now)
    address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    reference = models.CharField(_("输入的编号"), max_length=40, blank=True)
    case = models.ForeignKey(
        Case,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="public_lookup_failures",
        verbose_name=_("编号对应的案件"),
    )
    limited = models.BooleanField(_("已限流"), default=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("进度查询失败记录")
        verbose_name_plural = _("进度查询失败记录")
        indexes = [models.Index(fields=["-at"], name="track_failure_at")]

    def __str__(self):
        return f"{self.address} {self.reference} {self.at:%Y-%m-%d %H:%M}"


class VisitLink(models.Model):
    """A single-use link that asks the resident about one resolution of a case.

    The token is never stored: it is an HMAC of `salt` under the SECRET_KEY (so the case page can show the
    same link again), and only its SHA-256 is kept to find the link. The database alone gives no link."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visit_links", verbose_name=_("案件"))
    resolved_at = models.DateTimeField(_("所问的办结时间"))
    salt = models.CharField(max_length=32, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("失效时间"))
    used_at = models.DateTimeField(_("作答时间"), null=True, blank=True)
    result = models.CharField(_("回访结果"), max_length=20, choices=VisitResult, blank=True)
    reason = models.TextField(_("不满意原因"), blank=True)
    channel = models.CharField(_("回访渠道"), max_length=20, choices=VisitChannel, default=VisitChannel.ONLINE)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("线上回访链接")
        verbose_name_plural = _("线上回访链接")
        constraints = [models.UniqueConstraint(fields=["case", "resolved_at"], name="track_one_link_per_resolution")]

    def __str__(self):
        return f"{self.case_id} {self.created_at:%Y-%m-%d}"

    @property
    def is_used(self) -> bool:
        return self.used_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
