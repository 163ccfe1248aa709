from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttachmentsConfig(AppConfig):
    """Photos and documents on cases. Cases do not know this app: it registers its hooks here."""

    name = "attachments"
    verbose_name = _("附件")

    def ready(self):
        from attachments import services
        from cases import hooks

        hooks.register_media_links(services.links_keep)
        hooks.register_personal_data(holds=services.case_holds_personal_files, erase=services.personal_files_erase)
