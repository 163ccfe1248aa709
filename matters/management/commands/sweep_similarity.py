from django.core.management.base import BaseCommand

from matters import services
from matters.management.commands._progress import Progress


class Command(BaseCommand):
    help = "Flag every case whose similarity is stale (the same code as the periodic Celery beat sweep)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="at most this many cases")

    def handle(self, *args, **options):
        count = services.similarity_sweep(limit=options["limit"], progress=Progress(self.stderr._out))
        self.stdout.write(self.style.SUCCESS(f"{count} stale cases flagged"))
