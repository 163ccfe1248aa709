from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MattersConfig(AppConfig):
    """Similar cases and classes of matters (一类事): the worker's side of the product."""

    name = "matters"
    verbose_name = _("一类事")
