from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


def register_sqlite_median(sender, connection, **kwargs):
    """SQLite has no median aggregate; give each SQLite connection the one the dashboards use."""
    if connection.vendor == "sqlite":
        from dashboards.figures import SQLiteMedian

        connection.connection.create_aggregate("dash_median", 1, SQLiteMedian)


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("数据看板")

    def ready(self):
        from cases import hooks
        from dashboards import rollups

        connection_created.connect(register_sqlite_median, dispatch_uid="dashboards_sqlite_median")
        # The roll-ups follow every write to a case, inside its transaction (dashboards/rollups.py).
        hooks.register_case_writes(rollups.on_case_writes)
