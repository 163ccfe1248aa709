from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    """Early warnings (预警, 未诉先办): surges, many residents on one matter, repeat callers, recurrences."""

    name = "alerts"
    verbose_name = _("预警")
