from django.db import models

from dashboards.bins import BIN_COUNT


class DashboardSnapshot(models.Model):
    """The figures of one dashboard scope as last computed, served while fresh (see dashboards/snapshots.py)."""

    key = models.CharField(max_length=100, unique=True)
    data = models.JSONField()
    computed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.key} @ {self.computed_at:%Y-%m-%d %H:%M}"


class Grain(models.TextChoices):
    MONTH = "M", "month"
    DAY = "D", "day"


# The counts a roll-up row keeps: those that do not depend on the time of reading (dashboards/rollups.py).
COUNTS = [
    "total",
    "responded",
    "accepted_late",
    "unaccepted_done",
    "resolved",
    "satisfied",
    "visited",
    "rework",
    "co_visited",
    "co_satisfied",
]
BIN_FIELDS = [f"bin{index:02d}" for index in range(BIN_COUNT)]


class Rollup(models.Model):
    """The counted figures of the cases received in one month in one neighbourhood, or on one day in all of
    them, per value of one dimension (dimension "all", key 0: every case). See dashboards/rollups.py."""

    grain = models.CharField(max_length=1, choices=Grain)
    start = models.DateField()  # the day, or the first day of the month (local dates)
    neighbourhood_id = models.IntegerField()  # 0 on day rows: every neighbourhood (plain column: no join, no FK)
    dimension = models.CharField(max_length=20)
    key = models.IntegerField()  # the dimension's id (category_id, …); 0 for "all"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "start", "neighbourhood_id", "dimension", "key"], name="rollup_bucket"
            )
        ]

    def __str__(self):
        return f"{self.grain} {self.start} {self.neighbourhood_id} {self.dimension}={self.key}: {self.total}"


# A zero is stored as NULL: most of a row's bins are empty, and NULLs take no room and no work in a SUM.
for _name in COUNTS + BIN_FIELDS:
    Rollup.add_to_class(_name, models.IntegerField(null=True))


class LiveCase(models.Model):
    """A narrow copy of each case whose figures move with the clock or the month: open, or resolved since the first
    of last month. The dashboards read open, overdue, late and "resolved this month" here, not from the case rows
    scattered over the whole cases table (dashboards/rollups.py keeps it)."""

    case_id = models.IntegerField(primary_key=True)
    received_at = models.DateTimeField()
    neighbourhood_id = models.IntegerField()
    category_id = models.IntegerField()
    method_id = models.IntegerField(null=True)
    team_id = models.IntegerField(null=True)
    channel_id = models.IntegerField(null=True)
    request_type_id = models.IntegerField(null=True)
    estate_id = models.IntegerField(null=True)
    is_open = models.BooleanField()
    accepted = models.BooleanField()
    first_contact_due = models.DateTimeField(null=True)
    due_at = models.DateTimeField(null=True)
    resolved_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["received_at"], name="livecase_received")]

    def __str__(self):
        return f"{self.case_id} {'open' if self.is_open else self.resolved_at}"
