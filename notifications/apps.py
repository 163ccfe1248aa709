from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Tells people what concerns them: in the app, by e-mail and through the SMS/IM gateway."""

    name = "notifications"
    verbose_name = _("消息通知")

    def ready(self):
        from cases import hooks
        from notifications import listeners

        hooks.register(hooks.CASE_MOVED, listeners.case_moved)
        hooks.register(hooks.EXTENSION_DECIDED, listeners.extension_decided)
        hooks.register(hooks.WARNING_RAISED, listeners.warning_raised)
