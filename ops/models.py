from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker ran the periodic heartbeat task."""

    hostname = models.CharField(_("工作进程"), max_length=200, unique=True)
    seen_at = models.DateTimeField(_("最近心跳"))

    class Meta:
        verbose_name = _("工作进程心跳")
        verbose_name_plural = _("工作进程心跳")

    def __str__(self):
        return self.hostname
