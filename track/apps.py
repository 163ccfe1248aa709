from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "track"
    verbose_name = _("公开进度查询与线上回访")
