from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MethodsConfig(AppConfig):
    name = "methods"
    verbose_name = _("工作法")
