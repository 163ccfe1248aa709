import time

from django.core.management.base import BaseCommand

from alerts import services
from alerts.management.commands._when import parse_at


class Command(BaseCommand):
    help = (
        "Raise early warnings: surges, many residents on one matter, repeat callers, recurrences (what Celery "
        "beat runs). Running it again raises no duplicate."
    )

    def add_arguments(self, parser):
        parser.add_argument("--at", help="detect as at this ISO date-time (default: now)")

    def handle(self, *args, **options):
        started = time.monotonic()
        counts = services.warnings_detect(at=parse_at(options["at"]))
        summary = " ".join(f"{kind}={c['raised']}/{c['found']}" for kind, c in counts.items())
        self.stdout.write(self.style.SUCCESS(f"raised/found: {summary} in {time.monotonic() - started:.2f} s"))
