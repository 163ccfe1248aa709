from django.db import models


class DashboardSnapshot(models.Model):
    """The figures of one dashboard scope as last computed, served while fresh (see dashboards/snapshots.py)."""

    key = models.CharField(max_length=100, unique=True)
    data = models.JSONField()
    computed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.key} @ {self.computed_at:%Y-%m-%d %H:%M}"
