from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MattersConfig(AppConfig):
    """Similar cases and classes of matters (一类事): the worker's side of the product."""

    name = "matters"
    verbose_name = _("一类事")

    def ready(self):
        from cases import hooks
        from matters.services import enqueue_flag

        # A case created or changed in text, category or place: find its similar cases (queued after commit).
        hooks.register(hooks.CASE_SIMILARITY_STALE, enqueue_flag)
