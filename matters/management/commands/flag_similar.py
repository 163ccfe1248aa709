from django.core.management.base import BaseCommand, CommandError

from cases.models import Case
from matters import services
from matters.management.commands._progress import Progress


class Command(BaseCommand):
    help = "Compute similar-case links synchronously (the same code as the worker's task): one case, or all."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--all", action="store_true", help="every case (re-indexing only what changed)")
        group.add_argument("--case", metavar="REF", help="one case, by reference (JN-2025-000123) or id")
        parser.add_argument("--force", action="store_true", help="re-index even when the text has not changed")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="with --all: index in bulk here, then queue one task per case for the workers (parallel linking)",
        )

    def handle(self, *args, **options):
        if options["case"]:
            ref = options["case"]
            case = Case.objects.filter(reference=ref).first() or (
                Case.objects.filter(pk=int(ref)).first() if ref.isdigit() else None
            )
            if case is None:
                raise CommandError(f"no case {ref}")
            result = services.flag_case(case_id=case.pk, force=options["force"])
            self.stdout.write(f"{case.reference}: {result['links']} links")
            return
        if options["enqueue"]:
            count = services.flag_all_enqueued(progress=Progress(self.stderr._out))
            self.stdout.write(self.style.SUCCESS(f"{count} cases indexed and queued for linking"))
            return
        count = services.flag_all(force=options["force"], progress=Progress(self.stderr._out))
        self.stdout.write(self.style.SUCCESS(f"{count} cases flagged"))
