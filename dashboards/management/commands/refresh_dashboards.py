from django.core.management.base import BaseCommand

from dashboards import snapshots


class Command(BaseCommand):
    help = "Recompute the snapshots of the default dashboards (the overview and each neighbourhood)."

    def handle(self, *args, **options):
        count = snapshots.refresh_all()
        self.stdout.write(self.style.SUCCESS(f"{count} dashboards recomputed"))
