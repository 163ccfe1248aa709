import time

from django.core.management.base import BaseCommand

from dashboards import rollups


class Command(BaseCommand):
    help = (
        "Recount the dashboards' roll-ups from the cases (idempotent). Run it after loading cases around the case "
        "services (bulk inserts, SQL repairs) or after changing TIME_ZONE."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = rollups.rebuild()
        self.stdout.write(self.style.SUCCESS(f"{count} roll-up rows in {time.perf_counter() - started:.1f} s"))
