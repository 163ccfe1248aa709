from django.core.management.base import BaseCommand

from alerts.management.commands._when import parse_at
from notifications import services


class Command(BaseCommand):
    help = (
        "Tell people of cases due soon, overdue and to escalate; send what a broker outage left behind and the "
        "daily digests (what Celery beat runs every few minutes). Running it twice sends nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--at", help="run as at this ISO date-time (default: now)")

    def handle(self, *args, **options):
        counts = services.reminders_run(at=parse_at(options["at"]))
        self.stdout.write(self.style.SUCCESS(" ".join(f"{name}={count}" for name, count in counts.items())))
